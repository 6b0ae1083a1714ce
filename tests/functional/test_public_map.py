"""The public map (issue 16, items 2 and 3): the public reports adapter on GSI8 and its GeoJSON
routes, in-process under moto with the demo municipality: only public cases of the period, one
``Query`` per page, the box, the filters, nearby reports, and never personal data."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

import pytest
from chalice.test import Client

from tests.support import aws

NOW = datetime.now(timezone.utc).replace(microsecond=0)

#: Personal data every case below is full of; none of it may reach the public.
NAME = "Драгана Милошевић"
PHONE = "064 987 6543"
JMBG = "0101990710006"
EGN = "7501020018"
BIRTH_NUMBER = "850101/1234"
EMAIL = "dragana.milosevic@example.rs"
ADDRESS = "Кнеза Милоша 14"
SECRETS = (NAME, "Милошевић", "Драгана", PHONE, JMBG, EGN, BIRTH_NUMBER, EMAIL, ADDRESS, "Кнеза Милоша")


def _case(number: str, *, category="street_lighting", type_="signal", public=True, days_ago=1,
          lat=44.0180, lon=20.9200, status="new", **changes):
    from civicdesk.domain.cases import Case, CaseType, Channel, Contact, Location, Status

    at = NOW - timedelta(days=days_ago)
    return Case(
        number=number, type=CaseType(type_), channel=Channel.WEB, category=category,
        department="public_utilities", language="sr-Cyrl", status=Status(status), public=public,
        created_at=at, updated_at=at, token_hash="x" * 64,
        description=(f"Пише {NAME}, тел. {PHONE}, ЈМБГ {JMBG}, EGN {EGN}, RČ {BIRTH_NUMBER}, "
                     f"{EMAIL}: лампа не ради испред куће у улици {ADDRESS}."),
        location=Location(lat=lat, lon=lon, address=ADDRESS) if lat is not None else None,
        contact=Contact(name=NAME, email=EMAIL, phone="+381649876543", address=ADDRESS),
        received_at=at, **changes)


def _opened(case):
    from civicdesk.domain.cases import EventKind, TimelineEvent

    return [TimelineEvent(case.number, case.created_at, EventKind.CASE_OPENED, "citizen:web", True, {})]


@pytest.fixture
def repository(aws_env):
    from civicdesk import wiring

    return wiring.case_repository()


@pytest.fixture
def client(aws_env):
    module = aws.load_function("ApiFunction")
    with Client(module.app) as test_client:
        yield test_client


@pytest.fixture
def cases(repository):
    made = {
        "light": _case("2026-000101", days_ago=1),
        "noise": _case("2026-000102", category="noise", days_ago=2, lat=44.0150, lon=20.9150),
        "private": _case("2026-000103", public=False, days_ago=3),
        "complaint": _case("2026-000104", type_="complaint", days_ago=3),
        "old": _case("2026-000105", days_ago=40),
        "resolved": _case("2026-000106", days_ago=5, status="resolved", lat=44.0300, lon=20.8900),
        "no_point": _case("2026-000107", days_ago=6, lat=None),
        "far": _case("2026-000108", category="road_damage", days_ago=7, lat=44.0900, lon=20.9900),
    }
    for case in made.values():
        repository.create(case, _opened(case))
    return made


def _reply(repository, number: str, text: str, *, status: str | None = None, public=True):
    from civicdesk.domain.cases import EventKind, Status, TimelineEvent

    case = repository.get_case(number)
    at = case.updated_at + timedelta(hours=1)
    events = [TimelineEvent(number, at, EventKind.MESSAGE_OUT, "staff:agent.ana", public,
                            {"public_text": text, "channel": "email"})]
    changed = case.with_changes(updated_at=at)
    if status:
        events.append(TimelineEvent(number, at + timedelta(seconds=1), EventKind.STATUS_CHANGED,
                                    "staff:agent.ana", True, {"status": status, "from": case.status.value}))
        changed = changed.with_changes(status=Status(status))
    repository.save_change(changed, case.version, events)


def _get(client, path: str) -> tuple[int, dict, dict]:
    response = client.http.get(path)
    return response.status_code, json.loads(response.body or b"{}"), response.headers


def _numbers(body: dict) -> list[str]:
    return [f["id"] for f in body["features"]]


def test_only_public_cases_of_the_last_30_days_newest_first_in_one_query(client, cases):
    calls = aws.dynamodb_calls()
    status, body, headers = _get(client, "/v1/public/reports?lang=en")
    assert status == 200, body
    assert calls.count("Query") == 1 and "Scan" not in calls
    assert body["type"] == "FeatureCollection" and body["next_cursor"] is None
    assert _numbers(body) == ["2026-000101", "2026-000102", "2026-000106", "2026-000107", "2026-000108"]
    assert "max-age=60" in headers["Cache-Control"]
    light = body["features"][0]
    assert light["properties"]["category_name"] and light["properties"]["status_name"] == "Received"
    assert light["properties"]["area"] == "Town centre" and light["properties"]["open"] is True
    # the street light exactly, the noise near a home as the centre of a ~250 m cell
    assert light["geometry"]["coordinates"] == [20.92, 44.018] and light["properties"]["precision_m"] == 0
    noise = body["features"][1]
    lon, lat = noise["geometry"]["coordinates"]
    assert (lon, lat) != (20.915, 44.015) and noise["properties"]["precision_m"] == 250
    assert abs(lat - 44.015) * 111_320 <= 125 and abs(lon - 20.915) * 80_000 <= 125
    assert body["features"][3]["geometry"] is None  # no point: in the list, not on the map


def test_no_personal_data_in_the_index_or_the_answers(client, repository, cases):
    _reply(repository, "2026-000101", f"Поштована {NAME}, екипа излази у {ADDRESS} сутра. "
                                      f"Звали смо {PHONE}.", status="in_progress")
    _reply(repository, "2026-000101", "Интерна белешка", public=False)
    raw = aws_index_items()
    assert raw and all(item.get("GSI8PK") == {"S": "PUBLIC"} for item in raw)
    dumped = json.dumps(raw, ensure_ascii=False)
    for secret in SECRETS:
        assert secret not in dumped, secret
    assert "contact" not in dumped and "token_hash" not in dumped and "address" not in dumped
    for path in ("/v1/public/reports", "/v1/public/reports/2026-000101",
                 "/v1/public/reports/nearby?lat=44.018&lon=20.92&category=street_lighting"):
        status, body, _ = _get(client, path)
        assert status == 200, body
        text = json.dumps(body, ensure_ascii=False)
        for secret in SECRETS:
            assert secret not in text, (path, secret)
    status, body, _ = _get(client, "/v1/public/reports/2026-000101?lang=en")
    answers = body["properties"]["answers"]
    assert [a.get("status") for a in answers] == [None, "in_progress"]
    assert "[…]" in answers[0]["text"] and "Интерна" not in json.dumps(answers, ensure_ascii=False)
    assert answers[1]["status_name"] == "In progress" and body["properties"]["status"] == "in_progress"


def aws_index_items() -> list[dict]:
    """Every item of GSI8 as DynamoDB holds it (what the index projects)."""
    from civicdesk.adapters.dynamodb.session import table_connection

    return table_connection().query("PUBLIC", index_name="GSI8").get("Items", [])


def test_private_deleted_merged_and_unknown_cases_are_not_reports(client, repository, cases):
    for number in ("2026-000103", "2026-000104", "2026-999999"):
        status, body, _ = _get(client, f"/v1/public/reports/{number}")
        assert status == 404, (number, body)
    status, body, _ = _get(client, "/v1/public/reports/2026-000105")
    assert status == 200 and body["id"] == "2026-000105"  # older than the map: its link still works
    case = repository.get_case("2026-000102")
    repository.save_change(case.with_changes(deleted_at=NOW, deleted_by="admin"), case.version, [])
    case = repository.get_case("2026-000106")
    repository.save_change(case.with_changes(merged_into="2026-000101"), case.version, [])
    case = repository.get_case("2026-000107")
    repository.save_change(case.with_changes(public=False), case.version, [])
    _, body, _ = _get(client, "/v1/public/reports")
    assert _numbers(body) == ["2026-000101", "2026-000108"]
    assert {item["number"]["S"] for item in aws_index_items()} == {"2026-000101", "2026-000105", "2026-000108"}


def test_box_period_and_filters(client, repository, cases):
    _, body, _ = _get(client, "/v1/public/reports?bbox=20.90,44.00,20.95,44.03")
    assert _numbers(body) == ["2026-000101", "2026-000102"]
    _, body, _ = _get(client, "/v1/public/reports?days=3")
    assert _numbers(body) == ["2026-000101", "2026-000102"]
    _, body, _ = _get(client, "/v1/public/reports?category=noise,road_damage")
    assert _numbers(body) == ["2026-000102", "2026-000108"]
    _, body, _ = _get(client, "/v1/public/reports?status=resolved")
    assert _numbers(body) == ["2026-000106"]


def test_pages_follow_the_cursor_one_query_each(client, cases):
    seen: list[str] = []
    cursor = None
    pages = 0
    while True:
        calls = aws.dynamodb_calls()
        _, body, _ = _get(client, "/v1/public/reports?limit=2" + (f"&cursor={cursor}" if cursor else ""))
        assert calls.count("Query") == 1 and len(calls) <= 2, calls  # (+ the configuration, once)
        seen += _numbers(body)
        pages += 1
        cursor = body["next_cursor"]
        if not cursor:
            break
    assert pages == 3 and seen == ["2026-000101", "2026-000102", "2026-000106", "2026-000107", "2026-000108"]


def test_the_port_reads_updated_after_open_and_numbers(aws_env, repository, cases):
    from civicdesk import wiring
    from civicdesk.domain.public_reports import ReportQuery

    reports = wiring.public_reports()
    calls = aws.dynamodb_calls()
    page = reports.page(ReportQuery(open=False), limit=50)
    assert [r.number for r in page.reports] == ["2026-000106"] and calls.count("Query") == 1
    page = reports.page(ReportQuery(updated_after=NOW - timedelta(days=4), open=True), limit=50)
    assert [r.number for r in page.reports] == ["2026-000101", "2026-000102"]
    page = reports.page(ReportQuery(since=NOW - timedelta(days=60), until=NOW - timedelta(days=30)), limit=50)
    assert [r.number for r in page.reports] == ["2026-000105"]
    page = reports.page(ReportQuery(numbers=("2026-000103", "2026-000108", "2026-000101")), limit=50)
    assert [r.number for r in page.reports] == ["2026-000108", "2026-000101"]
    assert reports.report("2026-000104") is None


def test_nearby_open_reports_in_the_same_category(client, repository, cases):
    _, body, headers = _get(client, "/v1/public/reports/nearby?lat=44.0181&lon=20.9201&category=street_lighting")
    # any age: the one of 40 days ago, still open, is as much a duplicate
    assert _numbers(body) == ["2026-000101", "2026-000105"]
    assert body["features"][0]["properties"]["distance_m"] < 20
    # closed ones, other categories and private ones are not offered
    _, body, _ = _get(client, "/v1/public/reports/nearby?lat=44.0300&lon=20.8900&category=street_lighting")
    assert _numbers(body) == []
    _, body, _ = _get(client, "/v1/public/reports/nearby?lat=44.0181&lon=20.9201&category=noise")
    assert _numbers(body) == []


def test_bad_queries_are_refused_with_the_field(client, cases):
    for query, field in (("bbox=21,44,20,45", "bbox"), ("category=unknown", "category"),
                         ("status=lost", "status"), ("days=31", "days"), ("limit=0", "limit"),
                         ("cursor=bm9wZQ", None)):
        status, body, _ = _get(client, f"/v1/public/reports?{query}")
        assert status == 400, (query, body)
        if field:
            assert field in {e["field"] for e in body["error"]["fields"]}, (query, body)
    status, body, _ = _get(client, "/v1/public/reports/nearby?lat=95&lon=20")
    assert status == 400 and body["error"]["fields"][0]["field"] == "lat"


def test_the_backfill_indexes_cases_stored_before_with_their_answers(aws_env, repository, cases):
    from civicdesk import wiring
    from civicdesk.adapters.dynamodb.items import CaseItem
    from civicdesk.adapters.dynamodb.keys import CASE_SK, case_pk
    from civicdesk.cli import migrate

    _reply(repository, "2026-000101", f"Поштована {NAME}, лампа је замењена.", status="resolved")
    for number in ("2026-000101", "2026-000102"):  # as a case item written before issue 16
        CaseItem(PK=case_pk(number), SK=CASE_SK).update(
            actions=[CaseItem.pub.remove(), CaseItem.GSI8PK.remove(), CaseItem.GSI8SK.remove()],
            add_version_condition=False)
    assert {item["number"]["S"] for item in aws_index_items()} >= {"2026-000106"}
    assert "2026-000101" not in {item["number"]["S"] for item in aws_index_items()}
    counts = migrate.public_map(log=lambda _: None)
    assert counts["public"] == 6 and counts["changed_meanwhile"] == 0
    report = wiring.public_reports().report("2026-000101")
    assert report is not None and [a.status for a in report.answers] == [None, "resolved"]
    assert NAME not in report.answers[0].text and "замењена" in report.answers[0].text
    assert {item["number"]["S"] for item in aws_index_items()} == {
        "2026-000101", "2026-000102", "2026-000105", "2026-000106", "2026-000107", "2026-000108"}
