"""An in-memory job-run ledger (``services.job_ports.JobRunLedger``) for unit tests of scheduled
jobs, with the same rules as the DynamoDB one (``domain.jobs.decide``; effects once per job) and
helpers to assert on what a job did.

    ledger = InMemoryJobRunLedger()
    runner = JobRunner(ledger, lease=timedelta(minutes=5), clock=lambda: at)
    runner.run(JobRun("sla", at), service.run)
    assert ledger.effects("sla") == ["warn#2026-000001#2026-12-01T18:00Z"]
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Mapping

from msgspec.structs import replace

from civicdesk.domain.jobs import JobRun, RunDecision, RunRecord, RunState, decide


class InMemoryJobRunLedger:
    def __init__(self) -> None:
        self._runs: dict[tuple[str, str], RunRecord] = {}
        self._effects: dict[tuple[str, str], dict] = {}

    # -- the port ------------------------------------------------------------------------------

    def begin(self, run: JobRun, at: datetime, lease: timedelta) -> RunRecord | None:
        record = self._runs.get((run.job, run.slot))
        if decide(record, at, lease) not in (RunDecision.START, RunDecision.RESUME):
            return record
        self._runs[(run.job, run.slot)] = RunRecord(
            run.job, run.slot, RunState.RUNNING, at, attempts=(record.attempts + 1) if record else 1)
        return None

    def finish(self, run: JobRun, at: datetime, outcome: Mapping[str, object],
               error: str | None = None) -> None:
        record = self._runs[(run.job, run.slot)]
        self._runs[(run.job, run.slot)] = replace(
            record, state=RunState.FAILED if error else RunState.SUCCEEDED, finished_at=at,
            outcome=dict(outcome), error=error)

    def claim_effect(self, run: JobRun, key: str, at: datetime) -> bool:
        found = self._effects.get((run.job, key))
        if found is not None and found["state"] != "failed":
            return False
        self._effects[(run.job, key)] = {"state": "claimed", "slot": run.slot, "at": at}
        return True

    def release_effect(self, run: JobRun, key: str, error: str) -> None:
        self._effects[(run.job, key)].update(state="failed", error=error)

    def runs(self, job: str, limit: int = 20) -> list[RunRecord]:
        found = [record for (name, _), record in self._runs.items() if name == job]
        return sorted(found, key=lambda record: record.slot, reverse=True)[:limit]

    # -- assertion helpers ---------------------------------------------------------------------

    def effects(self, job: str) -> list[str]:
        """The keys of the job's effects that were claimed and not given back, in order."""
        return [key for (name, key), effect in self._effects.items()
                if name == job and effect["state"] == "claimed"]

    def run_of(self, job: str, slot: str) -> RunRecord | None:
        return self._runs.get((job, slot))
