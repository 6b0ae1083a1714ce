"""Due times in the admin API (issue 14): the `due` of the case view and the queue rows, the
overdue queue from the due-time index with the queue's scoping, and the extension of an FOI
request's legal deadline. In-process under moto."""

from __future__ import annotations

import os
from datetime import datetime, timedelta, timezone

import pytest

from tests.support.admin import AdminApi, Staff

CALL = {"type": "request", "channel": "phone", "category": "local_taxes",
        "description": "Građanin pita za rešenje o porezu na imovinu za 2026. godinu.",
        "requester": {"name": "Milan Jovanović", "phone": "064 123 4567"}}
LAMP = {"type": "signal", "channel": "phone", "category": "street_lighting",
        "description": "Ne radi ulična rasveta u Ulici Vuka Karadžića kod broja 5.",
        "requester": {"name": "Milan Jovanović", "phone": "064 123 4567"}}
FOI = {"type": "foi_request", "channel": "letter", "category": "general_question",
       "description": "Zahtev za pristup informacijama: ugovori o javnoj rasveti za 2025. godinu.",
       "requester": {"name": "Milan Jovanović", "address": "Vuka Karadžića 5, Demo"}}


@pytest.fixture
def team(aws_env):
    staff = Staff(AdminApi(), os.environ["CIVICDESK_STAFF_USER_POOL_ID"])
    return {"operator": staff.add("operator.ana", "operator"),
            "utilities": staff.add("agent.util", "department_agent",
                                   departments=("public_utilities", "green_areas")),
            "roads": staff.add("agent.roads", "department_agent", departments=("roads_traffic",)),
            "supervisor": staff.add("supervisor.mira", "supervisor")}


def weeks_ago(weeks: int) -> str:
    return (datetime.now(timezone.utc) - timedelta(weeks=weeks)).isoformat()


def open_case(caller, body) -> str:
    answer = caller.post("/v1/admin/cases", body)
    assert answer.status == 201, answer.body
    return answer.body["number"]


def test_the_case_view_and_the_queue_rows_carry_the_due_times(team):
    operator = team["operator"]
    # GIVEN a treasury call registered now
    number = open_case(operator, CALL)
    # THEN the case says when it is due, in working time
    due = operator.get(f"/v1/admin/cases/{number}").body["due"]
    assert set(due) == {"first_reaction", "resolution", "legal", "referral", "first_reaction_at",
                        "paused_since", "running", "next", "next_clock", "working_minutes_left",
                        "overdue", "breached", "legal_extended", "legal_extendable", "as_of"}
    assert due["running"] == ["first_reaction", "resolution"] and due["next_clock"] == "first_reaction"
    assert due["next"] == due["first_reaction"] and due["legal"] is None
    assert 0 <= due["working_minutes_left"] <= 30 and due["overdue"] == [] == due["breached"]
    assert due["legal_extendable"] is False
    # AND so does its queue row
    rows = operator.get("/v1/admin/cases", "department=tax_administration").body["items"]
    assert [r["due"]["first_reaction"] for r in rows if r["number"] == number] == [due["first_reaction"]]
    # WHEN staff ask the citizen for more
    answer = operator.post(f"/v1/admin/cases/{number}/status", {
        "version": 1, "status": "waiting_for_citizen", "reason": "Nedostaje broj rešenja"})
    assert answer.status == 200, answer.body
    # THEN the first reaction is recorded and the clock stands still
    due = operator.get(f"/v1/admin/cases/{number}").body["due"]
    assert due["first_reaction_at"] and due["paused_since"]
    assert due["running"] == [] and due["next"] is None and due["working_minutes_left"] is None


def test_the_overdue_view_lists_late_cases_most_overdue_first_scoped_like_the_queues(team):
    operator, utilities = team["operator"], team["utilities"]
    # GIVEN late cases of two departments (registered weeks after they came in) and a fresh one
    oldest = open_case(operator, {**LAMP, "received_at": weeks_ago(4)})
    taxes = open_case(operator, {**CALL, "received_at": weeks_ago(3)})
    lamp = open_case(operator, {**LAMP, "received_at": weeks_ago(2)})
    open_case(operator, LAMP)
    # WHEN the operator opens the overdue view
    answer = operator.get("/v1/admin/cases", "view=overdue")
    # THEN every late case, most overdue first, each saying what is late and by how much
    assert answer.status == 200, answer.body
    rows = answer.body["items"]
    assert [r["number"] for r in rows] == [oldest, taxes, lamp]
    assert all(r["due"]["overdue"] and r["due"]["working_minutes_left"] < 0 for r in rows)
    assert answer.body["next_cursor"] is None
    # AND an agent sees only their departments' late cases; filters narrow it
    mine = utilities.get("/v1/admin/cases", "view=overdue").body["items"]
    assert [r["number"] for r in mine] == [oldest, lamp]
    assert [r["number"] for r in operator.get(
        "/v1/admin/cases", "view=overdue&category=local_taxes").body["items"]] == [taxes]
    assert [r["number"] for r in operator.get("/v1/admin/cases", "view=overdue&limit=1").body["items"]] == [oldest]
    forbidden = utilities.get("/v1/admin/cases", "view=overdue&department=tax_administration")
    assert forbidden.status == 403
    # AND the view is of open cases only; an unknown view is refused
    assert operator.get("/v1/admin/cases", "view=overdue&state=closed").status == 400
    assert operator.get("/v1/admin/cases", "view=late").status == 400
    # WHEN the oldest is resolved, it is no longer overdue
    operator.post(f"/v1/admin/cases/{oldest}/status", {"version": 1, "status": "resolved",
                                                       "reason": "Popravljeno"})
    assert [r["number"] for r in operator.get("/v1/admin/cases", "view=overdue").body["items"]] == [taxes, lamp]


def test_an_foi_requests_legal_deadline_is_extended_once_with_a_public_reason(team):
    operator, roads = team["operator"], team["roads"]
    number = open_case(operator, FOI)
    case = operator.get(f"/v1/admin/cases/{number}", "lang=en").body
    assert case["due"]["legal"] and case["due"]["legal_extendable"] is True
    # WHEN extended without a reason, by an agent of another department, then properly
    assert operator.post(f"/v1/admin/cases/{number}/deadline-extension",
                         {"version": 1, "reason": ""}).status == 400
    assert roads.post(f"/v1/admin/cases/{number}/deadline-extension",
                      {"version": 1, "reason": "Obimna dokumentacija"}).status == 403
    answer = operator.post(f"/v1/admin/cases/{number}/deadline-extension",
                           {"version": 1, "reason": "Obimna dokumentacija iz arhive"})
    # THEN the deadline moves by the law's 25 days, recorded publicly with the reason
    assert answer.status == 200, answer.body
    assert answer.body["version"] == 2
    case = operator.get(f"/v1/admin/cases/{number}", "lang=en").body
    assert case["due"]["legal_extended"] is True and case["due"]["legal_extendable"] is False
    assert case["due"]["legal"] > case["due"]["first_reaction"]
    entry = case["timeline"][-1]
    assert entry["kind"] == "deadline_extended" and entry["public"] is True
    assert entry["text"] == "The legal deadline was extended. Reason: Obimna dokumentacija iz arhive"
    assert entry["data"]["days"] == 25
    # AND a second extension is a conflict, as is one of a case without a legal deadline
    again = operator.post(f"/v1/admin/cases/{number}/deadline-extension",
                          {"version": 2, "reason": "Još jednom"})
    assert again.status == 409 and again.body["error"]["current_version"] == 2
    other = open_case(operator, CALL)
    assert operator.post(f"/v1/admin/cases/{other}/deadline-extension",
                         {"version": 1, "reason": "Zašto ne"}).status == 409
