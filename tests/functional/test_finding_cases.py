"""Finding cases (issue 13, items 2, 6, 7): search by number, requester and words in any script,
the requester lookup of the intake screen, the map of cases and the duplicate suggestions.

The admin API in-process under moto, as ``test_admin_api.py``.
"""

from __future__ import annotations

import os

import pytest

from tests.support.admin import AdminApi, Staff
from tests.support.aws import dynamodb_reads

CALL = {
    "type": "signal", "channel": "phone", "category": "road_damage",
    "description": "Грађанин јавља да је на коловозу велика рупа код школе.",
    "location": {"address": "Вука Караџића 5", "lat": 44.0165, "lon": 20.9114},
    "requester": {"name": "Ђорђе Петровић", "phone": "064 123 4567"},
}


@pytest.fixture
def team(aws_env):
    staff = Staff(AdminApi(), os.environ["CIVICDESK_STAFF_USER_POOL_ID"])
    return {"operator": staff.add("operator.ana", "operator"),
            "roads": staff.add("agent.roads", "department_agent", departments=("roads_traffic",)),
            "water": staff.add("agent.water", "department_agent", departments=("water_sewage",)),
            "supervisor": staff.add("supervisor.mira", "supervisor"),
            "admin": staff.add("admin.petar", "administrator")}


def open_case(caller, **changes) -> str:
    answer = caller.post("/v1/admin/cases", {**CALL, **changes})
    assert answer.status == 201, answer.body
    return answer.body["number"]


def found(caller, path: str, query: str) -> dict:
    answer = caller.get(path, query)
    assert answer.status == 200, answer.body
    return answer.body


def numbers(body: dict) -> list[str]:
    return [item["number"] for item in body["items"]]


@pytest.fixture
def cases(team):
    operator = team["operator"]
    pothole = open_case(operator)
    latin = open_case(operator, description="Rupa na putu u Beogradskoj ulici, kod Djordjeve kuće.",
                      requester={"name": "Milica Jović", "email": "Milica.Jovic@Example.rs"},
                      location={"address": "Beogradska 12", "lat": 44.0140, "lon": 20.9200})
    water = open_case(operator, category="water_supply",
                      description="Цев је пукла, вода тече низ Београдску улицу.",
                      requester={"name": "Ana Nikolić", "phone": "+381 64 765 4321"},
                      location={"address": "Београдска 3", "lat": 44.0150, "lon": 20.9150})
    return {"pothole": pothole, "latin": latin, "water": water}


# -- search ----------------------------------------------------------------------------------------

def test_words_match_across_scripts_and_diacritics_by_prefix(team, cases):
    supervisor = team["supervisor"]
    # Latin finds Cyrillic and Cyrillic finds Latin, word prefixes match, newest first
    assert numbers(found(supervisor, "/v1/admin/search", "q=Beograd")) == [cases["water"], cases["latin"]]
    assert numbers(found(supervisor, "/v1/admin/search", "q=београд")) == [cases["water"], cases["latin"]]
    # Đorđe, Djordje, Dorde and Ђорђе find each other (the requester's name and the description)
    for spelling in ("Đorđe", "Djordje", "Dorde", "Ђорђе", "djord"):
        assert numbers(found(supervisor, "/v1/admin/search", f"q={spelling}")) == [
            cases["latin"], cases["pothole"]], spelling
    # every word must match
    body = found(supervisor, "/v1/admin/search", "q=rupa%20skol")
    assert numbers(body) == [cases["pothole"]] and body["matched_by"] == "words"
    assert body["items"][0]["category"] == "road_damage" and body["items"][0]["status_name"]
    assert numbers(found(supervisor, "/v1/admin/search", "q=nepostojece")) == []


def test_search_by_number_phone_and_email(team, cases):
    supervisor = team["supervisor"]
    number = cases["latin"]
    year, sequence = number.split("-")
    for form in (number, f"{year}-{int(sequence)}", sequence):
        body = found(supervisor, "/v1/admin/search", f"q={form}")
        assert numbers(body) == [number] and body["matched_by"] == "number", form
    by_phone = found(supervisor, "/v1/admin/search", "q=%2B381%2064%20123-4567")
    assert numbers(by_phone) == [cases["pothole"]] and by_phone["matched_by"] == "phone"
    assert numbers(found(supervisor, "/v1/admin/search", "q=064%201234567")) == [cases["pothole"]]
    by_mail = found(supervisor, "/v1/admin/search", "q=milica.jovic@example.RS")
    assert numbers(by_mail) == [cases["latin"]] and by_mail["matched_by"] == "email"


def test_an_agent_finds_only_their_departments_and_nobody_finds_a_deleted_case(team, cases):
    assert numbers(found(team["roads"], "/v1/admin/search", "q=beograd")) == [cases["latin"]]
    assert numbers(found(team["water"], "/v1/admin/search", "q=beograd")) == [cases["water"]]
    assert numbers(found(team["water"], "/v1/admin/search", f"q={cases['latin']}")) == []
    # WHEN the administrator deletes a case
    deleted = team["admin"].delete(f"/v1/admin/cases/{cases['water']}",
                                   {"version": 1, "reason": "Дупликат"})
    assert deleted.status == 200, deleted.body
    # THEN no search finds it, and its entries are gone from the index
    assert numbers(found(team["supervisor"], "/v1/admin/search", "q=beograd")) == [cases["latin"]]
    assert numbers(found(team["supervisor"], "/v1/admin/search", "q=cev")) == []
    assert found(team["supervisor"], "/v1/admin/requesters", "phone=064%207654321")["items"] == []


def test_a_long_description_is_indexed_by_its_first_words_within_one_transaction(team):
    # GIVEN a letter of 300 distinct words (a case's transaction holds at most 100 items)
    text = " ".join(f"rec{index:03d}" for index in range(300))
    number = open_case(team["operator"], description=text, requester={"name": "Ana Anić"})
    # THEN its requester, address and first words find it; a word past the first 60 does not
    for word in ("anic", "vuka", "rec000", "rec050"):
        assert numbers(found(team["supervisor"], "/v1/admin/search", f"q={word}")) == [number], word
    assert numbers(found(team["supervisor"], "/v1/admin/search", "q=rec299")) == []
    # AND deleting it removes every entry in its own transaction
    assert team["admin"].delete(f"/v1/admin/cases/{number}", {"version": 1, "reason": "Грешка у уносу"}).status == 200
    import boto3

    table = boto3.resource("dynamodb").Table(os.environ["CIVICDESK_CASES_TABLE"])
    assert [i for i in table.scan()["Items"] if i.get("number") == number
            and i["PK"].startswith(("TERM#", "REQUESTER#"))] == []


def test_a_change_of_the_words_rewrites_the_entries_difference(team, cases):
    from civicdesk import wiring
    from tests.support.aws import dynamodb_calls

    # GIVEN a change of a case's subject and requester (no route edits them yet: the repository)
    repository = wiring.case_repository()
    case = repository.get_case(cases["pothole"])
    calls = dynamodb_calls()
    repository.save_change(case.with_changes(subject="Kragujevac", contact=None), case.version, [])
    # THEN the first attempt was refused on the stored digest, the second wrote the difference
    assert calls == ["TransactWriteItems", "TransactWriteItems"]
    supervisor = team["supervisor"]
    assert numbers(found(supervisor, "/v1/admin/search", "q=kragujevac")) == [cases["pothole"]]
    assert numbers(found(supervisor, "/v1/admin/search", "q=Ђорђе")) == [cases["latin"]]
    assert found(supervisor, "/v1/admin/requesters", "phone=0641234567")["items"] == []
    # AND a change that leaves them alone is one write, as before
    calls.clear()
    changed = team["supervisor"].post(f"/v1/admin/cases/{cases['latin']}/notes",
                                      {"text": "Позван грађанин.", "version": 1})
    assert changed.status == 200, changed.body
    assert calls.count("TransactWriteItems") == 1
    assert numbers(found(supervisor, "/v1/admin/search", "q=djordj")) == [cases["latin"]]


def test_search_pages_by_cursor_with_a_bounded_number_of_calls(team, cases):
    extra = [open_case(team["operator"], description=f"Рупа број {index}") for index in range(3)]
    reads = dynamodb_reads()
    first = found(team["supervisor"], "/v1/admin/search", "q=rupa&limit=2")
    assert reads.calls == ["Query", "BatchGetItem"]
    assert numbers(first) == extra[::-1][:2] and first["next_cursor"]
    rest, cursor = [], first["next_cursor"]
    while cursor:
        body = found(team["supervisor"], "/v1/admin/search", f"q=rupa&limit=2&cursor={cursor}")
        rest += numbers(body)
        cursor = body["next_cursor"]
    assert rest == [extra[0], cases["latin"], cases["pothole"]]


def test_a_search_without_a_word_is_refused_in_the_callers_language(team):
    answer = team["supervisor"].get("/v1/admin/search", "q=a&lang=sr-Latn")
    assert answer.status == 400
    assert answer.body["error"]["fields"][0]["code"] == "no_search_word"
    assert answer.body["error"]["fields"][0]["message"].startswith("Upišite broj predmeta")


# -- requester lookup ------------------------------------------------------------------------------

def test_the_requester_is_found_by_phone_in_any_writing_with_their_cases_newest_first(team, cases):
    again = open_case(team["operator"], description="Опет рупа.")
    body = found(team["operator"], "/v1/admin/requesters", "phone=%2B381641234567&limit=1")
    assert body["requester"] == {"name": "Ђорђе Петровић", "email": None, "phone": "+381641234567"}
    assert numbers(body) == [again] and body["next_cursor"]
    more = found(team["operator"], "/v1/admin/requesters",
                 f"phone=064-123-45-67&limit=1&cursor={body['next_cursor']}")
    assert numbers(more) == [cases["pothole"]]
    by_mail = found(team["operator"], "/v1/admin/requesters", "email=MILICA.JOVIC@example.rs")
    assert by_mail["requester"]["name"] == "Milica Jović" and numbers(by_mail) == [cases["latin"]]
    # an agent of another department learns nothing of them
    assert found(team["water"], "/v1/admin/requesters", "phone=0641234567") == {
        "requester": None, "items": [], "next_cursor": None, "count": 0}
    unknown = found(team["operator"], "/v1/admin/requesters", "email=nobody@example.rs")
    assert unknown["requester"] is None and unknown["items"] == []


def test_a_number_typed_on_the_public_form_is_found_in_its_e164_form(team):
    from tests.support.admin import AdminApi

    # GIVEN a citizen's report with the phone number as they typed it (stored as typed)
    answer = AdminApi().call("POST", "/v1/public/cases", {
        "type": "signal", "category": "road_damage", "description": "Рупа испред зграде.",
        "contact": {"name": "Петар Петровић", "phone": "064/765-43-21"}})
    assert answer.status == 201, answer.body
    # WHEN an operator looks the caller up
    body = found(team["operator"], "/v1/admin/requesters", "phone=%2B381%2064%20765%2043%2021")
    # THEN
    assert numbers(body) == [answer.body["number"]]
    assert body["requester"] == {"name": "Петар Петровић", "email": None, "phone": "+381647654321"}
    # AND another number that merely ends alike is not theirs
    assert found(team["operator"], "/v1/admin/requesters", "phone=%2B49%20151%2047654321")["items"] == []


def test_the_requester_lookup_wants_one_valid_contact(team):
    assert team["operator"].get("/v1/admin/requesters", "").body["error"]["fields"][0]["code"] == "one_of"
    bad = team["operator"].get("/v1/admin/requesters", "phone=064%20123")
    assert bad.status == 400 and bad.body["error"]["fields"][0]["code"] == "invalid_phone"


def test_no_contact_is_in_any_key(team, cases):
    import boto3

    table = boto3.resource("dynamodb").Table(os.environ["CIVICDESK_CASES_TABLE"])
    keys = [item["PK"] for item in table.scan()["Items"] if item["PK"].startswith("REQUESTER#")]
    assert len(keys) == 3
    assert not any("381" in key or "@" in key or "milica" in key.lower() for key in keys)


# -- the map and nearby cases ---------------------------------------------------------------------

def test_the_map_reads_a_box_cell_by_cell_as_geojson(team, cases):
    reads = dynamodb_reads()
    body = found(team["supervisor"], "/v1/admin/map", "bbox=20.90,44.01,20.93,44.02")
    assert body["type"] == "FeatureCollection"
    assert set(reads.calls) == {"Query"} and len(reads.calls) <= 16
    by_number = {f["id"]: f for f in body["features"]}
    assert set(by_number) == set(cases.values())
    marker = by_number[cases["pothole"]]
    assert marker["geometry"] == {"type": "Point", "coordinates": [20.9114, 44.0165]}
    assert marker["properties"]["status"] == "new" and marker["properties"]["department"] == "roads_traffic"
    assert marker["properties"]["received_at"]
    # filters, and a box around one case only
    assert [f["id"] for f in found(team["supervisor"], "/v1/admin/map",
                                   "bbox=20.90,44.01,20.93,44.02&category=water_supply")["features"]] == [cases["water"]]
    assert [f["id"] for f in found(team["supervisor"], "/v1/admin/map",
                                   "bbox=20.911,44.016,20.912,44.017")["features"]] == [cases["pothole"]]
    # an agent sees only their departments
    assert {f["id"] for f in found(team["roads"], "/v1/admin/map", "bbox=20.90,44.01,20.93,44.02")["features"]} == {
        cases["pothole"], cases["latin"]}


def test_map_pages_follow_the_cursor_and_a_huge_box_is_refused(team, cases):
    seen, cursor = [], None
    while True:
        body = found(team["supervisor"], "/v1/admin/map",
                     "bbox=20.90,44.01,20.93,44.02&limit=1" + (f"&cursor={cursor}" if cursor else ""))
        seen += [f["id"] for f in body["features"]]
        cursor = body["next_cursor"]
        if not cursor:
            break
    assert sorted(seen) == sorted(cases.values())
    huge = team["supervisor"].get("/v1/admin/map", "bbox=10,40,30,50")
    assert huge.status == 400 and huge.body["error"]["fields"][0]["code"] == "too_large"
    assert team["supervisor"].get("/v1/admin/map", "bbox=20.93,44.01,20.90,44.02").status == 400


def test_nearby_open_cases_of_the_category_nearest_first(team, cases):
    near = open_case(team["operator"], location={"lat": 44.0166, "lon": 20.9115})
    body = found(team["operator"], "/v1/admin/cases/nearby",
                 "lat=44.0165&lon=20.9114&category=road_damage&radius_m=300")
    assert [f["id"] for f in body["features"]] == [cases["pothole"], near]
    assert body["features"][0]["properties"]["distance_m"] == 0
    assert 0 < body["features"][1]["properties"]["distance_m"] < 20
    # a resolved case is no duplicate candidate
    team["supervisor"].post(f"/v1/admin/cases/{near}/status",
                            {"status": "resolved", "reason": "Поправљено", "version": 1})
    assert [f["id"] for f in found(team["operator"], "/v1/admin/cases/nearby",
                                   "lat=44.0165&lon=20.9114&category=road_damage")["features"]] == [cases["pothole"]]
    # a wider circle takes in the case across town
    wide = found(team["operator"], "/v1/admin/cases/nearby", "lat=44.0165&lon=20.9114&radius_m=2000")
    assert {f["id"] for f in wide["features"]} == set(cases.values())


# -- the migration ----------------------------------------------------------------------------------

def test_the_migration_indexes_cases_stored_before(team, cases):
    import boto3

    from civicdesk.cli import migrate

    # GIVEN cases stored before the indexes (their entries and geo keys removed)
    table = boto3.resource("dynamodb").Table(os.environ["CIVICDESK_CASES_TABLE"])
    for item in table.scan()["Items"]:
        if item["PK"].startswith(("TERM#", "REQUESTER#")):
            table.delete_item(Key={"PK": item["PK"], "SK": item["SK"]})
        elif item.get("entity") == "case":
            table.update_item(Key={"PK": item["PK"], "SK": item["SK"]},
                              UpdateExpression="REMOVE GSI6PK, GSI6SK")
    assert numbers(found(team["supervisor"], "/v1/admin/search", "q=beograd")) == []
    # WHEN
    counts = migrate.search_index(log=lambda _: None)
    # THEN
    assert counts["cases"] == 3 and counts["located"] == 3
    assert numbers(found(team["supervisor"], "/v1/admin/search", "q=beograd")) == [cases["water"], cases["latin"]]
    assert len(found(team["supervisor"], "/v1/admin/map", "bbox=20.90,44.01,20.93,44.02")["features"]) == 3
    # AND running it again changes nothing
    assert migrate.search_index(log=lambda _: None)["cases"] == 3
    assert migrate.main(["search-index"]) == 0
