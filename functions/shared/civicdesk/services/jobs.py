"""Running one scheduled job once per slot (``domain.jobs``, ``docs/operations.md``, "Scheduled
jobs").

A job function's handler::

    from civicdesk import wiring
    from civicdesk.domain.jobs import job_run

    def handler(event, context):
        run = job_run(event, "nightly_stats")
        return wiring.job_runner().run(run, lambda job: wiring.nightly_stats().close_day(job))

The work gets a ``RunContext``: ``run`` (the slot: ``run.scheduled_for``), ``once(key, action)``
for each effect that must happen once, and ``outcome`` to fill in (what the ledger keeps and the
handler returns). When the slot succeeded before, the work is not called at all.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta, timezone
from typing import Any, Callable, TypeVar

from msgspec import Struct, field

from ..domain.jobs import JobRun, RunRecord, RunState
from .job_ports import JobRunLedger

logger = logging.getLogger(__name__)

T = TypeVar("T")


class JobRunBusy(RuntimeError):
    """Another invocation is running this slot: this one fails, so that Lambda's retry (or the
    dead-letter queue) comes back after the other finished or died."""


class RunContext(Struct):
    run: JobRun
    ledger: JobRunLedger
    clock: Callable[[], datetime]
    outcome: dict[str, Any] = field(default_factory=dict)
    #: How many effects this invocation had, and how many it found done already.
    done: int = 0
    skipped: int = 0

    def once(self, key: str, action: Callable[[], T]) -> bool:
        """Run ``action`` unless an earlier run of the job had effect ``key``; whether it ran.

        The effect is claimed first: a second run, or a retry, finds the claim and skips it.
        When ``action`` raises, the claim is released (a retry may have it) and the error goes
        on. A crash between the claim and the action's end leaves the claim: the effect is then
        at most once, the stance of the notifications (``docs/decisions.md``)."""
        if not self.ledger.claim_effect(self.run, key, self.clock()):
            self.skipped += 1
            return False
        try:
            action()
        except Exception as error:
            self.ledger.release_effect(self.run, key, f"{type(error).__name__}: {error}")
            raise
        self.done += 1
        return True


class RunResult(Struct, frozen=True):
    job: str
    slot: str
    state: str  # ran | done_before
    outcome: dict

    def as_json(self) -> dict:
        return {"job": self.job, "slot": self.slot, "state": self.state, "outcome": self.outcome}


class JobRunner:
    def __init__(self, ledger: JobRunLedger, *, lease: timedelta,
                 clock: Callable[[], datetime] = lambda: datetime.now(timezone.utc)):
        self._ledger = ledger
        self._lease = lease
        self._clock = clock

    def run(self, run: JobRun, work: Callable[[RunContext], None]) -> RunResult:
        """Run ``work`` for ``run`` unless the slot succeeded before; record the outcome.

        Raises ``JobRunBusy`` when another invocation holds the slot, and whatever ``work``
        raises (recorded as the run's failure first), so that the invocation fails and is
        retried, then parked in the job's dead-letter queue."""
        previous = self._ledger.begin(run, self._clock(), self._lease)
        if previous is not None:
            return self._not_started(run, previous)
        context = RunContext(run, self._ledger, self._clock)
        try:
            work(context)
        except Exception as error:
            self._ledger.finish(run, self._clock(), context.outcome,
                                error=f"{type(error).__name__}: {error}"[:1000])
            raise
        outcome = {**context.outcome, "effects": context.done, "effects_done_before": context.skipped}
        self._ledger.finish(run, self._clock(), outcome)
        logger.info("job run finished", extra={"job": run.job, "slot": run.slot, "outcome": outcome})
        return RunResult(run.job, run.slot, "ran", outcome)

    def _not_started(self, run: JobRun, previous: RunRecord) -> RunResult:
        if previous.state is RunState.SUCCEEDED:
            logger.info("job run done before", extra={"job": run.job, "slot": run.slot})
            return RunResult(run.job, run.slot, "done_before", previous.outcome)
        raise JobRunBusy(f"{run.job} {run.slot} is being run by another invocation since "
                         f"{previous.started_at.isoformat()}")
