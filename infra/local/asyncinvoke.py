"""Lambda's asynchronous invocation (``InvocationType=Event``) of a locally hosted function.

SES's Lambda action invokes ``IngestEmailFunction`` this way. Lambda puts the event on an
internal queue and answers at once; a worker invokes the function; when the function raises,
Lambda tries again ``MaximumRetryAttempts`` more times (about one, then two minutes later) and
then sends an *on-failure destination record* to ``DestinationConfig.OnFailure`` (an SQS queue
here). All of it is read from the function's ``EventInvokeConfig`` in ``template.yaml``; only the
delays are shorter locally (``retry_delays``).

Invocations still go through ``LocalFunction.invoke``, so they are serialised with the API's
invocations of the same function, as one warm container would be.
"""

from __future__ import annotations

import heapq
import itertools
import json
import logging
import threading
import time
import traceback
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, Callable, Protocol

from infra.local.state import call_after
from infra.local.template import Template, reference_target

log = logging.getLogger("civicdesk.local")

#: Lambda's defaults when a function has no EventInvokeConfig.
DEFAULT_RETRY_ATTEMPTS = 2
DEFAULT_MAX_EVENT_AGE = 21600
#: Lambda waits about a minute, then two; locally half a second, then one.
LOCAL_RETRY_DELAYS = (0.5, 1.0)
#: SQS refuses bodies over 256 KiB; a destination record is cut down to fit.
MAX_RECORD_BYTES = 256 * 1024


@dataclass(frozen=True)
class AsyncInvokeConfig:
    """What Lambda does with a failed asynchronous invocation of one function."""

    maximum_retry_attempts: int = DEFAULT_RETRY_ATTEMPTS
    maximum_event_age: float = DEFAULT_MAX_EVENT_AGE
    #: URL of the on-failure SQS queue, or ``None`` (the event is then dropped, as in Lambda).
    on_failure_queue_url: str | None = None
    retry_delays: tuple[float, ...] = LOCAL_RETRY_DELAYS

    def delay_before(self, retry: int) -> float:
        """Seconds before retry number ``retry`` (1-based)."""
        if not self.retry_delays:
            return 0.0
        return self.retry_delays[min(retry, len(self.retry_delays)) - 1]


def async_invoke_config(template: Template, logical_id: str, queues: dict[str, str],
                        retry_delays: tuple[float, ...] = LOCAL_RETRY_DELAYS) -> AsyncInvokeConfig:
    """``EventInvokeConfig`` of ``logical_id``, its destination resolved to a queue URL
    (``queues``: logical id -> URL, as ``aws.Resources.queues``)."""
    config = template.event_invoke_config(logical_id)
    on_failure = (config.get("DestinationConfig") or {}).get("OnFailure") or {}
    queue_url = None
    if on_failure:
        target = reference_target(on_failure.get("Destination"))
        if on_failure.get("Type", "SQS") == "SQS" and target in queues:
            queue_url = queues[target]
        else:
            log.warning("%s: on-failure destination %r is not emulated locally; failed events "
                        "are only logged", logical_id, on_failure.get("Destination"))
    return AsyncInvokeConfig(
        maximum_retry_attempts=int(config.get("MaximumRetryAttempts", DEFAULT_RETRY_ATTEMPTS)),
        maximum_event_age=float(config.get("MaximumEventAgeInSeconds", DEFAULT_MAX_EVENT_AGE)),
        on_failure_queue_url=queue_url, retry_delays=tuple(retry_delays))


def iso_now(clock: Callable[[], float] = time.time) -> str:
    """``2026-11-21T22:30:00.123Z``, the timestamp format of Lambda's and SES's records."""
    moment = datetime.fromtimestamp(clock(), timezone.utc)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def failure_record(event: dict, *, request_id: str, function_arn: str, invoke_count: int,
                   error: BaseException | None, condition: str = "RetriesExhausted",
                   timestamp: str | None = None) -> dict:
    """An on-failure destination record, shaped as Lambda sends it to SQS."""
    record: dict[str, Any] = {
        "version": "1.0",
        "timestamp": timestamp or iso_now(),
        "requestContext": {"requestId": request_id, "functionArn": function_arn,
                           "condition": condition, "approximateInvokeCount": invoke_count},
        "requestPayload": event,
    }
    if error is not None:
        record["responseContext"] = {"statusCode": 200, "executedVersion": "$LATEST",
                                     "functionError": "Unhandled"}
        record["responsePayload"] = {
            "errorMessage": str(error), "errorType": type(error).__name__,
            "requestId": request_id,
            "stackTrace": traceback.format_tb(error.__traceback__)[-20:]}
    return record


def record_body(record: dict) -> str:
    """The record as an SQS message body, the stack trace (then the message) cut to fit."""
    body = json.dumps(record, ensure_ascii=False)
    payload = record.get("responsePayload")
    if len(body.encode("utf-8")) > MAX_RECORD_BYTES and payload:
        payload["stackTrace"] = []
        payload["errorMessage"] = payload["errorMessage"][:1000]
        body = json.dumps(record, ensure_ascii=False)
    return body


@dataclass(order=True)
class _Job:
    """One event on the internal queue, ordered by when it is due (then by arrival)."""

    due: float
    sequence: int
    event: dict = field(compare=False)
    request_id: str = field(compare=False)
    enqueued_at: float = field(compare=False)
    attempts: int = field(default=0, compare=False)


class EventJournal(Protocol):
    """Where the accepted events are kept until they are finished (``store.DurableStore``):
    Lambda's internal queue is durable, an event it answered 202 for is not lost."""

    def event_accepted(self, function: str, request_id: str, event: dict,
                       enqueued_at: float) -> None: ...

    def event_attempted(self, request_id: str, attempts: int) -> None: ...

    def event_finished(self, request_id: str) -> None: ...

    def pending_events(self, function: str) -> list: ...


class AsyncInvoker:
    """The internal event queue of one function: ``submit`` answers at once (Lambda's 202);
    a worker thread invokes, retries and reports failures to the on-failure queue.

    ``function`` needs ``invoke(event, request_id)`` (a ``LocalFunction``); ``sqs_client`` is a
    factory of the SQS client used for the destination records; ``after_invoke`` runs after each
    attempt. With a ``journal``, ``submit`` returns only once the event is kept there, each
    failed attempt is counted there, and the event leaves it when it is finished (invoked, sent
    to the on-failure queue, or dropped); ``start`` resumes the events it still holds, with the
    attempts they already had (at least once: an attempt cut short by a crash is made again).
    """

    def __init__(self, function: Any, config: AsyncInvokeConfig, *, function_arn: str,
                 sqs_client: Callable[[], Any] | None = None,
                 after_invoke: Callable[[], None] = lambda: None,
                 clock: Callable[[], float] = time.time, name: str = "function",
                 journal: EventJournal | None = None):
        self.function = function
        self._journal = journal
        self.config = config
        self.function_arn = function_arn
        self._sqs_client = sqs_client
        self._after_invoke = after_invoke
        self._clock = clock
        self._name = name
        self._jobs: list[_Job] = []
        self._sequence = itertools.count()
        self._condition = threading.Condition()
        self._running = 0
        self._stopping = False
        self._thread: threading.Thread | None = None
        #: Told of each event's end (``infra.local.schedules`` records its runs' outcomes):
        #: ``on_done(request_id, outcome, attempts, result, error)``, outcome ``succeeded``,
        #: ``failed`` (sent to the on-failure queue) or ``dropped`` (no destination).
        self.on_done: Callable[[str, str, int, Any, BaseException | None], None] | None = None

    # -- the caller's side ---------------------------------------------------------------------

    def submit(self, event: dict, request_id: str | None = None) -> str:
        """Queue ``event`` for invocation; returns the request id (kept across retries)."""
        request_id = request_id or str(uuid.uuid4())
        now = self._clock()
        if self._journal is not None:
            self._journal.event_accepted(self._name, request_id, event, now)
        self._push(_Job(time.monotonic(), next(self._sequence), event, request_id, now))
        return request_id

    def resume(self) -> int:
        """Queue again the events the journal holds from before a restart; how many."""
        if self._journal is None:
            return 0
        pending = self._journal.pending_events(self._name)
        for saved in pending:
            self._push(_Job(time.monotonic(), next(self._sequence), saved.event,
                            saved.request_id, saved.enqueued_at, attempts=saved.attempts))
        if pending:
            log.info("%s: %d asynchronous event(s) accepted before the restart are invoked "
                     "again", self._name, len(pending))
        return len(pending)

    def pending(self) -> int:
        """Events queued, waiting for a retry, or being invoked."""
        with self._condition:
            return len(self._jobs) + self._running

    def wait_idle(self, timeout: float) -> bool:
        """Wait until nothing is pending (tests, and the runtime at shutdown)."""
        deadline = time.monotonic() + timeout
        with self._condition:
            while self._jobs or self._running:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return False
                self._condition.wait(min(remaining, 0.1))
        return True

    # -- lifecycle -----------------------------------------------------------------------------

    def start(self) -> "AsyncInvoker":
        self.resume()
        self._thread = threading.Thread(target=self._run, name=f"civicdesk-async-{self._name}",
                                        daemon=True)
        self._thread.start()
        return self

    def stop(self, timeout: float = 10.0) -> None:
        """Finish what is queued (retries included) within ``timeout``, then stop; events still
        pending after that are logged (with a journal, they are invoked after the restart)."""
        if not self.wait_idle(timeout):
            with self._condition:
                lost = [job.request_id for job in self._jobs]
            log.warning("%s: stopping with %d asynchronous event(s) not processed: %s",
                        self._name, len(lost), ", ".join(lost) or "one still running")
        with self._condition:
            self._stopping = True
            self._condition.notify_all()
        if self._thread is not None:
            self._thread.join(timeout=2)

    # -- the worker ----------------------------------------------------------------------------

    def _push(self, job: _Job) -> None:
        with self._condition:
            heapq.heappush(self._jobs, job)
            self._condition.notify_all()

    def _next(self) -> _Job | None:
        with self._condition:
            while not self._stopping:
                if self._jobs:
                    wait = self._jobs[0].due - time.monotonic()
                    if wait <= 0:
                        self._running += 1
                        return heapq.heappop(self._jobs)
                    self._condition.wait(wait)
                else:
                    self._condition.wait()
            return None

    def _run(self) -> None:
        while True:
            job = self._next()
            if job is None:
                return
            try:
                self._attempt(job)
            except Exception:  # noqa: BLE001 - the worker must survive anything
                log.exception("%s: asynchronous invocation %s failed unexpectedly",
                              self._name, job.request_id)
            finally:
                with self._condition:
                    self._running -= 1
                    self._condition.notify_all()

    def _attempt(self, job: _Job) -> None:
        job.attempts += 1
        try:
            result = self.function.invoke(job.event, job.request_id)
        except Exception as error:  # noqa: BLE001 - what Lambda records as an Unhandled error
            log.error("%s: asynchronous invocation %s failed (attempt %d of %d):\n%s",
                      self._name, job.request_id, job.attempts,
                      self.config.maximum_retry_attempts + 1, traceback.format_exc())
            call_after(self._after_invoke, "an asynchronous invocation")
            self._failed(job, error)
            return
        call_after(self._after_invoke, "an asynchronous invocation")
        self._finished(job)
        self._tell(job, "succeeded", result, None)

    def _finished(self, job: _Job) -> None:
        if self._journal is not None:
            self._journal.event_finished(job.request_id)

    def _tell(self, job: _Job, outcome: str, result: Any, error: BaseException | None) -> None:
        if self.on_done is not None:
            try:
                self.on_done(job.request_id, outcome, job.attempts, result, error)
            except Exception:  # noqa: BLE001 - a listener never stops the worker
                log.exception("%s: the listener of %s failed", self._name, job.request_id)

    def _failed(self, job: _Job, error: BaseException) -> None:
        retries_done = job.attempts - 1
        if retries_done < self.config.maximum_retry_attempts:
            delay = self.config.delay_before(retries_done + 1)
            if self._clock() + delay - job.enqueued_at > self.config.maximum_event_age:
                self._give_up(job, error, "EventAgeExceeded")
                return
            job.due = time.monotonic() + delay
            if self._journal is not None:
                self._journal.event_attempted(job.request_id, job.attempts)
            self._push(job)
            return
        self._give_up(job, error, "RetriesExhausted")

    def _give_up(self, job: _Job, error: BaseException, condition: str) -> None:
        record = failure_record(job.event, request_id=job.request_id,
                                function_arn=self.function_arn, invoke_count=job.attempts,
                                error=error, condition=condition,
                                timestamp=iso_now(self._clock))
        queue_url = self.config.on_failure_queue_url
        if queue_url is None or self._sqs_client is None:
            log.error("%s: event %s dropped after %d attempts (%s); no on-failure destination",
                      self._name, job.request_id, job.attempts, condition)
            self._finished(job)
            self._tell(job, "dropped", None, error)
            return
        try:
            self._sqs_client().send_message(QueueUrl=queue_url, MessageBody=record_body(record))
        except Exception:  # noqa: BLE001 - the journal (if any) keeps it for the next start
            log.exception("%s: cannot send event %s to the on-failure queue; event: %s",
                          self._name, job.request_id, json.dumps(job.event)[:2000])
            return
        self._finished(job)
        self._tell(job, "failed", None, error)
        log.warning("%s: event %s sent to the on-failure queue after %d attempts (%s); "
                    "replay with POST /_local/redrive", self._name, job.request_id,
                    job.attempts, condition)

