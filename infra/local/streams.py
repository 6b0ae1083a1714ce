"""Lambda's event source mappings, locally: poll a table's stream (and queues) and invoke the
subscribed functions with the batches Lambda would send them.

In AWS, a ``Type: DynamoDB`` or ``Type: SQS`` event of a function becomes an event source
mapping: a poller inside Lambda reads the stream's shards (or the queue), drops what the
``FilterCriteria`` reject, gathers batches (``BatchSize``, ``MaximumBatchingWindowInSeconds``),
invokes the function synchronously and acts on the outcome. This module does the same against
moto, with everything read from ``template.yaml``:

* **Streams** (``StreamMapping``): one thread per shard (moto's tables have exactly one, which
  never splits) reads with ``GetRecords`` every ``POLL_INTERVAL`` seconds, builds the event
  records exactly as Lambda does (``lambda_stream_record``) and delivers them *in order*. A batch
  that fails is retried (short local delays), split in halves first with
  ``BisectBatchOnFunctionError`` (a split costs no retry, as in Lambda), resumed after the
  records a ``ReportBatchItemFailures`` response says succeeded, and after
  ``MaximumRetryAttempts`` (or ``MaximumRecordAgeInSeconds``) given up: its *location* goes to
  the ``OnFailure`` queue in Lambda's format (``stream_failure_record``) and the shard moves on.
  A poison record never stops the shard.
* **Queues** (``QueueMapping``): ``ReceiveMessage`` (long polling, so a message is taken as
  soon as it arrives), the batch invoked, then only the messages that succeeded deleted. A
  failed message becomes visible again after the queue's visibility timeout -- in the runtime
  after its short local retry delay instead -- and, after the queue's ``maxReceiveCount``,
  moto moves it to the queue's dead-letter queue (its ``RedrivePolicy``), as SQS does:
  Lambda's SQS mappings have no retry settings. ``BatchSize``,
  ``MaximumBatchingWindowInSeconds``, ``ReportBatchItemFailures`` and ``FilterCriteria`` apply
  as in Lambda; ``ScalingConfig`` is checked and shown (one poller invokes a function one batch
  at a time locally, within any ``MaximumConcurrency``).
* **Filters** (``compile_filter_criteria``, ``matches_any``): the subset of Lambda's event
  filtering pattern language a template needs (exact values, nested objects, ``prefix``,
  ``suffix``, ``equals-ignore-case``, ``anything-but``, ``numeric``, ``exists``); any other
  operator stops the start rather than being ignored. Records that do not match are dropped
  and count as processed (a dropped message is deleted).

**Where a stream starts.** The state directory keeps the tables' items, not their streams:
restoring them re-writes every item, and moto appends an ``INSERT`` record for each to the new,
empty stream. Those are not changes and must not reach a function (they would publish every
case's history again at each start). So ``EventSources.open`` is called right after the
restore and takes a ``LATEST`` shard iterator then: everything written after the restore is
delivered -- the seeding, the API, the functions -- and nothing before. That is what Lambda does
for both ``TRIM_HORIZON`` and ``LATEST`` here: in AWS the mapping is created with the table,
before anything is written, and keeps its checkpoint across deployments; a restart of the local
runtime is a deployment that kept the data. Records written but not delivered when the runtime
stops are flushed by ``stop`` (within its timeout), then the queues are drained (what the
stream's functions published may be in them); whatever is still pending after that is logged,
not replayed at the next start (queues, like streams, are not in the state directory).

Invocations go through ``LocalFunction.invoke``, so they are serialised with the API's
invocations of the same function; after each one the runtime saves a snapshot if the function
changed data (``after_invoke``), as for asynchronous invocations.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
import base64
import json
import logging
import math
import threading
import time
import uuid
from collections import deque
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, Callable, Iterable, Protocol

from infra.local.asyncinvoke import LOCAL_RETRY_DELAYS, iso_now, record_body
from infra.local.aws import StartupError
from infra.local.state import encode_item
from infra.local.template import EventSourceSpec, Template, reference_target

log = logging.getLogger("civicdesk.local")

#: Seconds between two reads of an idle shard (and of a queue within a batching window). A
#: change reaches its function within this plus the mapping's batching window.
POLL_INTERVAL = 0.1
#: ``WaitTimeSeconds`` of a queue poller's receive when no batch is being gathered: SQS long
#: polling (moto answers as soon as a message arrives). It also bounds how long ``stop`` waits
#: for a poller to notice.
LONG_POLL_SECONDS = 1
#: ``GetRecords`` returns at most 1000 records; a full page is followed by another read at once.
MAX_GET_RECORDS = 1000
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
#: How long ``stop`` lets the pollers deliver what was written before it.
DEFAULT_STOP_TIMEOUT = 5.0
REPORT_BATCH_ITEM_FAILURES = "ReportBatchItemFailures"


# -- event filtering -----------------------------------------------------------------------------

class FilterPatternError(ValueError):
    """A ``FilterCriteria`` pattern Lambda would refuse, or one this emulation cannot apply."""


_TEXT_OPERATORS = ("prefix", "suffix", "equals-ignore-case")
_NUMERIC_OPERATORS = ("<", "<=", "=", ">", ">=")
SUPPORTED_OPERATORS = (*_TEXT_OPERATORS, "anything-but", "numeric", "exists")
_MISSING = object()


def compile_filter_criteria(criteria: Any) -> tuple[dict, ...]:
    """The patterns of a ``FilterCriteria`` (``{"Filters": [{"Pattern": "<json>"}]}``), parsed
    and checked. An empty tuple lets every record through.

    Examples
    --------
    >>> compile_filter_criteria({"Filters": [{"Pattern": '{"eventName": ["INSERT"]}'}]})
    ({'eventName': ['INSERT']},)
    >>> compile_filter_criteria(None)
    ()
    >>> compile_filter_criteria({"Filters": [{"Pattern": '{"eventName": "INSERT"}'}]})
    Traceback (most recent call last):
    ...
    infra.local.streams.FilterPatternError: eventName: expected a list or an object, got 'INSERT'
    """
    if not criteria:
        return ()
    if not isinstance(criteria, dict) or not isinstance(criteria.get("Filters", []), list):
        raise FilterPatternError("FilterCriteria must be {Filters: [{Pattern: ...}]}")
    patterns = []
    for position, entry in enumerate(criteria.get("Filters") or []):
        raw = entry.get("Pattern") if isinstance(entry, dict) else None
        if isinstance(raw, str):
            try:
                pattern = json.loads(raw)
            except json.JSONDecodeError as error:
                raise FilterPatternError(f"filter {position + 1}: the pattern is not JSON "
                                         f"({error})") from None
        else:
            pattern = raw
        validate_pattern(pattern)
        patterns.append(pattern)
    return tuple(patterns)


def validate_pattern(pattern: Any, path: str = "") -> None:
    """Raise ``FilterPatternError`` unless ``pattern`` is a pattern ``pattern_matches`` applies
    the way Lambda does: an object whose leaves are non-empty lists of matchers."""
    if not isinstance(pattern, dict) or not pattern:
        raise FilterPatternError(f"{path or 'pattern'}: expected a non-empty JSON object")
    for key, rule in pattern.items():
        where = f"{path}.{key}" if path else str(key)
        if isinstance(rule, dict):
            validate_pattern(rule, where)
        elif isinstance(rule, list) and rule:
            for matcher in rule:
                _validate_matcher(matcher, where)
        else:
            raise FilterPatternError(f"{where}: expected a list or an object, got {rule!r}")


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _is_scalar(value: Any) -> bool:
    return value is None or isinstance(value, (str, bool)) or _is_number(value)


def _validate_matcher(matcher: Any, where: str) -> None:
    if _is_scalar(matcher):
        return
    if not isinstance(matcher, dict) or len(matcher) != 1:
        raise FilterPatternError(f"{where}: {matcher!r} is neither a value nor one operator")
    (operator, argument), = matcher.items()
    if operator in _TEXT_OPERATORS:
        valid = isinstance(argument, str)
    elif operator == "exists":
        valid = isinstance(argument, bool)
    elif operator == "numeric":
        valid = _valid_numeric(argument)
    elif operator == "anything-but":
        if isinstance(argument, dict):
            valid = (len(argument) == 1 and next(iter(argument)) in ("prefix", "suffix")
                     and isinstance(next(iter(argument.values())), str))
        elif isinstance(argument, list):
            valid = bool(argument) and all(_is_scalar(v) and v is not None for v in argument)
        else:
            valid = _is_scalar(argument) and argument is not None
    else:
        raise FilterPatternError(f"{where}: the operator {operator!r} is not emulated locally "
                                 f"(supported: {', '.join(SUPPORTED_OPERATORS)})")
    if not valid:
        raise FilterPatternError(f"{where}: invalid {operator!r} argument {argument!r}")


def _valid_numeric(argument: Any) -> bool:
    if not isinstance(argument, list) or len(argument) not in (2, 4):
        return False
    return all(argument[i] in _NUMERIC_OPERATORS and _is_number(argument[i + 1])
               for i in range(0, len(argument), 2))


def pattern_matches(pattern: dict, document: Any) -> bool:
    """Whether ``document`` (a record as the function would receive it) matches ``pattern``.

    Lambda's rules: every key of the pattern must match (AND); a list of matchers matches when
    one of them does (OR); an array in the document matches when one of its elements does; a
    field the document lacks matches only ``{"exists": false}``.

    Examples
    --------
    >>> record = {"eventName": "INSERT", "dynamodb": {"NewImage": {"entity": {"S": "event"}}}}
    >>> pattern_matches({"dynamodb": {"NewImage": {"entity": {"S": ["event"]}}}}, record)
    True
    >>> pattern_matches({"eventName": [{"anything-but": ["INSERT", "MODIFY"]}]}, record)
    False
    >>> pattern_matches({"dynamodb": {"OldImage": [{"exists": False}]}}, record)
    True
    """
    for key, rule in pattern.items():
        value = document.get(key, _MISSING) if isinstance(document, dict) else _MISSING
        if isinstance(rule, dict):
            if not pattern_matches(rule, value if isinstance(value, dict) else None):
                return False
        elif not any(_matcher_matches(matcher, value) for matcher in rule):
            return False
    return True


def matches_any(patterns: Iterable[dict], document: Any) -> bool:
    """Lambda's ``FilterCriteria``: no pattern lets everything through, else one must match."""
    patterns = tuple(patterns)
    return not patterns or any(pattern_matches(p, document) for p in patterns)


def _matcher_matches(matcher: Any, value: Any) -> bool:
    if isinstance(matcher, dict) and "exists" in matcher:
        return matcher["exists"] == (value is not _MISSING)
    if value is _MISSING:
        return False
    elements = value if isinstance(value, list) else [value]
    return any(_element_matches(matcher, element) for element in elements)


def _same(expected: Any, actual: Any) -> bool:
    """JSON equality: ``5 == 5.0`` but ``"5" != 5``, ``true != 1``, ``null`` only ``null``."""
    if expected is None or isinstance(expected, bool) or isinstance(actual, bool):
        return expected is actual
    if _is_number(expected):
        return _is_number(actual) and expected == actual
    return isinstance(actual, str) and expected == actual


def _element_matches(matcher: Any, value: Any) -> bool:
    if not isinstance(matcher, dict):
        return _same(matcher, value)
    (operator, argument), = matcher.items()
    if operator == "prefix":
        return isinstance(value, str) and value.startswith(argument)
    if operator == "suffix":
        return isinstance(value, str) and value.endswith(argument)
    if operator == "equals-ignore-case":
        return isinstance(value, str) and value.casefold() == argument.casefold()
    if operator == "numeric":
        return _is_number(value) and all(
            _compare(value, argument[i], argument[i + 1]) for i in range(0, len(argument), 2))
    if operator == "anything-but":
        if isinstance(argument, dict):
            return not _element_matches(argument, value)
        excluded = argument if isinstance(argument, list) else [argument]
        return not any(_same(item, value) for item in excluded)
    return False


def _compare(value: float, operator: str, bound: float) -> bool:
    return {"<": value < bound, "<=": value <= bound, "=": value == bound,
            ">": value > bound, ">=": value >= bound}[operator]


# -- what the function receives -------------------------------------------------------------

def lambda_stream_record(raw: dict, *, stream_arn: str, region: str) -> dict:
    """A ``GetRecords`` record as Lambda puts it in the function's event.

    Lambda adds ``eventSourceARN``, uses ``eventVersion`` 1.1, its own region, epoch seconds
    for ``ApproximateCreationDateTime`` (boto3 parsed them into a datetime) and base64 for
    binary attributes (boto3 decoded them into bytes).

    Examples
    --------
    >>> created = datetime(2026, 11, 21, tzinfo=timezone.utc)
    >>> raw = {"eventID": "e1", "eventName": "INSERT", "eventVersion": "1.0",
    ...        "eventSource": "aws:dynamodb", "awsRegion": "us-east-1",
    ...        "dynamodb": {"ApproximateCreationDateTime": created, "Keys": {"PK": {"S": "C#1"}},
    ...                     "NewImage": {"PK": {"S": "C#1"}, "doc": {"B": b"\\x00"}},
    ...                     "SequenceNumber": "100", "SizeBytes": 30,
    ...                     "StreamViewType": "NEW_AND_OLD_IMAGES"}}
    >>> record = lambda_stream_record(raw, stream_arn="arn:stream", region="eu-central-1")
    >>> record["eventVersion"], record["awsRegion"], record["eventSourceARN"]
    ('1.1', 'eu-central-1', 'arn:stream')
    >>> record["dynamodb"]["ApproximateCreationDateTime"], record["dynamodb"]["NewImage"]["doc"]
    (1795219200, {'B': 'AA=='})
    """
    change = raw["dynamodb"]
    dynamodb: dict[str, Any] = {}
    if change.get("ApproximateCreationDateTime") is not None:
        dynamodb["ApproximateCreationDateTime"] = _epoch_seconds(
            change["ApproximateCreationDateTime"])
    dynamodb["Keys"] = encode_item(change.get("Keys") or {})
    for image in ("NewImage", "OldImage"):
        if image in change:
            dynamodb[image] = encode_item(change[image])
    dynamodb["SequenceNumber"] = change["SequenceNumber"]
    dynamodb["SizeBytes"] = change.get("SizeBytes", 0)
    dynamodb["StreamViewType"] = change.get("StreamViewType")
    record = {"eventID": raw.get("eventID") or uuid.uuid4().hex, "eventName": raw["eventName"],
              "eventVersion": "1.1", "eventSource": "aws:dynamodb", "awsRegion": region,
              "dynamodb": dynamodb, "eventSourceARN": stream_arn}
    if raw.get("userIdentity"):
        # Deletions by TTL: {"type": "Service", "principalId": "dynamodb.amazonaws.com"}.
        record["userIdentity"] = raw["userIdentity"]
    return record


def _epoch_seconds(moment: Any) -> int:
    if isinstance(moment, datetime):
        return int(moment.timestamp())
    return int(float(moment))


def _iso_seconds(epoch: float | None) -> str | None:
    if epoch is None:
        return None
    return datetime.fromtimestamp(epoch, timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def lambda_sqs_record(message: dict, *, queue_arn: str, region: str) -> dict:
    """A ``ReceiveMessage`` message as Lambda puts it in the function's event.

    Examples
    --------
    >>> message = {"MessageId": "m1", "ReceiptHandle": "r1", "Body": "{}", "MD5OfBody": "99",
    ...            "Attributes": {"ApproximateReceiveCount": "1"},
    ...            "MessageAttributes": {"type": {"StringValue": "case.opened",
    ...                                           "DataType": "String"}}}
    >>> record = lambda_sqs_record(message, queue_arn="arn:q", region="eu-central-1")
    >>> record["messageId"], record["eventSource"], record["eventSourceARN"]
    ('m1', 'aws:sqs', 'arn:q')
    >>> record["messageAttributes"]["type"]["stringValue"], record["attributes"]
    ('case.opened', {'ApproximateReceiveCount': '1'})
    """
    attributes = {}
    for name, value in (message.get("MessageAttributes") or {}).items():
        converted: dict[str, Any] = {}
        if "StringValue" in value:
            converted["stringValue"] = value["StringValue"]
        if "BinaryValue" in value:
            raw = value["BinaryValue"]
            converted["binaryValue"] = (base64.b64encode(raw).decode("ascii")
                                        if isinstance(raw, bytes) else raw)
        converted.update(stringListValues=[], binaryListValues=[], dataType=value["DataType"])
        attributes[name] = converted
    record = {"messageId": message["MessageId"], "receiptHandle": message["ReceiptHandle"],
              "body": message.get("Body", ""), "attributes": dict(message.get("Attributes") or {}),
              "messageAttributes": attributes, "md5OfBody": message.get("MD5OfBody")}
    if message.get("MD5OfMessageAttributes"):
        record["md5OfMessageAttributes"] = message["MD5OfMessageAttributes"]
    record.update(eventSource="aws:sqs", eventSourceARN=queue_arn, awsRegion=region)
    return record


def sqs_filter_view(record: dict) -> dict:
    """What Lambda matches an SQS pattern against: the record, its body parsed when it is JSON
    (a plain-text body stays a string, so patterns on its fields never match it)."""
    try:
        body = json.loads(record.get("body") or "")
    except (TypeError, ValueError):
        return record
    return {**record, "body": body}


def failed_items(identifiers: list[str], response: Any, enabled: bool) -> list[int]:
    """Positions in the batch of the records that failed, according to the function's
    response: ``[]`` is a success, every position a complete failure.

    Without ``ReportBatchItemFailures`` the response is ignored (a response is a success).
    With it, ``{"batchItemFailures": [{"itemIdentifier": id}]}`` names the failures; no list,
    an empty list, or no response at all is a success; an identifier that is empty, missing or
    not in the batch makes the whole batch a failure, as in Lambda.

    Examples
    --------
    >>> failed_items(["1", "2", "3"], {"batchItemFailures": [{"itemIdentifier": "3"},
    ...                                                       {"itemIdentifier": "2"}]}, True)
    [1, 2]
    >>> failed_items(["1", "2"], {"batchItemFailures": []}, True), failed_items(["1"], None, True)
    ([], [])
    >>> failed_items(["1", "2"], {"batchItemFailures": [{"itemIdentifier": "9"}]}, True)
    [0, 1]
    >>> failed_items(["1", "2"], {"batchItemFailures": [{"itemIdentifier": "2"}]}, False)
    []
    """
    if not enabled or not isinstance(response, dict):
        return []
    failures = response.get("batchItemFailures")
    if not failures:
        return []
    positions = {identifier: index for index, identifier in enumerate(identifiers)}
    found = set()
    for failure in failures if isinstance(failures, list) else [failures]:
        identifier = failure.get("itemIdentifier") if isinstance(failure, dict) else None
        if not isinstance(identifier, str) or identifier not in positions:
            log.warning("batchItemFailures names %r, which is not in the batch: the whole batch "
                        "counts as failed", identifier)
            return list(range(len(identifiers)))
        found.add(positions[identifier])
    return sorted(found)


def stream_failure_record(records: list[dict], *, shard_id: str, stream_arn: str,
                          function_arn: str, request_id: str, invoke_count: int,
                          condition: str, function_error: bool, timestamp: str) -> dict:
    """What Lambda sends to a stream mapping's on-failure destination: where the records are
    in the stream, not the records themselves (``DDBStreamBatchInfo``)."""
    first, last = records[0]["dynamodb"], records[-1]["dynamodb"]
    arrival = "ApproximateCreationDateTime"
    response_context: dict[str, Any] = {"statusCode": 200, "executedVersion": "$LATEST"}
    if function_error:
        response_context["functionError"] = "Unhandled"
    return {
        "requestContext": {"requestId": request_id, "functionArn": function_arn,
                           "condition": condition, "approximateInvokeCount": invoke_count},
        "responseContext": response_context,
        "version": "1.0",
        "timestamp": timestamp,
        "DDBStreamBatchInfo": {
            "shardId": shard_id,
            "startSequenceNumber": first["SequenceNumber"],
            "endSequenceNumber": last["SequenceNumber"],
            "approximateArrivalOfFirstRecord": _iso_seconds(first.get(arrival)),
            "approximateArrivalOfLastRecord": _iso_seconds(last.get(arrival)),
            "batchSize": len(records),
            "streamArn": stream_arn,
        },
    }


# -- the mappings, as template.yaml configures them -----------------------------------------

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
    try:
        filters = compile_filter_criteria(props.get("FilterCriteria"))
    except FilterPatternError as error:
        raise StartupError(f"{where}: FilterCriteria: {error}") from None
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
    try:
        filters = compile_filter_criteria(props.get("FilterCriteria"))
    except FilterPatternError as error:
        raise StartupError(f"{where}: FilterCriteria: {error}") from None
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


# -- delivering a batch of one shard (pure: everything it touches is injected) ----------------

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
            self._after_write()
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

    def _after_write(self) -> None:
        try:
            self._after_invoke()
        except Exception:  # noqa: BLE001 - the periodic snapshot will try again
            log.exception("state: snapshot after a stream invocation failed")


# -- polling ------------------------------------------------------------------------------

class ShardReader(Protocol):
    """Reads a shard from a position onwards (``DynamoDBShardReader``; fakes in tests)."""

    shard_id: str

    def read(self, limit: int) -> list[dict]:
        """The next records (``GetRecords`` format), at most ``limit``; ``[]`` when none."""


class StopSignal:
    """Shared by a poller and its batch processor: set by ``stop``, with the time by which
    the thread must be done. Retries wait on it, so a stop does not sit out a retry delay."""

    def __init__(self) -> None:
        self._event = threading.Event()
        self.deadline: float | None = None

    def set(self, deadline: float) -> None:
        self.deadline = deadline
        self._event.set()

    def is_set(self) -> bool:
        return self._event.is_set()

    def wait(self, seconds: float) -> bool:
        """Sleep ``seconds`` or until stopped; whether it is stopped."""
        return self._event.wait(max(0.0, seconds))

    def out_of_time(self) -> bool:
        return self.deadline is not None and time.monotonic() >= self.deadline

    def pause(self, seconds: float) -> bool:
        """Wait before a retry. Once stopping, only if the wait fits in what is left of the
        stop's timeout: ``False`` means give up (the caller abandons its records)."""
        until = time.monotonic() + seconds
        self.wait(seconds)
        remaining = until - time.monotonic()
        if remaining <= 0:
            return True
        if self.deadline is not None and until > self.deadline:
            return False
        time.sleep(remaining)
        return True


class _Worker(ABC):
    """A thread that polls until stopped, then gets the stop's timeout to finish."""

    def __init__(self, name: str, poll_interval: float, signal: StopSignal | None = None):
        self.name = name
        self.poll_interval = poll_interval
        self.signal = signal or StopSignal()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name=f"civicdesk-poll-{self.name}",
                                        daemon=True)
        self._thread.start()

    def stop(self, timeout: float = DEFAULT_STOP_TIMEOUT) -> None:
        if not self.signal.is_set():
            self.signal.set(time.monotonic() + timeout)
        self.join()

    def join(self) -> None:
        if self._thread is None:
            return
        deadline = self.signal.deadline or time.monotonic()
        # A second more than the timeout: an invocation that started in time may finish.
        self._thread.join(timeout=max(0.0, deadline - time.monotonic()) + 1)
        if self._thread.is_alive():
            log.warning("%s: still invoking its function; stopping without waiting", self.name)

    def _run(self) -> None:
        failures = 0
        while not self.signal.is_set():
            try:
                busy = self.poll_once()
                failures = 0
            except Exception:  # noqa: BLE001 - the poller must survive anything
                failures += 1
                if failures in (1, 10) or failures % 100 == 0:
                    log.exception("%s: polling failed (%d time(s) in a row); trying again",
                                  self.name, failures)
                self.signal.wait(1.0)
                continue
            if not busy:
                self.signal.wait(self.idle_wait())
        try:
            self.finish()
        except Exception:  # noqa: BLE001 - stopping anyway
            log.exception("%s: could not deliver what was pending at stop", self.name)

    @abstractmethod
    def poll_once(self) -> bool:
        """One read and whatever delivery is due; ``True`` to read again at once."""

    def idle_wait(self) -> float:
        """Seconds to wait before the next read when ``poll_once`` said there is no hurry."""
        return self.poll_interval

    def finish(self) -> None:
        """Deliver what is pending before the thread ends (bounded by ``stop``'s timeout)."""


class StreamPoller(_Worker):
    """One shard of one stream mapping: reads, filters, gathers batches and hands them to the
    ``StreamBatchProcessor``, one at a time, so the shard's records stay in order."""

    def __init__(self, mapping: StreamMapping, reader: ShardReader,
                 processor: StreamBatchProcessor, *, stream_arn: str, region: str,
                 poll_interval: float = POLL_INTERVAL, signal: StopSignal | None = None,
                 clock: Callable[[], float] = time.monotonic):
        super().__init__(f"{mapping.name}-{reader.shard_id[-8:]}", poll_interval, signal)
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
            if abandoned:
                return abandoned + self._drop_buffer()
            # "The next window begins as soon as the previous invocation completes."
            self._window_opened = self._clock() if self._buffer else None
        return []

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


class SqsQueuePoller(_Worker):
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
        wanted = [r for r, match in zip(records, matching) if match]
        done = [r for r, match in zip(records, matching) if not match]
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
                self._after_write()
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

    def _after_write(self) -> None:
        try:
            self._after_invoke()
        except Exception:  # noqa: BLE001 - the periodic snapshot will try again
            log.exception("state: snapshot after a queue invocation failed")


# -- the edges: moto's streams and queues ------------------------------------------------------

class DynamoDBShardReader:
    """``GetRecords`` on one shard, from the position the shard had when the reader was made
    (``LATEST``: see the module's docstring for why).

    moto keeps every shard iterator it ever handed out (each ``GetRecords`` answer makes a
    new one, even an empty answer), which at ten reads a second would grow without end; the
    reader tells ``forget`` about each iterator once it has been used (AWS expires them), and
    ``MotoStreamHousekeeping`` trims the records before it.
    """

    def __init__(self, client: Any, stream_arn: str, shard_id: str,
                 forget: Callable[[str], None] = lambda iterator: None):
        self.shard_id = shard_id
        self._client = client
        self._stream_arn = stream_arn
        self._forget = forget
        self.last_sequence_number: str | None = None
        self._iterator: str | None = self._open("LATEST")

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


class MotoStreamHousekeeping:
    """``forget`` callbacks for the ``DynamoDBShardReader`` s of one stream, doing what AWS does
    by itself to moto's streams backend, which runs in this process (the runtime's server, or
    ``mock_aws`` in tests):

    * a used shard iterator is dropped (moto keeps every one it handed out);
    * the stream records every reader of the stream is past are dropped from the shard, and its
      starting sequence number moves on (the trim horizon). moto keeps every record of a stream
      forever, starting with one per item the state restore wrote, and deep-copies them all
      with the table on every ``TransactWriteItems``: without this, each change would cost
      more than the one before.

    Trimming waits until every reader made a read (``forgetter`` registers one), so no reader
    loses a record; it holds ``aws.DYNAMODB_LOCK``, as moto's DynamoDB requests do. moto's
    tables have one shard, which never splits, so the readers of a stream read the same shard.
    """

    def __init__(self, stream_arn: str):
        _, _, _, self._region, self._account, _ = stream_arn.split(":", 5)
        self._positions: list[int | None] = []
        self._lock = threading.Lock()

    def forgetter(self) -> Callable[[str], None]:
        """The ``forget`` of one more reader of the stream."""
        with self._lock:
            slot = len(self._positions)
            self._positions.append(None)
        return lambda iterator: self._forget(slot, iterator)

    def _forget(self, slot: int, iterator: str) -> None:
        try:
            from moto.dynamodbstreams.models import dynamodbstreams_backends

            used = dynamodbstreams_backends[self._account][self._region].shard_iterators.pop(
                iterator, None)
            if used is None:
                return
            with self._lock:
                # Everything before the used iterator's position has been read by this reader.
                self._positions[slot] = int(used.sequence_number)
                if any(position is None for position in self._positions):
                    return
                horizon = min(self._positions)  # type: ignore[type-var]
            self._trim(used.stream_shard, horizon)
        except Exception:  # noqa: BLE001 - housekeeping only
            log.debug("stream housekeeping failed", exc_info=True)

    @staticmethod
    def _trim(shard: Any, horizon: int) -> None:
        from infra.local.aws import DYNAMODB_LOCK

        with DYNAMODB_LOCK:
            consumed = horizon - int(shard.starting_sequence_number)
            if consumed > 0:
                del shard.items[:consumed]
                shard.starting_sequence_number += consumed


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


def _check_queue(mapping: QueueMapping, attributes: dict, function: Any) -> None:
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
    workers: list[_Worker] = field(default_factory=list)

    @classmethod
    def open(cls, template: Template, tables: dict[str, str], queues: dict[str, str], *,
             region: str, retry_delays: tuple[float, ...] = LOCAL_RETRY_DELAYS,
             poll_interval: float = POLL_INTERVAL,
             queue_retry_delays: tuple[float, ...] | None = None,
             wait_time_seconds: int = LONG_POLL_SECONDS) -> "EventSources":
        """Resolve every mapping (``tables``/``queues``: logical id -> name/URL, as
        ``aws.Resources``) and take the streams' starting positions now.

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
                readers = [DynamoDBShardReader(streams, stream_arn, shard, keeper.forgetter())
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
                _check_queue(mapping, attributes, template.functions().get(spec.function))
                sources.queues.append(_OpenQueue(mapping, attributes["QueueArn"]))
        return sources

    def start(self, functions: dict[str, Any], *, function_arn: Callable[[str], str],
              after_invoke: Callable[[], None] = lambda: None) -> None:
        """One thread per shard and per queue, invoking ``functions`` (logical id ->
        ``LocalFunction``)."""
        for source in [*self.streams, *self.queues]:
            if source.mapping.function not in functions:
                raise StartupError(f"template.yaml: {source.mapping.name} invokes a function "
                                   f"that was not loaded")
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
                    region=self.region, poll_interval=self.poll_interval, signal=signal))
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
        pollers keep going until the queues are empty (or the time is up), then stop. Queues
        are not kept in the state directory: what is left in them at the end is lost, and said.
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
                log.warning("%s: %d message(s) left in %s at stop; queues are not kept in the "
                            "state directory", queue.mapping.name, left, queue.mapping.queue)

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
