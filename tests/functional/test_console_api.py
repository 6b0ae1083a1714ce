"""The admin API's routes for the staff console, in-process under moto: sign-in settings,
categories, routing preview, saved views, canned replies, language, board and queue counts,
each with its role checks."""

from __future__ import annotations

import json
import os

import boto3
import pytest

from tests.support import aws
from tests.support.admin import AdminApi, Caller, Staff

PHONE_CALL = {
    "type": "signal", "channel": "phone", "category": "road_damage",
    "description": "Грађанин јавља да је на коловозу у Улици Вука Караџића 5 велика рупа.",
    "requester": {"name": "Милан Јовановић", "phone": "064 123 4567"},
}


@pytest.fixture
def staff(aws_env):
    return Staff(AdminApi(), os.environ["CIVICDESK_STAFF_USER_POOL_ID"])


@pytest.fixture
def team(staff):
    return {
        "operator": staff.add("operator.ana", "operator"),
        "roads": staff.add("agent.roads", "department_agent", departments=("roads_traffic",)),
        "utilities": staff.add("agent.util", "department_agent",
                               departments=("public_utilities", "green_areas")),
        "supervisor": staff.add("supervisor.mira", "supervisor"),
        "admin": staff.add("admin.petar", "administrator"),
    }


def put(caller: Caller, path: str, body: object):
    return caller.api.call("PUT", path, body, claims=caller.claims)


def open_case(caller: Caller, **changes) -> dict:
    answer = caller.post("/v1/admin/cases", {**PHONE_CALL, **changes})
    assert answer.status == 201, answer.body
    return answer.body


def area_point(area_id: str) -> dict:
    from shapely.geometry import shape

    areas = json.loads((aws.CONFIG_DIR / "areas.geojson").read_text(encoding="utf-8"))
    feature = next(f for f in areas["features"] if f["properties"]["id"] == area_id)
    inside = shape(feature["geometry"]).representative_point()
    return {"lat": inside.y, "lon": inside.x}


# -- sign-in settings ----------------------------------------------------------------------------

def test_the_sign_in_settings_name_the_staff_pool_its_client_and_cognitos_endpoint(staff):
    # WHEN the console asks, without a token
    answer = staff.api.call("GET", "/v1/public/staff-sign-in")
    # THEN it learns the template's pool and client, and where Cognito answers
    assert answer.status == 200, answer.body
    client = boto3.client("cognito-idp", region_name=aws.REGION).describe_user_pool_client(
        UserPoolId=staff.pool_id, ClientId=answer.body["client_id"])["UserPoolClient"]
    assert answer.body["user_pool_id"] == staff.pool_id == client["UserPoolId"]
    assert answer.body["region"] == aws.REGION
    assert answer.body["endpoint"] == f"https://cognito-idp.{aws.REGION}.amazonaws.com/"
    assert answer.headers["Cache-Control"] == "public, max-age=300"


def test_the_sign_in_endpoint_follows_the_sdks_endpoint_variable(staff, monkeypatch):
    from civicdesk import wiring

    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:4566")
    wiring.reset()
    assert staff.api.call("GET", "/v1/public/staff-sign-in").body["endpoint"] == "http://127.0.0.1:4566/"


# -- categories ----------------------------------------------------------------------------------

def test_categories_carry_every_language_and_keyword_for_the_intake_search(team):
    config = json.loads((aws.CONFIG_DIR / "categories.json").read_text(encoding="utf-8"))
    configured = {c["id"]: c for c in config["categories"]}
    # WHEN an operator working in Latin script asks
    answer = team["operator"].get("/v1/admin/categories", "lang=sr-Latn")
    # THEN every category has all five names and the configured keywords as lists
    assert answer.status == 200, answer.body
    body = answer.body
    assert body["language"] == "sr-Latn" and len(body["languages"]) == 5
    assert {c["id"] for c in body["categories"]} == set(configured)
    lighting = next(c for c in body["categories"] if c["id"] == "street_lighting")
    assert lighting["names"] == configured["street_lighting"]["name"]
    assert lighting["name"] == "Javna rasveta"
    assert "светиљка" in lighting["keywords"]["sr-Cyrl"] and "svetiljka" in lighting["keywords"]["sr-Latn"]
    assert lighting["department"] == "public_utilities" and lighting["department_name"]
    assert lighting["types"] == configured["street_lighting"]["types"]


def test_categories_need_a_staff_token(staff):
    assert staff.api.call("GET", "/v1/admin/categories").status == 401


# -- routing preview -----------------------------------------------------------------------------

def test_the_preview_routes_as_the_intake_does(team):
    village = area_point("izvor_water_area")
    # WHEN the operator previews a water leak in the village and in town
    in_village = team["operator"].post("/v1/admin/routing-preview",
                                       {"category": "water_supply", "type": "signal",
                                        "channel": "phone", "location": village})
    in_town = team["operator"].post("/v1/admin/routing-preview", {"category": "water_supply"})
    # THEN the village utility, by its area; the category's department otherwise
    assert in_village.status == 200, in_village.body
    assert in_village.body["rule"] == "area"
    assert in_village.body["department"]["id"] == "izvor_water_utility"
    assert in_village.body["area"]["id"] == "izvor_water_area" and in_village.body["area"]["name"]
    assert in_town.body == {"category": "water_supply", "rule": "category",
                            "department": {"id": "water_sewage",
                                           "name": in_town.body["department"]["name"]}}
    # AND the case registered with the same data lands where the preview said
    opened = open_case(team["operator"], category="water_supply", location=village)
    assert opened["department"] == in_village.body["department"]["id"]
    assert opened["routing"]["rule"] == "area"


def test_the_preview_refuses_what_the_intake_refuses(team):
    answer = team["operator"].post("/v1/admin/routing-preview",
                                   {"category": "no_such", "location": {"lat": 44.8125, "lon": 20.4612}})
    assert answer.status == 400
    assert answer.fields == {"category": "unknown_category", "location": "outside_municipality"}
    wrong_type = team["operator"].post("/v1/admin/routing-preview",
                                       {"category": "street_lighting", "type": "foi_request"})
    assert wrong_type.fields == {"category": "type_not_for_category"}


def test_only_roles_that_register_contacts_preview_routing(team):
    # GIVEN a department agent, who opens no cases
    answer = team["roads"].post("/v1/admin/routing-preview", {"category": 5})
    # THEN 403 before any field is judged
    assert answer.status == 403 and "fields" not in answer.body["error"]


# -- saved views ---------------------------------------------------------------------------------

def test_a_saved_view_is_created_listed_changed_and_deleted_by_its_owner_only(team):
    operator, other = team["operator"], team["supervisor"]
    # WHEN the operator saves a queue
    created = operator.post("/v1/admin/me/views", {
        "name": "Моје рупе", "filters": {"department": "roads_traffic", "assignee": "me",
                                         "status": "new,in_progress", "limit": 50}})
    assert created.status == 201, created.body
    view = created.body
    assert view["filters"] == {"department": "roads_traffic", "assignee": "me",
                               "status": "new,in_progress", "limit": "50"}
    assert created.headers["Location"] == f"/v1/admin/me/views/{view['id']}"
    # THEN it is theirs, and nobody else's
    assert [v["id"] for v in operator.get("/v1/admin/me/views").body["items"]] == [view["id"]]
    assert other.get("/v1/admin/me/views").body == {"items": [], "limit": 50}
    assert put(other, f"/v1/admin/me/views/{view['id']}", {"name": "x", "filters": {}}).status == 404
    assert other.delete(f"/v1/admin/me/views/{view['id']}").status == 404
    # WHEN the owner renames it and changes the filters
    changed = put(operator, f"/v1/admin/me/views/{view['id']}",
                  {"name": "Рупе", "filters": {"category": "road_damage"}})
    assert changed.status == 200, changed.body
    assert changed.body["filters"] == {"category": "road_damage"}
    assert changed.body["created_at"] == view["created_at"]
    # AND deletes it
    assert operator.delete(f"/v1/admin/me/views/{view['id']}").body == {"deleted": True}
    assert operator.get("/v1/admin/me/views").body["items"] == []
    assert operator.delete(f"/v1/admin/me/views/{view['id']}").status == 404


def test_a_views_filters_are_checked_as_the_queue_checks_them(team):
    answer = team["operator"].post("/v1/admin/me/views", {
        "name": "", "filters": {"status": "lost", "department": "nowhere", "cursor": "abc",
                                "from": "2026-11-20T00:00:00Z", "to": "2026-11-01T00:00:00Z"}})
    assert answer.status == 400
    assert answer.fields == {"name": "required", "filters.cursor": "unknown_field",
                             "filters.status": "not_allowed",
                             "filters.department": "unknown_department", "filters.to": "before_from"}


def test_a_view_of_a_queue_one_may_not_open_is_refused(team):
    # GIVEN an agent of two departments
    agent = team["utilities"]
    # THEN another department's queue is 403, and one of theirs must be named
    assert agent.post("/v1/admin/me/views", {"name": "x", "filters": {
        "department": "roads_traffic"}}).status == 403
    unnamed = agent.post("/v1/admin/me/views", {"name": "x", "filters": {"status": "new"}})
    assert unnamed.status == 400 and unnamed.fields == {"filters.department": "required_for_role"}
    assert agent.post("/v1/admin/me/views", {"name": "x", "filters": {
        "department": "green_areas", "status": "new"}}).status == 201


def test_one_person_keeps_at_most_fifty_views(team):
    from civicdesk.services.staff_preferences import MAX_SAVED_VIEWS

    operator = team["operator"]
    for index in range(MAX_SAVED_VIEWS):
        assert operator.post("/v1/admin/me/views", {"name": f"v{index}", "filters": {}}).status == 201
    # WHEN one more is saved
    refused = operator.post("/v1/admin/me/views", {"name": "one too many", "filters": {}})
    # THEN 409, in the person's language, and deleting one makes room again
    assert refused.status == 409 and "50" in refused.body["error"]["message"]
    first = operator.get("/v1/admin/me/views").body["items"][0]
    assert operator.delete(f"/v1/admin/me/views/{first['id']}").status == 200
    assert operator.post("/v1/admin/me/views", {"name": "room again", "filters": {}}).status == 201


# -- canned replies ------------------------------------------------------------------------------

REPLY = {"title": "Екипа је обавештена", "language": "sr-Cyrl", "categories": ["road_damage"],
         "text": "Поштовани, ваша пријава је прослеђена надлежној екипи."}


def test_administrators_keep_canned_replies_and_everyone_reads_them(team):
    admin = team["admin"]
    # WHEN an administrator writes two replies in two languages
    created = admin.post("/v1/admin/canned-replies", REPLY)
    assert created.status == 201, created.body
    english = admin.post("/v1/admin/canned-replies",
                         {**REPLY, "language": "en", "title": "Crew informed", "text": "Dear citizen…"})
    assert english.status == 201
    # THEN an agent reads them, all or by language
    everything = team["roads"].get("/v1/admin/canned-replies").body["items"]
    assert {r["language"] for r in everything} == {"sr-Cyrl", "en"}
    cyrillic = team["roads"].get("/v1/admin/canned-replies", "lang=sr-Cyrl").body["items"]
    assert [r["id"] for r in cyrillic] == [created.body["id"]]
    assert cyrillic[0]["version"] == 1 and cyrillic[0]["created_by"] == "staff:admin.petar"
    assert cyrillic[0]["categories"] == ["road_damage"]


def test_only_administrators_write_canned_replies(team):
    reply = team["admin"].post("/v1/admin/canned-replies", REPLY).body
    for role in ("operator", "roads", "supervisor"):
        caller = team[role]
        assert caller.post("/v1/admin/canned-replies", REPLY).status == 403
        assert put(caller, f"/v1/admin/canned-replies/{reply['id']}", {**REPLY, "version": 1}).status == 403
        assert caller.delete(f"/v1/admin/canned-replies/{reply['id']}", {"version": 1}).status == 403
    # a refused writer learns nothing about their fields
    assert "fields" not in team["operator"].post("/v1/admin/canned-replies", {}).body["error"]


def test_a_stale_version_of_a_canned_reply_is_a_conflict(team):
    admin = team["admin"]
    reply = admin.post("/v1/admin/canned-replies", REPLY).body
    path = f"/v1/admin/canned-replies/{reply['id']}"
    # GIVEN one administrator's change
    first = put(admin, path, {**REPLY, "text": "Нови текст одговора.", "version": 1})
    assert first.status == 200 and first.body["version"] == 2
    # WHEN another saves over the version they read before
    stale = put(admin, path, {**REPLY, "text": "Старији текст.", "version": 1})
    # THEN 409 with the version now, and nothing changed
    assert stale.status == 409 and stale.body["error"]["current_version"] == 2
    assert admin.delete(path, {"version": 1}).body["error"]["current_version"] == 2
    kept = admin.get("/v1/admin/canned-replies").body["items"]
    assert [r["text"] for r in kept] == ["Нови текст одговора."]
    assert admin.delete(path, {"version": 2}).body == {"deleted": True}
    assert admin.delete(path, {"version": 2}).status == 404
    assert put(admin, path, {**REPLY, "version": 2}).status == 404


def test_a_canned_reply_is_checked_against_the_municipality(team):
    answer = team["admin"].post("/v1/admin/canned-replies",
                                {**REPLY, "language": "de", "categories": ["no_such"]})
    assert answer.status == 400
    assert answer.fields == {"language": "not_allowed", "categories": "unknown_category"}


# -- language ------------------------------------------------------------------------------------

def test_a_staff_member_sets_their_own_language_in_the_pool(team, staff):
    # WHEN the agent picks Czech
    answer = put(team["roads"], "/v1/admin/me/language", {"language": "cs"})
    # THEN the directory holds it (the next ID token carries it)
    assert answer.status == 200 and answer.body == {"language": "cs"}
    user = staff.cognito.admin_get_user(UserPoolId=staff.pool_id, Username="agent.roads")
    assert {a["Name"]: a["Value"] for a in user["UserAttributes"]}["custom:language"] == "cs"
    refused = put(team["roads"], "/v1/admin/me/language", {"language": "de"})
    assert refused.status == 400 and refused.fields == {"language": "not_allowed"}


# -- board and counts ----------------------------------------------------------------------------

def dynamodb_requests() -> list[tuple[str, dict]]:
    """From now on, each DynamoDB call through the shared connection: operation, parameters."""
    from civicdesk import wiring
    from civicdesk.adapters.dynamodb import session

    wiring.case_repository()
    calls: list[tuple[str, dict]] = []
    session.connection_client().meta.events.register(
        "before-call.dynamodb", lambda model, params, **_: calls.append((model.name, json.loads(params["body"]))))
    return calls


def board_row(caller: Caller, department: str) -> dict:
    answer = caller.get("/v1/admin/board")
    assert answer.status == 200, answer.body
    return next(row for row in answer.body["departments"] if row["id"] == department)


def test_the_board_counts_each_departments_cases_and_who_works_on_them(team):
    operator, supervisor = team["operator"], team["supervisor"]
    cases = [open_case(operator) for _ in range(4)]
    # GIVEN one taken by the agent and in progress, one waiting for the citizen, one escalated
    taken = operator.post(f"/v1/admin/cases/{cases[0]['number']}/assignment",
                          {"assignee": "agent.roads", "version": 1}).body
    assert operator.post(f"/v1/admin/cases/{cases[0]['number']}/status",
                         {"status": "in_progress", "reason": "Екипа изашла.",
                          "version": taken["version"]}).status == 200
    assert operator.post(f"/v1/admin/cases/{cases[1]['number']}/status",
                         {"status": "waiting_for_citizen", "reason": "Треба тачна адреса.",
                          "version": 1}).status == 200
    assert operator.post(f"/v1/admin/cases/{cases[2]['number']}/escalation",
                         {"reason": "Трећи позив.", "version": 1}).status == 200
    # WHEN the supervisor looks at the board
    row = board_row(supervisor, "roads_traffic")
    # THEN
    assert row["counts"] == {"new": 2, "in_progress": 1, "waiting_for_citizen": 1, "escalated": 1}
    assert row["complete"] is True and row["name"]
    assert [c["number"] for c in row["escalated_cases"]] == [cases[2]["number"]]
    assert row["workload"] == [{"assignee": "agent.roads", "open_cases": 1,
                                "cases": [row["workload"][0]["cases"][0]]}]
    assert row["workload"][0]["cases"][0]["number"] == cases[0]["number"]
    assert row["workload"][0]["cases"][0]["status"] == "in_progress"
    empty = board_row(supervisor, "public_utilities")
    assert empty["counts"] == {"new": 0, "in_progress": 0, "waiting_for_citizen": 0, "escalated": 0}


def test_an_agent_sees_only_their_departments_rows(team, aws_env):
    rows = team["utilities"].get("/v1/admin/board").body["departments"]
    assert sorted(row["id"] for row in rows) == ["green_areas", "public_utilities"]
    assert team["utilities"].get("/v1/admin/board", "department=roads_traffic").status == 403
    one = team["supervisor"].get("/v1/admin/board", "department=roads_traffic").body
    assert [row["id"] for row in one["departments"]] == ["roads_traffic"]
    assert team["supervisor"].get("/v1/admin/board", "department=nowhere").fields == {
        "department": "unknown_department"}


def test_a_queues_count_is_read_from_the_same_partition_as_its_pages(team):
    operator = team["operator"]
    for _ in range(3):
        open_case(operator)
    open_case(operator, category="street_lighting")
    operator.get("/v1/admin/case-count")  # the container's first read (the migration's marker)
    # WHEN the console counts a filtered queue
    calls = dynamodb_requests()
    answer = operator.get("/v1/admin/case-count", "department=roads_traffic&status=new&limit=10")
    # THEN one Select=COUNT query of the filter's partition
    assert answer.status == 200 and answer.body == {"count": 3, "complete": True}
    assert [name for name, _ in calls] == ["Query"]
    assert calls[0][1]["Select"] == "COUNT" and calls[0][1]["IndexName"] == "GSI5"
    # AND the other queues count like their pages list
    assert operator.get("/v1/admin/case-count").body["count"] == 4
    assert operator.get("/v1/admin/case-count", "category=street_lighting,road_damage&state=open").body[
        "count"] == 4
    assert operator.get("/v1/admin/case-count", "state=closed").body["count"] == 0
    assert operator.get("/v1/admin/case-count", "status=lost").fields == {"status": "not_allowed"}
    # a department agent counts only their departments
    assert team["utilities"].get("/v1/admin/case-count", "department=roads_traffic").status == 403
    assert team["utilities"].get("/v1/admin/case-count", "department=public_utilities").body[
        "count"] == 1
