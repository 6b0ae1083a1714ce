"""The event pipeline of the local runtime, end to end in moto's server mode: a status change
through the admin API -> the table's stream -> PublishEventsFunction -> EventsTopic -> an SQS
subscription with raw delivery and a filter policy -> the queue's event source mapping -> a
function that reports a partial batch failure; the failed message comes back and, after the
queue's ``maxReceiveCount``, rests in its dead-letter queue. After a restart on the same state
each subscription exists once and still delivers.

The subscriber is a test function (``tests/fixtures/functions/queue_probe``) added, with its
queues and subscription, to a copy of template.yaml: the runtime provisions and polls it from the
template exactly as it does NotifyQueue.
"""

from __future__ import annotations

import copy
import json
import sys
import time

import boto3
import pytest

from infra.local.runtime import LocalRuntime
from infra.local.template import Template, _Tag
from tests.support.local_staff import change_status, id_token, register_call

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("local_sns")]

MAX_RECEIVE_COUNT = 2
PROBE_MODULE = "civicdesk_local_QueueProbeFunction"


def template_with_probe() -> Template:
    """template.yaml plus a subscriber of status changes that parks a message after two
    receives and gathers batches for two seconds."""
    document = copy.deepcopy(Template().doc)
    document["Resources"].update({
        "ProbeDeadLetterQueue": {"Type": "AWS::SQS::Queue"},
        "ProbeQueue": {"Type": "AWS::SQS::Queue", "Properties": {
            "VisibilityTimeout": 30,
            "RedrivePolicy": {"deadLetterTargetArn": _Tag("GetAtt", "ProbeDeadLetterQueue.Arn"),
                              "maxReceiveCount": MAX_RECEIVE_COUNT}}},
        "ProbeSubscription": {"Type": "AWS::SNS::Subscription", "Properties": {
            "TopicArn": _Tag("Ref", "EventsTopic"), "Protocol": "sqs",
            "Endpoint": _Tag("GetAtt", "ProbeQueue.Arn"), "RawMessageDelivery": True,
            "FilterPolicy": {"type": ["case.status_changed"]}}},
        "QueueProbeFunction": {"Type": "AWS::Serverless::Function", "Properties": {
            "CodeUri": "tests/fixtures/functions/queue_probe/", "Handler": "app.handler",
            "Events": {"StatusChanges": {"Type": "SQS", "Properties": {
                "Queue": _Tag("GetAtt", "ProbeQueue.Arn"), "BatchSize": 10,
                "MaximumBatchingWindowInSeconds": 2,
                "FunctionResponseTypes": ["ReportBatchItemFailures"]}}}}},
    })
    return Template(document)


def client(runtime: LocalRuntime, service: str):
    return boto3.client(service, region_name="eu-central-1", endpoint_url=runtime.aws_url,
                        aws_access_key_id="testing", aws_secret_access_key="testing")


def probe_records() -> list[list[dict]]:
    """What the probe function was invoked with, in this runtime (its module is loaded anew at
    each start)."""
    module = sys.modules[PROBE_MODULE]
    with module.arrived:
        return [list(records) for records in module.invocations]


def parked(runtime: LocalRuntime, seconds: float) -> list[dict]:
    """The events in the probe's dead-letter queue, waiting up to ``seconds`` for the first."""
    sqs = client(runtime, "sqs")
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        answer = sqs.receive_message(QueueUrl=runtime.resources.queues["ProbeDeadLetterQueue"],
                                     MaxNumberOfMessages=10, WaitTimeSeconds=1,
                                     VisibilityTimeout=60)
        if answer.get("Messages"):
            return [json.loads(m["Body"]) for m in answer["Messages"]]
    return []


def event_of(record: dict) -> dict:
    return json.loads(record["body"])


def subscriptions_of_events_topic(runtime: LocalRuntime) -> dict[str, dict]:
    """Endpoint -> attributes of every subscription of EventsTopic (but its ARN, new at each
    start)."""
    sns = client(runtime, "sns")
    listed = sns.list_subscriptions_by_topic(
        TopicArn=runtime.resources.topics["EventsTopic"])["Subscriptions"]
    endpoints = [s["Endpoint"] for s in listed]
    assert len(endpoints) == len(set(endpoints)), endpoints
    attributes = {s["Endpoint"]: sns.get_subscription_attributes(
        SubscriptionArn=s["SubscriptionArn"])["Attributes"] for s in listed}
    for found in attributes.values():
        del found["SubscriptionArn"]
    return attributes


def test_a_failed_message_is_retried_alone_then_parked_and_a_restart_subscribes_once(tmp_path):
    template = template_with_probe()
    state_dir = tmp_path / "state"
    with LocalRuntime(http_port=0, aws_port=0, smtp_port=0, state_dir=state_dir,
                      template=template) as runtime:
        # GIVEN the topic's subscriptions as the template declares them, each once
        declared = subscriptions_of_events_topic(runtime)
        probe_arn = runtime.resources.attribute("ProbeQueue", "Arn")
        assert declared[probe_arn]["RawMessageDelivery"] == "true"
        assert json.loads(declared[probe_arn]["FilterPolicy"]) == {"type": ["case.status_changed"]}
        # AND an event the probe's filter policy rejects, published over moto's HTTP API
        client(runtime, "sns").publish(
            TopicArn=runtime.resources.topics["EventsTopic"],
            Message=json.dumps({"type": "case.note_added", "data": {"public_text": "noise"}}),
            MessageAttributes={"type": {"DataType": "String", "StringValue": "case.note_added"}})

        # WHEN an operator registers two calls and changes both statuses, one with a message
        # the probe cannot handle
        token = id_token(runtime)
        fine = register_call(runtime, token, {"email": "ana.jovanovic@example.rs"})
        poison = register_call(runtime, token, {"phone": "064 123 4567"})
        fine = change_status(runtime, token, fine, "in_progress", "Екипа излази сутра.")
        change_status(runtime, token, poison, "in_progress", "poison")
        dead = parked(runtime, 15)

        # THEN the poison event rests in the dead-letter queue, once
        assert [e["case"]["number"] for e in dead] == [poison["number"]]
        [poison_event] = dead
        invocations = probe_records()
        records = [r for batch in invocations for r in batch]
        # AND the probe got only status changes (the filter policy), raw, with their attributes
        assert {event_of(r)["type"] for r in records} == {"case.status_changed"}
        assert {r["messageAttributes"]["type"]["stringValue"] for r in records} == \
            {"case.status_changed"}
        # AND both arrived in one batch; only the failed one came back, until maxReceiveCount
        assert sorted(event_of(r)["case"]["number"] for r in invocations[0]) == \
            sorted([fine["number"], poison["number"]])
        by_event: dict[str, list[str]] = {}
        for record in records:
            by_event.setdefault(event_of(record)["id"], []).append(
                record["attributes"]["ApproximateReceiveCount"])
        assert by_event[poison_event["id"]] == [str(n) for n in
                                                range(1, MAX_RECEIVE_COUNT + 1)]
        assert [len(counts) for event_id, counts in by_event.items()
                if event_id != poison_event["id"]] == [1]
        # AND nothing is left in the probe's queue
        left = client(runtime, "sqs").get_queue_attributes(
            QueueUrl=runtime.resources.queues["ProbeQueue"],
            AttributeNames=["ApproximateNumberOfMessages",
                            "ApproximateNumberOfMessagesNotVisible"])["Attributes"]
        assert set(left.values()) == {"0"}

    # WHEN the runtime starts again on the same state
    with LocalRuntime(http_port=0, aws_port=0, smtp_port=0, state_dir=state_dir,
                      template=template) as runtime:
        # THEN each subscription exists once, as before
        assert subscriptions_of_events_topic(runtime) == declared
        # AND a change to a restored case reaches the probe
        token = id_token(runtime)
        change_status(runtime, token, fine, "waiting_for_citizen", "Пошаљите фотографију.")
        module = sys.modules[PROBE_MODULE]
        with module.arrived:
            module.arrived.wait_for(lambda: module.invocations, timeout=10)
        [[record]] = probe_records()
        assert event_of(record)["case"]["number"] == fine["number"]
        assert event_of(record)["data"]["status"] == "waiting_for_citizen"
