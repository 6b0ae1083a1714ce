"""The local runtime's emulation for campaigns: one-time schedules created at run time are
delivered to their queue at their time and deleted; SMS get delivery events by their number."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

import boto3
import pytest

from infra.local.schedules import RuntimeSchedules
from infra.local.sms_events import SmsEventPublisher

REGION = "eu-central-1"


def test_a_one_time_schedule_reaches_its_queue_once_at_its_time_and_is_deleted(moto_account):
    scheduler = boto3.client("scheduler", region_name=REGION)
    sqs = boto3.client("sqs", region_name=REGION)
    scheduler.create_schedule_group(Name="local-CampaignScheduleGroup")
    url = sqs.create_queue(QueueName="local-CampaignPlanQueue")["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    at = datetime(2026, 12, 1, 18, 30, tzinfo=timezone.utc)
    scheduler.create_schedule(
        Name="campaign-0123456789abcdef", GroupName="local-CampaignScheduleGroup",
        ScheduleExpression="at(2026-12-01T18:30:00)", ScheduleExpressionTimezone="UTC",
        FlexibleTimeWindow={"Mode": "OFF"}, ActionAfterCompletion="DELETE",
        Target={"Arn": arn, "RoleArn": "arn:aws:iam::123456789012:role/local-CampaignScheduleRole",
                "Input": json.dumps({"campaign_id": "0123456789abcdef"})})
    runtime = RuntimeSchedules(["local-CampaignScheduleGroup"],
                               lambda: boto3.client("scheduler", region_name=REGION),
                               lambda: boto3.client("sqs", region_name=REGION),
                               lambda *_: None, {})
    assert runtime.poll(at - timedelta(seconds=1)) == 0
    assert runtime.poll(at) == 1
    assert runtime.poll(at + timedelta(minutes=1)) == 0  # deleted: never twice
    messages = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10)["Messages"]
    assert [json.loads(m["Body"]) for m in messages] == [{"campaign_id": "0123456789abcdef"}]
    assert scheduler.list_schedules(GroupName="local-CampaignScheduleGroup")["Schedules"] == []


def test_a_one_time_schedule_fires_on_demand_and_a_repeated_firing_delivers_it_again(moto_account):
    scheduler = boto3.client("scheduler", region_name=REGION)
    sqs = boto3.client("sqs", region_name=REGION)
    scheduler.create_schedule_group(Name="local-CampaignScheduleGroup")
    url = sqs.create_queue(QueueName="local-CampaignPlanQueue")["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    scheduler.create_schedule(
        Name="campaign-c1", GroupName="local-CampaignScheduleGroup",
        ScheduleExpression="at(2030-01-01T08:00:00)", ScheduleExpressionTimezone="UTC",
        FlexibleTimeWindow={"Mode": "OFF"}, ActionAfterCompletion="DELETE",
        Target={"Arn": arn, "RoleArn": "arn:aws:iam::123456789012:role/r",
                "Input": json.dumps({"campaign_id": "c1"})})
    runtime = RuntimeSchedules(["local-CampaignScheduleGroup"],
                               lambda: boto3.client("scheduler", region_name=REGION),
                               lambda: boto3.client("sqs", region_name=REGION),
                               lambda *_: None, {})
    now = datetime(2026, 12, 1, 18, 30, tzinfo=timezone.utc)
    with pytest.raises(LookupError):
        runtime.fire_now("campaign-unknown", now)
    first = runtime.fire_now("campaign-c1", now)
    assert (first["outcome"], first["trigger"], first["target"]) == ("delivered", "on_demand", arn)
    assert scheduler.list_schedules(GroupName="local-CampaignScheduleGroup")["Schedules"] == []
    assert runtime.fire_now("campaign-c1", now)["trigger"] == "repeated"
    bodies = [json.loads(m["Body"]) for m in
              sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10)["Messages"]]
    assert bodies == [{"campaign_id": "c1"}] * 2


def test_sms_delivery_events_follow_the_number():
    published = []
    publisher = SmsEventPublisher("arn:aws:sns:eu-central-1:123456789012:local-SmsDeliveryEventsTopic",
                                  lambda topic, message: published.append(json.loads(message)))
    publisher.sms_sent("m0", "+381641234560")
    publisher.sms_sent("m3", "+381641234563")
    assert publisher.sms_sent("m5", "+381641234565") is None
    assert [(e["messageId"], e["eventType"]) for e in published] == [
        ("m0", "TEXT_DELIVERED"), ("m3", "TEXT_CARRIER_UNREACHABLE")]
    from civicdesk.domain.campaign_sms_events import parse_sms_event

    assert [parse_sms_event(e).delivered for e in published] == [True, False]
