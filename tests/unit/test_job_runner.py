"""``services.jobs.JobRunner`` on the in-memory ledger (``tests/support/jobs.py``), the fake the
jobs' own unit tests use: the same answers as the DynamoDB ledger's functional tests."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from civicdesk.domain.errors import ValidationError
from civicdesk.domain.jobs import JobRun, RunState, effect_key, job_run
from civicdesk.services.jobs import JobRunBusy, JobRunner
from tests.support.jobs import InMemoryJobRunLedger

AT = datetime(2026, 12, 1, 16, 35, tzinfo=timezone.utc)


def test_each_slot_once_and_each_effect_once_across_slots():
    ledger = InMemoryJobRunLedger()
    runner = JobRunner(ledger, lease=timedelta(minutes=5), clock=lambda: AT)
    sent = []

    def work(job):
        for number in ("2026-000001", "2026-000002"):
            job.once(effect_key("warn", number), lambda number=number: sent.append(number))
        job.outcome["checked"] = 2

    first = runner.run(JobRun("sla", AT), work)
    assert runner.run(JobRun("sla", AT + timedelta(seconds=40)), work).state == "done_before"
    later = runner.run(JobRun("sla", AT + timedelta(minutes=5)), work)
    assert sent == ["2026-000001", "2026-000002"]
    assert first.outcome == {"checked": 2, "effects": 2, "effects_done_before": 0}
    assert later.outcome == {"checked": 2, "effects": 0, "effects_done_before": 2}
    assert ledger.effects("sla") == ["warn#2026-000001", "warn#2026-000002"]
    assert [r.state for r in ledger.runs("sla")] == [RunState.SUCCEEDED, RunState.SUCCEEDED]


def test_a_busy_slot_fails_the_invocation_and_a_failed_effect_is_given_back():
    ledger = InMemoryJobRunLedger()
    assert ledger.begin(JobRun("sla", AT), AT, timedelta(minutes=5)) is None
    runner = JobRunner(ledger, lease=timedelta(minutes=5), clock=lambda: AT + timedelta(minutes=1))
    with pytest.raises(JobRunBusy):
        runner.run(JobRun("sla", AT), lambda job: None)

    def failing(job):
        job.once("warn#x", lambda: 1 / 0)

    runner = JobRunner(ledger, lease=timedelta(minutes=5), clock=lambda: AT + timedelta(minutes=9))
    with pytest.raises(ZeroDivisionError):
        runner.run(JobRun("sla", AT), failing)
    assert ledger.effects("sla") == [] and ledger.run_of("sla", "2026-12-01T16:35Z").attempts == 2


@pytest.mark.parametrize("event", [
    {}, {"job": "sla"}, {"job": "sla", "scheduled_time": "yesterday"},
    {"job": "sla", "scheduled_time": "2026-12-01T16:35:00"},  # no zone
    {"job": "weekly_report", "scheduled_time": "2026-12-01T16:35:00Z"},  # another job's event
    {"job": "Bad Name", "scheduled_time": "2026-12-01T16:35:00Z"},
])
def test_an_event_that_is_no_run_of_this_job_is_refused(event):
    with pytest.raises(ValidationError):
        job_run(event, "sla" if event.get("job") != "Bad Name" else None)
