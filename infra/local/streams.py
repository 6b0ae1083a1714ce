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
* **Queues** (``QueueMapping``): ``ReceiveMessage``, the batch invoked, then only the messages
  that succeeded deleted. A failed message becomes visible again after the queue's visibility
  timeout and, after the queue's ``maxReceiveCount``, moto moves it to the queue's dead-letter
  queue (its ``RedrivePolicy``), as SQS does: Lambda's SQS mappings have no retry settings.
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
stops are flushed by ``stop`` (within its timeout); whatever is still pending after that is
logged, not replayed at the next start.

Invocations go through ``LocalFunction.invoke``, so they are serialised with the API's
invocations of the same function; after each one the runtime saves a snapshot if the function
changed data (``after_invoke``), as for asynchronous invocations.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
import base64
import json
import logging
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

#: Seconds between two reads of an idle shard or queue. A change reaches its function within
#: this plus the mapping's batching window.
POLL_INTERVAL = 0.2
#: ``GetRecords`` returns at most 1000 records; a full page is followed by another read at once.
MAX_GET_RECORDS = 1000
#: ``ReceiveMessage`` and ``DeleteMessageBatch`` take at most 10 messages.
MAX_SQS_MESSAGES = 10
#: Lambda's defaults (CreateEventSourceMapping).
DEFAULT_STREAM_BATCH_SIZE = 100
DEFAULT_SQS_BATCH_SIZE = 10
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
    (visibility timeout, ``RedrivePolicy``), not the mapping's."""

    function: str
    event: str
    queue: str
    queue_url: str
    batch_size: int = DEFAULT_SQS_BATCH_SIZE
    batching_window: float = 0.0
    report_item_failures: bool = False
    filters: tuple[dict, ...] = ()
    enabled: bool = True

    @property
    def name(self) -> str:
        return f"{self.function}.{self.event}"


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


def queue_mapping(spec: EventSourceSpec, queues: dict[str, str]) -> QueueMapping:
    """The mapping of a ``Type: SQS`` event, its queue resolved to the provisioned URL."""
    props = spec.properties
    where = f"template.yaml: {spec.function}.{spec.event}"
    if spec.source not in queues:
        raise StartupError(f"{where}: Queue must be !GetAtt <Queue>.Arn of a queue of the "
                           f"template (got {props.get('Queue')!r})")
    try:
        filters = compile_filter_criteria(props.get("FilterCriteria"))
    except FilterPatternError as error:
        raise StartupError(f"{where}: FilterCriteria: {error}") from None
    return QueueMapping(
        spec.function, spec.event, spec.source, queues[spec.source],
        batch_size=int(props.get("BatchSize", DEFAULT_SQS_BATCH_SIZE)),
        batching_window=float(props.get("MaximumBatchingWindowInSeconds", 0)),
        report_item_failures=REPORT_BATCH_ITEM_FAILURES in (props.get("FunctionResponseTypes")
                                                            or ()),
        filters=filters, enabled=bool(props.get("Enabled", True)))


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
                self.signal.wait(self.poll_interval)
        try:
            self.finish()
        except Exception:  # noqa: BLE001 - stopping anyway
            log.exception("%s: could not deliver what was pending at stop", self.name)

    @abstractmethod
    def poll_once(self) -> bool:
        """One read and whatever delivery is due; ``True`` to read again at once."""

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

    Failed messages are not touched: they come back after the queue's visibility timeout and
    SQS (moto) moves them to the dead-letter queue after its ``maxReceiveCount``.
    """

    def __init__(self, mapping: QueueMapping, client: Any, *, invoke: Callable[[dict, str], Any],
                 queue_arn: str, region: str, after_invoke: Callable[[], None] = lambda: None,
                 poll_interval: float = POLL_INTERVAL, signal: StopSignal | None = None,
                 clock: Callable[[], float] = time.monotonic):
        super().__init__(mapping.name, poll_interval, signal)
        self.mapping = mapping
        self._client = client
        self._invoke = invoke
        self._queue_arn = queue_arn
        self._region = region
        self._after_invoke = after_invoke
        self._clock = clock

    def receive(self) -> list[dict]:
        """A batch: up to ``BatchSize`` messages, gathered for up to the batching window once
        the first one arrived."""
        messages: list[dict] = []
        window_closes = None
        while len(messages) < self.mapping.batch_size:
            answer = self._client.receive_message(
                QueueUrl=self.mapping.queue_url, WaitTimeSeconds=0,
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
        self._delete(done)

    def poll_once(self) -> bool:
        messages = self.receive()
        if messages:
            self.process(messages)
        return len(messages) >= self.mapping.batch_size

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
    new one, even an empty answer), which at five reads a second would grow without end; the
    reader tells ``forget`` about each iterator once it has been used (AWS expires them).
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


def moto_iterator_pruner(stream_arn: str) -> Callable[[str], None]:
    """``forget`` for ``DynamoDBShardReader``: drop a used iterator from moto's streams backend,
    which runs in this process (the runtime's server, or ``mock_aws`` in tests)."""
    try:
        from moto.dynamodbstreams.models import dynamodbstreams_backends
    except ImportError:  # pragma: no cover - moto is a dependency of the local runtime
        return lambda iterator: None
    _, _, _, region, account, _ = stream_arn.split(":", 5)

    def forget(iterator: str) -> None:
        try:
            dynamodbstreams_backends[account][region].shard_iterators.pop(iterator, None)
        except Exception:  # noqa: BLE001 - housekeeping only
            pass

    return forget


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
    workers: list[_Worker] = field(default_factory=list)

    @classmethod
    def open(cls, template: Template, tables: dict[str, str], queues: dict[str, str], *,
             region: str, retry_delays: tuple[float, ...] = LOCAL_RETRY_DELAYS,
             poll_interval: float = POLL_INTERVAL) -> "EventSources":
        """Resolve every mapping (``tables``/``queues``: logical id -> name/URL, as
        ``aws.Resources``) and take the streams' starting positions now."""
        specs = template.event_sources()
        sources = cls(region=region, poll_interval=poll_interval)
        if not specs:
            return sources
        dynamodb = _quick_client("dynamodb", region)
        streams = _quick_client("dynamodbstreams", region)
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
                forget = moto_iterator_pruner(stream_arn)
                readers = [DynamoDBShardReader(streams, stream_arn, shard, forget)
                           for shard in stream_shards(streams, stream_arn)]
                sources.streams.append(_OpenStream(mapping, stream_arn, readers))
            else:
                mapping = queue_mapping(spec, queues)
                if not mapping.enabled:
                    log.info("%s is disabled (Enabled: false)", mapping.name)
                    continue
                attributes = sources.sqs.get_queue_attributes(QueueUrl=mapping.queue_url,
                                                              AttributeNames=["QueueArn"])
                queue_arn = attributes["Attributes"]["QueueArn"]
                sources.queues.append(_OpenQueue(mapping, queue_arn))
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
                poll_interval=self.poll_interval))
        for worker in self.workers:
            worker.start()
        for line in self.describe():
            log.info("%s", line)

    def stop(self, timeout: float = DEFAULT_STOP_TIMEOUT) -> None:
        """Deliver what was already written (within ``timeout``), then stop every poller."""
        deadline = time.monotonic() + timeout
        for worker in self.workers:  # all at once: they share the timeout
            worker.signal.set(deadline)
        for worker in self.workers:
            worker.join()
        self.workers = []

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
            lines.append(f"{m.name}: queue {m.queue} -> {m.function} (batch {m.batch_size}, "
                         f"window {m.batching_window:g} s, {len(m.filters)} filter(s))")
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
