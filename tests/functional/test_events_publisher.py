"""The stream -> events topic path in-process under moto: real stream records of real changes."""

from __future__ import annotations

import json
import os

import boto3
import pytest

from tests.support import aws

CASE = {"type": "signal", "category": "street_lighting", "language": "sr-Latn",
        "description": "Ne radi ulična rasveta u Ulici kralja Petra kod broja 12.",
        "contact": {"email": "petar@example.rs"}}


@pytest.fixture
def topic_queue(aws_env):
    """An SQS queue subscribed to the events topic, as an outside system would subscribe."""
    sqs = boto3.client("sqs", region_name=aws.REGION)
    sns = boto3.client("sns", region_name=aws.REGION)
    url = sqs.create_queue(QueueName="subscriber")["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    sns.subscribe(TopicArn=os.environ["CIVICDESK_EVENTS_TOPIC_ARN"], Protocol="sqs", Endpoint=arn,
                  Attributes={"RawMessageDelivery": "true"})
    return sqs, url


def stream_records(table: str) -> list[dict]:
    """Every record of the table's stream so far, as Lambda's event source hands them over."""
    dynamodb = boto3.client("dynamodb", region_name=aws.REGION)
    streams = boto3.client("dynamodbstreams", region_name=aws.REGION)
    arn = dynamodb.describe_table(TableName=table)["Table"]["LatestStreamArn"]
    records = []
    for shard in streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"]:
        iterator = streams.get_shard_iterator(StreamArn=arn, ShardId=shard["ShardId"],
                                              ShardIteratorType="TRIM_HORIZON")["ShardIterator"]
        for record in streams.get_records(ShardIterator=iterator)["Records"]:
            record["eventSourceARN"] = arn
            record["dynamodb"]["ApproximateCreationDateTime"] = 0
            records.append(record)
    return records


def timeline_inserts(records):
    return [r for r in records if r["eventName"] == "INSERT"
            and r["dynamodb"]["NewImage"].get("entity", {}).get("S") == "event"]


def received(sqs, url) -> list[tuple[dict, dict]]:
    messages = []
    while True:
        batch = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10,
                                    MessageAttributeNames=["All"]).get("Messages", [])
        if not batch:
            return messages
        for message in batch:
            attributes = {k: v["StringValue"] for k, v in message.get("MessageAttributes", {}).items()}
            messages.append((json.loads(message["Body"]), attributes))
            sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])


def publish(records):
    module = aws.load_function("PublishEventsFunction")
    return module.handler({"Records": records}, aws.context("PublishEventsFunction"))


def test_a_new_case_and_a_status_change_become_events_with_filterable_attributes(aws_env, topic_queue):
    from civicdesk import wiring
    from civicdesk.api import case_commands
    from civicdesk.domain.policy import principal_from_claims

    sqs, url = topic_queue
    opened = wiring.case_service().open_public_case(case_commands.open_public_case(CASE))
    supervisor = principal_from_claims({"sub": "s1", "cognito:username": "mira", "cognito:groups": "supervisor"})
    wiring.casework_service().change_status(supervisor, case_commands.change_status(
        opened.number, {"status": "resolved", "reason": "Popravljeno", "version": 1}))
    # WHEN
    answer = publish(timeline_inserts(stream_records(aws_env.tables["CasesTable"])))
    # THEN
    assert answer == {"batchItemFailures": []}
    events = received(sqs, url)
    assert [body["type"] for body, _ in events] == ["case.opened", "case.resolved"]
    body, attributes = events[1]
    assert attributes == {"type": "case.resolved", "department": "public_utilities",
                          "category": "street_lighting", "status": "resolved",
                          "visibility": "public", "schema_version": "1"}
    assert body["case"]["number"] == opened.number and body["actor"] == "staff:mira"
    assert body["id"].startswith(opened.number + "/")
    assert "reason" not in body["data"]  # internal reasons stay in the case
    assert "petar@example.rs" not in json.dumps(events)  # no personal data on the topic


def test_an_events_public_text_is_redacted_as_on_the_public_page(aws_env, topic_queue):
    """Issue 12, item 3: an event on the topic carried the requester's full name."""
    from civicdesk import wiring
    from civicdesk.api import case_commands
    from civicdesk.domain.policy import principal_from_claims

    sqs, url = topic_queue
    case = dict(CASE, contact={"name": "Đorđe Petrović", "email": "petar@example.rs"},
                location={"address": "Kneza Miloša 12, Beograd"})
    opened = wiring.case_service().open_public_case(case_commands.open_public_case(case))
    supervisor = principal_from_claims({"sub": "s1", "cognito:username": "mira", "cognito:groups": "supervisor"})
    message = ("Poštovani Ђорђе Петровићу, ekipa je bila u Kneza Miloša 12; "
               "gospodin Djordje Petrovic i komšija iz ul. Njegoševa 7 su obavešteni.")
    wiring.casework_service().change_status(supervisor, case_commands.change_status(
        opened.number, {"status": "resolved", "reason": "Popravljeno", "version": 1,
                        "message_to_citizen": message}))
    # WHEN
    publish(timeline_inserts(stream_records(aws_env.tables["CasesTable"])))
    # THEN
    body = [body for body, _ in received(sqs, url) if body["type"] == "case.resolved"][0]
    assert body["data"]["public_text"] == ("Poštovani […], ekipa je bila u […]; gospodin […] i "
                                           "komšija iz ul. […] su obavešteni.")
    published = json.dumps(body, ensure_ascii=False)
    for personal in ("Petrov", "Петров", "Đorđe", "Djordje", "Kneza", "Njegoševa"):
        assert personal not in published


def test_a_repeated_record_gives_the_same_event_id(aws_env, topic_queue):
    from civicdesk import wiring
    from civicdesk.api import case_commands

    sqs, url = topic_queue
    wiring.case_service().open_public_case(case_commands.open_public_case(CASE))
    records = timeline_inserts(stream_records(aws_env.tables["CasesTable"]))
    publish(records)
    publish(records)  # Lambda delivers stream records at least once
    events = received(sqs, url)
    assert len(events) == 2 and events[0][0]["id"] == events[1][0]["id"]


def test_a_poison_record_is_reported_alone_and_the_others_are_published(aws_env, topic_queue):
    from civicdesk import wiring
    from civicdesk.api import case_commands

    sqs, url = topic_queue
    wiring.case_service().open_public_case(case_commands.open_public_case(CASE))
    wiring.case_service().open_public_case(case_commands.open_public_case(CASE))
    good = timeline_inserts(stream_records(aws_env.tables["CasesTable"]))
    poison = json.loads(json.dumps(good[0]))
    poison["dynamodb"]["SequenceNumber"] = "999"
    poison["dynamodb"]["NewImage"]["at"] = {"S": "not a time"}
    answer = publish([good[0], poison, good[1]])
    assert answer == {"batchItemFailures": [{"itemIdentifier": "999"}]}
    assert len(received(sqs, url)) == 2


def test_notifications_and_automatic_mail_are_not_events(aws_env, topic_queue):
    from datetime import datetime, timezone

    from civicdesk.domain.cases import EventKind, TimelineEvent
    from civicdesk.domain.events import CaseFacts, domain_event

    facts = CaseFacts("roads_traffic", "road_damage", "signal", "new", True, "sr-Cyrl")
    at = datetime(2026, 11, 21, tzinfo=timezone.utc)
    for kind, actor in ((EventKind.NOTIFICATION, "system"), (EventKind.MESSAGE_OUT, "system:auto_reply"),
                        (EventKind.ATTACHMENT_REFUSED, "system")):
        assert domain_event(TimelineEvent("2026-000001", at, kind, actor, True, {}), facts) is None
    reply = domain_event(TimelineEvent("2026-000001", at, EventKind.MESSAGE_OUT, "staff:ana", True,
                                       {"public_text": "Popravljeno.", "to": "x@example.rs"}), facts)
    assert reply.type.value == "case.public_reply" and reply.data == {"public_text": "Popravljeno."}
    # The message was written to one person: what it says of anyone's contact stays in the case.
    reply = domain_event(TimelineEvent("2026-000001", at, EventKind.MESSAGE_OUT, "staff:ana", True,
                                       {"public_text": "Pozovite 064 987 6543 ili ana@primer.rs."}),
                         facts)
    assert reply.data == {"public_text": "Pozovite […] ili […]."}


def test_a_batch_without_events_reads_no_case():
    from datetime import datetime, timezone

    from civicdesk.domain.cases import EventKind, TimelineEvent
    from civicdesk.services.events import EventPublisher

    class Cases:
        def __init__(self):
            self.asked = []

        def case_facts(self, numbers):
            self.asked.append(set(numbers))
            return {}

    at = datetime(2026, 11, 21, tzinfo=timezone.utc)
    cases = Cases()
    publisher = EventPublisher(cases, bus=None)
    entries = [TimelineEvent("2026-000001", at, EventKind.NOTIFICATION, "system:notify", False, {}),
               TimelineEvent("2026-000002", at, EventKind.DELIVERY_REPORT, "system:ses", False, {})]
    publisher.prepare(entries)
    assert cases.asked == [] and [publisher.publish(e) for e in entries] == [None, None]
    publisher.prepare([*entries, TimelineEvent("2026-000003", at, EventKind.NOTE, "staff:a", False, {})])
    assert cases.asked == [{"2026-000003"}]


def test_a_citizen_is_named_by_channel_only():
    from datetime import datetime, timezone

    from civicdesk.domain.cases import EventKind, TimelineEvent
    from civicdesk.domain.events import CaseFacts, domain_event

    facts = CaseFacts("roads_traffic", "road_damage", "signal", "new", False, "sr-Cyrl")
    entry = TimelineEvent("2026-000001", datetime(2026, 11, 21, tzinfo=timezone.utc),
                          EventKind.MESSAGE_IN, "citizen:email:ana@example.rs", False,
                          {"from": "ana@example.rs", "text": "Лична порука"})
    event = domain_event(entry, facts)
    assert event.actor == "citizen:email"
    assert "ana@example.rs" not in json.dumps(event.body()) and "Лична" not in json.dumps(event.body())


def test_an_escalation_becomes_an_internal_event_with_its_level_and_without_its_reason(aws_env, topic_queue):
    from civicdesk import wiring
    from civicdesk.api import case_commands
    from civicdesk.domain.policy import principal_from_claims

    sqs, url = topic_queue
    opened = wiring.case_service().open_public_case(case_commands.open_public_case(CASE))
    agent = principal_from_claims({"sub": "a1", "cognito:username": "jovan", "cognito:groups": "department_agent",
                                   "custom:departments": "public_utilities"})
    casework = wiring.casework_service()
    casework.escalate(agent, case_commands.escalate(
        opened.number, {"reason": "Treći poziv građanina", "version": 1}))
    casework.escalate(agent, case_commands.escalate(
        opened.number, {"reason": "I dalje ne radi", "version": 2}))
    # WHEN
    answer = publish(timeline_inserts(stream_records(aws_env.tables["CasesTable"])))
    # THEN
    assert answer == {"batchItemFailures": []}
    escalations = [(body, attributes) for body, attributes in received(sqs, url)
                   if body["type"] == "case.escalated"]
    assert [body["data"] for body, _ in escalations] == [{"level": 1}, {"level": 2}]
    body, attributes = escalations[0]
    assert attributes == {"type": "case.escalated", "department": "public_utilities",
                          "category": "street_lighting", "status": "new",
                          "visibility": "internal", "schema_version": "1"}
    assert body["actor"] == "staff:jovan" and body["case"]["number"] == opened.number
    assert "Treći poziv" not in json.dumps(escalations)  # the reason stays in the case
