"""Delivering a batch of one shard's records as Lambda does on a function error: retries,
``ReportBatchItemFailures``, ``BisectBatchOnFunctionError``, ``MaximumRetryAttempts``,
``MaximumRecordAgeInSeconds`` and the on-failure destination. Pure: everything it touches is
injected.
"""

from __future__ import annotations

import json
import logging
import time
import uuid
from collections import deque
from dataclasses import dataclass
from typing import Any, Callable

from infra.local.asyncinvoke import iso_now
from infra.local.event_sources.mappings import INFINITE, StreamMapping
from infra.local.event_sources.records import failed_items, stream_failure_record
from infra.local.state import call_after

log = logging.getLogger("civicdesk.local")


@dataclass
class _Batch:
    records: list[dict]
    #: Failed deliveries that started with this batch's first record (a bisection costs none).
    failures: int = 0
    #: Invocations that included these records (``approximateInvokeCount``).
    invocations: int = 0
    request_id: str = ""
    function_error: bool = False


class StreamBatchProcessor:
    """Delivers batches of one shard's records, in order, as Lambda does on a function error.

    ``invoke(event, request_id)`` calls the function and raises what it raises (a
    ``LocalFunction``); ``send_failure(record)`` delivers an on-failure destination record;
    ``wait(seconds)`` pauses before a retry and returns ``False`` when the poller is stopping
    and cannot wait that long (the rest of the batch is then abandoned).
    """

    def __init__(self, mapping: StreamMapping, *, invoke: Callable[[dict, str], Any],
                 send_failure: Callable[[dict], None], function_arn: str, stream_arn: str,
                 shard_id: str, wait: Callable[[float], bool] | None = None,
                 after_invoke: Callable[[], None] = lambda: None,
                 clock: Callable[[], float] = time.time,
                 new_request_id: Callable[[], str] = lambda: str(uuid.uuid4())):
        self.mapping = mapping
        self._invoke = invoke
        self._send_failure = send_failure
        self._function_arn = function_arn
        self._stream_arn = stream_arn
        self._shard_id = shard_id
        self._wait = wait or (lambda seconds: (time.sleep(seconds), True)[1])
        self._after_invoke = after_invoke
        self._clock = clock
        self._new_request_id = new_request_id

    def process(self, records: list[dict]) -> list[dict]:
        """Deliver ``records`` (consecutive records of the shard) until each one succeeded or
        was discarded; returns the records abandoned because the poller stopped (else ``[]``).

        The rules (Lambda's, with ``MaximumRetryAttempts`` counted per record):

        * a success -- or a ``batchItemFailures`` response that names nothing -- completes it;
        * a response naming failures completes the records before the first one named, and the
          rest is retried, starting with that record;
        * an exception (or a response that fails the first record) with
          ``BisectBatchOnFunctionError`` splits the batch in halves, delivered one after the
          other, without counting a retry; a single record, or without bisecting, is retried
          after a delay;
        * a record retried ``MaximumRetryAttempts`` times, or older than
          ``MaximumRecordAgeInSeconds``, is given up with the rest of its batch: the
          on-failure destination gets its location, and the shard moves on.
        """
        pending = deque([_Batch(list(records))])
        explained = False
        while pending:
            batch = pending[0]
            expired = self._expired_prefix(batch.records)
            if expired:
                self._discard(_Batch(batch.records[:expired], invocations=batch.invocations,
                                     request_id=batch.request_id or self._new_request_id(),
                                     function_error=batch.function_error),
                              "RecordAgeExceeded")
                batch.records, batch.failures = batch.records[expired:], 0
                if not batch.records:
                    pending.popleft()
                continue
            failed = self._attempt(batch, explain=not explained)
            explained = explained or batch.function_error
            if not failed:
                pending.popleft()
                continue
            first = failed[0]
            if first > 0:
                # The records before the first failure are done: "split at the returned
                # sequence number", the failed record has failed once.
                batch.records, batch.failures = batch.records[first:], 1
            elif self.mapping.bisect and len(batch.records) > 1:
                middle = (len(batch.records) + 1) // 2
                pending.popleft()
                pending.appendleft(_Batch(batch.records[middle:], 0, batch.invocations))
                pending.appendleft(_Batch(batch.records[:middle], batch.failures,
                                          batch.invocations))
                continue
            else:
                batch.failures += 1
            retries = self.mapping.maximum_retry_attempts
            if retries != INFINITE and batch.failures > retries:
                self._discard(batch, "RetryAttemptsExhausted")
                pending.popleft()
                continue
            if not self._wait(self.mapping.delay_before(batch.failures)):
                return [record for left in pending for record in left.records]
        return []

    def _attempt(self, batch: _Batch, explain: bool) -> list[int]:
        """Invoke the function with ``batch``; the positions that failed."""
        batch.invocations += 1
        batch.request_id = self._new_request_id()
        batch.function_error = False
        sequence = [r["dynamodb"]["SequenceNumber"] for r in batch.records]
        try:
            # Lambda serialises the response: what cannot be JSON is a function error too.
            response = json.loads(json.dumps(
                self._invoke({"Records": batch.records}, batch.request_id)))
        except Exception as error:  # noqa: BLE001 - what Lambda records as an Unhandled error
            batch.function_error = True
            log.error("%s: batch of %d record(s) %s..%s failed: %s: %s", self.mapping.name,
                      len(sequence), sequence[0], sequence[-1], type(error).__name__, error,
                      exc_info=explain)
            return list(range(len(sequence)))
        finally:
            call_after(self._after_invoke, "a stream invocation")
        failed = failed_items(sequence, response, self.mapping.report_item_failures)
        if failed:
            log.warning("%s: the function reports %d of %d record(s) failed, from %s",
                        self.mapping.name, len(failed), len(sequence), sequence[failed[0]])
        return failed

    def _expired_prefix(self, records: list[dict]) -> int:
        """How many of the first records are older than ``MaximumRecordAgeInSeconds``."""
        if self.mapping.maximum_record_age == INFINITE:
            return 0
        oldest_allowed = self._clock() - self.mapping.maximum_record_age
        count = 0
        for record in records:
            created = record["dynamodb"].get("ApproximateCreationDateTime")
            if created is None or created >= oldest_allowed:
                break
            count += 1
        return count

    def _discard(self, batch: _Batch, condition: str) -> None:
        record = stream_failure_record(
            batch.records, shard_id=self._shard_id, stream_arn=self._stream_arn,
            function_arn=self._function_arn, request_id=batch.request_id,
            invoke_count=batch.invocations, condition=condition,
            function_error=batch.function_error, timestamp=iso_now(self._clock))
        info = record["DDBStreamBatchInfo"]
        try:
            self._send_failure(record)
        except Exception:  # noqa: BLE001 - nothing else can keep it: say what is lost
            log.exception("%s: cannot send the on-failure record of %s..%s; it was: %s",
                          self.mapping.name, info["startSequenceNumber"],
                          info["endSequenceNumber"], json.dumps(record))
            return
        log.warning("%s: gave up %d record(s) %s..%s after %d invocation(s) (%s)%s",
                    self.mapping.name, info["batchSize"], info["startSequenceNumber"],
                    info["endSequenceNumber"], batch.invocations, condition,
                    "; their location is in the on-failure queue"
                    if self.mapping.on_failure_queue_url else "")
