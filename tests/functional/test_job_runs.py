"""The job-run ledger on the cases table (moto, in-process): a slot runs once, a failed or
abandoned run is taken over, a busy one is not, and each effect happens once across runs."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from civicdesk.adapters.dynamodb.job_runs import DynamoJobRunLedger
from civicdesk.domain.jobs import JobRun, RunState, job_run
from civicdesk.services.jobs import JobRunBusy, JobRunner

SLOT = datetime(2026, 12, 1, 16, 35, tzinfo=timezone.utc)


class Clock:
    def __init__(self, at: datetime):
        self.at = at

    def __call__(self) -> datetime:
        return self.at


@pytest.fixture
def ledger(aws_env):
    return DynamoJobRunLedger()


def test_a_slot_that_succeeded_does_not_run_again(ledger):
    # GIVEN a runner and a job that counts its calls
    clock = Clock(SLOT + timedelta(seconds=3))
    runner = JobRunner(ledger, lease=timedelta(minutes=5), clock=clock)
    calls = []

    def work(context):
        calls.append(context.run.slot)
        context.outcome["cases"] = 3

    run = job_run({"job": "probe", "scheduled_time": "2026-12-01T16:35:00Z"}, "probe")
    # WHEN the same slot is run twice (a repeated delivery), and the next slot once
    first = runner.run(run, work)
    again = runner.run(job_run({"job": "probe", "scheduled_time": "2026-12-01T16:35:41Z",
                                "attempt": "2"}), work)
    runner.run(JobRun("probe", SLOT + timedelta(minutes=5)), work)
    # THEN the work ran once per slot, and the second call answered the first one's outcome
    assert calls == ["2026-12-01T16:35Z", "2026-12-01T16:40Z"]
    assert first.state == "ran" and again.state == "done_before"
    assert again.outcome == {"cases": 3, "effects": 0, "effects_done_before": 0}
    runs = ledger.runs("probe")
    assert [(r.slot, r.state) for r in runs] == [("2026-12-01T16:40Z", RunState.SUCCEEDED),
                                                  ("2026-12-01T16:35Z", RunState.SUCCEEDED)]


def test_a_failed_run_is_recorded_and_its_retry_skips_the_effects_it_had(ledger):
    clock = Clock(SLOT)
    runner = JobRunner(ledger, lease=timedelta(minutes=5), clock=clock)
    sent: list[str] = []
    fail_on = {"c"}

    def work(context):
        for case in ("a", "b", "c"):
            def send(case=case):
                if case in fail_on:
                    raise RuntimeError(f"mail to {case} refused")
                sent.append(case)
            context.once(f"warn#{case}", send)

    run = JobRun("probe", SLOT)
    # WHEN the first attempt fails on the third effect
    with pytest.raises(RuntimeError):
        runner.run(run, work)
    (record,) = ledger.runs("probe")
    assert record.state is RunState.FAILED and "mail to c refused" in (record.error or "")
    # AND the retry succeeds
    fail_on.clear()
    result = runner.run(JobRun("probe", SLOT, attempt=2), work)
    # THEN every effect happened once: the two done before were skipped, the failed one redone
    assert sent == ["a", "b", "c"]
    assert result.outcome == {"effects": 1, "effects_done_before": 2}
    (record,) = ledger.runs("probe")
    assert record.state is RunState.SUCCEEDED and record.attempts == 2 and record.error is None


def test_effects_belong_to_the_job_not_to_one_slot(ledger):
    runner = JobRunner(ledger, lease=timedelta(minutes=5), clock=Clock(SLOT))
    sent = []
    for minutes in (0, 5, 10):
        runner.run(JobRun("probe", SLOT + timedelta(minutes=minutes)),
                   lambda context: context.once("warn#2026-000001", lambda: sent.append(1)))
    assert sent == [1]


def test_a_running_slot_is_busy_until_its_lease_runs_out(ledger):
    clock = Clock(SLOT)
    run = JobRun("probe", SLOT)
    # GIVEN an invocation that started the slot and died (no finish recorded)
    assert ledger.begin(run, clock(), timedelta(minutes=5)) is None
    runner = JobRunner(ledger, lease=timedelta(minutes=5), clock=clock)
    calls = []
    # WHEN another invocation comes within the lease, it fails as busy
    clock.at = SLOT + timedelta(minutes=2)
    with pytest.raises(JobRunBusy):
        runner.run(run, lambda context: calls.append(1))
    # AND after the lease it takes the run over
    clock.at = SLOT + timedelta(minutes=6)
    assert runner.run(run, lambda context: calls.append(1)).state == "ran"
    assert calls == [1]
    (record,) = ledger.runs("probe")
    assert record.attempts == 2


def test_two_starts_of_one_slot_from_the_same_state_let_one_win(ledger):
    run = JobRun("probe", SLOT)
    # the first start is made between the second's read and write: the condition decides
    original_get = ledger._get
    raced = []

    def get_then_race(job_run_):
        found = original_get(job_run_)
        if not raced:
            raced.append(1)
            assert DynamoJobRunLedger().begin(run, SLOT, timedelta(minutes=5)) is None
        return found

    ledger._get = get_then_race
    lost = ledger.begin(run, SLOT, timedelta(minutes=5))
    assert lost is not None and lost.state is RunState.RUNNING
