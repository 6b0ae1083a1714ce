"""Escalating a case to the supervisors through the admin API, in-process under moto: the level,
the internal timeline entry, the refusals, and what the citizen does not see."""

from __future__ import annotations

import os

import pytest

from civicdesk.rendering import translate
from tests.support.admin import AdminApi, Staff

PHONE_CALL = {
    "type": "signal", "channel": "phone", "category": "road_damage",
    "description": "Грађанин јавља да је рупа у Улици Вука Караџића 5 све већа.",
    "requester": {"name": "Милан Јовановић", "email": "milan@example.rs"},
}


@pytest.fixture
def team(aws_env):
    staff = Staff(AdminApi(), os.environ["CIVICDESK_STAFF_USER_POOL_ID"])
    return {
        "operator": staff.add("operator.ana", "operator"),
        "roads": staff.add("agent.roads", "department_agent", departments=("roads_traffic",)),
        "lighting": staff.add("agent.light", "department_agent", departments=("public_utilities",)),
        "supervisor": staff.add("supervisor.mira", "supervisor"),
    }


def open_case(caller) -> dict:
    answer = caller.post("/v1/admin/cases", PHONE_CALL)
    assert answer.status == 201, answer.body
    assert answer.body["department"] == "roads_traffic"
    return answer.body


def escalate(caller, number: str, version: int, reason: str = "Грађанин зове трећи пут, нико не излази.",
             **kw):
    return caller.post(f"/v1/admin/cases/{number}/escalation", {"reason": reason, "version": version},
                       **kw)


def test_escalating_twice_raises_the_level_each_time(team):
    # GIVEN an open case of the roads department
    number = open_case(team["operator"])["number"]
    # WHEN its agent escalates it, and the operator again
    first = escalate(team["roads"], number, 1)
    second = escalate(team["operator"], number, 2, "Опет без одговора.")
    # THEN
    assert first.status == 200, first.body
    assert first.body["escalation_level"] == 1 and first.body["version"] == 2
    assert second.status == 200 and second.body["escalation_level"] == 2
    case = team["supervisor"].get(f"/v1/admin/cases/{number}", "lang=en").body
    assert case["escalation_level"] == 2 and case["version"] == 3
    entries = [e for e in case["timeline"] if e["kind"] == "escalated"]
    assert [(e["actor"], e["public"], e["data"]["level"]) for e in entries] == [
        ("staff:agent.roads", False, 1), ("staff:operator.ana", False, 2)]
    assert entries[0]["data"]["reason"] == "Грађанин зове трећи пут, нико не излази."
    assert entries[1]["id"] in second.body["events"]
    assert entries[1]["text"] == "Escalated to the supervisors (level 2)."
    serbian = team["supervisor"].get(f"/v1/admin/cases/{number}", "lang=sr-Latn").body
    assert serbian["timeline"][-1]["text"] == "Predmet je eskaliran supervizorima (nivo 2)."
    queue = team["supervisor"].get("/v1/admin/cases", "department=roads_traffic").body["items"]
    assert {i["number"]: i["escalation_level"] for i in queue}[number] == 2


def test_a_case_never_escalated_has_level_zero(team):
    number = open_case(team["operator"])["number"]
    assert team["roads"].get(f"/v1/admin/cases/{number}").body["escalation_level"] == 0


def test_the_reason_is_required_and_limited(team):
    number = open_case(team["operator"])["number"]
    missing = team["roads"].post(f"/v1/admin/cases/{number}/escalation", {"version": 1})
    assert missing.status == 400 and missing.fields == {"reason": "required"}
    blank = escalate(team["roads"], number, 1, "   ")
    assert blank.status == 400 and blank.fields == {"reason": "required"}
    long = escalate(team["roads"], number, 1, "ж" * 1001, headers={"Accept-Language": "sr-Latn"})
    assert long.status == 400 and long.fields == {"reason": "too_long"}
    assert long.body["error"]["fields"][0]["message"] == translate(
        "sr-Latn", "field.too_long_counted", limit="1000 znakova", length="1001 znak")
    no_version = team["roads"].post(f"/v1/admin/cases/{number}/escalation", {"reason": "Хитно"})
    assert no_version.status == 400 and no_version.fields == {"version": "required"}
    # Nothing was written.
    assert team["roads"].get(f"/v1/admin/cases/{number}").body["version"] == 1


def test_a_stale_version_is_409_and_writes_nothing(team):
    number = open_case(team["operator"])["number"]
    team["roads"].post(f"/v1/admin/cases/{number}/notes", {"text": "Екипа је обавештена."})
    stale = escalate(team["roads"], number, 1)
    assert stale.status == 409 and stale.error_code == "conflict"
    assert stale.body["error"]["current_version"] == 2
    case = team["roads"].get(f"/v1/admin/cases/{number}").body
    assert case["escalation_level"] == 0
    assert not [e for e in case["timeline"] if e["kind"] == "escalated"]


@pytest.mark.parametrize("status", ["resolved", "cancelled"])
def test_a_case_that_is_no_longer_open_is_refused(team, status):
    number = open_case(team["operator"])["number"]
    closed = team["roads"].post(f"/v1/admin/cases/{number}/status",
                                {"status": status, "reason": "Готово", "version": 1})
    assert closed.status == 200, closed.body
    refused = escalate(team["roads"], number, 2, headers={"Accept-Language": "en"})
    assert refused.status == 409 and refused.error_code == "conflict"
    assert refused.body["error"]["message"] == "Only an open case can be escalated; reopen it first."
    assert refused.body["error"]["current_version"] == 2
    assert team["roads"].get(f"/v1/admin/cases/{number}").body["escalation_level"] == 0


def test_a_merged_case_is_refused_with_the_case_it_was_merged_into(team):
    kept = open_case(team["operator"])["number"]
    duplicate = open_case(team["operator"])["number"]
    assert team["roads"].post(f"/v1/admin/cases/{duplicate}/merge",
                              {"into": kept, "version": 1}).status == 200
    refused = escalate(team["roads"], duplicate, 2, headers={"Accept-Language": "en"})
    assert refused.status == 409 and kept in refused.body["error"]["message"]


def test_an_agent_of_another_department_is_403_as_for_a_missing_case(team):
    number = open_case(team["operator"])["number"]
    foreign = escalate(team["lighting"], number, 1)
    missing = escalate(team["lighting"], "2026-999999", 1)
    assert foreign.status == missing.status == 403
    assert foreign.body == missing.body
    assert escalate(team["supervisor"], "2026-999999", 1).status == 404
    assert team["roads"].get(f"/v1/admin/cases/{number}").body["escalation_level"] == 0


def test_the_citizen_never_sees_an_escalation(team):
    opened = open_case(team["operator"])
    assert escalate(team["roads"], opened["number"], 1).status == 200
    public = AdminApi().call("GET", f"/v1/public/cases/{opened['number']}",
                             query=f"token={opened['token']}&lang=sr-Cyrl")
    assert public.status == 200
    assert "escalated" not in {h["kind"] for h in public.body["history"]}
    assert "трећи пут" not in str(public.body)
