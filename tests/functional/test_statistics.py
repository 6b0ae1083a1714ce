"""Statistics in-process under moto: real changes through several channels, their stream records
counted by KeepStatisticsFunction (twice: once counts), read back by GET /v1/admin/stats as JSON
and CSV, scoped by role, in a bounded number of calls; and the open data."""

from __future__ import annotations

import csv
import io
import os
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from tests.functional.test_events_publisher import stream_records, timeline_inserts
from tests.support import aws
from tests.support.admin import AdminApi, Staff
from tests.support.aws import dynamodb_calls

PHONE_CALL = {
    "type": "signal", "channel": "phone", "category": "road_damage",
    "description": "Грађанин јавља да је на коловозу у Улици Вука Караџића 5 велика рупа.",
    "location": {"address": "Вука Караџића 5"},
    "requester": {"name": "Милан Јовановић", "phone": "064 123 4567"},
}
WEB_FORM = {"type": "signal", "category": "road_damage", "language": "sr-Latn",
            "description": "Velika rupa na kolovozu u Ulici kralja Petra kod broja 12.",
            "contact": {"email": "petar@example.rs"}}


@pytest.fixture
def team(aws_env):
    staff = Staff(AdminApi(), os.environ["CIVICDESK_STAFF_USER_POOL_ID"])
    return {
        "operator": staff.add("operator.ana", "operator"),
        "roads": staff.add("agent.roads", "department_agent", departments=("roads_traffic",)),
        "utilities": staff.add("agent.util", "department_agent", departments=("public_utilities",)),
        "supervisor": staff.add("supervisor.mira", "supervisor"),
    }


def keep(records):
    module = aws.load_function("KeepStatisticsFunction")
    return module.handler({"Records": records}, aws.context("KeepStatisticsFunction"))


def _today() -> str:
    return datetime.now(ZoneInfo("Europe/Belgrade")).date().isoformat()


def _period() -> str:
    today = datetime.now(ZoneInfo("Europe/Belgrade")).date()
    start = (today.replace(day=1) - timedelta(days=40)).replace(day=15)  # cut month, whole month(s), cut month
    return f"from={start.isoformat()}&to={today.isoformat()}"


@pytest.fixture
def counted(aws_env, team):
    """Three phone cases and a letter (roads), a web form case, one resolved by the supervisor
    with a reply, one moved to the utilities; every stream record counted, then counted again."""
    from civicdesk import wiring
    from civicdesk.api import case_commands

    numbers = []
    for _ in range(3):
        answer = team["operator"].post("/v1/admin/cases", PHONE_CALL)
        assert answer.status == 201, answer.body
        numbers.append(answer.body["number"])
    letter = team["operator"].post("/v1/admin/cases", {**PHONE_CALL, "channel": "letter"})
    assert letter.status == 201, letter.body
    web = wiring.case_service().open_public_case(case_commands.open_public_case(WEB_FORM))
    first = numbers[0]
    reply = team["supervisor"].post(f"/v1/admin/cases/{first}/replies",
                                    {"text": "Санирано је.", "channel": "sms", "status": "resolved",
                                     "version": 1})
    assert reply.status in (200, 201), reply.body
    moved = team["supervisor"].post(f"/v1/admin/cases/{numbers[1]}/routing",
                                    {"department": "public_utilities", "reason": "Надлежност",
                                     "version": 1})
    assert moved.status == 200, moved.body
    records = timeline_inserts(stream_records(aws_env.tables["CasesTable"]))
    assert keep(records) == {"batchItemFailures": []}
    assert keep(records) == {"batchItemFailures": []}  # a retried batch counts nothing again
    return {"numbers": numbers, "letter": letter.body["number"], "web": web.number}


def test_cases_through_several_channels_show_in_the_stats(team, counted):
    answer = team["supervisor"].get("/v1/admin/stats",
                                    query=f"{_period()}&group_by=channel&metrics=opened,resolved,"
                                          "replies,first_reaction_count,resolution_median&lang=en")
    assert answer.status == 200, answer.body
    rows = {row["dimensions"]["channel"]["id"]: row["values"] for row in answer.body["rows"]}
    assert {channel: values["opened"] for channel, values in rows.items()} == {
        "phone": 3, "letter": 1, "web": 1}
    assert rows["phone"]["resolved"] == 1 and rows["phone"]["replies"] == 1
    assert rows["phone"]["first_reaction_count"] == 1
    assert rows["phone"]["resolution_median"] is not None
    assert answer.body["totals"]["opened"] == 5
    assert answer.body["departments"] is None
    assert answer.body["metrics"][0] == {"id": "opened", "name": "Opened"}
    names = {row["dimensions"]["channel"]["name"] for row in answer.body["rows"]}
    assert "Web form" in names


def test_the_csv_is_the_same_table_translated_with_a_byte_order_mark(team, counted):
    query = f"{_period()}&group_by=department,channel&metrics=opened,resolved&format=csv&lang=sr-Cyrl"
    answer = team["supervisor"].get("/v1/admin/stats", query=query)
    assert answer.status == 200
    assert answer.headers["Content-Type"].startswith("text/csv")
    assert answer.headers["Content-Disposition"].startswith("attachment; filename=")
    assert answer.text.startswith("\ufeff")
    table = list(csv.reader(io.StringIO(answer.text[1:])))
    assert table[0] == ["Одељење", "Канал", "Отворено", "Решено"]
    assert table[-1] == ["Укупно", "", "5", "1"]
    json_answer = team["supervisor"].get("/v1/admin/stats", query=query.replace("&format=csv", ""))
    assert len(table) - 2 == len(json_answer.body["rows"])


def test_an_agent_sees_only_their_departments(team, counted):
    mine = team["roads"].get("/v1/admin/stats", query=f"{_period()}&group_by=department&metrics=opened")
    assert mine.status == 200, mine.body
    assert mine.body["departments"] == ["roads_traffic"]
    assert {row["dimensions"]["department"]["id"] for row in mine.body["rows"]} == {"roads_traffic"}
    other = team["roads"].get("/v1/admin/stats",
                              query=f"{_period()}&metrics=opened&department=public_utilities")
    assert other.status == 403
    theirs = team["utilities"].get("/v1/admin/stats", query=f"{_period()}&metrics=opened,status_changes"
                                                             "&group_by=department")
    # the case moved to the utilities was opened in roads: it counts there as opened
    assert theirs.body["totals"]["opened"] == 0
    assert team["operator"].get("/v1/admin/stats", query=f"{_period()}&metrics=opened").status == 403


def test_a_report_reads_at_most_three_times(team, counted):
    calls = dynamodb_calls()
    answer = team["supervisor"].get("/v1/admin/stats",
                                    query=f"{_period()}&group_by=category,status&metrics=opened")
    assert answer.status == 200
    assert calls.count("Query") <= 3 and "Scan" not in calls
    assert set(calls) <= {"Query", "GetItem"}  # GetItem: the municipality's configuration


@pytest.mark.parametrize("query, field, code", [
    ("from=2026-13-01&to=2026-12-01&metrics=opened", "from", "invalid_date"),
    ("from=2026-12-01&to=2026-11-01&metrics=opened", "to", "before_from"),
    ("from=2025-01-01&to=2026-12-01&metrics=opened", "to", "period_too_long"),
    ("from=2026-11-01&to=2026-12-01&metrics=opened&group_by=channel,type,status", "group_by", "too_many"),
    ("from=2026-11-01&to=2026-12-01&metrics=opened&group_by=colour", "group_by", "not_allowed"),
    ("from=2026-11-01&to=2026-12-01&metrics=happiness", "metrics", "not_allowed"),
    ("from=2026-11-01&to=2026-12-01&metrics=opened&department=nowhere", "department", "unknown_department"),
    ("to=2026-12-01&metrics=opened", "from", "required"),
    ("from=9999-12-31&to=9999-12-31&metrics=opened", "from", "out_of_range"),
])
def test_bad_queries_are_400_with_the_field_and_the_reason(team, query, field, code):
    answer = team["supervisor"].get("/v1/admin/stats", query=query)
    assert answer.status == 400, answer.body
    assert answer.fields.get(field) == code, answer.body


def test_open_data_has_no_small_counts_and_no_people(aws_env, team, counted):
    answer = AdminApi().call("GET", "/v1/public/stats", query=f"{_period()}&lang=en")
    assert answer.status == 200, answer.body
    assert answer.headers["Cache-Control"].startswith("public")
    opened = {row["category"]["id"]: row for row in answer.body["opened"]}
    assert opened["road_damage"]["count"] == 5
    resolved = {row["category"]["id"]: row for row in answer.body["resolved"]}
    assert resolved["road_damage"] == {"month": resolved["road_damage"]["month"],
                                       "category": resolved["road_damage"]["category"],
                                       "count": None, "suppressed": True}
    assert answer.body["resolution"][0]["median_working_minutes"] is None  # one resolution
    assert "assignee" not in str(answer.body) and "operator.ana" not in str(answer.body)
    assert _today()[:7] in {row["month"] for row in answer.body["opened"]}
