"""Every polled event of ``template.yaml``, bound to the provisioned account: resolved and
checked at ``open``, one poller thread per shard and per queue from ``start``, drained at
``stop``.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from dataclasses import dataclass, field
from typing import Any, Callable

from infra.local.asyncinvoke import LOCAL_RETRY_DELAYS, record_body
from infra.local.aws import StartupError
from infra.local.event_sources.mappings import (
    INFINITE,
    QueueMapping,
    StreamMapping,
    check_queue,
    queue_mapping,
    stream_mapping,
)
from infra.local.event_sources.moto_housekeeping import MotoStreamHousekeeping
from infra.local.event_sources.polling import (
    DEFAULT_STOP_TIMEOUT,
    POLL_INTERVAL,
    StopSignal,
    Worker,
)
from infra.local.event_sources.queue_poller import LONG_POLL_SECONDS, SqsQueuePoller
from infra.local.event_sources.stream_batches import StreamBatchProcessor
from infra.local.event_sources.stream_poller import (
    DynamoDBShardReader,
    StreamPoller,
    stream_shards,
)
from infra.local.template import Template

log = logging.getLogger("civicdesk.local")


def _quick_client(service: str, region: str) -> Any:
    """A client that fails fast: a poller retries on its own, botocore's backoff would only
    delay ``stop``."""
    import boto3
    from botocore.config import Config

    return boto3.client(service, region_name=region, config=Config(
        retries={"max_attempts": 2, "mode": "standard"}, connect_timeout=2, read_timeout=10))


@dataclass
class _OpenStream:
    mapping: StreamMapping
    stream_arn: str
    readers: list[DynamoDBShardReader]


@dataclass
class _OpenQueue:
    mapping: QueueMapping
    queue_arn: str


@dataclass
class EventSources:
    """Every polled event of ``template.yaml``, bound to the provisioned account.

    ``open`` right after the state restore (it fixes where the streams start), ``start`` once
    the functions are loaded, ``stop`` at shutdown (after the asynchronous invokers, whose
    functions may still write to the tables).
    """

    streams: list[_OpenStream] = field(default_factory=list)
    queues: list[_OpenQueue] = field(default_factory=list)
    region: str = "eu-central-1"
    sqs: Any = None
    poll_interval: float = POLL_INTERVAL
    wait_time_seconds: int = LONG_POLL_SECONDS
    workers: list[Worker] = field(default_factory=list)

    @classmethod
    def open(cls, template: Template, tables: dict[str, str], queues: dict[str, str], *,
             region: str, retry_delays: tuple[float, ...] = LOCAL_RETRY_DELAYS,
             poll_interval: float = POLL_INTERVAL,
             queue_retry_delays: tuple[float, ...] | None = None,
             wait_time_seconds: int = LONG_POLL_SECONDS,
             stream_start: str = "LATEST") -> "EventSources":
        """Resolve every mapping (``tables``/``queues``: logical id -> name/URL, as
        ``aws.Resources``) and take the streams' starting positions now.

        ``stream_start``: where the readers start, ``LATEST`` (what is written from now on) or
        ``TRIM_HORIZON`` (the runtime: its restore put back what was not delivered before).
        ``queue_retry_delays``: see ``QueueMapping.retry_delays`` (``None``: the queues' own
        visibility timeouts). Lambda's checks of a queue against its function are made here:
        the queue's visibility timeout must not be shorter than the function's timeout, and a
        FIFO queue's batch size is at most 10.
        """
        specs = template.event_sources()
        sources = cls(region=region, poll_interval=poll_interval,
                      wait_time_seconds=wait_time_seconds)
        if not specs:
            return sources
        dynamodb = _quick_client("dynamodb", region)
        streams = _quick_client("dynamodbstreams", region)
        housekeeping: dict[str, MotoStreamHousekeeping] = {}
        sources.sqs = _quick_client("sqs", region)
        for spec in specs:
            if spec.kind == "DynamoDB":
                mapping = stream_mapping(spec, queues, retry_delays)
                if not mapping.enabled:
                    log.info("%s is disabled (Enabled: false)", mapping.name)
                    continue
                if mapping.table not in tables:
                    raise StartupError(f"template.yaml: {mapping.name} reads the stream of "
                                       f"{mapping.table}, which is not a table of the template")
                table = dynamodb.describe_table(TableName=tables[mapping.table])["Table"]
                stream_arn = table.get("LatestStreamArn")
                if not stream_arn:
                    raise StartupError(f"template.yaml: {mapping.name} reads the stream of "
                                       f"{mapping.table}, which has no StreamSpecification")
                keeper = housekeeping.setdefault(stream_arn, MotoStreamHousekeeping(stream_arn))
                readers = [DynamoDBShardReader(streams, stream_arn, shard, keeper.forgetter(),
                                               start=stream_start)
                           for shard in stream_shards(streams, stream_arn)]
                sources.streams.append(_OpenStream(mapping, stream_arn, readers))
            else:
                mapping = queue_mapping(spec, queues, queue_retry_delays)
                if not mapping.enabled:
                    log.info("%s is disabled (Enabled: false)", mapping.name)
                    continue
                attributes = sources.sqs.get_queue_attributes(
                    QueueUrl=mapping.queue_url,
                    AttributeNames=["QueueArn", "VisibilityTimeout", "FifoQueue"])["Attributes"]
                check_queue(mapping, attributes, template.functions().get(spec.function))
                sources.queues.append(_OpenQueue(mapping, attributes["QueueArn"]))
        return sources

    def start(self, functions: dict[str, Any], *, function_arn: Callable[[str], str],
              after_invoke: Callable[[], None] = lambda: None,
              stream_done: Callable[[str, str], None] = lambda table, sequence_number: None
              ) -> None:
        """One thread per shard and per queue, invoking ``functions`` (logical id ->
        ``LocalFunction``). ``stream_done(table, sequence_number)``: every mapping of the
        table's stream is done with the records up to ``sequence_number`` (the runtime drops
        them from the state directory)."""
        for source in [*self.streams, *self.queues]:
            if source.mapping.function not in functions:
                raise StartupError(f"template.yaml: {source.mapping.name} invokes a function "
                                   f"that was not loaded")
        checkpoints = _Checkpoints(stream_done, [(s.mapping.table, f"{s.mapping.name}/{r.shard_id}")
                                                 for s in self.streams for r in s.readers])
        for stream in self.streams:
            mapping = stream.mapping
            function = functions[mapping.function]
            for reader in stream.readers:
                signal = StopSignal()
                processor = StreamBatchProcessor(
                    mapping, invoke=function.invoke, send_failure=self._failure_sink(mapping),
                    function_arn=function_arn(mapping.function), stream_arn=stream.stream_arn,
                    shard_id=reader.shard_id, wait=signal.pause, after_invoke=after_invoke)
                self.workers.append(StreamPoller(
                    mapping, reader, processor, stream_arn=stream.stream_arn,
                    region=self.region, poll_interval=self.poll_interval, signal=signal,
                    on_done=checkpoints.reader(mapping.table, f"{mapping.name}/{reader.shard_id}")))
        for queue in self.queues:
            self.workers.append(SqsQueuePoller(
                queue.mapping, self.sqs, invoke=functions[queue.mapping.function].invoke,
                queue_arn=queue.queue_arn, region=self.region, after_invoke=after_invoke,
                poll_interval=self.poll_interval, wait_time_seconds=self.wait_time_seconds))
        for worker in self.workers:
            worker.start()
        for line in self.describe():
            log.info("%s", line)

    def stop(self, timeout: float = DEFAULT_STOP_TIMEOUT) -> None:
        """Deliver what was already written (within ``timeout``), then stop every poller.

        The streams first: what their functions publish may land in the queues. The queue
        pollers keep going until the queues are empty (or the time is up), then stop; what is
        left in them is said (the runtime's state directory keeps it for the next start).
        """
        deadline = time.monotonic() + timeout
        streams = [w for w in self.workers if isinstance(w, StreamPoller)]
        queues = [w for w in self.workers if not isinstance(w, StreamPoller)]
        for worker in streams:  # all at once: they share the timeout
            worker.signal.set(deadline)
        for worker in streams:
            worker.join()
        if queues:
            self._wait_until_empty(deadline)
        for worker in queues:
            worker.signal.set(deadline)
        for worker in queues:
            worker.join()
        self.workers = []
        for queue in self.queues:
            left = self._messages_in(queue.mapping.queue_url)
            if left:
                log.info("%s: %d message(s) left in %s at stop", queue.mapping.name, left,
                         queue.mapping.queue)

    def _messages_in(self, queue_url: str) -> int:
        """Messages in the queue: waiting, in flight, or delayed (``0`` when it cannot tell)."""
        try:
            attributes = self.sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=[
                "ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible",
                "ApproximateNumberOfMessagesDelayed"])["Attributes"]
        except Exception:  # noqa: BLE001 - moto is stopping or gone: nothing more to deliver
            return 0
        return sum(int(value) for value in attributes.values())

    def _wait_until_empty(self, deadline: float) -> None:
        while time.monotonic() < deadline:
            if not any(self._messages_in(queue.mapping.queue_url) for queue in self.queues):
                return
            time.sleep(self.poll_interval)

    def describe(self) -> list[str]:
        """One line per mapping, for the log and the runtime's summary."""
        lines = []
        for stream in self.streams:
            m = stream.mapping
            retries = ("unlimited" if m.maximum_retry_attempts == INFINITE
                       else m.maximum_retry_attempts)
            lines.append(f"{m.name}: stream of {m.table} -> {m.function} (batch {m.batch_size}, "
                         f"window {m.batching_window:g} s, {len(m.filters)} filter(s), "
                         f"{'bisect, ' if m.bisect else ''}retries {retries})")
        for queue in self.queues:
            m = queue.mapping
            concurrency = (f", maximum concurrency {m.maximum_concurrency}"
                           if m.maximum_concurrency is not None else "")
            lines.append(f"{m.name}: queue {m.queue} -> {m.function} (batch {m.batch_size}, "
                         f"window {m.batching_window:g} s, {len(m.filters)} filter(s)"
                         f"{concurrency})")
        return lines

    def _failure_sink(self, mapping: StreamMapping) -> Callable[[dict], None]:
        queue_url = mapping.on_failure_queue_url

        def send(record: dict) -> None:
            if queue_url is None:
                log.error("%s: no on-failure destination; discarded: %s", mapping.name,
                          json.dumps(record["DDBStreamBatchInfo"]))
                return
            self.sqs.send_message(QueueUrl=queue_url, MessageBody=record_body(record))

        return send


class _Checkpoints:
    """Where every reader of a table's stream is; ``done(table, sequence_number)`` is told the
    position all of them passed, as it moves (records up to it are needed by no one)."""

    def __init__(self, done: Callable[[str, str], None], readers: list[tuple[str, str]]):
        self._done = done
        self._positions: dict[str, dict[str, int | None]] = {}
        for table, reader in readers:
            self._positions.setdefault(table, {})[reader] = None
        self._reported: dict[str, int] = {}
        self._lock = threading.Lock()

    def reader(self, table: str, reader: str) -> Callable[[str], None]:
        def done(sequence_number: str) -> None:
            with self._lock:
                positions = self._positions[table]
                positions[reader] = max(int(sequence_number), positions[reader] or 0)
                if any(position is None for position in positions.values()):
                    return
                horizon = min(positions.values())  # type: ignore[type-var]
                if horizon <= self._reported.get(table, -1):
                    return
                self._reported[table] = horizon  # type: ignore[assignment]
            self._done(table, str(horizon))
        return done
