"""The event source mappings as ``template.yaml`` configures them: a ``Type: DynamoDB`` event
(``StreamMapping``) or a ``Type: SQS`` event (``QueueMapping``), with Lambda's defaults and the
checks ``CreateEventSourceMapping`` makes. What cannot be emulated raises ``StartupError``.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass
from typing import Any

from infra.local.asyncinvoke import LOCAL_RETRY_DELAYS
from infra.local.aws import StartupError
from infra.local.event_sources.filters import (
    FilterPatternError,
    compile_filter_criteria,
)
from infra.local.template import EventSourceSpec, reference_target

log = logging.getLogger("civicdesk.local")

#: ``ReceiveMessage`` and ``DeleteMessageBatch`` take at most 10 messages.
MAX_SQS_MESSAGES = 10
#: Lambda's defaults (CreateEventSourceMapping).
DEFAULT_STREAM_BATCH_SIZE = 100
DEFAULT_SQS_BATCH_SIZE = 10
#: Lambda's limits for an SQS mapping: batch size (a FIFO queue's is 10), batching window
#: (a batch size over 10 needs one of at least a second), ``ScalingConfig.MaximumConcurrency``.
MAX_SQS_BATCH_SIZE = 10000
MAX_FIFO_BATCH_SIZE = 10
MAX_BATCHING_WINDOW = 300
MAXIMUM_CONCURRENCY_RANGE = (2, 1000)
INFINITE = -1
REPORT_BATCH_ITEM_FAILURES = "ReportBatchItemFailures"


@dataclass(frozen=True)
class StreamMapping:
    """A ``Type: DynamoDB`` event: which table's stream, and what Lambda does with a batch."""

    function: str
    event: str
    #: Logical id of the table whose stream is read.
    table: str
    starting_position: str = "TRIM_HORIZON"
    batch_size: int = DEFAULT_STREAM_BATCH_SIZE
    batching_window: float = 0.0
    bisect: bool = False
    #: ``-1``: retry until the record is too old (Lambda's default).
    maximum_retry_attempts: int = INFINITE
    maximum_record_age: float = INFINITE
    report_item_failures: bool = False
    #: URL of the on-failure SQS queue, or ``None`` (discarded records are then only logged).
    on_failure_queue_url: str | None = None
    filters: tuple[dict, ...] = ()
    retry_delays: tuple[float, ...] = LOCAL_RETRY_DELAYS
    enabled: bool = True

    @property
    def name(self) -> str:
        return f"{self.function}.{self.event}"

    def delay_before(self, retry: int) -> float:
        """Seconds before retry number ``retry`` (1-based): Lambda backs off, more briefly here."""
        if not self.retry_delays or retry < 1:
            return 0.0
        return self.retry_delays[min(retry, len(self.retry_delays)) - 1]


@dataclass(frozen=True)
class QueueMapping:
    """A ``Type: SQS`` event. Retries and the dead-letter queue are the queue's own settings
    (visibility timeout, ``RedrivePolicy``), not the mapping's.

    ``retry_delays``: ``None`` leaves a failed message invisible for the queue's visibility
    timeout, as in AWS; the runtime passes its short local delays instead (the queue's
    ``maxReceiveCount`` still decides when it is parked).
    """

    function: str
    event: str
    queue: str
    queue_url: str
    batch_size: int = DEFAULT_SQS_BATCH_SIZE
    batching_window: float = 0.0
    report_item_failures: bool = False
    filters: tuple[dict, ...] = ()
    enabled: bool = True
    #: ``ScalingConfig.MaximumConcurrency`` (``None``: not set). One poller invokes the function
    #: one batch at a time locally, which is within any maximum.
    maximum_concurrency: int | None = None
    retry_delays: tuple[float, ...] | None = None

    @property
    def name(self) -> str:
        return f"{self.function}.{self.event}"

    def visibility_after_failure(self, receive_count: int) -> int | None:
        """Seconds a message that failed on its ``receive_count``-th receive stays invisible
        (``None``: the queue's visibility timeout). SQS counts whole seconds.

        Examples
        --------
        >>> mapping = QueueMapping("F", "E", "Q", "url", retry_delays=(0.5, 2.0))
        >>> [mapping.visibility_after_failure(n) for n in (1, 2, 3)]
        [1, 2, 2]
        >>> QueueMapping("F", "E", "Q", "url").visibility_after_failure(1) is None
        True
        """
        if self.retry_delays is None:
            return None
        if not self.retry_delays:
            return 0
        delay = self.retry_delays[min(max(receive_count, 1), len(self.retry_delays)) - 1]
        return math.ceil(delay)


def stream_mapping(spec: EventSourceSpec, queues: dict[str, str],
                   retry_delays: tuple[float, ...] = LOCAL_RETRY_DELAYS) -> StreamMapping:
    """The mapping of a ``Type: DynamoDB`` event (``queues``: logical id -> URL, to resolve
    its on-failure destination). Raises ``StartupError`` for what cannot be emulated."""
    props = spec.properties
    where = f"template.yaml: {spec.function}.{spec.event}"
    if spec.source is None:
        raise StartupError(f"{where}: Stream must be !GetAtt <Table>.StreamArn of a table of "
                           f"the template (got {props.get('Stream')!r})")
    position = props.get("StartingPosition", "TRIM_HORIZON")
    if position not in ("TRIM_HORIZON", "LATEST"):
        raise StartupError(f"{where}: StartingPosition {position!r} (a DynamoDB stream starts "
                           f"at TRIM_HORIZON or LATEST)")
    filters = _filters(props, where)
    return StreamMapping(
        spec.function, spec.event, spec.source, starting_position=position,
        batch_size=int(props.get("BatchSize", DEFAULT_STREAM_BATCH_SIZE)),
        batching_window=float(props.get("MaximumBatchingWindowInSeconds", 0)),
        bisect=bool(props.get("BisectBatchOnFunctionError", False)),
        maximum_retry_attempts=int(props.get("MaximumRetryAttempts", INFINITE)),
        maximum_record_age=float(props.get("MaximumRecordAgeInSeconds", INFINITE)),
        report_item_failures=REPORT_BATCH_ITEM_FAILURES in (props.get("FunctionResponseTypes")
                                                            or ()),
        on_failure_queue_url=_on_failure_queue(spec, queues), filters=filters,
        retry_delays=tuple(retry_delays), enabled=bool(props.get("Enabled", True)))


def queue_mapping(spec: EventSourceSpec, queues: dict[str, str],
                  retry_delays: tuple[float, ...] | None = None) -> QueueMapping:
    """The mapping of a ``Type: SQS`` event, its queue resolved to the provisioned URL.

    Raises ``StartupError`` for what Lambda's ``CreateEventSourceMapping`` refuses: a batch
    size outside 1..10000, a batch size over 10 without a batching window of at least a
    second, a window over 300 s, a ``MaximumConcurrency`` outside 2..1000.
    """
    props = spec.properties
    where = f"template.yaml: {spec.function}.{spec.event}"
    if spec.source not in queues:
        raise StartupError(f"{where}: Queue must be !GetAtt <Queue>.Arn of a queue of the "
                           f"template (got {props.get('Queue')!r})")
    filters = _filters(props, where)
    batch_size = int(props.get("BatchSize", DEFAULT_SQS_BATCH_SIZE))
    window = float(props.get("MaximumBatchingWindowInSeconds", 0))
    if not 1 <= batch_size <= MAX_SQS_BATCH_SIZE:
        raise StartupError(f"{where}: BatchSize {batch_size} (1 to {MAX_SQS_BATCH_SIZE})")
    if not 0 <= window <= MAX_BATCHING_WINDOW:
        raise StartupError(f"{where}: MaximumBatchingWindowInSeconds {window:g} (0 to "
                           f"{MAX_BATCHING_WINDOW})")
    if batch_size > MAX_SQS_MESSAGES and window < 1:
        raise StartupError(f"{where}: a BatchSize over {MAX_SQS_MESSAGES} needs "
                           f"MaximumBatchingWindowInSeconds of at least 1")
    concurrency = (props.get("ScalingConfig") or {}).get("MaximumConcurrency")
    if concurrency is not None:
        concurrency = int(concurrency)
        low, high = MAXIMUM_CONCURRENCY_RANGE
        if not low <= concurrency <= high:
            raise StartupError(f"{where}: ScalingConfig.MaximumConcurrency {concurrency} "
                               f"({low} to {high})")
    return QueueMapping(
        spec.function, spec.event, spec.source, queues[spec.source],
        batch_size=batch_size, batching_window=window,
        report_item_failures=REPORT_BATCH_ITEM_FAILURES in (props.get("FunctionResponseTypes")
                                                            or ()),
        filters=filters, enabled=bool(props.get("Enabled", True)),
        maximum_concurrency=concurrency,
        retry_delays=None if retry_delays is None else tuple(retry_delays))


def _filters(props: dict, where: str) -> tuple[dict, ...]:
    try:
        return compile_filter_criteria(props.get("FilterCriteria"))
    except FilterPatternError as error:
        raise StartupError(f"{where}: FilterCriteria: {error}") from None


def _on_failure_queue(spec: EventSourceSpec, queues: dict[str, str]) -> str | None:
    on_failure = ((spec.properties.get("DestinationConfig") or {}).get("OnFailure")) or {}
    if not on_failure:
        return None
    target = reference_target(on_failure.get("Destination"))
    if on_failure.get("Type", "SQS") == "SQS" and target in queues:
        return queues[target]
    log.warning("%s.%s: on-failure destination %r is not emulated locally; discarded records "
                "are only logged", spec.function, spec.event, on_failure.get("Destination"))
    return None


def check_queue(mapping: QueueMapping, attributes: dict, function: Any) -> None:
    """What ``CreateEventSourceMapping`` checks of the queue (``GetQueueAttributes``) against
    the mapping and its function (a ``FunctionSpec``, or ``None``)."""
    where = f"template.yaml: {mapping.name}"
    visibility = int(attributes.get("VisibilityTimeout") or 30)
    if function is not None and visibility < function.timeout:
        raise StartupError(f"{where}: the visibility timeout of {mapping.queue} "
                           f"({visibility} s) is shorter than the timeout of {mapping.function} "
                           f"({function.timeout} s); Lambda refuses such a mapping")
    if attributes.get("FifoQueue") == "true" and mapping.batch_size > MAX_FIFO_BATCH_SIZE:
        raise StartupError(f"{where}: BatchSize {mapping.batch_size} on the FIFO queue "
                           f"{mapping.queue} (at most {MAX_FIFO_BATCH_SIZE})")
