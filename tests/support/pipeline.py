"""The event pipeline in-process under moto, one step at a time, as Lambda would run it:
the table's stream -> PublishEventsFunction -> EventsTopic -> NotifyQueue -> NotifyFunction.

Tests call :meth:`Pipeline.run` after a change; they can also run a step alone, repeat stream
records (a duplicate delivery) or make the notify step fail (a crash) and run it again.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

import boto3

from infra.local.event_sources import lambda_sqs_record
from infra.local.template import Template
from tests.support import aws

FILTER_INSERTED_TIMELINE = ("INSERT", "event")


def _notify_filter_policy() -> dict:
    spec = Template().resources["NotifyQueueSubscription"]["Properties"]
    return spec["FilterPolicy"]


@dataclass
class Pipeline:
    resources: object
    seen: set[str] = field(default_factory=set)
    notify_results: list[dict] = field(default_factory=list)

    def __post_init__(self):
        self.dynamodb = boto3.client("dynamodb", region_name=aws.REGION)
        self.streams = boto3.client("dynamodbstreams", region_name=aws.REGION)
        self.sqs = boto3.client("sqs", region_name=aws.REGION)
        self.sns = boto3.client("sns", region_name=aws.REGION)
        self.table = self.resources.tables["CasesTable"]
        self.queue_url = self.resources.queues["NotifyQueue"]
        self.queue_arn = self.sqs.get_queue_attributes(
            QueueUrl=self.queue_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        self._publisher = aws.load_function("PublishEventsFunction")
        self._notify = aws.load_function("NotifyFunction")
        self._ensure_subscription()

    def _ensure_subscription(self) -> None:
        """The runtime's provisioning subscribes the queue as the template says; make sure."""
        topic = self.resources.topics["EventsTopic"]
        subscriptions = self.sns.list_subscriptions_by_topic(TopicArn=topic)["Subscriptions"]
        if not any(s["Endpoint"] == self.queue_arn for s in subscriptions):
            self.sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=self.queue_arn,
                               Attributes={"RawMessageDelivery": "true",
                                           "FilterPolicy": json.dumps(_notify_filter_policy())})

    # -- steps -----------------------------------------------------------------------------

    def new_stream_records(self) -> list[dict]:
        """Timeline inserts not handed to the publisher yet (the mapping's filter applied)."""
        arn = self.dynamodb.describe_table(TableName=self.table)["Table"]["LatestStreamArn"]
        fresh = []
        for shard in self.streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"]:
            iterator = self.streams.get_shard_iterator(
                StreamArn=arn, ShardId=shard["ShardId"],
                ShardIteratorType="TRIM_HORIZON")["ShardIterator"]
            for record in self.streams.get_records(ShardIterator=iterator)["Records"]:
                sequence = record["dynamodb"]["SequenceNumber"]
                if sequence in self.seen:
                    continue
                self.seen.add(sequence)
                image = record["dynamodb"].get("NewImage") or {}
                if record["eventName"] == "INSERT" and image.get("entity", {}).get("S") == "event":
                    record["eventSourceARN"] = arn
                    record["dynamodb"]["ApproximateCreationDateTime"] = 0
                    fresh.append(record)
        return fresh

    def publish(self, records: list[dict]) -> dict:
        return self._publisher.handler({"Records": records}, aws.context("PublishEventsFunction"))

    def notify(self) -> list[dict]:
        """Hand every message of the notify queue to the function; delete the ones it did not
        report as failed, make the failed ones visible again (their visibility timeout over)."""
        answers = []
        while True:
            messages = self.sqs.receive_message(
                QueueUrl=self.queue_url, MaxNumberOfMessages=10, MessageAttributeNames=["All"],
                AttributeNames=["All"]).get("Messages", [])
            if not messages:
                return answers
            records = [lambda_sqs_record(m, queue_arn=self.queue_arn, region=aws.REGION)
                       for m in messages]
            answer = self._notify.handler({"Records": records}, aws.context("NotifyFunction"))
            answers.append(answer)
            self.notify_results.append(answer)
            failed = {f["itemIdentifier"] for f in answer.get("batchItemFailures", [])}
            for message in messages:
                if message["MessageId"] in failed:
                    self.sqs.change_message_visibility(
                        QueueUrl=self.queue_url, ReceiptHandle=message["ReceiptHandle"],
                        VisibilityTimeout=0)
                else:
                    self.sqs.delete_message(QueueUrl=self.queue_url,
                                            ReceiptHandle=message["ReceiptHandle"])
            if failed:
                return answers  # retried by the next run, as after the visibility timeout

    def run(self) -> list[dict]:
        """Publish what the stream has and notify; returns the stream records handled."""
        records = self.new_stream_records()
        if records:
            answer = self.publish(records)
            assert answer == {"batchItemFailures": []}, answer
        self.notify()
        return records
