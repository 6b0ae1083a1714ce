"""Scheduled jobs: which run an invocation is, and whether it may do its work.

EventBridge Scheduler invokes a job's function with the Input of its schedule in
``template.yaml``, which carries the time the run was scheduled for (Scheduler's
``<aws.scheduler.scheduled-time>`` context attribute)::

    {"job": "sla", "scheduled_time": "2026-12-01T16:35:00Z",
     "execution_id": "...", "attempt": "1"}

A run is identified by (job name, scheduled time to the minute): a retry of the same invocation,
a repeated delivery or a run started by hand for that time is the same run. The job-run ledger
(``services.job_ports.JobRunLedger``) keeps one record per run -- started, succeeded or failed,
with its outcome -- and one claim per effect a job must have only once (a warning mail, an
escalation), so that "a job run twice, or retried after a crash, changes nothing twice".
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone
from enum import Enum
from typing import Any, Mapping

from msgspec import Struct, field
from msgspec.structs import force_setattr

from .errors import FieldError, ValidationError

#: Job names: what ``functions/<job>/`` and the schedule's Input call it.
JOB_NAME = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
#: How long the ledger keeps a run and the claims of its effects (then DynamoDB's TTL drops
#: them): longer than any retry of a run, and long enough to list a job's recent runs.
RUN_RETENTION = timedelta(days=35)


def _invalid(name: str, reason: str) -> ValidationError:
    return ValidationError([FieldError(name, "invalid", {"reason": reason})])


class RunState(str, Enum):
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"


class JobRun(Struct, frozen=True):
    """One run of a job: the job's name and the minute it was scheduled for (UTC)."""

    job: str
    scheduled_for: datetime
    attempt: int = 1
    execution_id: str | None = None

    def __post_init__(self) -> None:
        if not JOB_NAME.match(self.job):
            raise _invalid("job", f"not a job name: {self.job!r}")
        if self.scheduled_for.tzinfo is None:
            raise _invalid("scheduled_time", "must carry its time zone")
        minute = self.scheduled_for.astimezone(timezone.utc).replace(second=0, microsecond=0)
        force_setattr(self, "scheduled_for", minute)

    @property
    def slot(self) -> str:
        """The run's key: its scheduled minute, UTC, sortable (``2026-12-01T16:35Z``)."""
        return self.scheduled_for.strftime("%Y-%m-%dT%H:%MZ")


def job_run(event: Mapping[str, Any], job: str | None = None) -> JobRun:
    """The run a scheduled invocation's event stands for.

    ``job`` is the function's own job name: an event naming another job is refused (a schedule
    pointing at the wrong function). Raises ``ValidationError`` for an event that is no
    scheduled invocation.

    Examples
    --------
    >>> run = job_run({"job": "sla", "scheduled_time": "2026-12-01T16:35:00Z", "attempt": "2"}, "sla")
    >>> run.slot, run.attempt
    ('2026-12-01T16:35Z', 2)
    >>> job_run({"job": "nightly_stats", "scheduled_time": "2026-12-02T01:30:00+01:00"}).slot
    '2026-12-02T00:30Z'
    """
    name = event.get("job")
    if not isinstance(name, str):
        raise _invalid("job", "the event names no job (is the schedule's Input set?)")
    if job is not None and name != job:
        raise _invalid("job", f"this function runs {job!r}, not {name!r}")
    raw = event.get("scheduled_time")
    if not isinstance(raw, str):
        raise _invalid("scheduled_time", "missing: the schedule's Input must carry "
                                                "<aws.scheduler.scheduled-time>")
    try:
        scheduled = datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError:
        raise _invalid("scheduled_time", f"not an ISO 8601 time: {raw!r}") from None
    if scheduled.tzinfo is None:
        raise _invalid("scheduled_time", f"{raw!r} carries no time zone")
    try:
        attempt = int(event.get("attempt") or 1)
    except (TypeError, ValueError):
        attempt = 1
    execution = event.get("execution_id")
    return JobRun(name, scheduled, attempt=attempt,
                  execution_id=execution if isinstance(execution, str) else None)


class RunRecord(Struct, frozen=True):
    """What the ledger holds of one run."""

    job: str
    slot: str
    state: RunState
    started_at: datetime
    attempts: int = 1
    finished_at: datetime | None = None
    outcome: dict = field(default_factory=dict)
    error: str | None = None


class RunDecision(str, Enum):
    START = "start"          # nobody ran the slot: run it
    RESUME = "resume"        # it failed, or its runner died: run it again (effects stay once)
    DONE = "done"            # it succeeded already: nothing to do
    BUSY = "busy"            # another invocation is running it now


def decide(record: RunRecord | None, now: datetime, lease: timedelta) -> RunDecision:
    """Whether an invocation may run its slot, given the ledger's record of it.

    ``lease`` is how long a run may take (the function's timeout): a run still ``running``
    after that died (a crash, a timeout) and may be taken over.

    Examples
    --------
    >>> at = datetime(2026, 12, 1, 16, 35, tzinfo=timezone.utc)
    >>> running = RunRecord("sla", "2026-12-01T16:35Z", RunState.RUNNING, at)
    >>> decide(None, at, timedelta(minutes=5)).value
    'start'
    >>> decide(running, at + timedelta(minutes=1), timedelta(minutes=5)).value
    'busy'
    >>> decide(running, at + timedelta(minutes=6), timedelta(minutes=5)).value
    'resume'
    """
    if record is None:
        return RunDecision.START
    if record.state is RunState.SUCCEEDED:
        return RunDecision.DONE
    if record.state is RunState.RUNNING and now - record.started_at < lease:
        return RunDecision.BUSY
    return RunDecision.RESUME


def effect_key(*parts: str) -> str:
    """The key of one effect a job must have once (``warn``, case number, due time...):
    parts joined with ``#``, each without one.

    >>> effect_key("warn", "2026-000123", "2026-12-01T18:00Z")
    'warn#2026-000123#2026-12-01T18:00Z'
    """
    for part in parts:
        if not part or "#" in part:
            raise _invalid("effect", f"effect key parts must be non-empty, without #: {part!r}")
    return "#".join(parts)
