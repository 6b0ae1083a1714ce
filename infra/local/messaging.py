"""The template's SQS queues, SNS topics and subscriptions in moto, with the settings that change
what a message does: where it goes, when it comes back, when it is parked.

* **Queues** (``AWS::SQS::Queue``): every property that is a queue attribute of the same name
  (``VisibilityTimeout``, ``MessageRetentionPeriod``, ``DelaySeconds``,
  ``ReceiveMessageWaitTimeSeconds``, ``MaximumMessageSize``, ``RedrivePolicy``,
  ``RedriveAllowPolicy``, ``FifoQueue``, ``ContentBasedDeduplication``, encryption settings)
  is passed to ``CreateQueue``, references resolved. A queue is created after the queues it
  names (a ``RedrivePolicy``'s ``deadLetterTargetArn``), as CloudFormation orders them; moto
  then moves a message to the dead-letter queue when a receive finds it received
  ``maxReceiveCount`` times, as SQS does. Physical names are ``<prefix>-<LogicalId>``
  (``.fifo`` appended for a FIFO queue), like every local resource.
* **Topics** (``AWS::SNS::Topic``): ``FifoTopic``, ``ContentBasedDeduplication``,
  ``DisplayName``, ``KmsMasterKeyId``, ``SignatureVersion``, ``TracingConfig``, and the
  topic's inline ``Subscription`` list.
* **Subscriptions** (``AWS::SNS::Subscription``): ``Protocol: sqs`` with ``RawMessageDelivery``,
  ``FilterPolicy`` and ``FilterPolicyScope`` (moto applies both scopes), ``RedrivePolicy``,
  ``DeliveryPolicy``. moto delivers a ``Publish`` to every matching queue within the call.
  ``Protocol: firehose`` to a delivery stream of the template goes to the runtime's stream
  (``infra.local.firehose``), within the call too; its ``SubscriptionRoleArn`` is left out (IAM
  is not emulated).
  ``Protocol: lambda`` stops the start: moto would try to invoke a function of its own Lambda,
  not the template's, so the function would silently never run. Other protocols (``email``,
  ``http(s)``, ``sms``, ...) reach nothing outside this machine locally: they are skipped, with
  a warning. A function's SAM ``Type: SNS`` event is a lambda subscription: it stops the start.
* **Policies** (``AWS::SQS::QueuePolicy``, ``AWS::SNS::TopicPolicy``): set as the queues' and
  topics' ``Policy`` attribute, where ``GetQueueAttributes``/``GetTopicAttributes`` show them,
  but moto evaluates no resource policy: locally any caller may send to any queue and publish
  to any topic. A policy that would refuse the topic's deliveries in AWS works locally.

moto's state is reset at every start of the runtime, and queues and topics are not in the state
directory, so each start creates the subscriptions anew, once each.
"""

from __future__ import annotations

import json
import logging
import re
from typing import Any, Callable

from infra.local.template import Template, reference_target

log = logging.getLogger("civicdesk.local")

QUEUE = "AWS::SQS::Queue"
TOPIC = "AWS::SNS::Topic"
SUBSCRIPTION = "AWS::SNS::Subscription"
QUEUE_POLICY = "AWS::SQS::QueuePolicy"
TOPIC_POLICY = "AWS::SNS::TopicPolicy"

#: ``AWS::SQS::Queue`` properties that are ``CreateQueue`` attributes under the same name.
QUEUE_ATTRIBUTES = ("ContentBasedDeduplication", "DeduplicationScope", "DelaySeconds",
                    "FifoQueue", "FifoThroughputLimit", "KmsDataKeyReusePeriodSeconds",
                    "KmsMasterKeyId", "MaximumMessageSize", "MessageRetentionPeriod",
                    "ReceiveMessageWaitTimeSeconds", "RedriveAllowPolicy", "RedrivePolicy",
                    "SqsManagedSseEnabled", "VisibilityTimeout")
#: ``AWS::SNS::Topic`` properties that are ``CreateTopic`` attributes under the same name.
TOPIC_ATTRIBUTES = ("ContentBasedDeduplication", "DisplayName", "FifoTopic", "KmsMasterKeyId",
                    "SignatureVersion", "TracingConfig")
#: ``AWS::SNS::Subscription`` properties that are subscription attributes. ``FilterPolicyScope``
#: comes first: moto checks a ``FilterPolicy`` against the scope already set.
SUBSCRIPTION_ATTRIBUTES = ("FilterPolicyScope", "FilterPolicy", "RawMessageDelivery",
                           "RedrivePolicy", "DeliveryPolicy")
#: Protocols whose deliveries the runtime can receive (moto writes them to its own queues; the
#: runtime's Firehose streams take the ``firehose`` ones: ``infra.local.firehose``).
DELIVERED_PROTOCOLS = ("sqs", "firehose")
#: Subscription properties that name IAM roles, which are not emulated (nor enforced) locally.
UNEMULATED_SUBSCRIPTION_PROPERTIES = ("SubscriptionRoleArn",)


class MessagingTemplateError(ValueError):
    """A queue, topic or subscription of the template that the runtime cannot create."""


# -- translation (pure) ------------------------------------------------------------------------

def attribute_value(value: Any) -> str:
    """A resolved property value as the SQS/SNS APIs take attributes: strings, booleans in
    lower case, policies (objects) as JSON.

    Examples
    --------
    >>> attribute_value(True), attribute_value(60), attribute_value("alias/aws/sqs")
    ('true', '60', 'alias/aws/sqs')
    >>> attribute_value({"deadLetterTargetArn": "arn:aws:sqs:eu-central-1:1:dlq",
    ...                  "maxReceiveCount": 5})
    '{"deadLetterTargetArn": "arn:aws:sqs:eu-central-1:1:dlq", "maxReceiveCount": 5}'
    """
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (dict, list)):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def is_true(value: Any) -> bool:
    """CloudFormation's booleans: ``true``, ``"true"``, ``"True"``."""
    return value is True or (isinstance(value, str) and value.lower() == "true")


def queue_request(logical_id: str, properties: dict, name_prefix: str) -> dict:
    """``CreateQueue`` arguments for a queue's *resolved* properties.

    Examples
    --------
    >>> request = queue_request("NotifyQueue", {
    ...     "VisibilityTimeout": 180, "SqsManagedSseEnabled": True,
    ...     "RedrivePolicy": {"deadLetterTargetArn": "arn:aws:sqs:eu-central-1:1:dlq",
    ...                       "maxReceiveCount": 5}}, "local")
    >>> request["QueueName"], request["Attributes"]["VisibilityTimeout"]
    ('local-NotifyQueue', '180')
    >>> json.loads(request["Attributes"]["RedrivePolicy"])["maxReceiveCount"]
    5
    >>> queue_request("Jobs", {"FifoQueue": True}, "local")["QueueName"]
    'local-Jobs.fifo'
    """
    attributes = {name: attribute_value(properties[name]) for name in QUEUE_ATTRIBUTES
                  if properties.get(name) is not None}
    redrive = properties.get("RedrivePolicy")
    if redrive is not None:
        policy = json.loads(redrive) if isinstance(redrive, str) else dict(redrive)
        if not policy.get("deadLetterTargetArn") or "maxReceiveCount" not in policy:
            raise MessagingTemplateError(f"{logical_id}: RedrivePolicy needs "
                                         f"deadLetterTargetArn and maxReceiveCount")
    name = f"{name_prefix}-{logical_id}"
    if is_true(properties.get("FifoQueue")):
        name += ".fifo"
    request: dict[str, Any] = {"QueueName": name, "Attributes": attributes}
    tags = {tag["Key"]: str(tag["Value"]) for tag in properties.get("Tags") or ()}
    if tags:
        request["tags"] = tags
    return request


def topic_request(logical_id: str, properties: dict, name_prefix: str) -> dict:
    """``CreateTopic`` arguments for a topic's *resolved* properties (``TopicName`` aside: local
    names are ``<prefix>-<LogicalId>``)."""
    attributes = {name: attribute_value(properties[name]) for name in TOPIC_ATTRIBUTES
                  if properties.get(name) is not None}
    name = f"{name_prefix}-{logical_id}"
    if is_true(properties.get("FifoTopic")):
        name += ".fifo"
    return {"Name": name, "Attributes": attributes}


def subscription_request(where: str, properties: dict) -> dict | None:
    """``Subscribe`` arguments for a subscription's *resolved* properties, or ``None`` for a
    protocol that reaches nothing locally. Raises ``MessagingTemplateError`` for a ``lambda``
    subscription (see the module docstring) or a missing topic or endpoint.

    ``RawMessageDelivery: false`` is left out rather than sent: it is the default.

    Examples
    --------
    >>> request = subscription_request("NotifySubscription", {
    ...     "TopicArn": "arn:aws:sns:eu-central-1:1:events", "Protocol": "sqs",
    ...     "Endpoint": "arn:aws:sqs:eu-central-1:1:notify", "RawMessageDelivery": True,
    ...     "FilterPolicyScope": "MessageAttributes",
    ...     "FilterPolicy": {"type": ["case.status_changed"]}})
    >>> request["Protocol"], request["ReturnSubscriptionArn"]
    ('sqs', True)
    >>> request["Attributes"]  # doctest: +NORMALIZE_WHITESPACE
    {'FilterPolicyScope': 'MessageAttributes', 'FilterPolicy': '{"type": ["case.status_changed"]}',
     'RawMessageDelivery': 'true'}
    >>> subscription_request("Mail", {"TopicArn": "t", "Protocol": "email", "Endpoint": "a@b"})
    """
    protocol = str(properties.get("Protocol") or "").lower()
    topic, endpoint = properties.get("TopicArn"), properties.get("Endpoint")
    if not topic or not endpoint or not protocol:
        raise MessagingTemplateError(f"{where}: a subscription needs TopicArn, Protocol and "
                                     f"Endpoint")
    if protocol == "lambda":
        raise MessagingTemplateError(
            f"{where}: Protocol lambda cannot be emulated locally (moto would invoke a function "
            f"of its own, not the template's); subscribe a queue (Protocol: sqs) and read it "
            f"with an SQS event of the function")
    if protocol not in DELIVERED_PROTOCOLS:
        log.warning("%s: a %s subscription delivers nothing locally; skipped", where, protocol)
        return None
    attributes = {}
    for name in SUBSCRIPTION_ATTRIBUTES:
        value = properties.get(name)
        if value is None or (name == "RawMessageDelivery" and not is_true(value)):
            continue
        attributes[name] = attribute_value(value)
    return {"TopicArn": str(topic), "Protocol": protocol, "Endpoint": str(endpoint),
            "Attributes": attributes, "ReturnSubscriptionArn": True}


def queue_creation_order(template: Template) -> list[str]:
    """The template's queues, each after the queues its properties refer to (a dead-letter
    queue before the queues that redrive to it). Raises ``MessagingTemplateError`` on a cycle.

    Examples
    --------
    >>> from infra.local.template import _Tag
    >>> doc = {"Resources": {
    ...     "Work": {"Type": QUEUE, "Properties": {"RedrivePolicy": {
    ...         "deadLetterTargetArn": _Tag("GetAtt", "Parked.Arn"), "maxReceiveCount": 3}}},
    ...     "Parked": {"Type": QUEUE}}}
    >>> queue_creation_order(Template(doc))
    ['Parked', 'Work']
    """
    queues = template.of_type(QUEUE)
    order: list[str] = []
    visiting: list[str] = []

    def visit(logical_id: str) -> None:
        if logical_id in order:
            return
        if logical_id in visiting:
            cycle = " -> ".join(visiting[visiting.index(logical_id):] + [logical_id])
            raise MessagingTemplateError(f"queues refer to each other in a cycle: {cycle}")
        visiting.append(logical_id)
        for target in sorted(references(queues[logical_id].get("Properties") or {})):
            if target in queues and target != logical_id:
                visit(target)
        visiting.pop()
        order.append(logical_id)

    for logical_id in queues:
        visit(logical_id)
    return order


def references(value: Any) -> set[str]:
    """Logical ids an unresolved property value refers to (``!Ref``, ``!GetAtt``, ``${X}`` and
    ``${X.Attr}`` in a ``!Sub``)."""
    found: set[str] = set()
    target = reference_target(value)
    if target is not None:
        found.add(target)
    elif getattr(value, "name", None) == "Sub":
        text = value.value if isinstance(value.value, str) else value.value[0]
        found.update(name.split(".", 1)[0] for name in re.findall(r"\$\{([A-Za-z0-9:.]+)\}",
                                                                   str(text)))
    elif isinstance(value, dict):
        for item in value.values():
            found |= references(item)
    elif isinstance(value, list):
        for item in value:
            found |= references(item)
    return found


# -- provisioning (I/O) -----------------------------------------------------------------------

def provision_queues(template: Template, ref: Callable[[str], str], client: Any,
                     queues: dict[str, str], name_prefix: str) -> None:
    """Create the template's queues in dependency order, adding each URL to ``queues`` (logical
    id -> URL) as it is created, so that ``ref`` resolves ``!GetAtt <Queue>.Arn`` of the ones
    before it."""
    resources = template.of_type(QUEUE)
    for logical_id in queue_creation_order(template):
        properties = template.resolve_deep(resources[logical_id].get("Properties") or {}, ref)
        request = queue_request(logical_id, properties, name_prefix)
        queues[logical_id] = client.create_queue(**request)["QueueUrl"]


def provision_topics(template: Template, ref: Callable[[str], str], client: Any,
                     topics: dict[str, str], name_prefix: str) -> None:
    """Create the template's topics, adding each ARN to ``topics`` (logical id -> ARN)."""
    for logical_id, resource in template.of_type(TOPIC).items():
        properties = template.resolve_deep(
            {key: value for key, value in (resource.get("Properties") or {}).items()
             if key != "Subscription"}, ref)
        topics[logical_id] = client.create_topic(
            **topic_request(logical_id, properties, name_prefix))["TopicArn"]


def provision_subscriptions(template: Template, ref: Callable[[str], str],
                            client: Any) -> dict[str, str]:
    """Subscribe what the template subscribes (``AWS::SNS::Subscription`` and the topics'
    inline ``Subscription`` lists); the subscription ARNs by logical id (inline ones as
    ``<Topic>.Subscription<n>``)."""
    for function, spec in template.functions().items():
        for event, definition in spec.events.items():
            if definition.get("Type") == "SNS":
                raise MessagingTemplateError(
                    f"{function}.{event}: a Type: SNS event (a lambda subscription) cannot be "
                    f"emulated locally; subscribe a queue (AWS::SNS::Subscription, Protocol: "
                    f"sqs) and give the function an SQS event")
    wanted: list[tuple[str, dict]] = []
    for logical_id, resource in template.of_type(TOPIC).items():
        for position, inline in enumerate((resource.get("Properties") or {}).get(
                "Subscription") or (), start=1):
            properties = dict(template.resolve_deep(inline, ref), TopicArn=ref(logical_id))
            wanted.append((f"{logical_id}.Subscription{position}", properties))
    for logical_id, resource in template.of_type(SUBSCRIPTION).items():
        properties = {key: value for key, value in (resource.get("Properties") or {}).items()
                      if key not in UNEMULATED_SUBSCRIPTION_PROPERTIES}
        wanted.append((logical_id, template.resolve_deep(properties, ref)))
    made = {}
    for where, properties in wanted:
        request = subscription_request(where, properties)
        if request is not None:
            made[where] = client.subscribe(**request)["SubscriptionArn"]
    return made


def apply_policies(template: Template, ref: Callable[[str], str], sqs: Any, sns: Any) -> None:
    """Set the template's queue and topic policies as the resources' ``Policy`` attribute.
    moto does not evaluate them (see the module docstring): they are there to be read."""
    applied = []
    for logical_id, resource in template.of_type(QUEUE_POLICY).items():
        properties = template.resolve_deep(resource.get("Properties") or {}, ref)
        for url in properties.get("Queues") or ():
            sqs.set_queue_attributes(QueueUrl=str(url), Attributes={
                "Policy": attribute_value(properties.get("PolicyDocument") or {})})
        applied.append(logical_id)
    for logical_id, resource in template.of_type(TOPIC_POLICY).items():
        properties = template.resolve_deep(resource.get("Properties") or {}, ref)
        for arn in properties.get("Topics") or ():
            sns.set_topic_attributes(TopicArn=str(arn), AttributeName="Policy",
                                     AttributeValue=attribute_value(
                                         properties.get("PolicyDocument") or {}))
        applied.append(logical_id)
    if applied:
        log.info("%s: set, but not enforced locally (moto evaluates no resource policy)",
                 ", ".join(applied))
