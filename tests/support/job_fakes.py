"""The job-run ledger in memory (``services.job_ports.JobRunLedger``), with the same rules as
the DynamoDB one (``domain.jobs.decide``): a slot that succeeded is done, a running one is busy
within its lease, a failed one is taken over; an effect is claimed once per job."""

from __future__ import annotations

from datetime import datetime, timedelta

from msgspec.structs import replace

from civicdesk.domain.jobs import JobRun, RunDecision, RunRecord, RunState, decide


class InMemoryJobRunLedger:
    def __init__(self):
        self.records: dict[tuple[str, str], RunRecord] = {}
        self.effects: dict[tuple[str, str], str] = {}  # (job, key) -> "claimed" | "failed"

    def begin(self, run: JobRun, at: datetime, lease: timedelta) -> RunRecord | None:
        previous = self.records.get((run.job, run.slot))
        decision = decide(previous, at, lease)
        if decision in (RunDecision.DONE, RunDecision.BUSY):
            return previous
        attempts = previous.attempts + 1 if previous is not None else 1
        self.records[(run.job, run.slot)] = RunRecord(run.job, run.slot, RunState.RUNNING, at,
                                                      attempts=attempts)
        return None

    def finish(self, run: JobRun, at: datetime, outcome, error: str | None = None) -> None:
        record = self.records[(run.job, run.slot)]
        self.records[(run.job, run.slot)] = replace(
            record, state=RunState.FAILED if error else RunState.SUCCEEDED, finished_at=at,
            outcome=dict(outcome), error=error)

    def claim_effect(self, run: JobRun, key: str, at: datetime) -> bool:
        if self.effects.get((run.job, key)) == "claimed":
            return False
        self.effects[(run.job, key)] = "claimed"
        return True

    def release_effect(self, run: JobRun, key: str, error: str) -> None:
        self.effects[(run.job, key)] = "failed"

    def runs(self, job: str, limit: int = 20) -> list[RunRecord]:
        return sorted((r for (name, _), r in self.records.items() if name == job),
                      key=lambda r: r.slot, reverse=True)[:limit]
