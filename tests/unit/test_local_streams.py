"""The local runtime's event source mappings (``infra.local.streams``): Lambda's event filter
patterns, the batches and failure handling of a stream mapping, queue mappings, and the whole
path from a write to a table with a stream to the subscribed handler.

The pure parts run against fakes (a list of records, a function that fails on cue, a fake
clock); the functional tests use moto in-process (``mock_aws``) with the cases table and the
``TimelineInserts`` mapping exactly as ``template.yaml`` declares them, and zero retry delays.
"""

from __future__ import annotations

import json
import threading
import time

import boto3
import pytest
from aws_lambda_powertools.utilities.parser.models import (
    DynamoDBStreamLambdaOnFailureDestinationModel, DynamoDBStreamModel, SqsModel)
from moto import mock_aws

from infra.local import streams
from infra.local.aws import StartupError
from infra.local.lambdas import LocalFunction
from infra.local.streams import (EventSources, FilterPatternError, QueueMapping, SqsQueuePoller,
                                 StopSignal, StreamBatchProcessor, StreamMapping, StreamPoller,
                                 compile_filter_criteria, failed_items, matches_any,
                                 pattern_matches, queue_mapping, stream_mapping)
from infra.local.template import EventSourceSpec, Template, _Tag

REGION = "eu-central-1"
STREAM_ARN = "arn:aws:dynamodb:eu-central-1:123456789012:table/cases/stream/2026-11-21T00:00:00"
FUNCTION_ARN = "arn:aws:lambda:eu-central-1:123456789012:function:civicdesk-local-Publish"
SHARD = "shardId-00000001541626099285-f35f62ef"
#: The pattern of PublishEventsFunction.TimelineInserts in template.yaml.
TIMELINE_PATTERN = {"eventName": ["INSERT"],
                    "dynamodb": {"NewImage": {"entity": {"S": ["event"]}}}}


def template_mapping() -> EventSourceSpec:
    """``PublishEventsFunction.TimelineInserts`` as template.yaml declares it."""
    [spec] = [s for s in Template().event_sources()
              if (s.function, s.event) == ("PublishEventsFunction", "TimelineInserts")]
    return spec


# -- filter patterns --------------------------------------------------------------------------

def stream_record(sequence: int, event_name: str = "INSERT", entity: str = "event",
                  created: float | None = None, **new_image: dict) -> dict:
    """A record as the function receives it (``lambda_stream_record``'s output)."""
    image = {"PK": {"S": "CASE#2026-000001"}, "SK": {"S": f"EVENT#{sequence:05d}"},
             "entity": {"S": entity}, **new_image}
    dynamodb = {"ApproximateCreationDateTime": int(created if created is not None
                                                   else time.time()),
                "Keys": {"PK": image["PK"], "SK": image["SK"]}, "NewImage": image,
                "SequenceNumber": str(1000 + sequence), "SizeBytes": 100,
                "StreamViewType": "NEW_AND_OLD_IMAGES"}
    if event_name == "MODIFY":
        dynamodb["OldImage"] = dict(image)
    return {"eventID": f"e{sequence}", "eventName": event_name, "eventVersion": "1.1",
            "eventSource": "aws:dynamodb", "awsRegion": REGION, "dynamodb": dynamodb,
            "eventSourceARN": STREAM_ARN}


def test_the_template_pattern_lets_only_timeline_inserts_through():
    # GIVEN the pattern template.yaml gives the events publisher
    [pattern] = compile_filter_criteria(template_mapping().properties["FilterCriteria"])
    assert pattern == TIMELINE_PATTERN

    # THEN a timeline entry's INSERT matches; its MODIFY, another entity, a REMOVE do not
    assert pattern_matches(pattern, stream_record(1))
    assert not pattern_matches(pattern, stream_record(1, "MODIFY"))
    assert not pattern_matches(pattern, stream_record(1, entity="case"))
    removed = stream_record(1, "REMOVE")
    del removed["dynamodb"]["NewImage"]
    assert not pattern_matches(pattern, removed)


@pytest.mark.parametrize("rule, value, expected", [
    # exact values: a list is OR; JSON types are distinct
    (["INSERT", "MODIFY"], "MODIFY", True),
    (["INSERT"], "insert", False),
    ([5], 5.0, True),
    (["5"], 5, False),
    ([True], 1, False),
    ([None], None, True),
    ([None], "", False),
    # an array in the document matches when one element does
    (["b"], ["a", "b"], True),
    (["c"], ["a", "b"], False),
    # prefix, suffix, equals-ignore-case: strings only
    ([{"prefix": "CASE#"}], "CASE#2026-1", True),
    ([{"prefix": "CASE#"}], "EVENT#1", False),
    ([{"prefix": "1"}], 12, False),
    ([{"suffix": ".pdf"}], "a.pdf", True),
    ([{"equals-ignore-case": "Open"}], "OPEN", True),
    # anything-but: a value, a list, a prefix
    ([{"anything-but": "closed"}], "open", True),
    ([{"anything-but": ["closed", "rejected"]}], "rejected", False),
    ([{"anything-but": {"prefix": "CONFIG"}}], "CASE#1", True),
    ([{"anything-but": {"prefix": "CONFIG"}}], "CONFIG", False),
    # numeric ranges, on JSON numbers only (DynamoDB's N values are strings)
    ([{"numeric": [">", 0, "<=", 5]}], 5, True),
    ([{"numeric": [">", 0, "<=", 5]}], 0, False),
    ([{"numeric": ["=", 3]}], "3", False),
    # exists
    ([{"exists": True}], "anything", True),
    ([{"exists": False}], "anything", False),
    # a mix: one matcher is enough
    ([{"prefix": "x"}, "open"], "open", True),
])
def test_pattern_leaf_matchers(rule, value, expected):
    assert pattern_matches({"field": rule}, {"field": value}) is expected


def test_missing_fields_match_only_exists_false_and_nested_objects_must_be_objects():
    assert pattern_matches({"field": [{"exists": False}]}, {})
    assert not pattern_matches({"field": [{"exists": True}]}, {})
    assert not pattern_matches({"field": [{"anything-but": "x"}]}, {})
    assert not pattern_matches({"field": ["x"]}, {"other": "x"})
    # a nested pattern against a scalar: its fields are all missing
    assert not pattern_matches({"a": {"b": ["x"]}}, {"a": "x"})
    assert pattern_matches({"a": {"b": [{"exists": False}]}}, {"a": "x"})
    # several keys: all must match
    assert not pattern_matches({"a": ["1"], "b": ["2"]}, {"a": "1", "b": "3"})


def test_filters_are_ored_and_no_filter_lets_everything_through():
    patterns = compile_filter_criteria({"Filters": [{"Pattern": '{"a": ["1"]}'},
                                                    {"Pattern": '{"b": ["2"]}'}]})
    assert matches_any(patterns, {"b": "2"})
    assert not matches_any(patterns, {"a": "2", "b": "1"})
    assert matches_any((), {"anything": 1})


@pytest.mark.parametrize("pattern, message", [
    ('{"a": ', "not JSON"),
    ('["INSERT"]', "non-empty JSON object"),
    ('{}', "non-empty JSON object"),
    ('{"a": "x"}', "expected a list or an object"),
    ('{"a": []}', "expected a list or an object"),
    ('{"a": [{"wildcard": "*.pdf"}]}', "'wildcard' is not emulated locally"),
    ('{"a": [{"prefix": 1}]}', "invalid 'prefix'"),
    ('{"a": [{"numeric": [">", "1"]}]}', "invalid 'numeric'"),
    ('{"a": [{"numeric": ["~", 1]}]}', "invalid 'numeric'"),
    ('{"a": [{"prefix": "x", "suffix": "y"}]}', "neither a value nor one operator"),
    ('{"a": [{"anything-but": []}]}', "invalid 'anything-but'"),
    ('{"a": {"b": [{"exists": "yes"}]}}', "a.b: invalid 'exists'"),
])
def test_invalid_or_unsupported_patterns_are_refused(pattern, message):
    with pytest.raises(FilterPatternError, match=message):
        compile_filter_criteria({"Filters": [{"Pattern": pattern}]})


@pytest.mark.parametrize("response, expected", [
    (None, []),
    ({}, []),
    ({"batchItemFailures": None}, []),
    ({"batchItemFailures": []}, []),
    ({"batchItemFailures": [{"itemIdentifier": "1003"}, {"itemIdentifier": "1002"}]}, [1, 2]),
    # an identifier that is empty, missing, misspelt or not in the batch fails everything
    ({"batchItemFailures": [{"itemIdentifier": ""}]}, [0, 1, 2]),
    ({"batchItemFailures": [{"itemIdentifier": None}]}, [0, 1, 2]),
    ({"batchItemFailures": [{"itemId": "1002"}]}, [0, 1, 2]),
    ({"batchItemFailures": [{"itemIdentifier": "9999"}]}, [0, 1, 2]),
])
def test_batch_item_failures_are_read_as_lambda_reads_them(response, expected):
    assert failed_items(["1001", "1002", "1003"], response, enabled=True) == expected
    assert failed_items(["1001", "1002", "1003"], response, enabled=False) == []


def test_the_modules_examples_hold():
    import doctest

    assert doctest.testmod(streams).failed == 0


# -- the mapping as template.yaml configures it ------------------------------------------------

def test_the_template_mapping_is_read_with_its_destination_resolved():
    mapping = stream_mapping(template_mapping(), {"EventsDeadLetterQueue": "http://q/dlq"},
                             retry_delays=(0.1,))

    assert mapping.table == "CasesTable"
    assert (mapping.batch_size, mapping.batching_window) == (100, 0.0)
    assert mapping.bisect and mapping.report_item_failures
    assert (mapping.maximum_retry_attempts, mapping.maximum_record_age) == (5, 86400)
    assert mapping.on_failure_queue_url == "http://q/dlq"
    assert mapping.filters == (TIMELINE_PATTERN,)
    assert mapping.delay_before(1) == mapping.delay_before(5) == 0.1


def test_lambda_defaults_apply_and_what_cannot_be_emulated_stops_the_start():
    spec = EventSourceSpec("F", "E", "DynamoDB", {"Stream": _Tag("GetAtt", "T.StreamArn")})
    mapping = stream_mapping(spec, {})
    assert (mapping.batch_size, mapping.batching_window, mapping.bisect) == (100, 0.0, False)
    assert mapping.maximum_retry_attempts == streams.INFINITE
    assert not mapping.report_item_failures and mapping.on_failure_queue_url is None

    literal = EventSourceSpec("F", "E", "DynamoDB", {"Stream": "arn:aws:dynamodb:...:stream/x"})
    with pytest.raises(StartupError, match="F.E: Stream must be"):
        stream_mapping(literal, {})
    bad_filter = EventSourceSpec("F", "E", "DynamoDB", {
        "Stream": _Tag("GetAtt", "T.StreamArn"),
        "FilterCriteria": {"Filters": [{"Pattern": '{"a": [{"cidr": "10.0.0.0/8"}]}'}]}})
    with pytest.raises(StartupError, match="F.E: FilterCriteria: .*'cidr'"):
        stream_mapping(bad_filter, {})
    queue = EventSourceSpec("F", "Q", "SQS", {"Queue": _Tag("GetAtt", "Jobs.Arn")})
    assert queue_mapping(queue, {"Jobs": "http://q/jobs"}).batch_size == 10
    with pytest.raises(StartupError, match="F.Q: Queue must be"):
        queue_mapping(queue, {})


# -- delivering batches: retries, partial failures, bisection, on-failure --------------------

class FakeFunction:
    """Records each batch it gets (as sequence numbers); ``behave(sequences)`` decides: return
    a response, or raise."""

    def __init__(self, behave=lambda sequences: None):
        self.behave = behave
        self.batches: list[list[str]] = []
        self.request_ids: list[str] = []

    def invoke(self, event: dict, request_id: str):
        sequences = [r["dynamodb"]["SequenceNumber"] for r in event["Records"]]
        self.batches.append(sequences)
        self.request_ids.append(request_id)
        return self.behave(sequences)


def poison(*bad: str):
    """A handler that raises whenever its batch holds one of ``bad``."""
    def behave(sequences):
        if set(bad) & set(sequences):
            raise ValueError(f"cannot publish {sorted(set(bad) & set(sequences))}")
    return behave


def report(*bad: str):
    """A handler that reports ``bad`` in ``batchItemFailures`` (the Powertools way)."""
    def behave(sequences):
        return {"batchItemFailures": [{"itemIdentifier": s} for s in sequences if s in bad]}
    return behave


def processor(function: FakeFunction, **options) -> tuple[StreamBatchProcessor, list, list]:
    sent: list[dict] = []
    waits: list[float] = []
    defaults = dict(function="Publish", event="Inserts", table="Cases", retry_delays=(0.5, 1.0))
    mapping = StreamMapping(**{**defaults, **options})
    return StreamBatchProcessor(
        mapping, invoke=function.invoke, send_failure=sent.append, function_arn=FUNCTION_ARN,
        stream_arn=STREAM_ARN, shard_id=SHARD,
        wait=lambda seconds: (waits.append(seconds), True)[1]), sent, waits


def records(count: int, **options) -> list[dict]:
    return [stream_record(i, **options) for i in range(1, count + 1)]


def seq(*numbers: int) -> list[str]:
    return [str(1000 + n) for n in numbers]


def test_a_successful_batch_is_delivered_once():
    function = FakeFunction()
    deliver, sent, waits = processor(function)

    assert deliver.process(records(3)) == []

    assert function.batches == [seq(1, 2, 3)]
    assert sent == [] and waits == []


def test_reported_item_failures_resume_after_the_records_that_succeeded():
    # GIVEN a handler that reports record 3 failed the first time only
    failures = {"1003": 1}

    def behave(sequences):
        failed = [s for s in sequences if failures.get(s, 0) > 0]
        for s in failed:
            failures[s] -= 1
        return {"batchItemFailures": [{"itemIdentifier": s} for s in failed]}

    function = FakeFunction(behave)
    deliver, sent, waits = processor(function, report_item_failures=True)

    # WHEN a batch of five is delivered
    deliver.process(records(5))

    # THEN records 1-2 are not sent again: the retry starts at the failed record
    assert function.batches == [seq(1, 2, 3, 4, 5), seq(3, 4, 5)]
    assert waits == [0.5] and sent == []


def test_without_report_batch_item_failures_the_response_is_ignored():
    function = FakeFunction(report("1002"))
    deliver, sent, _ = processor(function, report_item_failures=False)

    deliver.process(records(3))

    assert function.batches == [seq(1, 2, 3)] and sent == []


def test_a_poison_record_is_isolated_by_bisection_retried_and_sent_to_the_destination():
    # GIVEN a handler that always fails on record 3 of 8, a mapping as the template's
    function = FakeFunction(poison("1003"))
    deliver, sent, waits = processor(function, bisect=True, maximum_retry_attempts=2,
                                     on_failure_queue_url="http://q/dlq")

    # WHEN the batch is delivered
    assert deliver.process(records(8)) == []

    # THEN the batch is halved until record 3 is alone (no retry counted for a split), that
    # record is retried twice, then given up; every other record is delivered once, in order
    assert function.batches == [seq(1, 2, 3, 4, 5, 6, 7, 8), seq(1, 2, 3, 4), seq(1, 2),
                                seq(3, 4), seq(3), seq(3), seq(3), seq(4), seq(5, 6, 7, 8)]
    assert waits == [0.5, 1.0]
    # AND the destination gets the poison record's location, in Lambda's format
    [failure] = sent
    DynamoDBStreamLambdaOnFailureDestinationModel.model_validate(failure)
    assert failure["requestContext"]["condition"] == "RetryAttemptsExhausted"
    assert failure["requestContext"]["functionArn"] == FUNCTION_ARN
    assert failure["requestContext"]["requestId"] == function.request_ids[6]
    assert failure["requestContext"]["approximateInvokeCount"] == 6
    assert failure["responseContext"] == {"statusCode": 200, "executedVersion": "$LATEST",
                                          "functionError": "Unhandled"}
    info = failure["DDBStreamBatchInfo"]
    assert (info["startSequenceNumber"], info["endSequenceNumber"]) == ("1003", "1003")
    assert info["batchSize"] == 1
    assert (info["shardId"], info["streamArn"]) == (SHARD, STREAM_ARN)
    assert info["approximateArrivalOfFirstRecord"].endswith("Z")


def test_a_reported_poison_record_is_bisected_down_to_itself():
    # GIVEN a handler that reports record 2 failed every time (it catches its own errors)
    function = FakeFunction(report("1002"))
    deliver, sent, _ = processor(function, bisect=True, report_item_failures=True,
                                 maximum_retry_attempts=1)

    deliver.process(records(4))

    # THEN record 1 is done at once; [2,3,4] fails at its first record, so it is halved down
    # to record 2, whose first failure counted: alone, it has its one retry, then is given up
    assert function.batches == [seq(1, 2, 3, 4), seq(2, 3, 4), seq(2, 3), seq(2), seq(3),
                                seq(4)]
    [failure] = sent
    assert failure["DDBStreamBatchInfo"]["startSequenceNumber"] == "1002"
    assert "functionError" not in failure["responseContext"]


def test_without_bisection_the_whole_batch_is_retried_then_given_up_and_the_shard_moves_on():
    function = FakeFunction(poison("1002"))
    deliver, sent, waits = processor(function, maximum_retry_attempts=3)

    deliver.process(records(3))
    deliver.process([stream_record(4)])

    assert function.batches == [seq(1, 2, 3)] * 4 + [seq(4)]
    assert waits == [0.5, 1.0, 1.0]
    [failure] = sent
    info = failure["DDBStreamBatchInfo"]
    assert (info["startSequenceNumber"], info["endSequenceNumber"], info["batchSize"]) == \
        ("1001", "1003", 3)
    assert failure["requestContext"]["approximateInvokeCount"] == 4


def test_an_invalid_item_identifier_fails_the_whole_batch():
    function = FakeFunction(lambda sequences: {"batchItemFailures": [{"itemIdentifier": ""}]})
    deliver, sent, _ = processor(function, report_item_failures=True,
                                 maximum_retry_attempts=0)

    deliver.process(records(2))

    assert function.batches == [seq(1, 2)]
    assert sent[0]["DDBStreamBatchInfo"]["batchSize"] == 2


def test_a_response_that_is_not_json_is_a_function_error():
    function = FakeFunction(lambda sequences: {"batchItemFailures": object()})
    deliver, sent, _ = processor(function, maximum_retry_attempts=0)

    deliver.process(records(1))

    assert sent[0]["responseContext"]["functionError"] == "Unhandled"


def test_records_older_than_the_maximum_age_are_given_up_without_an_invocation():
    now = time.time()
    function = FakeFunction()
    deliver, sent, _ = processor(function, maximum_record_age=60)
    old = [stream_record(1, created=now - 120), stream_record(2, created=now - 61)]

    deliver.process(old + [stream_record(3, created=now)])

    assert function.batches == [seq(3)]
    [failure] = sent
    assert failure["requestContext"]["condition"] == "RecordAgeExceeded"
    assert failure["requestContext"]["approximateInvokeCount"] == 0
    assert failure["DDBStreamBatchInfo"]["batchSize"] == 2


def test_when_stopping_the_records_not_yet_delivered_are_returned():
    function = FakeFunction(poison("1002"))
    sent: list[dict] = []
    deliver = StreamBatchProcessor(
        StreamMapping("Publish", "Inserts", "Cases", bisect=True),
        invoke=function.invoke, send_failure=sent.append, function_arn=FUNCTION_ARN,
        stream_arn=STREAM_ARN, shard_id=SHARD, wait=lambda seconds: False)

    abandoned = deliver.process(records(4))

    assert [r["dynamodb"]["SequenceNumber"] for r in abandoned] == seq(2, 3, 4)
    assert sent == []


def test_each_invocation_is_followed_by_after_invoke_even_when_it_fails():
    calls = []
    function = FakeFunction(poison("1001"))
    deliver = StreamBatchProcessor(
        StreamMapping("Publish", "Inserts", "Cases", maximum_retry_attempts=1),
        invoke=function.invoke, send_failure=lambda record: None, function_arn=FUNCTION_ARN,
        stream_arn=STREAM_ARN, shard_id=SHARD, wait=lambda seconds: True,
        after_invoke=lambda: calls.append(len(function.batches)))

    deliver.process(records(1))

    assert calls == [1, 2]


# -- polling: filtering, batch size, batching window, order ----------------------------------

class FakeShard:
    """A shard whose records are appended by the test; ``read`` returns what is new."""

    shard_id = SHARD

    def __init__(self):
        self.raw: list[dict] = []
        self.position = 0

    def write(self, *items: dict) -> None:
        for item in items:
            raw = json.loads(json.dumps(item))
            raw["dynamodb"]["SequenceNumber"] = str(1000 + len(self.raw) + 1)
            raw["eventVersion"], raw["awsRegion"] = "1.0", "us-east-1"
            del raw["eventSourceARN"]
            self.raw.append(raw)

    def read(self, limit: int) -> list[dict]:
        new = self.raw[self.position:self.position + limit]
        self.position += len(new)
        return new


class FakeClock:
    def __init__(self):
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def poller(function: FakeFunction, shard: FakeShard, clock: FakeClock, **options):
    mapping = StreamMapping(**{**dict(function="Publish", event="Inserts", table="Cases",
                                      retry_delays=(0,)), **options})
    deliver = StreamBatchProcessor(mapping, invoke=function.invoke,
                                   send_failure=lambda record: None, function_arn=FUNCTION_ARN,
                                   stream_arn=STREAM_ARN, shard_id=SHARD,
                                   wait=lambda seconds: True)
    return StreamPoller(mapping, shard, deliver, stream_arn=STREAM_ARN, region=REGION,
                        clock=clock)


def test_the_poller_drops_filtered_records_and_builds_lambdas_event():
    # GIVEN the template's filter, and a shard with a case change between two timeline entries
    function, shard, clock = FakeFunction(), FakeShard(), FakeClock()
    events: list[dict] = []
    function.behave = lambda sequences: None
    original = function.invoke
    function.invoke = lambda event, request_id: (events.append(event),
                                                 original(event, request_id))[1]
    poll = poller(function, shard, clock, filters=(TIMELINE_PATTERN,))
    shard.write(stream_record(1), stream_record(2, "MODIFY", entity="case"), stream_record(3))

    # WHEN it polls
    poll.poll_once()

    # THEN one invocation, with the two timeline entries, shaped as Lambda's event
    assert function.batches == [["1001", "1003"]]
    assert poll.filtered_out == 1 and poll.delivered == 2
    DynamoDBStreamModel.model_validate(events[0])
    record = events[0]["Records"][0]
    assert (record["eventVersion"], record["awsRegion"], record["eventSourceARN"]) == \
        ("1.1", REGION, STREAM_ARN)


def test_the_batching_window_and_the_batch_size_decide_when_to_invoke():
    function, shard, clock = FakeFunction(), FakeShard(), FakeClock()
    poll = poller(function, shard, clock, batch_size=3, batching_window=1.0)

    # A record waits for the window...
    shard.write(stream_record(1))
    poll.poll_once()
    clock.now += 0.5
    shard.write(stream_record(2))
    poll.poll_once()
    assert function.batches == []
    # ... which closes one second after the first record arrived
    clock.now += 0.5
    poll.poll_once()
    assert function.batches == [seq(1, 2)]
    # A full batch goes at once, in batches of BatchSize, in order; the rest waits
    shard.write(*(stream_record(n) for n in range(3, 10)))
    poll.poll_once()
    assert function.batches[1:] == [seq(3, 4, 5), seq(6, 7, 8)]
    # At stop, what is left is delivered without waiting for the window
    poll.finish()
    assert function.batches[3:] == [seq(9)]


def test_the_poller_survives_a_failing_read_and_stops_promptly():
    function, shard = FakeFunction(), FakeShard()
    failures = [RuntimeError("connection refused")]

    def read(limit):
        if failures:
            raise failures.pop()
        return FakeShard.read(shard, limit)

    shard.read = read
    poll = poller(function, shard, time.monotonic)
    poll.poll_interval = 0.01
    shard.write(stream_record(1))
    poll.start()
    deadline = time.monotonic() + 5
    while not function.batches and time.monotonic() < deadline:
        time.sleep(0.05)
    started = time.monotonic()
    poll.stop(timeout=2)

    assert function.batches == [seq(1)]
    assert time.monotonic() - started < 1


def test_a_stop_does_not_sit_out_a_retry_delay_longer_than_its_timeout():
    signal = StopSignal()
    threading.Timer(0.05, lambda: signal.set(time.monotonic() + 0.2)).start()
    started = time.monotonic()

    assert signal.pause(30) is False
    assert time.monotonic() - started < 1
    # a delay that fits before the deadline is still waited
    signal.set(time.monotonic() + 5)
    assert signal.pause(0.05) is True


# -- queue mappings (moto in-process) -------------------------------------------------------------

@pytest.fixture
def sqs(monkeypatch):
    for name in ("AWS_ENDPOINT_URL", "AWS_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    with mock_aws():
        yield boto3.client("sqs", region_name=REGION)


def queue_with_dlq(client, max_receive_count: int = 2) -> tuple[str, str, str]:
    dlq = client.create_queue(QueueName="jobs-dlq")["QueueUrl"]
    dlq_arn = client.get_queue_attributes(QueueUrl=dlq,
                                          AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    url = client.create_queue(QueueName="jobs", Attributes={
        "VisibilityTimeout": "0",
        "RedrivePolicy": json.dumps({"deadLetterTargetArn": dlq_arn,
                                     "maxReceiveCount": str(max_receive_count)})})["QueueUrl"]
    arn = client.get_queue_attributes(QueueUrl=url,
                                      AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    return url, arn, dlq


def bodies(client, url: str) -> list[str]:
    answer = client.receive_message(QueueUrl=url, MaxNumberOfMessages=10, VisibilityTimeout=30)
    return sorted(m["Body"] for m in answer.get("Messages", []))


def test_a_queue_batch_deletes_what_succeeded_and_what_the_filter_dropped(sqs):
    # GIVEN a queue with a DLQ after two receives, and a handler that fails job "b"
    url, arn, dlq = queue_with_dlq(sqs)
    events: list[dict] = []

    def invoke(event, request_id):
        events.append(event)
        return {"batchItemFailures": [{"itemIdentifier": r["messageId"]}
                                      for r in event["Records"]
                                      if json.loads(r["body"])["job"] == "b"]}

    mapping = QueueMapping("Worker", "Jobs", "JobsQueue", url, report_item_failures=True,
                           filters=({"body": {"kind": ["job"]}},))
    worker = SqsQueuePoller(mapping, sqs, invoke=invoke, queue_arn=arn, region=REGION)
    for body in ({"kind": "job", "job": "a"}, {"kind": "job", "job": "b"},
                 {"kind": "noise"}):
        sqs.send_message(QueueUrl=url, MessageBody=json.dumps(body),
                         MessageAttributes={"type": {"DataType": "String",
                                                     "StringValue": "test"}})
    sqs.send_message(QueueUrl=url, MessageBody="plain text")

    # WHEN it polls
    worker.poll_once()

    # THEN the handler got the two jobs, shaped as Lambda's SQS event
    [event] = events
    SqsModel.model_validate(event)
    assert sorted(json.loads(r["body"])["job"] for r in event["Records"]) == ["a", "b"]
    record = event["Records"][0]
    assert (record["eventSource"], record["eventSourceARN"], record["awsRegion"]) == \
        ("aws:sqs", arn, REGION)
    assert record["messageAttributes"]["type"]["stringValue"] == "test"
    assert record["attributes"]["ApproximateReceiveCount"] == "1"
    # AND only the failed job is left; after the queue's maxReceiveCount it is in the DLQ
    worker.poll_once()
    assert [json.loads(r["body"])["job"] for r in events[1]["Records"]] == ["b"]
    worker.poll_once()
    assert len(events) == 2
    assert bodies(sqs, url) == []
    assert bodies(sqs, dlq) == [json.dumps({"kind": "job", "job": "b"})]


def test_a_queue_batch_that_raises_deletes_nothing(sqs):
    url, arn, _ = queue_with_dlq(sqs, max_receive_count=5)
    calls = []

    def invoke(event, request_id):
        calls.append(event)
        raise RuntimeError("down")

    worker = SqsQueuePoller(QueueMapping("Worker", "Jobs", "JobsQueue", url), sqs,
                            invoke=invoke, queue_arn=arn, region=REGION)
    sqs.send_message(QueueUrl=url, MessageBody="x")

    worker.poll_once()

    assert len(calls) == 1
    assert bodies(sqs, url) == ["x"]


# -- the whole path, with moto's DynamoDB streams -----------------------------------------------

@pytest.fixture
def account(monkeypatch):
    """moto in-process with the cases table and the events dead-letter queue of template.yaml."""
    for name in ("AWS_ENDPOINT_URL", "AWS_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    with mock_aws():
        dynamodb = boto3.client("dynamodb", region_name=REGION)
        definition = Template().table_definitions()["CasesTable"]
        dynamodb.create_table(TableName="cases", **definition)
        sqs = boto3.client("sqs", region_name=REGION)
        dlq = sqs.create_queue(QueueName="events-dlq")["QueueUrl"]
        yield dynamodb, sqs, {"CasesTable": "cases"}, {"EventsDeadLetterQueue": dlq}


class RecordingHandler:
    """The events publisher's stand-in: records the events; raises for a poison description."""

    def __init__(self):
        self.events: list[dict] = []
        self.arrived = threading.Condition()

    def __call__(self, event, context):
        with self.arrived:
            self.events.append(event)
            self.arrived.notify_all()
        if any(r["dynamodb"]["NewImage"].get("text", {}).get("S") == "poison"
               for r in event["Records"]):
            raise ValueError("poison")
        return {"batchItemFailures": []}

    def wait_for(self, count: int, timeout: float = 5) -> list[dict]:
        with self.arrived:
            self.arrived.wait_for(lambda: len(self.records()) >= count, timeout)
        return self.records()

    def records(self) -> list[dict]:
        return [r for event in self.events for r in event["Records"]]


def put(dynamodb, sort_key: str, entity: str, **extra: dict) -> None:
    dynamodb.put_item(TableName="cases", Item={
        "PK": {"S": "CASE#2026-000001"}, "SK": {"S": sort_key}, "entity": {"S": entity},
        **extra})


def publisher_only() -> Template:
    """template.yaml with PublishEventsFunction as its only function (the others' queues are
    not in this account)."""
    document = Template().doc
    resources = {logical_id: resource for logical_id, resource in document["Resources"].items()
                 if resource.get("Type") != "AWS::Serverless::Function"
                 or logical_id == "PublishEventsFunction"}
    return Template({**document, "Resources": resources})


def open_sources(account, handler) -> EventSources:
    dynamodb, sqs, tables, queues = account
    spec = Template().functions()["PublishEventsFunction"]
    sources = EventSources.open(publisher_only(), tables, queues, region=REGION, retry_delays=(0,),
                                poll_interval=0.05)
    function = LocalFunction(spec, handler, physical_name="civicdesk-local-Publish",
                             region=REGION, account_id="123456789012")
    sources.start({"PublishEventsFunction": function},
                  function_arn=lambda logical_id: FUNCTION_ARN)
    return sources


def test_timeline_inserts_reach_the_handler_and_nothing_written_before_the_start(account):
    dynamodb, sqs, _, queues = account
    # GIVEN items already in the table (as a restore leaves them) before the sources open
    put(dynamodb, "EVENT#00000", "event", text={"S": "restored"})
    handler = RecordingHandler()
    sources = open_sources(account, handler)
    try:
        # WHEN a case and two timeline entries are written, and one entry is modified
        started = time.monotonic()
        put(dynamodb, "CASE", "case", status={"S": "new"})
        put(dynamodb, "EVENT#00001", "event", text={"S": "opened"})
        put(dynamodb, "EVENT#00001", "event", text={"S": "edited"})
        put(dynamodb, "EVENT#00002", "event", text={"S": "assigned"})
        delivered = handler.wait_for(2)
        elapsed = time.monotonic() - started
    finally:
        sources.stop(timeout=2)

    # THEN the handler got exactly the two INSERTs of timeline entries, in order, within the
    # template's one-second batching window (plus a poll)
    assert [r["dynamodb"]["NewImage"]["text"]["S"] for r in delivered] == ["opened", "assigned"]
    assert elapsed < 2
    event = handler.events[0]
    DynamoDBStreamModel.model_validate(event)
    record = event["Records"][0]
    assert set(record) == {"eventID", "eventName", "eventVersion", "eventSource", "awsRegion",
                           "dynamodb", "eventSourceARN"}
    assert record["eventSourceARN"].startswith(
        f"arn:aws:dynamodb:{REGION}:123456789012:table/cases/stream/")
    assert set(record["dynamodb"]) == {"ApproximateCreationDateTime", "Keys", "NewImage",
                                       "SequenceNumber", "SizeBytes", "StreamViewType"}
    assert record["dynamodb"]["Keys"] == {"PK": {"S": "CASE#2026-000001"},
                                          "SK": {"S": "EVENT#00001"}}
    assert record["dynamodb"]["StreamViewType"] == "NEW_AND_OLD_IMAGES"
    assert isinstance(record["dynamodb"]["ApproximateCreationDateTime"], int)
    assert bodies(sqs, queues["EventsDeadLetterQueue"]) == []


def test_a_poison_timeline_entry_goes_to_the_dead_letter_queue_and_the_rest_is_published(account):
    dynamodb, sqs, _, queues = account
    handler = RecordingHandler()
    sources = open_sources(account, handler)
    try:
        for number, text in enumerate(["one", "poison", "three"], start=1):
            put(dynamodb, f"EVENT#{number:05d}", "event", text={"S": text})
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            answer = sqs.receive_message(QueueUrl=queues["EventsDeadLetterQueue"],
                                         WaitTimeSeconds=0)
            if answer.get("Messages"):
                break
            time.sleep(0.05)
    finally:
        sources.stop(timeout=2)

    # THEN the poison record alone is in the dead-letter queue, after 1 + 5 retries of it alone
    [message] = answer["Messages"]
    failure = json.loads(message["Body"])
    DynamoDBStreamLambdaOnFailureDestinationModel.model_validate(failure)
    info = failure["DDBStreamBatchInfo"]
    texts = {r["dynamodb"]["SequenceNumber"]: r["dynamodb"]["NewImage"]["text"]["S"]
             for r in handler.records()}
    assert info["batchSize"] == 1 and texts[info["startSequenceNumber"]] == "poison"
    assert failure["requestContext"]["condition"] == "RetryAttemptsExhausted"
    alone = [e for e in handler.events if len(e["Records"]) == 1
             and e["Records"][0]["dynamodb"]["SequenceNumber"] == info["startSequenceNumber"]]
    assert len(alone) == 6
    # AND the two others were handled successfully, each once on its own after the split
    succeeded = [e["Records"][0]["dynamodb"]["NewImage"]["text"]["S"] for e in handler.events
                 if len(e["Records"]) == 1 and e not in alone]
    assert succeeded == ["one", "three"]


def test_moto_does_not_keep_every_shard_iterator_the_poller_used(account):
    from moto.dynamodbstreams.models import dynamodbstreams_backends

    handler = RecordingHandler()
    sources = open_sources(account, handler)
    try:
        time.sleep(0.5)  # some ten empty reads
        iterators = dynamodbstreams_backends["123456789012"][REGION].shard_iterators
        assert len(iterators) <= 2
    finally:
        sources.stop(timeout=2)


def test_a_mapping_on_a_table_without_a_stream_stops_the_start(account):
    dynamodb, _, _, queues = account
    dynamodb.create_table(TableName="plain", BillingMode="PAY_PER_REQUEST",
                          KeySchema=[{"AttributeName": "PK", "KeyType": "HASH"}],
                          AttributeDefinitions=[{"AttributeName": "PK", "AttributeType": "S"}])

    with pytest.raises(StartupError, match="has no StreamSpecification"):
        EventSources.open(Template(), {"CasesTable": "plain"}, queues, region=REGION)
    with pytest.raises(StartupError, match="not a table of the template"):
        EventSources.open(Template(), {}, queues, region=REGION)


def test_a_queue_event_of_the_template_invokes_its_function(sqs):
    # GIVEN a template whose function reads a queue (as later functions of template.yaml will)
    url = sqs.create_queue(QueueName="jobs")["QueueUrl"]
    document = {"Resources": {
        "JobsQueue": {"Type": "AWS::SQS::Queue"},
        "Worker": {"Type": "AWS::Serverless::Function", "Properties": {
            "Handler": "app.handler", "CodeUri": "functions/worker/", "Events": {"Jobs": {
                "Type": "SQS", "Properties": {"Queue": _Tag("GetAtt", "JobsQueue.Arn"),
                                              "BatchSize": 5}}}}}}}
    template = Template(document)
    received: list[dict] = []
    function = LocalFunction(template.functions()["Worker"],
                             lambda event, context: received.extend(event["Records"]),
                             physical_name="civicdesk-local-Worker", region=REGION,
                             account_id="123456789012")
    sources = EventSources.open(template, {}, {"JobsQueue": url}, region=REGION,
                                poll_interval=0.05)
    assert sources.describe() == ["Worker.Jobs: queue JobsQueue -> Worker (batch 5, window 0 s, "
                                  "0 filter(s))"]
    sources.start({"Worker": function}, function_arn=lambda logical_id: FUNCTION_ARN)
    try:
        # WHEN a message is sent
        sqs.send_message(QueueUrl=url, MessageBody="job 1")
        deadline = time.monotonic() + 5
        while not received and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        sources.stop(timeout=2)

    # THEN the function got it, and it is gone from the queue
    assert [r["body"] for r in received] == ["job 1"]
    assert received[0]["eventSourceARN"].endswith(":jobs")
    assert bodies(sqs, url) == []
    with pytest.raises(StartupError, match="not loaded"):
        EventSources.open(template, {}, {"JobsQueue": url}, region=REGION).start(
            {}, function_arn=lambda logical_id: FUNCTION_ARN)
