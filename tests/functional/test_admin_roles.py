"""Every role against every admin operation, over HTTP: allowed, or 403 without learning
whether the case exists."""

from __future__ import annotations

import os

import pytest

from tests.support.admin import AdminApi, Staff

CALL = {
    "type": "signal", "channel": "phone", "category": "road_damage",
    "description": "Рупа на коловозу испред школе.",
    "requester": {"name": "Ивана", "email": "ivana@example.rs"},
}

# What each role may do (written out here, independently of the policy table in the code).
# "own": only on cases of their departments; "all": on every case; absent: 403.
ALLOWED = {
    "me": {"operator": "all", "department_agent": "all", "supervisor": "all", "administrator": "all"},
    "staff": {"operator": "all", "department_agent": "all", "supervisor": "all", "administrator": "all"},
    "queue": {"operator": "all", "department_agent": "own", "supervisor": "all", "administrator": "all"},
    "open": {"operator": "all", "supervisor": "all", "administrator": "all"},
    "view": {"operator": "all", "department_agent": "own", "supervisor": "all", "administrator": "all"},
    "assign": {"operator": "all", "department_agent": "own", "supervisor": "all", "administrator": "all"},
    "status": {"operator": "all", "department_agent": "own", "supervisor": "all", "administrator": "all"},
    "route": {"supervisor": "all", "administrator": "all"},
    "note": {"operator": "all", "department_agent": "own", "supervisor": "all", "administrator": "all"},
    "reply": {"operator": "all", "department_agent": "own", "supervisor": "all", "administrator": "all"},
    "refer": {"operator": "all", "department_agent": "own", "supervisor": "all", "administrator": "all"},
    "merge": {"operator": "all", "department_agent": "own", "supervisor": "all", "administrator": "all"},
    "link": {"operator": "all", "department_agent": "own", "supervisor": "all", "administrator": "all"},
    "escalate": {"operator": "all", "department_agent": "own", "supervisor": "all", "administrator": "all"},
    "delete": {"administrator": "all"},
    "quarantine": {"operator": "all", "supervisor": "all", "administrator": "all"},
    "quarantined_message": {"operator": "all", "supervisor": "all", "administrator": "all"},
    "release": {"operator": "all", "supervisor": "all", "administrator": "all"},
    "suppressions": {"supervisor": "all", "administrator": "all"},
    "lift_suppression": {"supervisor": "all", "administrator": "all"},
    "feed": {"supervisor": "all", "administrator": "all"},
}


def operations(caller, case: str, other: str, body_id: str) -> dict:
    """Each operation as a call on ``case`` (``other``: a second case of the same department)."""
    return {
        "me": lambda: caller.get("/v1/admin/me"),
        "staff": lambda: caller.get("/v1/admin/staff"),
        "queue": lambda: caller.get("/v1/admin/cases", "department=" + DEPARTMENT[case]),
        "open": lambda: caller.post("/v1/admin/cases", CALL),
        "view": lambda: caller.get(f"/v1/admin/cases/{case}"),
        "assign": lambda: caller.post(f"/v1/admin/cases/{case}/assignment", {"assignee": "supervisor.x", "version": 1}),
        "status": lambda: caller.post(f"/v1/admin/cases/{case}/status",
                                      {"status": "in_progress", "reason": "Почињемо", "version": 1}),
        "route": lambda: caller.post(f"/v1/admin/cases/{case}/routing",
                                     {"department": "communal_inspection", "reason": "Надлежност", "version": 1}),
        "note": lambda: caller.post(f"/v1/admin/cases/{case}/notes", {"text": "Белешка"}),
        "reply": lambda: caller.post(f"/v1/admin/cases/{case}/replies", {"text": "Одговор", "version": 1}),
        "refer": lambda: caller.post(f"/v1/admin/cases/{case}/referrals",
                                     {"body": body_id, "message": "Молимо поступите", "version": 1}),
        "merge": lambda: caller.post(f"/v1/admin/cases/{case}/merge", {"into": other, "version": 1}),
        "link": lambda: caller.post(f"/v1/admin/cases/{case}/links", {"case": other}),
        "escalate": lambda: caller.post(f"/v1/admin/cases/{case}/escalation",
                                        {"reason": "Чека се предуго", "version": 1}),
        "delete": lambda: caller.delete(f"/v1/admin/cases/{case}", {"reason": "Тестирање", "version": 1}),
        "quarantine": lambda: caller.get("/v1/admin/quarantine"),
        "quarantined_message": lambda: caller.get("/v1/admin/quarantine/2026-11-21T00:00:00.000000Z%23missing"),
        "release": lambda: caller.post("/v1/admin/quarantine/2026-11-21T00:00:00.000000Z%23missing/release"),
        "suppressions": lambda: caller.get("/v1/admin/suppressions"),
        "lift_suppression": lambda: caller.delete("/v1/admin/suppressions/nobody@example.rs",
                                                  {"reason": "Адреса исправљена"}),
        "feed": lambda: caller.get("/v1/admin/feed"),
    }


DEPARTMENT: dict[str, str] = {}
CASE_BOUND = {"queue", "view", "assign", "status", "route", "note", "reply", "refer", "merge",
              "link", "escalate", "delete"}


@pytest.fixture
def setting(aws_env):
    from civicdesk import wiring

    staff = Staff(AdminApi(), os.environ["CIVICDESK_STAFF_USER_POOL_ID"])
    staff.add("supervisor.x", "supervisor")
    opener = staff.add("operator.x", "operator")
    body_id = next(iter(wiring.municipality_provider().get().external_bodies))
    return staff, opener, body_id


def fresh_case(opener, category="road_damage") -> str:
    answer = opener.post("/v1/admin/cases", {**CALL, "category": category})
    assert answer.status == 201, answer.body
    DEPARTMENT[answer.body["number"]] = answer.body["department"]
    return answer.body["number"]


@pytest.mark.parametrize("role", ["operator", "department_agent", "supervisor", "administrator"])
def test_every_operation_for_a_role(setting, role):
    staff, opener, body_id = setting
    caller = staff.add(f"{role}.tested", role,
                       departments=("roads_traffic",) if role == "department_agent" else ())
    outcomes = {}
    for name, expected in ALLOWED.items():
        scope = expected.get(role)
        # A case of the caller's department, and one of another department.
        own, own_other = fresh_case(opener), fresh_case(opener)
        foreign, foreign_other = fresh_case(opener, "street_lighting"), fresh_case(opener, "street_lighting")
        on_own = operations(caller, own, own_other, body_id)[name]()
        outcomes[name] = on_own.status
        if scope is None:
            assert on_own.status == 403, (role, name, on_own.body)
            assert on_own.error_code == "forbidden"
        else:
            assert on_own.status not in (401, 403), (role, name, on_own.body)
            assert on_own.status < 500, (role, name, on_own.body)
        if name in CASE_BOUND:
            on_foreign = operations(caller, foreign, foreign_other, body_id)[name]()
            if scope == "all":
                assert on_foreign.status not in (401, 403), (role, name, on_foreign.body)
            else:
                assert on_foreign.status == 403, (role, name, on_foreign.body)
            if name != "queue":
                # A number that does not exist: 403 for whoever would get 403 on a foreign case.
                missing = operations(caller, "2026-999999", own_other, body_id)[name]()
                assert missing.status == (404 if scope == "all" else 403), (role, name, missing.body)
    assert all(status < 500 for status in outcomes.values()), outcomes
