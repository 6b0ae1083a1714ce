"""Issue 14's promise of the service-level job on the local runtime, end to end over HTTP: a
phone call an operator registers twenty working days after it came in (``received_at``) is
escalated by the job run on demand (``POST /_local/schedules/SlaSchedule``) exactly once --
run again, for the same and for a later slot, nothing more happens: the timeline and the
escalation level stay, and no second mail reaches ``/_local/outbox`` -- and the supervisors'
mail of the escalation goes out once. A case nearly due warns its department's mailbox once.
The whole deployed way: SlaFunction, the due-time index, the table's stream,
PublishEventsFunction, EventsTopic, NotifyQueue, NotifyFunction, SES."""

from __future__ import annotations

import time
from datetime import datetime, timedelta, timezone

import pytest
import requests

from infra.local.runtime import LocalRuntime
from tests.support.local_staff import DEMO, id_token, outbox, wait_for

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("local_sla_job")]

#: Generous: the way from the job's write to the outbox takes about a second (``make bench``).
DEADLINE = 20
#: After the job ran again: long enough for a second mail to arrive if one were sent.
QUIET = 4
SUPERVISORS = [user.email for user in DEMO.values() if "supervisor" in user.roles]


@pytest.fixture(scope="module")
def runtime(tmp_path_factory):
    directory = tmp_path_factory.mktemp("local-sla-job")
    with LocalRuntime(http_port=0, aws_port=0, smtp_port=0, state_dir=directory / "state",
                      run_schedules=False) as started:
        yield started


def register(runtime, token: str, **fields) -> dict:
    body = {"type": "signal", "channel": "phone", "category": "road_damage",
            "description": "Рупа на коловозу у Улици Вука Караџића 5, пријављена телефоном.",
            "requester": {"name": "Петар Петровић", "phone": "064 123 4567"}, **fields}
    answer = requests.post(f"{runtime.http_url}/v1/admin/cases", json=body, timeout=10,
                           headers={"Authorization": token})
    assert answer.status_code == 201, answer.text
    return answer.json()


def case_file(runtime, token: str, number: str) -> dict:
    answer = requests.get(f"{runtime.http_url}/v1/admin/cases/{number}", timeout=10,
                          headers={"Authorization": token})
    assert answer.status_code == 200, answer.text
    return answer.json()


def run_job(runtime, at: datetime | None = None) -> dict:
    params = {"at": at.isoformat()} if at is not None else {}
    answer = requests.post(f"{runtime.http_url}/_local/schedules/SlaSchedule", params=params,
                           timeout=120)
    assert answer.status_code == 200, answer.text
    run = answer.json()
    assert run["outcome"] == "succeeded", run
    return run["result"]


def mails_about(runtime, number: str) -> list[dict]:
    return [entry for entry in outbox(runtime) if entry["channel"] == "email"
            and entry["headers"].get("X-CivicDesk-Case") == number]


def history(file: dict) -> list[tuple[str, str]]:
    """The case's history: its timeline without the delivery trail (mails sent, SES's reports
    of them), which the supervisors' mails add to."""
    return [(entry["id"], entry["kind"]) for entry in file["timeline"]
            if entry["kind"] not in ("notification", "delivery_report")]


def sla_entries(file: dict) -> list[tuple[str, str]]:
    return [(entry["kind"], entry["actor"]) for entry in file["timeline"]
            if entry["actor"] == "system:sla"]


def test_a_call_entered_twenty_working_days_late_is_escalated_by_the_job_once(runtime):
    # GIVEN a phone call registered now that came in four weeks ago (twenty working days, or
    # nineteen with a public holiday among them: past both service levels either way)
    token = id_token(runtime)
    received = (datetime.now(timezone.utc) - timedelta(days=28)).replace(microsecond=0)
    case = register(runtime, token, received_at=received.isoformat())
    number = case["number"]
    assert case_file(runtime, token, number)["due"]["overdue"] == ["first_reaction", "resolution"]

    # WHEN the service-level job runs on demand
    result = run_job(runtime)
    # THEN it found the case in its window, recorded both breaches and escalated it once
    assert result["state"] == "ran"
    assert result["outcome"]["breaches"] >= 2 and result["outcome"]["escalations"] >= 1
    file = case_file(runtime, token, number)
    assert file["escalation_level"] == 1
    assert sla_entries(file) == [("sla_breached", "system:sla"), ("sla_breached", "system:sla"),
                                 ("escalated", "system:sla")]
    escalation = next(e for e in file["timeline"] if e["kind"] == "escalated")
    assert escalation["data"]["clock"] == "first_reaction"
    assert "прва реакција" in escalation["data"]["reason"]  # the municipality's language
    assert sorted(file["due"]["breached"]) == ["first_reaction", "resolution"]
    # AND the supervisors are told once, in their language, with the missed due times
    supervisors = wait_for(lambda: [m for m in mails_about(runtime, number)
                                    if set(m["to"]) & set(SUPERVISORS)], DEADLINE)
    assert supervisors, mails_about(runtime, number)
    assert len(supervisors) == len(SUPERVISORS)
    assert "Рок је пропуштен: прва реакција" in supervisors[0]["text"]

    # WHEN the job runs again: the same slot (a repeated delivery) and the next one
    slot = datetime.strptime(result["slot"], "%Y-%m-%dT%H:%MZ").replace(tzinfo=timezone.utc)
    again = run_job(runtime, slot)
    later = run_job(runtime, slot + timedelta(minutes=5))
    time.sleep(QUIET)
    # THEN nothing more happened: same timeline, same level, no second mail
    assert again["state"] == "done_before"
    assert later["state"] == "ran" and later["outcome"]["escalations"] == 0
    assert later["outcome"]["breaches"] == 0
    after = case_file(runtime, token, number)
    assert after["escalation_level"] == 1
    assert history(after) == history(file)
    assert len([m for m in mails_about(runtime, number) if set(m["to"]) & set(SUPERVISORS)]) \
        == len(SUPERVISORS)


def test_a_case_nearly_due_warns_its_departments_mailbox_once(runtime):
    # GIVEN a tax question nobody is assigned to (first reaction in 30 working minutes, warned
    # 10 before)
    token = id_token(runtime)
    case = register(runtime, token, type="request", category="local_taxes",
                    description="Građanin pita za rešenje o porezu na imovinu za 2026.")
    number = case["number"]
    due = datetime.fromisoformat(
        case_file(runtime, token, number)["due"]["first_reaction"].replace("Z", "+00:00"))
    # WHEN the job runs five minutes before the due time, and again a minute later
    first = run_job(runtime, due - timedelta(minutes=5))
    second = run_job(runtime, due - timedelta(minutes=4))
    # THEN one warning, and the department's mailbox got one mail saying what is due when
    assert (first["outcome"]["warnings"], second["outcome"]["warnings"]) == (1, 0)
    assert sla_entries(case_file(runtime, token, number)) == [("sla_warning", "system:sla")]
    mails = wait_for(lambda: [m for m in mails_about(runtime, number)
                              if "porezi@demo.civicdesk.rs" in m["to"]
                              and "рок истиче за" in m["subject"]], DEADLINE)
    assert mails, mails_about(runtime, number)
    time.sleep(QUIET)
    [mail] = [m for m in mails_about(runtime, number) if "рок истиче за" in m["subject"]]
    assert "прва реакција" in mail["subject"] and "Преостало радно време" in mail["text"]
