"""The admin API in-process under moto: intake, queues, working a case, concurrency, audit.

Requests reach the Chalice app as API Gateway hands them over after its Cognito authorizer
(``tests/support/admin.py``); the authorizer itself is tested against the local runtime.
"""

from __future__ import annotations

import os
from datetime import datetime, timedelta, timezone

import pytest

from tests.support import aws
from tests.support.admin import AdminApi, Staff
from tests.support.aws import dynamodb_calls

PHONE_CALL = {
    "type": "signal", "channel": "phone", "category": "road_damage",
    "description": "Грађанин јавља да је на коловозу у Улици Вука Караџића 5 велика рупа.",
    "location": {"address": "Вука Караџића 5"},
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


def open_case(caller, **changes):
    body = {**PHONE_CALL, **changes}
    answer = caller.post("/v1/admin/cases", body)
    assert answer.status == 201, answer.body
    return answer.body


def sms_messages():
    from moto.core import DEFAULT_ACCOUNT_ID
    from moto.sns.models import sns_backends

    return list(sns_backends[DEFAULT_ACCOUNT_ID][aws.REGION].sms_messages.values())


# -- sign-in -------------------------------------------------------------------------------------

def test_without_claims_every_staff_route_is_401(staff):
    answer = staff.api.call("GET", "/v1/admin/cases")
    assert answer.status == 401 and answer.error_code == "unauthorized"
    assert staff.api.call("POST", "/v1/admin/cases/2026-000001/notes", {"text": "x"}).status == 401


def test_me_lists_roles_departments_and_permissions(team):
    me = team["roads"].get("/v1/admin/me", "lang=sr-Latn").body
    assert me["username"] == "agent.roads"
    assert [r["id"] for r in me["roles"]] == ["department_agent"]
    assert me["departments"][0]["id"] == "roads_traffic" and me["departments"][0]["name"]
    assert me["permissions"]["case.view"] == "own_departments"
    assert "case.delete" not in me["permissions"]


# -- intake --------------------------------------------------------------------------------------

def test_operator_registers_a_phone_call_routed_by_category_and_confirmed_by_sms(team, aws_env):
    from tests.support.pipeline import Pipeline

    # WHEN
    opened = open_case(team["operator"])
    Pipeline(aws_env).run()
    # THEN
    assert opened["department"] == "roads_traffic" and opened["routing"]["rule"] == "category"
    assert opened["confirmation"] == "sms" and opened["version"] == 1
    case = team["operator"].get(f"/v1/admin/cases/{opened['number']}").body
    assert case["requester"]["phone"] == "+381641234567"  # normalised to E.164
    assert case["channel"] == "phone" and case["status"] == "new"
    assert case["timeline"][0]["kind"] == "case_opened"
    assert case["timeline"][0]["actor"] == "staff:operator.ana"
    texts = [m for m in sms_messages() if m[0] == "+381641234567"]
    assert texts and opened["number"] in texts[0][1]


def test_a_letter_received_last_week_keeps_its_date_and_an_email_requester_gets_a_mail(team, aws_env):
    from tests.support.pipeline import Pipeline

    received = (datetime.now(timezone.utc) - timedelta(days=6)).replace(microsecond=0)
    opened = open_case(team["operator"], type="request", channel="letter", category="local_taxes",
                       received_at=received.isoformat(), language="sr-Latn",
                       requester={"name": "Jelena Marković", "email": "Jelena@Example.rs",
                                  "address": "Glavna 1\n11000 Demo"})
    assert opened["confirmation"] == "email"
    case = team["operator"].get(f"/v1/admin/cases/{opened['number']}").body
    assert case["received_at"].startswith(received.strftime("%Y-%m-%dT%H:%M:%S"))
    assert case["requester"]["email"] == "jelena@example.rs"
    Pipeline(aws_env).run()
    [mail] = [m for m in aws.sent_mails() if m["X-Test-Destinations"] == "jelena@example.rs"]
    assert mail["To"] == "jelena@example.rs" and f"[#{opened['number']}]" in mail["Subject"]


def test_bad_intake_is_400_with_every_field_and_creates_nothing(team):
    future = (datetime.now(timezone.utc) + timedelta(days=2)).isoformat()
    answer = team["operator"].post("/v1/admin/cases", {
        "type": "letter", "channel": "fax", "category": "road_damage", "description": "x",
        "received_at": future, "requester": {"phone": "12"}, "department": "roads_traffic"})
    assert answer.status == 400
    assert answer.fields == {"channel": "not_allowed", "description": "too_short",
                             "received_at": "in_future", "requester.phone": "invalid_format",
                             "category": "type_not_for_category", "routing_reason": "required_with"}
    assert team["operator"].get("/v1/admin/cases", "state=all").body["items"] == []


def test_an_invalid_phone_number_is_refused_with_its_field(team):
    answer = team["operator"].post("/v1/admin/cases", {**PHONE_CALL, "requester": {"phone": "011 1"}})
    assert answer.status == 400 and answer.fields == {"requester.phone": "invalid_phone"}


def test_operator_overrides_the_routing_and_the_override_is_recorded(team):
    opened = open_case(team["operator"], department="communal_inspection",
                       routing_reason="Рупу је направио извођач радова без дозволе")
    assert opened["department"] == "communal_inspection"
    case = team["supervisor"].get(f"/v1/admin/cases/{opened['number']}").body
    routed = [e for e in case["timeline"] if e["kind"] == "routed"]
    assert routed and routed[0]["data"]["rule"] == "override"
    assert routed[0]["data"]["suggested"] == "roads_traffic"
    assert routed[0]["actor"] == "staff:operator.ana"


def test_the_same_idempotency_key_never_opens_two_cases(team):
    headers = {"Idempotency-Key": "call-2026-11-21-0001"}
    first = team["operator"].post("/v1/admin/cases", PHONE_CALL, headers=headers)
    second = team["operator"].post("/v1/admin/cases", PHONE_CALL, headers=headers)
    assert first.status == second.status == 201
    assert first.body["number"] == second.body["number"]
    assert len(team["operator"].get("/v1/admin/cases").body["items"]) == 1


# -- queues --------------------------------------------------------------------------------------

def test_queues_filter_by_every_criterion_one_query_per_page(team):
    operator = team["operator"]
    a = open_case(operator)["number"]
    b = open_case(operator, type="complaint", channel="in_person")["number"]
    c = open_case(operator, category="street_lighting", channel="sms")["number"]
    d = open_case(operator, category="pavements")["number"]
    team["supervisor"].post(f"/v1/admin/cases/{d}/status",
                            {"status": "resolved", "reason": "Поправљено", "version": 1})
    team["roads"].post(f"/v1/admin/cases/{a}/assignment", {"assignee": "me", "version": 1})

    def numbers(query, caller=team["supervisor"]):
        answer = caller.get("/v1/admin/cases", query)
        assert answer.status == 200, answer.body
        return [item["number"] for item in answer.body["items"]]

    assert numbers("department=roads_traffic") == [a, b]  # open only, oldest first
    assert numbers("department=roads_traffic&state=all") == [a, b, d]
    assert numbers("department=roads_traffic&order=desc&state=closed") == [d]
    assert numbers("status=resolved") == [d]
    assert numbers("type=complaint") == [b]
    assert numbers("channel=sms,in_person") == [b, c]
    assert numbers("category=street_lighting") == [c]
    assert numbers("assignee=agent.roads") == [a]
    assert numbers("assignee=me", team["roads"]) == [a]
    assert numbers("") == [a, b, c]
    tomorrow = (datetime.now(timezone.utc) + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert numbers(f"from={tomorrow}") == []
    # An agent's default queue is their one department.
    assert numbers("", team["roads"]) == [a, b]

    calls = dynamodb_calls()
    first = team["supervisor"].get("/v1/admin/cases", "state=all&limit=2").body
    assert calls == ["Query"]
    second = team["supervisor"].get("/v1/admin/cases", f"state=all&limit=2&cursor={first['next_cursor']}").body
    assert calls == ["Query", "Query"]
    seen = [i["number"] for i in first["items"] + second["items"]]
    assert sorted(seen) == sorted([a, b, c, d]) and len(set(seen)) == 4


def test_bad_queue_filters_and_forged_cursors_are_400(team):
    answer = team["supervisor"].get("/v1/admin/cases", "status=lost&limit=1000&from=yesterday")
    assert answer.status == 400
    assert answer.fields == {"status": "not_allowed", "limit": "out_of_range", "from": "invalid_datetime"}
    forged = team["supervisor"].get("/v1/admin/cases", "cursor=eyJhIjoxfQ")
    assert forged.status == 400 and forged.error_code == "bad_request"


def test_agents_see_only_their_departments(team):
    lighting = open_case(team["operator"], category="street_lighting")["number"]
    assert team["roads"].get("/v1/admin/cases", "department=public_utilities").status == 403
    assert team["roads"].get(f"/v1/admin/cases/{lighting}").status == 403
    assert team["roads"].get("/v1/admin/cases/2026-999999").status == 403  # same answer
    assert team["supervisor"].get("/v1/admin/cases/2026-999999").status == 404
    # An agent of two departments names the one they want.
    answer = team["utilities"].get("/v1/admin/cases")
    assert answer.status == 400 and answer.fields == {"department": "required_for_role"}
    assert [i["number"] for i in team["utilities"].get(
        "/v1/admin/cases", "department=public_utilities").body["items"]] == [lighting]


def test_a_malformed_change_is_refused_for_the_case_before_its_body(team):
    # GIVEN a case the agent may not work on, and a body that is no valid change
    lighting = open_case(team["operator"], category="street_lighting")["number"]
    malformed = {"status": "lost", "version": 0}
    # WHEN / THEN: the answer is about the case (as for a valid body), not about the body
    assert team["roads"].post(f"/v1/admin/cases/{lighting}/status", malformed).status == 403
    assert team["operator"].post(f"/v1/admin/cases/{lighting}/routing", malformed).status == 403
    assert team["supervisor"].post("/v1/admin/cases/2026-999999/status", malformed).status == 404
    answer = team["utilities"].post(f"/v1/admin/cases/{lighting}/status", malformed)
    assert answer.status == 400 and set(answer.fields) == {"status", "reason", "version"}


def test_a_case_with_its_whole_timeline_is_one_query(team):
    number = open_case(team["operator"])["number"]
    team["operator"].post(f"/v1/admin/cases/{number}/notes", {"text": "Позвати поново сутра"})
    calls = dynamodb_calls()
    case = team["operator"].get(f"/v1/admin/cases/{number}").body
    assert calls == ["Query"]
    assert [e["kind"] for e in case["timeline"]] == ["case_opened", "note"]


def test_another_departments_case_costs_the_reads_of_a_missing_one(team):
    """Issue 12, item 10: 38 ms for another department's case against 10 ms for a missing one.
    A caller limited to their departments is refused on the case item, before the timeline is
    read, in the case view and in a reply (which reads the history): counted, not timed."""
    from tests.support.aws import dynamodb_reads

    number = open_case(team["operator"], category="street_lighting")["number"]  # public utilities
    for index in range(30):
        team["operator"].post(f"/v1/admin/cases/{number}/notes", {"text": f"Белешка {index}"})
    roads = team["roads"]
    reads = dynamodb_reads()
    for request in (lambda n: roads.get(f"/v1/admin/cases/{n}"),
                    lambda n: roads.post(f"/v1/admin/cases/{n}/replies",
                                         {"text": "Одговор", "version": 1})):
        reads.reset()
        other = request(number)
        refused = (list(reads.calls), reads.items)
        reads.reset()
        missing = request("2026-999999")
        assert other.status == missing.status == 403 and other.body == missing.body
        assert refused[0] == reads.calls == ["GetItem"]
        assert refused[1] <= 1 and reads.items == 0
    # a caller who may see every case still reads it in one Query
    reads.reset()
    assert team["supervisor"].get(f"/v1/admin/cases/{number}").status == 200
    assert reads.calls == ["Query"]


# -- working a case ------------------------------------------------------------------------------

def test_status_changes_follow_the_transitions_with_a_reason(team):
    number = open_case(team["operator"])["number"]
    roads = team["roads"]
    ok = roads.post(f"/v1/admin/cases/{number}/status",
                    {"status": "in_progress", "reason": "Екипа упућена", "version": 1,
                     "message_to_citizen": "Екипа је на путу."})
    assert ok.status == 200 and ok.body["version"] == 2 and ok.body["status"] == "in_progress"
    bad = roads.post(f"/v1/admin/cases/{number}/status",
                     {"status": "new", "reason": "Грешка", "version": 2})
    assert bad.status == 409 and bad.error_code == "invalid_transition"
    missing_reason = roads.post(f"/v1/admin/cases/{number}/status", {"status": "resolved", "version": 2})
    assert missing_reason.status == 400 and missing_reason.fields == {"reason": "required"}
    timeline = roads.get(f"/v1/admin/cases/{number}").body["timeline"]
    change = timeline[-1]
    assert change["kind"] == "status_changed" and change["actor"] == "staff:agent.roads"
    assert change["data"]["reason"] == "Екипа упућена" and change["data"]["from"] == "new"


def test_the_second_of_two_concurrent_changes_gets_409_with_the_current_version(team):
    number = open_case(team["operator"])["number"]
    first = team["roads"].post(f"/v1/admin/cases/{number}/status",
                               {"status": "in_progress", "reason": "Преузето", "version": 1})
    second = team["supervisor"].post(f"/v1/admin/cases/{number}/status",
                                     {"status": "cancelled", "reason": "Дупликат", "version": 1})
    assert first.status == 200 and second.status == 409
    assert second.body["error"]["current_version"] == 2
    case = team["supervisor"].get(f"/v1/admin/cases/{number}").body
    assert case["status"] == "in_progress"
    assert [e["kind"] for e in case["timeline"]].count("status_changed") == 1


def test_the_repository_refuses_a_stale_write_even_after_the_check(team):
    """The version is checked again in the transaction, not only before it."""
    from civicdesk import wiring
    from civicdesk.domain.errors import ConflictError

    number = open_case(team["operator"])["number"]
    repo = wiring.case_repository()
    case = repo.get_case(number)
    repo.save_change(case.with_changes(subject="A"), 1, [])
    with pytest.raises(ConflictError) as caught:
        repo.save_change(case.with_changes(subject="B"), 1, [])
    assert caught.value.current_version == 2


def test_assignment_checks_the_assignee_can_work_the_case(team):
    number = open_case(team["operator"])["number"]
    supervisor = team["supervisor"]
    wrong = supervisor.post(f"/v1/admin/cases/{number}/assignment",
                            {"assignee": "agent.util", "version": 1})
    assert wrong.status == 400 and wrong.fields == {"assignee": "cannot_work_case"}
    unknown = supervisor.post(f"/v1/admin/cases/{number}/assignment", {"assignee": "nobody", "version": 1})
    assert unknown.status == 400 and unknown.fields == {"assignee": "unknown_staff"}
    ok = supervisor.post(f"/v1/admin/cases/{number}/assignment", {"assignee": "agent.roads", "version": 1})
    assert ok.status == 200 and ok.body["assignee"] == "agent.roads"
    unassigned = supervisor.post(f"/v1/admin/cases/{number}/assignment", {"assignee": None, "version": 2})
    assert unassigned.status == 200 and unassigned.body["assignee"] is None


def test_supervisor_reroutes_and_the_agent_loses_the_case(team):
    number = open_case(team["operator"])["number"]
    moved = team["supervisor"].post(f"/v1/admin/cases/{number}/routing",
                                    {"department": "public_utilities", "reason": "Расвета", "version": 1})
    assert moved.status == 200 and moved.body["department"] == "public_utilities"
    assert team["roads"].get(f"/v1/admin/cases/{number}").status == 403
    assert team["utilities"].get(f"/v1/admin/cases/{number}").status == 200
    assert team["operator"].post(f"/v1/admin/cases/{number}/routing",
                                 {"department": "roads_traffic", "reason": "Назад", "version": 2}).status == 403


def test_internal_notes_never_reach_the_public_tracking_page(team, aws_env):
    opened = open_case(team["operator"], type="signal")
    number = opened["number"]
    team["roads"].post(f"/v1/admin/cases/{number}/notes", {"text": "Интерно: извођач је Путеви доо"})
    team["roads"].post(f"/v1/admin/cases/{number}/status",
                       {"status": "in_progress", "reason": "Интерни разлог", "version": 2,
                        "message_to_citizen": "Радови почињу у понедељак."})
    public = AdminApi().call("GET", f"/v1/public/cases/{number}", query=f"token={opened['token']}&lang=en")
    assert public.status == 200
    text = str(public.body)
    assert "Путеви" not in text and "Интерни разлог" not in text
    assert any(h.get("message") == "Радови почињу у понедељак." for h in public.body["history"])


def test_reply_by_email_is_threaded_into_the_case(team):
    opened = open_case(team["operator"], requester={"name": "Ана", "email": "ana@example.rs"},
                       subject="Рупа на путу")
    number = opened["number"]
    answer = team["roads"].post(f"/v1/admin/cases/{number}/replies",
                                {"text": "Рупа ће бити санирана до петка.", "version": 1,
                                 "status": "waiting_for_citizen"})
    assert answer.status == 200, answer.body
    assert answer.body["channel"] == "email" and answer.body["delivery"] == "sent"
    assert answer.body["status"] == "waiting_for_citizen"
    mail = aws.sent_mails()[-1]
    assert mail["To"] == "ana@example.rs" and mail["Subject"] == f"[#{number}] Re: Рупа на путу"
    assert mail["Reply-To"].startswith("podrska+") and number in mail["Reply-To"]
    assert "Рупа ће бити санирана до петка." in mail.get_content()
    from civicdesk import wiring

    assert wiring.mail_repository().case_for_message_ids([answer.body["message_id"]]) == number
    # A second click with the same version sends nothing more.
    again = team["roads"].post(f"/v1/admin/cases/{number}/replies",
                               {"text": "Рупа ће бити санирана до петка.", "version": 1})
    assert again.status == 409
    assert sum(1 for m in aws.sent_mails() if m["To"] == "ana@example.rs") == 1  # the reply


def test_reply_by_sms_when_only_a_mobile_number_is_known(team):
    number = open_case(team["operator"])["number"]
    answer = team["roads"].post(f"/v1/admin/cases/{number}/replies",
                                {"text": "Екипа излази сутра ујутру.", "version": 1})
    assert answer.status == 200 and answer.body["channel"] == "sms"
    texts = [m[1] for m in sms_messages() if m[0] == "+381641234567"]
    assert any("Екипа излази сутра ујутру." in t and number in t for t in texts)


def test_reply_without_any_contact_is_400(team):
    number = open_case(team["operator"], requester={"name": "Анонимни"})["number"]
    answer = team["roads"].post(f"/v1/admin/cases/{number}/replies", {"text": "Одговор", "version": 1})
    assert answer.status == 400 and answer.fields == {"channel": "no_contact_for_channel"}
    landline = open_case(team["operator"], requester={"phone": "011 3234567"})["number"]
    answer = team["roads"].post(f"/v1/admin/cases/{landline}/replies", {"text": "Одговор", "version": 1})
    assert answer.status == 400


def test_referral_mails_the_external_body_with_a_reply_address_into_the_case(team):
    from civicdesk import wiring
    from civicdesk.domain.threading import parse_reply_address

    municipality = wiring.municipality_provider().get()
    body = next(iter(municipality.external_bodies.values()))
    number = open_case(team["operator"])["number"]
    answer = team["roads"].post(f"/v1/admin/cases/{number}/referrals",
                                {"body": body.id, "message": "Молимо вас да поступите.", "version": 1})
    assert answer.status == 200, answer.body
    assert answer.body["status"] == "referred" and answer.body["delivery"] == "sent"
    mail = aws.sent_mails()[-1]
    assert mail["To"] == body.email and f"[#{number}]" in mail["Subject"]
    assert parse_reply_address(mail["Reply-To"])[1] == number
    content = mail.get_content()
    assert "Молимо вас да поступите." in content and "+381641234567" not in content  # no contact data
    case = team["roads"].get(f"/v1/admin/cases/{number}").body
    assert body.email in case["participants"]


def test_merge_closes_the_duplicate_and_links_both(team):
    original = open_case(team["operator"])["number"]
    duplicate = open_case(team["operator"], requester={"name": "Вера", "email": "vera@example.rs"})["number"]
    merged = team["roads"].post(f"/v1/admin/cases/{duplicate}/merge",
                                {"into": original, "reason": "Иста рупа", "version": 1})
    assert merged.status == 200 and merged.body["merged_into"] == original
    source = team["roads"].get(f"/v1/admin/cases/{duplicate}").body
    target = team["roads"].get(f"/v1/admin/cases/{original}").body
    assert source["status"] == "closed" and source["merged_into"] == original
    assert duplicate in target["linked_cases"] and "vera@example.rs" in target["participants"]
    assert target["timeline"][-1]["kind"] == "merged_from"
    again = team["roads"].post(f"/v1/admin/cases/{duplicate}/merge", {"into": original, "version": 2})
    assert again.status == 409
    itself = team["roads"].post(f"/v1/admin/cases/{original}/merge", {"into": original, "version": 2})
    assert itself.status == 400 and itself.fields == {"into": "same_case"}


def test_link_relates_both_cases(team):
    a = open_case(team["operator"])["number"]
    b = open_case(team["operator"])["number"]
    assert team["operator"].post(f"/v1/admin/cases/{a}/links", {"case": b}).status == 200
    assert b in team["operator"].get(f"/v1/admin/cases/{a}").body["linked_cases"]
    assert a in team["operator"].get(f"/v1/admin/cases/{b}").body["linked_cases"]


def test_only_administrators_delete_and_deletion_is_a_recorded_soft_delete(team):
    opened = open_case(team["operator"])
    number = opened["number"]
    for role in ("operator", "roads", "supervisor"):
        refused = team[role].delete(f"/v1/admin/cases/{number}", {"reason": "Тест", "version": 1})
        assert refused.status == 403, role
    deleted = team["admin"].delete(f"/v1/admin/cases/{number}", {"reason": "Лични подаци унети грешком", "version": 1})
    assert deleted.status == 200 and deleted.body["deleted"] is True
    kept = team["admin"].get(f"/v1/admin/cases/{number}").body
    assert kept["deleted_by"] == "staff:admin.petar" and kept["timeline"][-1]["kind"] == "deleted"
    assert team["supervisor"].get(f"/v1/admin/cases/{number}").status == 404
    assert team["roads"].get(f"/v1/admin/cases/{number}").status == 403
    assert team["supervisor"].get("/v1/admin/cases", "state=all").body["items"] == []
    assert [i["number"] for i in team["admin"].get("/v1/admin/cases", "state=deleted").body["items"]] == [number]
    assert team["supervisor"].get("/v1/admin/cases", "state=deleted").status == 403
    public = AdminApi().call("GET", f"/v1/public/cases/{number}", query=f"token={opened['token']}")
    assert public.status == 404


def test_staff_list_for_assignment(team):
    everyone = {m["username"] for m in team["supervisor"].get("/v1/admin/staff").body["items"]}
    assert {"operator.ana", "agent.roads", "agent.util", "supervisor.mira", "admin.petar"} <= everyone
    agents = team["supervisor"].get("/v1/admin/staff", "role=department_agent&department=roads_traffic").body
    assert [m["username"] for m in agents["items"]] == ["agent.roads"]
    own = {m["username"] for m in team["roads"].get("/v1/admin/staff").body["items"]}
    assert own == {"agent.roads"}


def test_an_operator_cannot_register_a_location_outside_the_municipality(team):
    # GIVEN a call about a place in Belgrade, 90 km away (or coordinates typed the wrong way round)
    for location in ({"lat": 44.8125, "lon": 20.4612}, {"lat": 20.92, "lon": 44.018}):
        answer = team["operator"].post("/v1/admin/cases", {**PHONE_CALL, "location": location},
                                       headers={"Accept-Language": "sr-Latn"})
        # THEN the intake refuses it on `location`, in the staff member's language
        assert answer.status == 400, answer.body
        assert answer.body["error"]["fields"] == [{
            "field": "location", "code": "outside_municipality",
            "message": "Ovo mesto je izvan opštine. Proverite koordinate (prvo geografska širina) "
                       "ili opišite mesto u adresi."}]
    # AND nothing was registered: the next case gets the first number
    assert open_case(team["operator"], location={"lat": 44.018, "lon": 20.92})["number"].endswith("-000001")


def test_routing_by_area_sends_a_village_water_leak_to_the_village_utility(team):
    import json

    from shapely.geometry import shape

    areas = json.loads((aws.CONFIG_DIR / "areas.geojson").read_text(encoding="utf-8"))
    village = next(f for f in areas["features"] if f["properties"]["id"] == "izvor_water_area")
    inside = shape(village["geometry"]).representative_point()
    business = next(f for f in areas["features"] if f["properties"]["id"] == "poslovna_zona_sever")
    business_point = shape(business["geometry"]).representative_point()
    # WHEN
    in_village = open_case(team["operator"], category="water_supply",
                           location={"lat": inside.y, "lon": inside.x})
    in_business_zone = open_case(team["operator"], category="water_supply",
                                 location={"lat": business_point.y, "lon": business_point.x})
    in_town = open_case(team["operator"], category="water_supply")
    # THEN
    assert in_village["department"] == "izvor_water_utility"
    assert in_village["routing"] == {"rule": "area", "department": "izvor_water_utility",
                                     "area": "izvor_water_area"}
    assert in_business_zone["department"] == "water_sewage"
    assert in_town["department"] == "water_sewage" and in_town["routing"]["rule"] == "category"
    case = team["supervisor"].get(f"/v1/admin/cases/{in_village['number']}").body
    assert [e["kind"] for e in case["timeline"]] == ["case_opened", "routed"]
