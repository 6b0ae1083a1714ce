"""Polling one shard of a table's stream: read (``DynamoDBShardReader`` with moto, fakes in
tests), filter, gather batches by size and batching window, and hand them, in order, to the
``StreamBatchProcessor``.

A reader starts at the shard's ``LATEST`` position when it is made: see the package docstring
for why.
"""

from __future__ import annotations

import logging
import time
from typing import Any, Callable, Protocol

from infra.local.event_sources.filters import matches_any
from infra.local.event_sources.mappings import StreamMapping
from infra.local.event_sources.polling import POLL_INTERVAL, StopSignal, Worker
from infra.local.event_sources.records import lambda_stream_record
from infra.local.event_sources.stream_batches import StreamBatchProcessor

log = logging.getLogger("civicdesk.local")

#: ``GetRecords`` returns at most 1000 records; a full page is followed by another read at once.
MAX_GET_RECORDS = 1000


class ShardReader(Protocol):
    """Reads a shard from a position onwards (``DynamoDBShardReader``; fakes in tests)."""

    shard_id: str

    def read(self, limit: int) -> list[dict]:
        """The next records (``GetRecords`` format), at most ``limit``; ``[]`` when none."""


class StreamPoller(Worker):
    """One shard of one stream mapping: reads, filters, gathers batches and hands them to the
    ``StreamBatchProcessor``, one at a time, so the shard's records stay in order."""

    def __init__(self, mapping: StreamMapping, reader: ShardReader,
                 processor: StreamBatchProcessor, *, stream_arn: str, region: str,
                 poll_interval: float = POLL_INTERVAL, signal: StopSignal | None = None,
                 clock: Callable[[], float] = time.monotonic,
                 on_done: Callable[[str], None] = lambda sequence_number: None):
        super().__init__(f"{mapping.name}-{reader.shard_id[-8:]}", poll_interval, signal)
        #: Told the sequence number of the last record the mapping is done with (delivered,
        #: given up or filtered out), after each batch: the runtime's checkpoint.
        self._on_done = on_done
        self.mapping = mapping
        self.reader = reader
        self.processor = processor
        self._stream_arn = stream_arn
        self._region = region
        self._clock = clock
        self._buffer: list[dict] = []
        self._window_opened: float | None = None
        #: Records dropped by the filter, and delivered (or given up), since the start.
        self.filtered_out = 0
        self.delivered = 0

    def read(self) -> int:
        """Read what the shard has; keep the records the filters let through."""
        raw = self.reader.read(MAX_GET_RECORDS)
        for item in raw:
            record = lambda_stream_record(item, stream_arn=self._stream_arn, region=self._region)
            if not matches_any(self.mapping.filters, record):
                self.filtered_out += 1
                if not self._buffer:
                    self._done(record)
                continue
            if not self._buffer:
                self._window_opened = self._clock()
            self._buffer.append(record)
        return len(raw)

    def deliver_due(self, flush: bool = False) -> list[dict]:
        """Deliver the batches that are due: a full one, or what the batching window gathered
        (everything with ``flush``). Returns the records abandoned at stop."""
        while self._buffer and (flush or len(self._buffer) >= self.mapping.batch_size
                                or self._clock() - self._window_opened
                                >= self.mapping.batching_window):
            batch = self._buffer[:self.mapping.batch_size]
            del self._buffer[:len(batch)]
            abandoned = self.processor.process(batch)
            self.delivered += len(batch) - len(abandoned)
            if len(batch) > len(abandoned):
                self._done(batch[len(batch) - len(abandoned) - 1])
            if abandoned:
                return abandoned + self._drop_buffer()
            # "The next window begins as soon as the previous invocation completes."
            self._window_opened = self._clock() if self._buffer else None
        return []

    def _done(self, record: dict) -> None:
        try:
            self._on_done(record["dynamodb"]["SequenceNumber"])
        except Exception:  # noqa: BLE001 - the records are delivered again after a restart
            log.exception("%s: cannot record the stream position", self.mapping.name)

    def poll_once(self) -> bool:
        count = self.read()
        self.deliver_due()
        return count >= MAX_GET_RECORDS

    def idle_wait(self) -> float:
        """The poll interval, or less when the batching window closes sooner: a batch goes
        out when its window closes, not at the next poll after that."""
        if not self._buffer or self._window_opened is None:
            return self.poll_interval
        closes_in = self._window_opened + self.mapping.batching_window - self._clock()
        return max(0.0, min(self.poll_interval, closes_in))

    def finish(self) -> None:
        while True:
            count = self.read()
            abandoned = self.deliver_due(flush=True)
            if abandoned:
                self._log_abandoned(abandoned)
                return
            if count == 0:
                return
            if self.signal.out_of_time():
                self._log_abandoned(self._drop_buffer(), "more may be in the stream")
                return

    def _drop_buffer(self) -> list[dict]:
        dropped, self._buffer = self._buffer, []
        return dropped

    def _log_abandoned(self, records: list[dict], note: str = "") -> None:
        if records or note:
            sequence = [r["dynamodb"]["SequenceNumber"] for r in records]
            log.warning("%s: stopped with %d record(s) not delivered%s%s", self.mapping.name,
                        len(records), f" ({sequence[0]}..{sequence[-1]})" if sequence else "",
                        f"; {note}" if note else "")


class DynamoDBShardReader:
    """``GetRecords`` on one shard, from the position the shard had when the reader was made
    (``LATEST``), or from its oldest record (``TRIM_HORIZON``: the runtime's, whose restore puts
    back only the records not delivered before; see the package's docstring).

    moto keeps every shard iterator it ever handed out (each ``GetRecords`` answer makes a
    new one, even an empty answer), which at ten reads a second would grow without end; the
    reader tells ``forget`` about each iterator once it has been used (AWS expires them), and
    ``MotoStreamHousekeeping`` trims the records before it.
    """

    def __init__(self, client: Any, stream_arn: str, shard_id: str,
                 forget: Callable[[str], None] = lambda iterator: None,
                 start: str = "LATEST"):
        self.shard_id = shard_id
        self._client = client
        self._stream_arn = stream_arn
        self._forget = forget
        self.last_sequence_number: str | None = None
        self._iterator: str | None = self._open(start)

    def _open(self, kind: str, **position: str) -> str:
        return self._client.get_shard_iterator(StreamArn=self._stream_arn, ShardId=self.shard_id,
                                               ShardIteratorType=kind,
                                               **position)["ShardIterator"]

    def read(self, limit: int) -> list[dict]:
        if self._iterator is None:  # the shard was closed and fully read
            return []
        try:
            answer = self._client.get_records(ShardIterator=self._iterator, Limit=limit)
        except Exception:
            # An expired or lost iterator: go on after the last record read.
            if self.last_sequence_number is not None:
                self._iterator = self._open("AFTER_SEQUENCE_NUMBER",
                                            SequenceNumber=self.last_sequence_number)
            raise
        self._forget(self._iterator)
        self._iterator = answer.get("NextShardIterator")
        records = answer.get("Records") or []
        if records:
            self.last_sequence_number = records[-1]["dynamodb"]["SequenceNumber"]
        return records


def stream_shards(client: Any, stream_arn: str) -> list[str]:
    """The ids of the stream's shards, in ``DescribeStream`` order (parents first)."""
    shards, start = [], None
    while True:
        extra = {"ExclusiveStartShardId": start} if start else {}
        description = client.describe_stream(StreamArn=stream_arn, **extra)["StreamDescription"]
        shards += [shard["ShardId"] for shard in description.get("Shards") or []]
        start = description.get("LastEvaluatedShardId")
        if not start:
            return shards
