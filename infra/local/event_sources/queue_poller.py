"""Polling one queue of a ``Type: SQS`` event: receive (long polling), invoke, delete what
succeeded and what the filters dropped; a failed message comes back after the local retry delay
(or the queue's visibility timeout) and moto parks it after the queue's ``maxReceiveCount``.
"""

from __future__ import annotations

import json
import logging
import time
import uuid
from typing import Any, Callable

from infra.local.event_sources.filters import matches_any, sqs_filter_view
from infra.local.event_sources.mappings import MAX_SQS_MESSAGES, QueueMapping
from infra.local.event_sources.polling import POLL_INTERVAL, StopSignal, Worker
from infra.local.event_sources.records import failed_items, lambda_sqs_record
from infra.local.state import call_after

log = logging.getLogger("civicdesk.local")

#: ``WaitTimeSeconds`` of a queue poller's receive when no batch is being gathered: SQS long
#: polling (moto answers as soon as a message arrives). It also bounds how long ``stop`` waits
#: for a poller to notice.
LONG_POLL_SECONDS = 1


class SqsQueuePoller(Worker):
    """One queue mapping: receive, invoke, delete what succeeded (and what the filters drop).

    The queue is long-polled (``wait_time_seconds``), so a message reaches the function as soon
    as it arrives. Failed messages are not deleted: they come back after the queue's visibility
    timeout (or the mapping's local retry delay, ``QueueMapping.retry_delays``) and SQS (moto)
    moves them to the dead-letter queue when a receive finds them received ``maxReceiveCount``
    times.
    """

    def __init__(self, mapping: QueueMapping, client: Any, *, invoke: Callable[[dict, str], Any],
                 queue_arn: str, region: str, after_invoke: Callable[[], None] = lambda: None,
                 poll_interval: float = POLL_INTERVAL, signal: StopSignal | None = None,
                 clock: Callable[[], float] = time.monotonic,
                 wait_time_seconds: int = LONG_POLL_SECONDS):
        super().__init__(mapping.name, poll_interval, signal)
        self.mapping = mapping
        self._client = client
        self._invoke = invoke
        self._queue_arn = queue_arn
        self._region = region
        self._after_invoke = after_invoke
        self._clock = clock
        self.wait_time_seconds = wait_time_seconds

    def receive(self) -> list[dict]:
        """A batch: up to ``BatchSize`` messages, gathered for up to the batching window once
        the first one arrived. The first receive long-polls (unless stopping)."""
        messages: list[dict] = []
        window_closes = None
        while len(messages) < self.mapping.batch_size:
            wait = 0 if messages or self.signal.is_set() else self.wait_time_seconds
            answer = self._client.receive_message(
                QueueUrl=self.mapping.queue_url, WaitTimeSeconds=wait,
                MaxNumberOfMessages=min(MAX_SQS_MESSAGES, self.mapping.batch_size - len(messages)),
                MessageSystemAttributeNames=["All"], MessageAttributeNames=["All"])
            received = answer.get("Messages") or []
            messages += received
            if messages and window_closes is None:
                window_closes = self._clock() + self.mapping.batching_window
            if not messages or self._clock() >= window_closes or self.signal.is_set():
                break
            if not received:
                self.signal.wait(min(self.poll_interval, window_closes - self._clock()))
        return messages

    def process(self, messages: list[dict]) -> None:
        """Invoke the function with the messages the filters let through; delete those and
        the ones the filters dropped, but not the ones that failed."""
        records = [lambda_sqs_record(m, queue_arn=self._queue_arn, region=self._region)
                   for m in messages]
        matching = [matches_any(self.mapping.filters, sqs_filter_view(r)) for r in records]
        wanted = [r for r, match in zip(records, matching, strict=False) if match]
        done = [r for r, match in zip(records, matching, strict=False) if not match]
        if wanted:
            identifiers = [r["messageId"] for r in wanted]
            try:
                response = json.loads(json.dumps(
                    self._invoke({"Records": wanted}, str(uuid.uuid4()))))
                failed = set(failed_items(identifiers, response,
                                          self.mapping.report_item_failures))
            except Exception as error:  # noqa: BLE001 - the messages come back later
                log.error("%s: batch of %d message(s) failed: %s: %s; they will be received "
                          "again after the queue's visibility timeout", self.mapping.name,
                          len(wanted), type(error).__name__, error, exc_info=True)
                failed = set(range(len(wanted)))
            finally:
                call_after(self._after_invoke, "a queue invocation")
            if failed and len(failed) < len(wanted):
                log.warning("%s: the function reports %d of %d message(s) failed",
                            self.mapping.name, len(failed), len(wanted))
            done += [r for index, r in enumerate(wanted) if index not in failed]
            self._retry_later([r for index, r in enumerate(wanted) if index in failed])
        self._delete(done)

    def poll_once(self) -> bool:
        messages = self.receive()
        if messages:
            self.process(messages)
        # After a long poll there is nothing to wait for: it waited, or it brought messages.
        return self.wait_time_seconds > 0 or len(messages) >= self.mapping.batch_size

    def _retry_later(self, records: list[dict]) -> None:
        """With local retry delays, make the failed messages visible again after the delay for
        their receive count rather than after the queue's visibility timeout."""
        entries = []
        for index, record in enumerate(records):
            count = int((record.get("attributes") or {}).get("ApproximateReceiveCount") or 1)
            seconds = self.mapping.visibility_after_failure(count)
            if seconds is not None:
                entries.append({"Id": str(index), "ReceiptHandle": record["receiptHandle"],
                                "VisibilityTimeout": seconds})
        for start in range(0, len(entries), MAX_SQS_MESSAGES):
            try:
                self._client.change_message_visibility_batch(
                    QueueUrl=self.mapping.queue_url, Entries=entries[start:start + MAX_SQS_MESSAGES])
            except Exception:  # noqa: BLE001 - they come back after the visibility timeout
                log.exception("%s: cannot shorten the visibility of failed messages; they come "
                              "back after the queue's visibility timeout", self.mapping.name)

    def _delete(self, records: list[dict]) -> None:
        for start in range(0, len(records), MAX_SQS_MESSAGES):
            chunk = records[start:start + MAX_SQS_MESSAGES]
            answer = self._client.delete_message_batch(
                QueueUrl=self.mapping.queue_url,
                Entries=[{"Id": str(i), "ReceiptHandle": r["receiptHandle"]}
                         for i, r in enumerate(chunk)])
            for failure in answer.get("Failed") or []:
                log.warning("%s: cannot delete a processed message (%s); it will be delivered "
                            "again", self.mapping.name, failure.get("Message"))
