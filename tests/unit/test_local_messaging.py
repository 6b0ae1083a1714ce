"""The local runtime's queues, topics and subscriptions, translated from template.yaml: pure, no
sockets (moto's side is in ``tests/functional/test_local_messaging.py``)."""

from __future__ import annotations

import doctest
import json
import logging

import pytest

from infra.local import messaging
from infra.local.messaging import (
    MessagingTemplateError,
    queue_creation_order,
    queue_request,
    subscription_request,
    topic_request,
)
from infra.local.template import Template, _Tag

TEMPLATE = Template()
REFS = {"NotifyDeadLetterQueue.Arn": "arn:aws:sqs:eu-central-1:123456789012:notify-dlq",
        "NotifyQueue.Arn": "arn:aws:sqs:eu-central-1:123456789012:notify",
        "EventsTopic": "arn:aws:sns:eu-central-1:123456789012:events",
        "AWS::StackName": "civicdesk-local"}


def resolved(logical_id: str) -> dict:
    return TEMPLATE.resolve_deep(TEMPLATE.resources[logical_id].get("Properties") or {},
                                 lambda name: REFS.get(name, f"<{name}>"))


def test_the_modules_examples_hold():
    assert doctest.testmod(messaging).failed == 0


def test_the_notify_queue_keeps_its_redrive_policy_and_timeouts():
    # GIVEN NotifyQueue as template.yaml declares it, references resolved
    properties = resolved("NotifyQueue")
    # WHEN it is translated into CreateQueue
    request = queue_request("NotifyQueue", properties, "civicdesk-local")
    # THEN every setting that changes what a message does is an attribute, as SQS spells it
    attributes = request["Attributes"]
    assert request["QueueName"] == "civicdesk-local-NotifyQueue"
    assert attributes["VisibilityTimeout"] == str(properties["VisibilityTimeout"])
    assert attributes["MessageRetentionPeriod"] == str(properties["MessageRetentionPeriod"])
    redrive = json.loads(attributes["RedrivePolicy"])
    assert redrive == {"deadLetterTargetArn": REFS["NotifyDeadLetterQueue.Arn"],
                       "maxReceiveCount": properties["RedrivePolicy"]["maxReceiveCount"]}


def test_every_queue_property_that_is_an_attribute_passes_and_fifo_queues_are_named_so():
    properties = {"DelaySeconds": 5, "ReceiveMessageWaitTimeSeconds": 20, "FifoQueue": True,
                  "ContentBasedDeduplication": True, "MaximumMessageSize": 1024,
                  "QueueName": "ignored", "Tags": [{"Key": "team", "Value": "kjs"}]}
    request = queue_request("Jobs", properties, "local")
    assert request == {"QueueName": "local-Jobs.fifo", "tags": {"team": "kjs"}, "Attributes": {
        "ContentBasedDeduplication": "true", "DelaySeconds": "5", "FifoQueue": "true",
        "MaximumMessageSize": "1024", "ReceiveMessageWaitTimeSeconds": "20"}}


@pytest.mark.parametrize("policy", [{"maxReceiveCount": 3}, {"deadLetterTargetArn": "arn"},
                                    json.dumps({"deadLetterTargetArn": ""})])
def test_an_incomplete_redrive_policy_is_refused(policy):
    with pytest.raises(MessagingTemplateError, match="RedrivePolicy needs"):
        queue_request("Jobs", {"RedrivePolicy": policy}, "local")


def test_a_redrive_policy_given_as_json_text_is_kept():
    text = json.dumps({"deadLetterTargetArn": "arn:aws:sqs:eu-central-1:1:dlq",
                       "maxReceiveCount": "4"})
    assert queue_request("Jobs", {"RedrivePolicy": text}, "l")["Attributes"]["RedrivePolicy"] == text


def test_the_notify_subscription_is_raw_and_filtered_on_the_event_type():
    # GIVEN NotifyQueueSubscription as template.yaml declares it
    properties = resolved("NotifyQueueSubscription")
    # WHEN it is translated into Subscribe
    request = subscription_request("NotifyQueueSubscription", properties)
    # THEN it subscribes the queue with raw delivery and the template's filter policy
    assert (request["TopicArn"], request["Protocol"], request["Endpoint"]) == \
        (REFS["EventsTopic"], "sqs", REFS["NotifyQueue.Arn"])
    attributes = request["Attributes"]
    assert attributes["RawMessageDelivery"] == "true"
    assert json.loads(attributes["FilterPolicy"]) == properties["FilterPolicy"]
    assert attributes["FilterPolicyScope"] == properties.get("FilterPolicyScope",
                                                             "MessageAttributes")
    # AND the scope comes before the policy (moto checks a policy against the scope set)
    assert list(attributes).index("FilterPolicyScope") < list(attributes).index("FilterPolicy")


@pytest.mark.parametrize("raw", [False, "false", "False"])
def test_raw_delivery_false_is_the_default_and_is_not_sent(raw):
    request = subscription_request("S", {"TopicArn": "t", "Protocol": "sqs", "Endpoint": "q",
                                         "RawMessageDelivery": raw})
    assert request["Attributes"] == {}


def test_a_message_body_filter_policy_is_kept_as_json():
    policy = {"case": {"department": ["water_sewage"]}}
    request = subscription_request("S", {"TopicArn": "t", "Protocol": "SQS", "Endpoint": "q",
                                         "FilterPolicyScope": "MessageBody",
                                         "FilterPolicy": policy,
                                         "RedrivePolicy": {"deadLetterTargetArn": "arn:dlq"}})
    assert request["Protocol"] == "sqs"
    assert json.loads(request["Attributes"]["FilterPolicy"]) == policy
    assert request["Attributes"]["FilterPolicyScope"] == "MessageBody"
    assert json.loads(request["Attributes"]["RedrivePolicy"]) == {"deadLetterTargetArn": "arn:dlq"}


def test_a_lambda_subscription_stops_the_start_and_other_protocols_are_skipped(caplog):
    with pytest.raises(MessagingTemplateError, match="Protocol lambda cannot be emulated"):
        subscription_request("Direct", {"TopicArn": "t", "Protocol": "lambda",
                                        "Endpoint": "arn:aws:lambda:eu-central-1:1:function:f"})
    with caplog.at_level(logging.WARNING, logger="civicdesk.local"):
        for protocol in ("email", "https", "sms"):
            assert subscription_request("Ops", {"TopicArn": "t", "Protocol": protocol,
                                                "Endpoint": "x"}) is None
    assert "a https subscription delivers nothing locally" in caplog.text
    with pytest.raises(MessagingTemplateError, match="needs TopicArn, Protocol and Endpoint"):
        subscription_request("Broken", {"TopicArn": "t", "Protocol": "sqs"})


def test_fifo_topics_are_named_so_and_keep_their_attributes():
    request = topic_request("Events", {"FifoTopic": True, "ContentBasedDeduplication": True,
                                       "DisplayName": "Events", "TopicName": "ignored",
                                       "Subscription": [{"Protocol": "sqs"}]}, "local")
    assert request == {"Name": "local-Events.fifo", "Attributes": {
        "ContentBasedDeduplication": "true", "DisplayName": "Events", "FifoTopic": "true"}}


def test_dead_letter_queues_are_created_before_the_queues_that_redrive_to_them():
    # GIVEN template.yaml: THEN each queue comes after its dead-letter queue
    order = queue_creation_order(TEMPLATE)
    assert sorted(order) == sorted(TEMPLATE.of_type("AWS::SQS::Queue"))
    for logical_id in order:
        redrive = (TEMPLATE.resources[logical_id].get("Properties") or {}).get("RedrivePolicy")
        if redrive:
            target = redrive["deadLetterTargetArn"].value.split(".")[0]
            assert order.index(target) < order.index(logical_id)


def test_queues_that_refer_to_each_other_in_a_cycle_are_refused():
    document = {"Resources": {
        "A": {"Type": "AWS::SQS::Queue", "Properties": {"RedrivePolicy": {
            "deadLetterTargetArn": _Tag("GetAtt", "B.Arn"), "maxReceiveCount": 2}}},
        "B": {"Type": "AWS::SQS::Queue", "Properties": {"RedriveAllowPolicy": {
            "redrivePermission": "byQueue", "sourceQueueArns": [_Tag("Sub", "${A.Arn}")]}}}}}
    with pytest.raises(MessagingTemplateError, match="cycle: A -> B -> A"):
        queue_creation_order(Template(document))
