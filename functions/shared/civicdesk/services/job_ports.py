"""The port of the job-run ledger (``domain.jobs``): scheduled jobs see only this."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Mapping, Protocol

from ..domain.jobs import JobRun, RunRecord


class JobRunLedger(Protocol):
    def begin(self, run: JobRun, at: datetime, lease: timedelta) -> RunRecord | None:
        """Record that ``run`` starts at ``at`` and return ``None``; or, when it may not start
        (it succeeded already, or another invocation holds it for less than ``lease``), change
        nothing and return its record. A failed run, or one held longer than ``lease``, is
        taken over (one conditional write either way)."""

    def finish(self, run: JobRun, at: datetime, outcome: Mapping[str, object],
               error: str | None = None) -> None:
        """Record the run's end: ``succeeded`` with its outcome, or ``failed`` with ``error``."""

    def claim_effect(self, run: JobRun, key: str, at: datetime) -> bool:
        """Claim the job's effect ``key`` for ``run`` (one conditional put); ``False`` when any
        run of the job claimed it before and did not release it. Effects belong to the job, not
        to one slot: a warning claimed by the 16:35 run is not sent again at 16:40."""

    def release_effect(self, run: JobRun, key: str, error: str) -> None:
        """Give a claimed effect back after it failed, so that a later attempt may have it."""

    def runs(self, job: str, limit: int = 20) -> list[RunRecord]:
        """The job's latest runs, newest first (one ``Query``)."""
