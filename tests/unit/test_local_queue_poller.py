"""Polling a queue (``infra.local.event_sources.queue_poller``), with moto in-process: what is
deleted after a batch, failed messages back after the local delay and parked after the queue's
``maxReceiveCount``, long polling.
"""

from __future__ import annotations

import json
import threading
import time

import boto3
import pytest
from aws_lambda_powertools.utilities.parser.models import SqsModel

from infra.local.event_sources.mappings import QueueMapping
from infra.local.event_sources.queue_poller import SqsQueuePoller
from tests.support.event_sources import REGION, bodies, until, until_found


@pytest.fixture
def sqs(moto_account):
    return boto3.client("sqs", region_name=REGION)


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


def test_a_failed_message_comes_back_after_the_local_delay_then_rests_in_the_dead_letter_queue(
        sqs):
    # GIVEN a queue whose visibility timeout is long, parking a message after two receives
    dlq = sqs.create_queue(QueueName="jobs-dlq")["QueueUrl"]
    dlq_arn = sqs.get_queue_attributes(QueueUrl=dlq,
                                       AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    url = sqs.create_queue(QueueName="jobs", Attributes={
        "VisibilityTimeout": "300",
        "RedrivePolicy": json.dumps({"deadLetterTargetArn": dlq_arn, "maxReceiveCount": 2})})[
        "QueueUrl"]
    received: list[list[str]] = []

    def invoke(event, request_id):
        received.append([r["attributes"]["ApproximateReceiveCount"] for r in event["Records"]])
        return {"batchItemFailures": [{"itemIdentifier": r["messageId"]}
                                      for r in event["Records"]]}

    mapping = QueueMapping("Worker", "Jobs", "JobsQueue", url, report_item_failures=True,
                           retry_delays=(0.5, 1.0))
    poller = SqsQueuePoller(mapping, sqs, invoke=invoke, queue_arn="arn:aws:sqs:q",
                            region=REGION, wait_time_seconds=0)
    sqs.send_message(QueueUrl=url, MessageBody="poison")

    # WHEN it fails on every receive
    poller.poll_once()
    assert received == [["1"]]
    poller.poll_once()  # still invisible: no invocation
    assert received == [["1"]]
    # THEN it comes back after a second (not the queue's five minutes), once more...
    assert until(lambda: poller.poll_once() or len(received) == 2)
    assert received == [["1"], ["2"]]
    # ... and once it is visible again, the poller's receive moves it to the dead-letter queue
    # instead of invoking the function a third time (moto, as SQS)
    def parked() -> list[dict]:
        poller.poll_once()
        return sqs.receive_message(QueueUrl=dlq, VisibilityTimeout=0).get("Messages") or []

    assert [m["Body"] for m in until_found(parked)] == ["poison"]
    assert len(received) == 2


def test_a_long_poll_takes_a_message_as_soon_as_it_arrives(sqs):
    url = sqs.create_queue(QueueName="jobs")["QueueUrl"]
    arrived: list[float] = []
    poller = SqsQueuePoller(QueueMapping("Worker", "Jobs", "JobsQueue", url), sqs,
                            invoke=lambda event, request_id: arrived.append(time.monotonic()),
                            queue_arn="arn:aws:sqs:q", region=REGION, wait_time_seconds=5)
    sent_at: list[float] = []

    def send_later():
        time.sleep(0.3)
        sent_at.append(time.monotonic())
        sqs.send_message(QueueUrl=url, MessageBody="job")

    sender = threading.Thread(target=send_later)
    sender.start()
    # WHEN the poller long-polls an empty queue and a message arrives meanwhile
    busy = poller.poll_once()
    sender.join()
    # THEN that one receive brought it (no extra wait before the next one either)
    assert len(arrived) == 1 and busy is True
    assert arrived[0] >= sent_at[0]
