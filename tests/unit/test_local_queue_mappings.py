"""The local runtime's SQS event sources and what keeps its event pipeline fast and whole:
Lambda's checks of a queue mapping, long polling, failed messages retried after the local delay
and parked after the queue's ``maxReceiveCount``, the stream's batching window kept to the
moment, a stop that drains the queues behind the streams, moto's stream shard trimmed behind the
readers, a refused transaction that neither blinds the stream poller nor leaves phantom records,
and snapshots requested without waiting.

moto in-process (``mock_aws``), fakes for the rest; the end-to-end path through the runtime is in
``tests/e2e/test_local_sns.py``.
"""

from __future__ import annotations

import json
import threading
import time

import boto3
import pytest

# Importing infra.local.aws applies its moto patches (transactions roll back in place).
from infra.local.aws import StartupError
from infra.local.lambdas import LocalFunction
from infra.local.state import Snapshotter
from infra.local.streams import (EventSources, QueueMapping, SqsQueuePoller, StreamMapping,
                                 StreamPoller, queue_mapping)
from infra.local.template import EventSourceSpec, Template, _Tag

REGION = "eu-central-1"
FUNCTION_ARN = "arn:aws:lambda:eu-central-1:123456789012:function:civicdesk-local-Worker"


@pytest.fixture
def account(moto_account):
    return boto3.client("sqs", region_name=REGION), boto3.client("dynamodb", region_name=REGION)


def spec(**properties) -> EventSourceSpec:
    return EventSourceSpec("Worker", "Jobs", "SQS",
                           {"Queue": _Tag("GetAtt", "JobsQueue.Arn"), **properties})


def until(condition, seconds: float = 5.0) -> bool:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() >= deadline:
            return False
        time.sleep(0.02)
    return True


def until_found(find, seconds: float = 5.0):
    deadline = time.monotonic() + seconds
    while not (found := find()) and time.monotonic() < deadline:
        time.sleep(0.02)
    return found


# -- what CreateEventSourceMapping refuses ------------------------------------------------------

@pytest.mark.parametrize("properties, message", [
    ({"BatchSize": 0}, "BatchSize 0"),
    ({"BatchSize": 10001, "MaximumBatchingWindowInSeconds": 5}, "BatchSize 10001"),
    ({"BatchSize": 11}, "needs MaximumBatchingWindowInSeconds of at least 1"),
    ({"MaximumBatchingWindowInSeconds": 301}, "MaximumBatchingWindowInSeconds 301"),
    ({"ScalingConfig": {"MaximumConcurrency": 1}}, "MaximumConcurrency 1"),
])
def test_what_lambda_refuses_stops_the_start(properties, message):
    with pytest.raises(StartupError, match=message):
        queue_mapping(spec(**properties), {"JobsQueue": "url"})


def test_the_mapping_keeps_its_batching_scaling_and_retry_settings():
    mapping = queue_mapping(spec(BatchSize=100, MaximumBatchingWindowInSeconds=2,
                                 FunctionResponseTypes=["ReportBatchItemFailures"],
                                 ScalingConfig={"MaximumConcurrency": 5}),
                            {"JobsQueue": "url"}, retry_delays=(0.5, 1.0))
    assert (mapping.batch_size, mapping.batching_window, mapping.report_item_failures,
            mapping.maximum_concurrency, mapping.retry_delays) == (100, 2.0, True, 5, (0.5, 1.0))
    assert queue_mapping(spec(), {"JobsQueue": "url"}).retry_delays is None


def test_the_notify_mapping_of_the_template_is_accepted():
    [notify] = [s for s in Template().event_sources() if s.function == "NotifyFunction"]
    mapping = queue_mapping(notify, {notify.source: "url"})
    assert mapping.report_item_failures


def test_a_queue_that_would_time_out_before_its_function_or_a_big_fifo_batch_stops_the_start(
        account):
    sqs, _ = account
    short = sqs.create_queue(QueueName="short", Attributes={"VisibilityTimeout": "10"})
    fifo = sqs.create_queue(QueueName="jobs.fifo", Attributes={"FifoQueue": "true",
                                                               "VisibilityTimeout": "60"})

    def template(batch_size: int) -> Template:
        return Template({"Resources": {"JobsQueue": {"Type": "AWS::SQS::Queue"}, "Worker": {
            "Type": "AWS::Serverless::Function", "Properties": {
                "Handler": "app.handler", "CodeUri": "functions/worker/", "Timeout": 30,
                "Events": {"Jobs": {"Type": "SQS", "Properties": {
                    "Queue": _Tag("GetAtt", "JobsQueue.Arn"), "BatchSize": batch_size,
                    "MaximumBatchingWindowInSeconds": 1}}}}}}})

    with pytest.raises(StartupError, match=r"visibility timeout of JobsQueue \(10 s\) is "
                                           r"shorter than the timeout of Worker \(30 s\)"):
        EventSources.open(template(10), {}, {"JobsQueue": short["QueueUrl"]}, region=REGION)
    with pytest.raises(StartupError, match="BatchSize 20 on the FIFO queue"):
        EventSources.open(template(20), {}, {"JobsQueue": fifo["QueueUrl"]}, region=REGION)
    opened = EventSources.open(template(10), {}, {"JobsQueue": fifo["QueueUrl"]}, region=REGION)
    assert opened.describe() == ["Worker.Jobs: queue JobsQueue -> Worker (batch 10, window 1 s, "
                                 "0 filter(s))"]


# -- failed messages: back after the local delay, parked after maxReceiveCount -----------------

def test_a_failed_message_comes_back_after_the_local_delay_then_rests_in_the_dead_letter_queue(
        account):
    sqs, _ = account
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


def test_a_long_poll_takes_a_message_as_soon_as_it_arrives(account):
    sqs, _ = account
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


# -- the stream's batching window ---------------------------------------------------------------

class _Clock:
    def __init__(self):
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


class _Shard:
    shard_id = "shardId-1"

    def __init__(self, batches):
        self.batches = list(batches)

    def read(self, limit):
        return self.batches.pop(0) if self.batches else []


def test_a_poller_waits_for_the_batching_window_to_close_not_for_the_next_poll():
    clock = _Clock()
    mapping = StreamMapping("F", "E", "T", batching_window=1.0)
    record = {"eventID": "1", "eventName": "INSERT", "dynamodb": {
        "Keys": {"PK": {"S": "a"}}, "NewImage": {"PK": {"S": "a"}}, "SequenceNumber": "1",
        "SizeBytes": 1, "StreamViewType": "NEW_AND_OLD_IMAGES"}}
    delivered = []
    processor = type("P", (), {"process": lambda self, batch: delivered.append(batch) or []})()
    poller = StreamPoller(mapping, _Shard([[record]]), processor, stream_arn="arn",
                          region=REGION, poll_interval=0.3, clock=clock)
    assert poller.idle_wait() == 0.3  # nothing gathered
    poller.poll_once()
    clock.now += 0.85
    assert poller.idle_wait() == pytest.approx(0.15)  # the window closes before the next poll
    clock.now += 0.15
    poller.poll_once()
    assert len(delivered) == 1 and poller.idle_wait() == 0.3


# -- stopping: the streams first, then the queues drain ----------------------------------------

def test_a_stop_delivers_what_a_stream_function_sent_to_a_queue_before_it_ends(account):
    sqs, dynamodb = account
    definition = Template().table_definitions()["CasesTable"]
    dynamodb.create_table(TableName="cases", **definition)
    url = sqs.create_queue(QueueName="jobs")["QueueUrl"]
    template = Template({"Resources": {
        "CasesTable": {"Type": "AWS::DynamoDB::Table"},
        "JobsQueue": {"Type": "AWS::SQS::Queue"},
        "Forwarder": {"Type": "AWS::Serverless::Function", "Properties": {
            "Handler": "app.handler", "CodeUri": "functions/forwarder/", "Events": {"Changes": {
                "Type": "DynamoDB", "Properties": {
                    "Stream": _Tag("GetAtt", "CasesTable.StreamArn"),
                    "StartingPosition": "LATEST", "MaximumBatchingWindowInSeconds": 0.5}}}}},
        "Worker": {"Type": "AWS::Serverless::Function", "Properties": {
            "Handler": "app.handler", "CodeUri": "functions/worker/", "Events": {"Jobs": {
                "Type": "SQS", "Properties": {"Queue": _Tag("GetAtt", "JobsQueue.Arn")}}}}}}})
    done: list[str] = []

    def forward(event, context):
        time.sleep(1.3)  # longer than a queue poller's long poll
        for record in event["Records"]:
            sqs.send_message(QueueUrl=url, MessageBody=record["dynamodb"]["Keys"]["PK"]["S"])

    def work(event, context):
        time.sleep(0.2)
        done.extend(record["body"] for record in event["Records"])

    functions = {name: LocalFunction(template.functions()[name], handler,
                                     physical_name=f"local-{name}", region=REGION,
                                     account_id="123456789012")
                 for name, handler in (("Forwarder", forward), ("Worker", work))}
    sources = EventSources.open(template, {"CasesTable": "cases"}, {"JobsQueue": url},
                                region=REGION, poll_interval=0.05)
    sources.start(functions, function_arn=lambda logical_id: FUNCTION_ARN)
    # WHEN a change is written and the runtime stops at once (within the batching window)
    dynamodb.put_item(TableName="cases", Item={"PK": {"S": "CASE#1"}, "SK": {"S": "CASE"}})
    sources.stop(timeout=5)
    # THEN the stream was flushed to the forwarder and the queue drained into the worker
    assert done == ["CASE#1"]


# -- moto under the runtime: the stream shard, refused transactions -----------------------------

def stream_of(dynamodb, table: str) -> str:
    return dynamodb.describe_table(TableName=table)["Table"]["LatestStreamArn"]


def shard_of(table: str):
    from moto.dynamodb.models import dynamodb_backends

    return dynamodb_backends["123456789012"][REGION].tables[table].stream_shard


def recording_sources(dynamodb) -> tuple[EventSources, list[str]]:
    """A reader of the ``cases`` table's stream that records ``"<event> <SK>"``, started."""
    template = Template({"Resources": {
        "CasesTable": {"Type": "AWS::DynamoDB::Table"},
        "Reader": {"Type": "AWS::Serverless::Function", "Properties": {
            "Handler": "app.handler", "CodeUri": "functions/reader/", "Events": {"Changes": {
                "Type": "DynamoDB", "Properties": {
                    "Stream": _Tag("GetAtt", "CasesTable.StreamArn")}}}}}}})
    seen: list[str] = []
    function = LocalFunction(template.functions()["Reader"],
                             lambda event, context: seen.extend(
                                 f'{r["eventName"]} {r["dynamodb"]["Keys"]["SK"]["S"]}'
                                 for r in event["Records"]),
                             physical_name="local-Reader", region=REGION,
                             account_id="123456789012")
    sources = EventSources.open(template, {"CasesTable": "cases"}, {}, region=REGION,
                                poll_interval=0.02)
    sources.start({"Reader": function}, function_arn=lambda logical_id: FUNCTION_ARN)
    return sources, seen


def create_cases_table(dynamodb) -> None:
    dynamodb.create_table(TableName="cases", **Template().table_definitions()["CasesTable"])


def put(dynamodb, sort_key: str) -> None:
    dynamodb.put_item(TableName="cases", Item={"PK": {"S": "CASE#1"}, "SK": {"S": sort_key}})


def test_the_shard_keeps_only_the_records_its_readers_have_not_read(account):
    _, dynamodb = account
    create_cases_table(dynamodb)
    # GIVEN records written before the sources open (as the state restore writes them)
    for number in range(5):
        put(dynamodb, f"OLD#{number}")
    sources, seen = recording_sources(dynamodb)
    try:
        # WHEN more is written and delivered
        for number in range(3):
            put(dynamodb, f"NEW#{number}")
        assert until(lambda: len(seen) == 3)
        # THEN only the new records were delivered, and moto's shard holds neither the old
        # ones nor, after the next read, the delivered ones; its trim horizon moved on
        assert seen == ["INSERT NEW#0", "INSERT NEW#1", "INSERT NEW#2"]
        assert until(lambda: len(shard_of("cases").items) == 0)
        shard = boto3.client("dynamodbstreams", region_name=REGION).describe_stream(
            StreamArn=stream_of(dynamodb, "cases"))["StreamDescription"]["Shards"][0]
        assert int(shard["SequenceNumberRange"]["StartingSequenceNumber"]) == \
            shard_of("cases").starting_sequence_number
        # AND a later write is still delivered
        put(dynamodb, "NEW#3")
        assert until(lambda: len(seen) == 4)
    finally:
        sources.stop(timeout=2)


def test_a_refused_transaction_neither_blinds_the_stream_nor_leaves_records_of_its_writes(
        account):
    _, dynamodb = account
    create_cases_table(dynamodb)
    sources, seen = recording_sources(dynamodb)
    try:
        put(dynamodb, "CASE")
        assert until(lambda: seen == ["INSERT CASE"])
        # WHEN a transaction is refused (its condition fails after another of its writes)
        with pytest.raises(dynamodb.exceptions.TransactionCanceledException):
            dynamodb.transact_write_items(TransactItems=[
                {"Put": {"TableName": "cases", "Item": {"PK": {"S": "CASE#1"},
                                                        "SK": {"S": "EVENT#rolled-back"}}}},
                {"Put": {"TableName": "cases", "Item": {"PK": {"S": "CASE#1"},
                                                        "SK": {"S": "CASE"}},
                         "ConditionExpression": "attribute_not_exists(PK)"}}])
        # AND then a change is written
        put(dynamodb, "EVENT#after")
        assert until(lambda: len(seen) >= 2)
        time.sleep(0.1)
    finally:
        sources.stop(timeout=2)
    # THEN the change reached the reader, the rolled-back write neither reached it nor stayed
    assert seen == ["INSERT CASE", "INSERT EVENT#after"]
    assert "Item" not in dynamodb.get_item(TableName="cases", Key={
        "PK": {"S": "CASE#1"}, "SK": {"S": "EVENT#rolled-back"}})


# -- snapshots after the pollers' invocations ---------------------------------------------------

class _Store:
    def __init__(self):
        self.saves = 0
        self.saved = threading.Event()

    def save(self):
        self.saves += 1
        self.saved.set()


def test_a_requested_snapshot_is_written_soon_on_the_snapshot_thread_only_when_dirty():
    store = _Store()
    snapshotter = Snapshotter(store, interval=60)  # the periodic save would come much later
    snapshotter.start()
    try:
        snapshotter.request_save()
        assert not store.saved.wait(0.3)  # nothing changed: nothing written
        snapshotter.mark_dirty()
        snapshotter.request_save()
        assert store.saved.wait(2)
        assert store.saves == 1
    finally:
        started = time.monotonic()
        snapshotter.stop()
    assert time.monotonic() - started < 2  # the thread does not sit out its interval
    assert store.saves == 2  # the final snapshot
