"""The local runtime's queues, topics and subscriptions in moto (in-process): what the template
declares is what a publish does -- raw delivery, filter policies in both scopes, the redrive to
the dead-letter queue after ``maxReceiveCount`` receives. The same in moto's server mode, through
the runtime, is in ``tests/e2e/test_local_sns.py``."""

from __future__ import annotations

import json

import boto3
import pytest

from infra.local import aws
from infra.local.aws import StartupError
from infra.local.template import Template, _Tag

REGION = "eu-central-1"


@pytest.fixture
def account(moto_account):
    return boto3.client("sqs", region_name=REGION), boto3.client("sns", region_name=REGION)


def document() -> dict:
    """A topic, a worker queue redriving to its dead-letter queue after two receives (declared
    after it, as templates often do), two filtered raw subscriptions and an enveloped one."""
    return {"Resources": {
        "WorkQueue": {"Type": "AWS::SQS::Queue", "Properties": {
            "VisibilityTimeout": 0, "MessageRetentionPeriod": 3600, "DelaySeconds": 0,
            "ReceiveMessageWaitTimeSeconds": 1,
            "RedrivePolicy": {"deadLetterTargetArn": _Tag("GetAtt", "WorkDeadLetterQueue.Arn"),
                              "maxReceiveCount": 2}}},
        "WorkDeadLetterQueue": {"Type": "AWS::SQS::Queue", "Properties": {
            "MessageRetentionPeriod": 1209600}},
        "WaterQueue": {"Type": "AWS::SQS::Queue"},
        "AuditQueue": {"Type": "AWS::SQS::Queue"},
        "Events": {"Type": "AWS::SNS::Topic", "Properties": {
            "TopicName": _Tag("Sub", "${AWS::StackName}-events"),
            "Subscription": [{"Protocol": "sqs", "Endpoint": _Tag("GetAtt", "AuditQueue.Arn")}]}},
        "WorkSubscription": {"Type": "AWS::SNS::Subscription", "Properties": {
            "TopicArn": _Tag("Ref", "Events"), "Protocol": "sqs",
            "Endpoint": _Tag("GetAtt", "WorkQueue.Arn"), "RawMessageDelivery": True,
            "FilterPolicy": {"type": ["case.status_changed", "case.resolved"]}}},
        "WaterSubscription": {"Type": "AWS::SNS::Subscription", "Properties": {
            "TopicArn": _Tag("Ref", "Events"), "Protocol": "sqs",
            "Endpoint": _Tag("GetAtt", "WaterQueue.Arn"), "RawMessageDelivery": "true",
            "FilterPolicyScope": "MessageBody",
            "FilterPolicy": {"case": {"department": ["water_sewage"]}}}},
        "WorkQueuePolicy": {"Type": "AWS::SQS::QueuePolicy", "Properties": {
            "Queues": [_Tag("Ref", "WorkQueue")],
            "PolicyDocument": {"Statement": [{"Effect": "Allow", "Action": "sqs:SendMessage",
                                              "Principal": {"Service": "sns.amazonaws.com"},
                                              "Resource": _Tag("GetAtt", "WorkQueue.Arn")}]}}},
        "EventsPolicy": {"Type": "AWS::SNS::TopicPolicy", "Properties": {
            "Topics": [_Tag("Ref", "Events")],
            "PolicyDocument": {"Statement": [{"Effect": "Deny", "Action": "sns:Publish",
                                              "Principal": "*", "Resource": "*"}]}}},
    }}


def publish(sns, topic: str, kind: str, department: str) -> None:
    body = {"type": kind, "case": {"number": "2026-000001", "department": department}}
    sns.publish(TopicArn=topic, Message=json.dumps(body), MessageAttributes={
        "type": {"DataType": "String", "StringValue": kind},
        "department": {"DataType": "String", "StringValue": department}})


def receive(sqs, url: str, visibility: int = 0) -> list[dict]:
    return sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, VisibilityTimeout=visibility,
                               MessageAttributeNames=["All"],
                               MessageSystemAttributeNames=["All"]).get("Messages", [])


def attributes(sqs, url: str) -> dict:
    return sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]


def test_queues_keep_their_settings_and_redrive_to_the_dead_letter_queue_declared_after_them(
        account):
    sqs, _ = account
    # WHEN the template is provisioned
    resources = aws.provision(Template(document()), {})
    # THEN the worker queue has its settings, its redrive policy pointing at the DLQ's ARN
    work = attributes(sqs, resources.queues["WorkQueue"])
    assert (work["VisibilityTimeout"], work["MessageRetentionPeriod"],
            work["ReceiveMessageWaitTimeSeconds"]) == ("0", "3600", "1")
    dlq_arn = attributes(sqs, resources.queues["WorkDeadLetterQueue"])["QueueArn"]
    assert json.loads(work["RedrivePolicy"]) == {"deadLetterTargetArn": dlq_arn,
                                                 "maxReceiveCount": 2}
    assert resources.attribute("WorkDeadLetterQueue", "Arn") == dlq_arn
    assert resources.attribute("WorkQueue", "QueueName") == "civicdesk-local-WorkQueue"
    # AND the policies are there to be read (moto does not enforce them)
    assert json.loads(work["Policy"])["Statement"][0]["Resource"] == work["QueueArn"]

    # WHEN a message is received twice without being deleted
    url = resources.queues["WorkQueue"]
    sqs.send_message(QueueUrl=url, MessageBody="poison")
    counts = [m["Attributes"]["ApproximateReceiveCount"] for _ in range(3)
              for m in receive(sqs, url)]
    # THEN the third receive finds it in the dead-letter queue instead (moto redrives, as SQS)
    assert counts == ["1", "2"]
    assert [m["Body"] for m in receive(sqs, resources.queues["WorkDeadLetterQueue"])] == ["poison"]


def test_subscriptions_deliver_raw_filtered_messages_and_the_inline_one_envelopes(account):
    sqs, sns = account
    resources = aws.provision(Template(document()), {})
    topic = resources.topics["Events"]
    # GIVEN the subscriptions, each once, with the template's attributes
    subscriptions = sns.list_subscriptions_by_topic(TopicArn=topic)["Subscriptions"]
    assert len(subscriptions) == 3
    assert set(resources.subscriptions) == {"WorkSubscription", "WaterSubscription",
                                            "Events.Subscription1"}
    work = sns.get_subscription_attributes(
        SubscriptionArn=resources.subscriptions["WorkSubscription"])["Attributes"]
    assert work["RawMessageDelivery"] == "true"
    assert json.loads(work["FilterPolicy"]) == {"type": ["case.status_changed", "case.resolved"]}
    assert work["FilterPolicyScope"] == "MessageAttributes"

    # WHEN events are published (the topic policy's Deny is not enforced locally)
    publish(sns, topic, "case.status_changed", "roads_traffic")
    publish(sns, topic, "case.note_added", "water_sewage")
    publish(sns, topic, "case.resolved", "water_sewage")

    # THEN the work queue got the two types its policy lets through, raw, with attributes
    received = receive(sqs, resources.queues["WorkQueue"], visibility=30)
    assert sorted(json.loads(m["Body"])["type"] for m in received) == \
        ["case.resolved", "case.status_changed"]
    assert {m["MessageAttributes"]["type"]["StringValue"] for m in received} == \
        {"case.resolved", "case.status_changed"}
    # AND the body-scoped policy let through the two water events, whatever their type
    water = receive(sqs, resources.queues["WaterQueue"], visibility=30)
    assert sorted(json.loads(m["Body"])["type"] for m in water) == \
        ["case.note_added", "case.resolved"]
    # AND the unfiltered inline subscription got all three in SNS's envelope
    audit = receive(sqs, resources.queues["AuditQueue"], visibility=30)
    assert len(audit) == 3
    envelope = json.loads(audit[0]["Body"])
    assert envelope["Type"] == "Notification" and envelope["TopicArn"] == topic
    assert json.loads(envelope["Message"])["case"]["number"] == "2026-000001"


def test_the_template_subscribes_the_notify_queue_to_the_types_that_notify(account):
    sqs, sns = account
    template = Template()
    resources = aws.provision(template, {**template.parameter_defaults(),
                                         "PublicUrl": "http://portal.test"})
    subscription = template.resources["NotifyQueueSubscription"]["Properties"]
    wanted = subscription["FilterPolicy"]["type"]
    # WHEN every type is published on the events topic, each with the attributes the
    # publisher sets
    for kind in [*wanted, "case.note_added", "case.linked"]:
        publish(sns, resources.topics["EventsTopic"], kind, "roads_traffic")
    # THEN the notify queue holds the types its filter policy names, and nothing else
    got = []
    while batch := receive(sqs, resources.queues["NotifyQueue"], visibility=30):
        got += [json.loads(m["Body"])["type"] for m in batch]
    assert sorted(got) == sorted(wanted)
    redrive = json.loads(attributes(sqs, resources.queues["NotifyQueue"])["RedrivePolicy"])
    assert redrive["deadLetterTargetArn"] == resources.attribute("NotifyDeadLetterQueue", "Arn")


def test_what_cannot_be_emulated_stops_the_provisioning(account):
    lambda_subscription = document()
    lambda_subscription["Resources"]["Direct"] = {
        "Type": "AWS::SNS::Subscription", "Properties": {
            "TopicArn": _Tag("Ref", "Events"), "Protocol": "lambda",
            "Endpoint": "arn:aws:lambda:eu-central-1:123456789012:function:f"}}
    with pytest.raises(StartupError, match="Direct: Protocol lambda cannot be emulated"):
        aws.provision(Template(lambda_subscription), {})

    sns_event = document()
    sns_event["Resources"]["Worker"] = {
        "Type": "AWS::Serverless::Function", "Properties": {
            "Handler": "app.handler", "CodeUri": "functions/worker/", "Events": {"Changes": {
                "Type": "SNS", "Properties": {"Topic": _Tag("Ref", "Events")}}}}}
    with pytest.raises(StartupError, match="Worker.Changes: a Type: SNS event"):
        aws.provision(Template(sns_event), {})

    unknown_dlq = {"Resources": {"Work": {"Type": "AWS::SQS::Queue", "Properties": {
        "RedrivePolicy": {"deadLetterTargetArn": _Tag("GetAtt", "Nowhere.Arn"),
                          "maxReceiveCount": 2}}}}}
    with pytest.raises(StartupError, match="cannot resolve 'Nowhere.Arn'"):
        aws.provision(Template(unknown_dlq), {})
