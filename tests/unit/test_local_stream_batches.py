"""Delivering a batch of one shard's records (``infra.local.event_sources.stream_batches``):
retries, partial failures, bisection, the maximum record age and the on-failure destination,
against a function that fails on cue.
"""

from __future__ import annotations

import time

from aws_lambda_powertools.utilities.parser.models import (
    DynamoDBStreamLambdaOnFailureDestinationModel,
)

from infra.local.event_sources.mappings import StreamMapping
from infra.local.event_sources.stream_batches import StreamBatchProcessor
from tests.support.event_sources import STREAM_ARN, FakeFunction, seq, stream_record

FUNCTION_ARN = "arn:aws:lambda:eu-central-1:123456789012:function:civicdesk-local-Publish"
SHARD = "shardId-00000001541626099285-f35f62ef"


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
