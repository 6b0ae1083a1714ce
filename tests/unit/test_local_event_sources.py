"""All the event sources of a template bound to an account (``infra.local.event_sources.sources``),
with moto in-process: the whole path from a write to a table with a stream to the subscribed
handler (the cases table and the ``TimelineInserts`` mapping exactly as ``template.yaml``
declares them, zero retry delays), a queue event, Lambda's checks of a queue against its
function, a stop that drains the queues behind the streams, and snapshots requested without
waiting. The end-to-end path through the runtime is in ``tests/e2e/test_local_streams.py`` and
``tests/e2e/test_local_sns.py``.
"""

from __future__ import annotations

import json
import threading
import time

import boto3
import pytest
from aws_lambda_powertools.utilities.parser.models import (
    DynamoDBStreamLambdaOnFailureDestinationModel,
    DynamoDBStreamModel,
)

from infra.local.aws import StartupError
from infra.local.event_sources import EventSources
from infra.local.lambdas import LocalFunction
from infra.local.template import Template, _Tag
from tests.support.event_sources import REGION, bodies

FUNCTION_ARN = "arn:aws:lambda:eu-central-1:123456789012:function:civicdesk-local-Publish"


@pytest.fixture
def sqs(moto_account):
    return boto3.client("sqs", region_name=REGION)


@pytest.fixture
def clients(moto_account):
    return boto3.client("sqs", region_name=REGION), boto3.client("dynamodb", region_name=REGION)


# -- the whole path, with moto's DynamoDB streams -----------------------------------------------

@pytest.fixture
def account(moto_account):
    """moto in-process with the cases table and the events dead-letter queue of template.yaml."""
    dynamodb = boto3.client("dynamodb", region_name=REGION)
    definition = Template().table_definitions()["CasesTable"]
    dynamodb.create_table(TableName="cases", **definition)
    sqs = boto3.client("sqs", region_name=REGION)
    dlq = sqs.create_queue(QueueName="events-dlq")["QueueUrl"]
    return dynamodb, sqs, {"CasesTable": "cases"}, {"EventsDeadLetterQueue": dlq}


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


# -- queues: a queue event of a template, Lambda's checks of a queue ---------------------------

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


def test_a_queue_that_would_time_out_before_its_function_or_a_big_fifo_batch_stops_the_start(
        clients):
    sqs, _ = clients
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


# -- stopping: the streams first, then the queues drain ----------------------------------------

def test_a_stop_delivers_what_a_stream_function_sent_to_a_queue_before_it_ends(clients):
    sqs, dynamodb = clients
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
