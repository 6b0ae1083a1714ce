"""SlaFunction's handler on the cases table (moto, in-process): Scheduler's event for a slot
escalates a call entered weeks late once, reading the cases due through the due-time index only
(one ``Query`` per shard and one ``BatchGetItem``, whatever else the table holds); the same
slot again is done before, the next one writes nothing."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from civicdesk.domain.policy import Principal, Role
from tests.support.aws import context, dynamodb_reads, load_function

OPERATOR = Principal("u1", "ana", frozenset({Role.OPERATOR}), name="Ana")
CALL = {"type": "signal", "channel": "phone", "category": "road_damage",
        "description": "Грађанин јавља да је на коловозу велика рупа.",
        "requester": {"name": "Милан Јовановић", "phone": "064 123 4567"}}


def open_call(**changes) -> str:
    from civicdesk import wiring
    from civicdesk.api import case_commands

    command = case_commands.open_staff_case({**CALL, **changes})
    return wiring.casework_service().open_case(OPERATOR, command).number


def event(slot: datetime) -> dict:
    return {"job": "sla", "scheduled_time": slot.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "execution_id": "e-1", "attempt": "1"}


@pytest.fixture
def handler(aws_env):
    return load_function("SlaFunction").handler


def test_the_job_escalates_a_late_call_once_reading_only_the_cases_due(handler):
    from civicdesk import wiring

    now = datetime.now(timezone.utc).replace(second=0, microsecond=0)
    late = open_call(received_at=(now - timedelta(days=28)).isoformat())
    for _ in range(5):  # fresh calls: first reaction in 240 working minutes, after the window
        open_call()
    reads = dynamodb_reads()
    # WHEN Scheduler invokes the job for this slot
    result = handler(event(now), context("SlaFunction"))
    # THEN the late call was escalated once, and only it was read, through the index
    assert result["state"] == "ran"
    assert (result["outcome"]["cases_due"], result["outcome"]["escalations"]) == (1, 1)
    reading = [call for call in reads.calls if call in ("Query", "GetItem", "BatchGetItem", "Scan")]
    assert sorted(reading) == ["BatchGetItem", "GetItem", "Query", "Query", "Query", "Query"]
    assert reads.items == 2  # the case's index key, the case
    case, history = wiring.case_repository().get_with_history(late)
    assert case.escalation_level == 1
    assert [e.kind.value for e in history if e.actor == "system:sla"] == [
        "sla_breached", "sla_breached", "escalated"]
    # WHEN the same slot is delivered again, and the next slot runs
    again = handler(event(now), context("SlaFunction"))
    later = handler(event(now + timedelta(minutes=5)), context("SlaFunction"))
    # THEN nothing more was written
    assert again["state"] == "done_before"
    assert later["outcome"]["escalations"] == later["outcome"]["breaches"] == 0
    assert wiring.case_repository().get_case(late).escalation_level == 1
    assert len(wiring.case_repository().get_with_history(late)[1]) == len(history)


def test_an_event_of_another_job_is_refused(handler):
    from civicdesk.domain.errors import ValidationError

    with pytest.raises(ValidationError):
        handler({"job": "nightly_stats", "scheduled_time": "2026-12-01T16:35:00Z"},
                context("SlaFunction"))
