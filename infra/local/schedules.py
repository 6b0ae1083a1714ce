"""EventBridge Scheduler for the local runtime: the ``AWS::Scheduler::Schedule`` resources of
``template.yaml`` run on their schedules, and on demand.

What Scheduler does, and so what this does:

* each schedule's expression (``infra.local.schedule_expressions``: ``rate``, six-field
  ``cron`` and ``at``) is evaluated in its ``ScheduleExpressionTimezone``; a ``DISABLED``
  schedule does not run by itself;
* at each time, the target function is invoked **asynchronously** with the target's ``Input``,
  its context attributes put in: ``<aws.scheduler.scheduled-time>`` (``2026-12-01T16:35:00Z``),
  ``<aws.scheduler.execution-id>``, ``<aws.scheduler.attempt-number>``,
  ``<aws.scheduler.schedule-arn>``;
* the invocation goes through the function's asynchronous invoker (``infra.local.asyncinvoke``):
  Lambda's retries of a failing function (its ``EventInvokeConfig``), then its on-failure
  destination, which for a job is the schedule's dead-letter queue (the contract tests hold
  the template to it). Scheduler's own ``RetryPolicy`` and ``DeadLetterConfig`` are for events
  it could not hand to Lambda at all, which locally cannot happen;
* a time missed while the runtime was stopped is not caught up (Scheduler would have run it;
  jobs are idempotent per slot, so ``POST /_local/schedules/<name>?at=...`` runs it after).

``POST /_local/schedules/<name>[?at=<ISO time>]`` runs one now, as if scheduled at ``at`` (the
current minute when not given), and answers when the run ended; ``GET /_local/schedules`` lists
them with their expression, next time, and last run and outcome. The same with the name of a
one-time schedule a function created (``RuntimeSchedules``) delivers it now and deletes it;
with the name of one already delivered, delivers it again (Scheduler delivers at least once).
"""

from __future__ import annotations

import json
import logging
import threading
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any, Callable

from infra.local.schedule_expressions import ScheduleExpressionError, parse
from infra.local.template import ScheduleSpec

log = logging.getLogger("civicdesk.local")


def utc_now() -> datetime:
    return datetime.now(timezone.utc)


def scheduler_time(moment: datetime) -> str:
    """Scheduler's ``<aws.scheduler.scheduled-time>``: UTC, to the second (always :00)."""
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def render_input(text: str | None, *, schedule_arn: str, scheduled_time: datetime,
                 execution_id: str, attempt: int = 1) -> Any:
    """The payload Scheduler invokes the function with: the target's ``Input`` with its
    context attributes replaced, parsed as JSON (Lambda's handler gets the object).

    Examples
    --------
    >>> render_input('{"job": "sla", "scheduled_time": "<aws.scheduler.scheduled-time>", '
    ...              '"attempt": "<aws.scheduler.attempt-number>"}', schedule_arn="arn",
    ...              scheduled_time=datetime(2026, 12, 1, 16, 35, tzinfo=timezone.utc),
    ...              execution_id="e-1")
    {'job': 'sla', 'scheduled_time': '2026-12-01T16:35:00Z', 'attempt': '1'}
    """
    if text is None:
        return {}
    for name, value in (("schedule-arn", schedule_arn),
                        ("scheduled-time", scheduler_time(scheduled_time)),
                        ("execution-id", execution_id), ("attempt-number", str(attempt))):
        text = text.replace(f"<aws.scheduler.{name}>", value)
    try:
        return json.loads(text)
    except ValueError:
        return text  # a plain string Input reaches the handler as that string


@dataclass
class LocalSchedule:
    """One schedule as the runtime runs it (references resolved)."""

    spec: ScheduleSpec
    name: str
    arn: str
    expression: str
    timezone: str
    input: str | None
    enabled: bool = True
    next_run: datetime | None = None
    last_run: dict | None = None
    schedule: Any = field(default=None, repr=False)

    @property
    def function(self) -> str:
        assert self.spec.function is not None, "checked when the schedule is loaded"
        return self.spec.function

    @property
    def job(self) -> str | None:
        """The ``job`` its Input names, if it names one."""
        payload = render_input(self.input, schedule_arn=self.arn, scheduled_time=utc_now(),
                               execution_id="-")
        return payload.get("job") if isinstance(payload, dict) else None

    def as_json(self) -> dict:
        return {"name": self.name, "logical_id": self.spec.logical_id, "job": self.job,
                "function": self.function, "expression": self.expression,
                "timezone": self.timezone, "state": "ENABLED" if self.enabled else "DISABLED",
                "next_run": self.next_run.isoformat() if self.next_run else None,
                "last_run": dict(self.last_run) if self.last_run else None,
                "dead_letter_queue": self.spec.dead_letter_queue}


class ScheduleError(ValueError):
    """A schedule of the template the runtime cannot run."""


def load_schedules(specs: list[ScheduleSpec], resolve: Callable[[Any], Any],
                   functions: set[str], *, name_prefix: str, region: str, account_id: str,
                   now: datetime) -> list[LocalSchedule]:
    """The template's schedules, resolved (``resolve``: a property value -> its value) and
    parsed; ``ScheduleError`` for one that targets no function of the template or whose
    expression Scheduler would refuse."""
    loaded = []
    for spec in specs:
        if spec.function not in functions:
            raise ScheduleError(f"{spec.logical_id}: its target is not a function of the "
                                f"template ({spec.function!r})")
        expression, zone_name = str(resolve(spec.expression)), str(resolve(spec.timezone))
        start = resolve(spec.start_date) if spec.start_date is not None else None
        try:
            start_at = datetime.fromisoformat(str(start).replace("Z", "+00:00")) if start else now
            schedule = parse(expression, zone_name, start=start_at)
        except (ScheduleExpressionError, ValueError) as error:
            raise ScheduleError(f"{spec.logical_id}: {error}") from None
        name = f"{name_prefix}-{spec.logical_id}"
        raw_input = resolve(spec.input) if spec.input is not None else None
        loaded.append(LocalSchedule(
            spec, name, f"arn:aws:scheduler:{region}:{account_id}:schedule/default/{name}",
            expression, zone_name, None if raw_input is None else str(raw_input),
            enabled=spec.state.upper() == "ENABLED", schedule=schedule))
    return loaded


@dataclass
class _Run:
    schedule: LocalSchedule
    record: dict
    done: threading.Event = field(default_factory=threading.Event)


class Scheduler:
    """Runs ``schedules``: ``submit(function, event, request_id)`` hands an event to the
    function's asynchronous invoker, which calls ``completed`` when it ended.

    ``start`` runs them on their schedules in a thread (``tick`` is that thread's step, which the
    tests drive with their own clock); ``run_now`` runs one on demand."""

    def __init__(self, schedules: list[LocalSchedule],
                 submit: Callable[[str, Any, str], None], *,
                 clock: Callable[[], datetime] = utc_now, on_clock: bool = True,
                 runtime: "RuntimeSchedules | None" = None):
        self.schedules = {schedule.name: schedule for schedule in schedules}
        self.runtime = runtime  # one-time schedules created at run time (polled)
        self._submit = submit
        self._clock = clock
        self._on_clock = on_clock
        self._runs: dict[str, _Run] = {}
        self._lock = threading.Condition()
        self._stopping = False
        self._thread: threading.Thread | None = None
        now = clock()
        for schedule in schedules:
            schedule.next_run = schedule.schedule.next_after(now) if schedule.enabled else None

    @property
    def on_clock(self) -> bool:
        """Whether the schedules run on their times (else on demand only)."""
        return self._on_clock

    # -- lookups -------------------------------------------------------------------------------

    def find(self, name: str) -> LocalSchedule | None:
        """By its name, its logical id or the job its Input names."""
        if name in self.schedules:
            return self.schedules[name]
        return next((s for s in self.schedules.values()
                     if name in (s.spec.logical_id, s.job)), None)

    def listing(self) -> list[dict]:
        with self._lock:
            return [schedule.as_json() for schedule in self.schedules.values()]

    # -- running -------------------------------------------------------------------------------

    def fire(self, schedule: LocalSchedule, scheduled_time: datetime, trigger: str) -> _Run:
        """Invoke ``schedule``'s target as Scheduler would for ``scheduled_time``."""
        execution_id = str(uuid.uuid4())
        scheduled_time = scheduled_time.astimezone(timezone.utc).replace(second=0, microsecond=0)
        event = render_input(schedule.input, schedule_arn=schedule.arn,
                             scheduled_time=scheduled_time, execution_id=execution_id)
        record = {"scheduled_time": scheduler_time(scheduled_time), "trigger": trigger,
                  "request_id": execution_id, "started_at": self._clock().isoformat(),
                  "finished_at": None, "outcome": "running", "attempts": 0, "error": None,
                  "result": None}
        run = _Run(schedule, record)
        with self._lock:
            self._runs[execution_id] = run
            schedule.last_run = record
        log.info("schedule %s: invoking %s for %s (%s)", schedule.name, schedule.function,
                 record["scheduled_time"], trigger)
        try:
            self._submit(schedule.function, event, execution_id)
        except Exception as error:  # noqa: BLE001 - recorded as the run's outcome
            self.completed(execution_id, "failed", 0, None, error)
        return run

    def completed(self, request_id: str, outcome: str, attempts: int, result: Any,
                  error: BaseException | None) -> None:
        """The invoker's report on one event (``AsyncInvoker.on_done``); others' are ignored."""
        with self._lock:
            run = self._runs.pop(request_id, None)
            if run is None:
                return
            run.record.update(outcome=outcome, attempts=attempts,
                              finished_at=self._clock().isoformat(),
                              error=f"{type(error).__name__}: {error}" if error else None,
                              result=_jsonable(result))
            self._lock.notify_all()
        run.done.set()

    def run_now(self, name: str, at: datetime | None = None, wait: float = 120.0) -> dict:
        """Run ``name`` now as if scheduled at ``at``; the run's record once it ended (or, after
        ``wait`` seconds, as it stands). ``LookupError`` for an unknown schedule."""
        schedule = self.find(name)
        if schedule is None and self.runtime is not None:
            return self.runtime.fire_now(name, at or self._clock())
        if schedule is None:
            raise LookupError(f"no schedule {name!r}")
        run = self.fire(schedule, at or self._clock(), "on_demand")
        run.done.wait(wait)
        with self._lock:
            return {"schedule": schedule.name, "job": schedule.job, "function": schedule.function,
                    **run.record}

    def tick(self, now: datetime) -> datetime | None:
        """Fire every schedule that is due at ``now`` (once, however late), then the next time
        any is due."""
        due = []
        with self._lock:
            for schedule in self.schedules.values():
                if schedule.next_run is not None and schedule.next_run <= now:
                    due.append((schedule, schedule.next_run))
                    schedule.next_run = schedule.schedule.next_after(max(now, schedule.next_run))
        for schedule, scheduled_time in due:
            self.fire(schedule, scheduled_time, "schedule")
        if self.runtime is not None:
            try:
                self.runtime.poll(now)
            except Exception:  # noqa: BLE001 - the template's schedules go on
                log.exception("the runtime's one-time schedules could not be polled")
        with self._lock:
            upcoming = [s.next_run for s in self.schedules.values() if s.next_run is not None]
        if self.runtime is not None:
            upcoming.append(now + timedelta(seconds=self.runtime.interval))
        return min(upcoming) if upcoming else None

    # -- lifecycle -----------------------------------------------------------------------------

    def start(self) -> "Scheduler":
        if self._on_clock and self.schedules:
            self._thread = threading.Thread(target=self._loop, name="civicdesk-scheduler",
                                            daemon=True)
            self._thread.start()
        return self

    def stop(self) -> None:
        with self._lock:
            self._stopping = True
            self._lock.notify_all()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def _loop(self) -> None:
        while True:
            try:
                upcoming = self.tick(self._clock())
            except Exception:  # noqa: BLE001 - the scheduler must survive anything
                log.exception("the local scheduler failed; going on")
                upcoming = None
            with self._lock:
                if self._stopping:
                    return
                wait = 60.0 if upcoming is None else (upcoming - self._clock()).total_seconds()
                self._lock.wait(min(max(wait, 0.05), 60.0))
                if self._stopping:
                    return


def _jsonable(value: Any) -> Any:
    try:
        json.dumps(value)
    except (TypeError, ValueError):
        return repr(value)
    return value


class RuntimeSchedules:
    """The one-time schedules functions create at run time (``CreateSchedule`` with an
    ``at(...)`` expression, in moto's Scheduler, in the template's schedule groups; a campaign's
    send time): polled every ``interval`` seconds by the scheduler's thread; a schedule whose
    time came is delivered to its target and, as ``ActionAfterCompletion: DELETE`` (and every
    one-time schedule locally) asks, deleted.

    Targets: an SQS queue (``arn:aws:sqs:...``: ``SendMessage`` of the ``Input``) or a function
    of the template (``arn:aws:lambda:...:function:<name>``: its asynchronous invoker, like the
    template's schedules). ``client()`` is a Scheduler client, ``sqs()`` an SQS client (moto)."""

    def __init__(self, groups: list[str], client: Callable[[], Any], sqs: Callable[[], Any],
                 submit: Callable[[str, Any, str], None], functions: dict[str, str], *,
                 interval: float = 2.0):
        self.groups = list(groups)
        self._client = client
        self._sqs = sqs
        self._submit = submit
        self._functions = functions  # function ARN (no qualifier) -> logical id
        self.interval = interval
        self.fired: list[dict] = []
        #: Each schedule delivered, by name: its group, itself and its time (a repeated firing).
        self._delivered: dict[str, tuple[str, dict, datetime]] = {}

    def poll(self, now: datetime) -> int:
        """Deliver every one-time schedule due at ``now``; how many were."""
        fired = 0
        client = self._client()
        for group in self.groups:
            names = [s["Name"] for s in client.list_schedules(GroupName=group).get("Schedules", [])]
            for name in names:
                try:
                    schedule = client.get_schedule(Name=name, GroupName=group)
                except Exception:  # noqa: BLE001 - deleted meanwhile
                    continue
                expression = str(schedule.get("ScheduleExpression", ""))
                if not expression.startswith("at(") or schedule.get("State") == "DISABLED":
                    continue
                try:
                    due = parse(expression, schedule.get("ScheduleExpressionTimezone") or "UTC")
                except ScheduleExpressionError:
                    log.warning("runtime schedule %s/%s: cannot read %r", group, name, expression)
                    continue
                at = due.next_after(datetime.min.replace(tzinfo=timezone.utc))
                if at is None or at > now:
                    continue
                self._deliver(group, name, schedule, at)
                client.delete_schedule(Name=name, GroupName=group)
                self._delivered[name] = (group, schedule, at)
                fired += 1
        return fired

    def fire_now(self, name: str, at: datetime) -> dict:
        """``POST /_local/schedules/<name>`` for a one-time schedule: delivered now (its
        scheduled time ``at``) and deleted, as at its time. A
        schedule already delivered is delivered once more, as Scheduler's at-least-once delivery
        may. ``LookupError`` when no group holds ``name`` and it never fired."""
        client = self._client()
        for group in self.groups:
            try:
                schedule = client.get_schedule(Name=name, GroupName=group)
            except Exception:  # noqa: BLE001 - not in this group
                continue
            self._deliver(group, name, schedule, at)
            client.delete_schedule(Name=name, GroupName=group)
            self._delivered[name] = (group, schedule, at)
            return {"schedule": name, "group": group, "outcome": "delivered",
                    "trigger": "on_demand", "scheduled_time": scheduler_time(at),
                    "target": schedule["Target"]["Arn"]}
        if name not in self._delivered:
            raise LookupError(f"no schedule {name!r}")
        group, schedule, first = self._delivered[name]
        self._deliver(group, name, schedule, first)
        return {"schedule": name, "group": group, "outcome": "delivered", "trigger": "repeated",
                "scheduled_time": scheduler_time(first), "target": schedule["Target"]["Arn"]}

    def _deliver(self, group: str, name: str, schedule: dict, at: datetime) -> None:
        target = schedule["Target"]
        arn = str(target["Arn"])
        execution_id = str(uuid.uuid4())
        schedule_arn = str(schedule.get("Arn") or f"{group}/{name}")
        payload = render_input(target.get("Input"), schedule_arn=schedule_arn, scheduled_time=at,
                               execution_id=execution_id)
        body = payload if isinstance(payload, str) else json.dumps(payload)
        if arn.startswith("arn:aws:sqs:"):
            _, _, _, region, account, queue = arn.split(":", 5)
            url = self._sqs().get_queue_url(QueueName=queue, QueueOwnerAWSAccountId=account)["QueueUrl"]
            self._sqs().send_message(QueueUrl=url, MessageBody=body)
        elif arn.split(":$")[0] in self._functions:
            self._submit(self._functions[arn.split(":$")[0]], payload, execution_id)
        else:
            log.warning("runtime schedule %s/%s: target %s is not local; dropped", group, name, arn)
            return
        self.fired.append({"group": group, "name": name, "scheduled_time": scheduler_time(at),
                           "target": arn})
        log.info("runtime schedule %s/%s: delivered to %s for %s", group, name, arn,
                 scheduler_time(at))
