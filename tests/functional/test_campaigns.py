"""Campaigns under moto, through the admin API and the functions as the template wires them:
a campaign of 50 recipients is written, approved by a supervisor, sent; the planner writes and
queues them, the sender sends (the queue delivering twice, the sender crashing mid-batch), SES's
feedback comes through the delivery function and the SMS service's through its topic, the
campaigns job moves the unconfirmed on: every recipient ends delivered, reached by the
fallback, or unreachable, and none got two messages on one channel."""

from __future__ import annotations

import json
import os
import time
from collections import Counter
from datetime import datetime, timedelta, timezone

import boto3
import pytest

from civicdesk.domain.audiences import AudienceMember, Channel, MemberSource
from infra.local.event_sources import lambda_sqs_record
from tests.support import aws
from tests.support.admin import AdminApi, Staff
from tests.support.campaign_fakes import Crash, FakeAudiences

MESSAGES = {
    "sr-Cyrl": {"subject": "Искључење воде", "mail_body": "Нема воде у Центру до 18 часова.",
                "sms_text": "Нема воде у Центру до 18 ч."},
    "en": {"subject": "Water cut", "mail_body": "No water in Centar until 18:00.",
           "sms_text": "No water in Centar until 18:00."},
}


def members(count: int = 50) -> list[AudienceMember]:
    """Mixed: mail and SMS, mail only, SMS only, nothing (Resident 9 and 49); every seventh
    mail bounces (SES's simulator); SMS to numbers ending in 3 fail, in 5 never confirm
    (``feedback``)."""
    found = []
    for i in range(count):
        email = (f"bounce+c{i}@simulator.amazonses.com" if i % 7 == 0 else f"resident{i}@example.rs") \
            if i % 10 not in (3, 9) else None
        phone = f"+3816400{i:05d}" if i % 4 != 1 else None
        if email is None and phone is None and i % 20 != 9:
            phone = f"+3816410{i:05d}"
        channels = tuple(c for c, a in ((Channel.EMAIL, email), (Channel.SMS, phone)) if a)
        from civicdesk.domain.audiences import member_key

        key = member_key(email, phone) if (email or phone) else f"{i:024x}"
        found.append(AudienceMember(key=key, language="en" if i % 3 == 0 else "sr-Cyrl",
                                    source=MemberSource.CONTACT_LIST, channels=channels,
                                    name=f"Resident {i}", email=email, phone=phone,
                                    area="centar" if i % 2 else "novo_naselje",
                                    unsubscribe_token=f"token{i}"))
    return found


class Queue:
    def __init__(self, resources, logical_id: str):
        self.sqs = boto3.client("sqs", region_name=aws.REGION)
        self.url = resources.queues[logical_id]
        self.arn = self.sqs.get_queue_attributes(
            QueueUrl=self.url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]

    def receive(self) -> list[dict]:
        messages = self.sqs.receive_message(QueueUrl=self.url, MaxNumberOfMessages=10,
                                            VisibilityTimeout=0).get("Messages", [])
        for m in messages:
            self.sqs.delete_message(QueueUrl=self.url, ReceiptHandle=m["ReceiptHandle"])
        return [lambda_sqs_record(m, queue_arn=self.arn, region=aws.REGION) for m in messages]


@pytest.fixture
def world(aws_env, monkeypatch):
    from civicdesk import wiring
    from civicdesk.wiring import campaigns as campaign_wiring

    monkeypatch.setenv("CIVICDESK_CAMPAIGN_SETTINGS",
                       "quiet_hours=;confirm_minutes=30;mail_rate=0;sms_rate=0;senders=1;sms_price=0.06")
    audience = FakeAudiences({"water-centar": members()})
    monkeypatch.setattr(campaign_wiring, "audience_members", lambda: audience)
    wiring.reset()
    staff = Staff(AdminApi(), os.environ["CIVICDESK_STAFF_USER_POOL_ID"])
    functions = {name: aws.load_function(name) for name in (
        "CampaignPlannerFunction", "CampaignSenderFunction", "CampaignSmsStatusFunction",
        "CampaignSweepFunction", "DeliveryFeedbackFunction")}
    return {"operator": staff.add("operator.vesna", "operator"),
            "supervisor": staff.add("supervisor.zoran", "supervisor"),
            "api": staff.api, "functions": functions, "resources": aws_env,
            "plan": Queue(aws_env, "CampaignPlanQueue"), "send": Queue(aws_env, "CampaignSendQueue"),
            "sns": boto3.client("sns", region_name=aws.REGION)}


def invoke(world, name: str, records: list[dict]) -> dict:
    return world["functions"][name].handler({"Records": records}, aws.context(name))


def approved(world, **fields) -> dict:
    operator, supervisor = world["operator"], world["supervisor"]
    created = operator.post("/v1/admin/campaigns", {
        "title": "Water cut in Centar", "audience_id": "water-centar", "messages": MESSAGES,
        "channels": ["email", "sms"], **fields})
    assert created.status == 201, created.body
    campaign = created.body
    own = operator.post(f"/v1/admin/campaigns/{campaign['id']}/submit", {"version": 1})
    assert own.status == 200, own.body
    refused = operator.post(f"/v1/admin/campaigns/{campaign['id']}/approve", {"version": 2})
    assert refused.status == 403
    answer = supervisor.post(f"/v1/admin/campaigns/{campaign['id']}/approve", {"version": 2})
    assert answer.status == 200 and answer.body["approved_by"] == "supervisor.zoran", answer.body
    return answer.body


def recipients(world, campaign_id: str) -> list[dict]:
    found, cursor = [], None
    while True:
        query = f"limit=200&cursor={cursor}" if cursor else "limit=200"
        page = world["operator"].get(f"/v1/admin/campaigns/{campaign_id}/recipients", query)
        assert page.status == 200, page.body
        found += page.body["items"]
        cursor = page.body["next_cursor"]
        if not cursor:
            return found


def send_all(world, *, twice: bool = False) -> None:
    while True:
        records = world["send"].receive()
        if not records:
            return
        for record in records:
            assert invoke(world, "CampaignSenderFunction", [record]) == {"batchItemFailures": []}
            if twice:  # SQS delivers at least once
                assert invoke(world, "CampaignSenderFunction", [record]) == {"batchItemFailures": []}


def feedback(world, campaign_id: str, reported: set[str]) -> None:
    """SES reports on every campaign mail sent (the simulator's bounce addresses bounce); the
    SMS service on every SMS, but numbers ending in 3 fail and in 5 never confirm."""
    resources, sns = world["resources"], world["sns"]
    delivery, sms_events = Queue(resources, "DeliveryEventsQueue"), Queue(resources, "SmsDeliveryEventsQueue")
    for r in recipients(world, campaign_id):
        for step in r["steps"]:
            if step["state"] != "sent" or step["message_id"] in reported:
                continue
            reported.add(step["message_id"])
            if step["channel"] == "email":
                kind = "Bounce" if r["email"].startswith("bounce") else "Delivery"
                sns.publish(TopicArn=resources.topics["DeliveryEventsTopic"],
                            Message=json.dumps(_ses_event(kind, step["message_id"], r["email"])))
            elif not r["phone"].endswith("5"):
                kind = "TEXT_CARRIER_UNREACHABLE" if r["phone"].endswith("3") else "TEXT_DELIVERED"
                sns.publish(TopicArn=resources.topics["SmsDeliveryEventsTopic"], Message=json.dumps(
                    {"eventType": kind, "messageId": step["message_id"],
                     "eventTimestamp": int(time.time() * 1000), "isFinal": True}))
    for queue, name in ((delivery, "DeliveryFeedbackFunction"), (sms_events, "CampaignSmsStatusFunction")):
        while records := queue.receive():
            assert invoke(world, name, records) == {"batchItemFailures": []}


def sweep(world, minutes: int, monkeypatch) -> dict:
    """The campaigns job as the schedule runs it, ``minutes`` from now (its clock moved on:
    the confirmation time is 30 minutes)."""
    from civicdesk import wiring
    from civicdesk.services.campaign_sending import CampaignSweep

    later = datetime.now(timezone.utc) + timedelta(minutes=minutes)
    job = CampaignSweep(wiring.campaign_store(), wiring.campaign_queue(), wiring.campaign_settings(),
                        clock=lambda: later)
    monkeypatch.setattr(wiring, "campaign_sweep", lambda: job)
    return world["functions"]["CampaignSweepFunction"].handler(
        {"job": "campaign_sweep", "scheduled_time": later.strftime("%Y-%m-%dT%H:%M:00Z")},
        aws.context("CampaignSweepFunction"))


def _ses_event(kind: str, message_id: str, address: str) -> dict:
    from infra.local.ses_events import ses_event

    now = datetime.now(timezone.utc)
    return ses_event(kind, message_id=message_id, source="kjs@demo.civicdesk.rs",
                     destinations=[address], recipients=[address], at=now, sent_at=now,
                     configuration_set="civicdesk-mail")


def test_fifty_recipients_end_delivered_by_fallback_or_unreachable_none_twice_per_channel(world, monkeypatch):
    campaign = approved(world)
    cid = campaign["id"]
    estimate = world["operator"].get(f"/v1/admin/campaigns/{cid}/estimate")
    assert estimate.status == 200 and estimate.body["recipients"] == 50, estimate.body
    test = world["operator"].post(f"/v1/admin/campaigns/{cid}/test", {"language": "en"})
    assert test.status == 200 and test.body["to"] == "operator.vesna@demo.civicdesk.rs", test.body
    assert len(aws.mails_to("operator.vesna@demo.civicdesk.rs")) == 1
    sent = world["operator"].post(f"/v1/admin/campaigns/{cid}/send", {"version": campaign["version"]})
    assert sent.status == 200 and sent.body["state"] == "sending", sent.body

    # The planner reads "send now" from its queue; a repeated message plans nothing again.
    plan = world["plan"].receive()
    assert len(plan) == 1
    assert invoke(world, "CampaignPlannerFunction", plan) == {"batchItemFailures": []}
    assert invoke(world, "CampaignPlannerFunction", plan) == {"batchItemFailures": []}
    progress = world["operator"].get(f"/v1/admin/campaigns/{cid}").body
    assert progress["progress"]["recipients"] == 50 and progress["progress"]["planned"]

    # The sender crashes after five mails of its first chunk; the chunk comes back.
    from civicdesk.adapters.ses import SesMailer

    real_send, calls = SesMailer.send, []

    def crashing(self, mail):
        if len(calls) == 5:
            raise Crash("the container died")
        calls.append(mail)
        return real_send(self, mail)

    monkeypatch.setattr(SesMailer, "send", crashing)
    first = world["send"].receive()[0]
    with pytest.raises(Crash):
        invoke(world, "CampaignSenderFunction", [first])
    monkeypatch.setattr(SesMailer, "send", real_send)
    assert invoke(world, "CampaignSenderFunction", [first]) == {"batchItemFailures": []}
    send_all(world, twice=True)

    reported: set[str] = set()
    for round_ in range(1, 4):  # feedback, then the job after each confirmation time
        feedback(world, cid, reported)
        sweep(world, 31 * round_, monkeypatch)
        send_all(world)

    final = recipients(world, cid)
    states = Counter(r["state"] for r in final)
    assert set(states) <= {"delivered", "unreachable"}, states
    assert sum(states.values()) == 50
    # None twice on a channel: SES and SNS saw each address and number at most once.
    mails = Counter(a for m in aws.sent_mails() for a in m["X-Test-Destinations"].split(", "))
    assert all(count == 1 for address, count in mails.items() if address != "operator.vesna@demo.civicdesk.rs")
    from moto.core import DEFAULT_ACCOUNT_ID
    from moto.sns.models import sns_backends

    texts = Counter(to for to, _ in sns_backends[DEFAULT_ACCOUNT_ID][aws.REGION].sms_messages.values())
    assert texts and max(texts.values()) == 1
    # Fallback happened: a bounced mail reached by SMS; an SMS that failed left unreachable.
    by_name = {r["name"]: r for r in final}
    assert by_name["Resident 14"]["state"] == "delivered"  # bounced mail, then SMS
    assert [(s["channel"], s["state"]) for s in by_name["Resident 14"]["steps"]] == [
        ("email", "sent"), ("email", "bounced"), ("sms", "queued"), ("sms", "sent"), ("sms", "delivered")]
    assert [s["state"] for s in by_name["Resident 13"]["steps"]] == ["sent", "failed", "unreachable"]
    assert [s["state"] for s in by_name["Resident 35"]["steps"]] == [
        "sent", "bounced", "queued", "sent", "unconfirmed", "unreachable"]
    assert by_name["Resident 9"]["state"] == "unreachable" and by_name["Resident 9"]["steps"] == []
    done = world["operator"].get(f"/v1/admin/campaigns/{cid}").body
    assert done["state"] == "completed", done["progress"]
    assert done["counts"]["state"]["delivered"] == states["delivered"]
    assert done["counts"]["channel"]["email"]["bounced"] >= 5
    calls_page = world["operator"].get(f"/v1/admin/campaigns/{cid}/calls").body["items"]
    assert len(calls_page) == states["unreachable"]
    key = calls_page[0]["key"]
    called = world["api"].call("PUT", f"/v1/admin/campaigns/{cid}/calls/{key}",
                               {"outcome": "reached", "note": "told by phone"},
                               claims=world["operator"].claims)
    assert called.status == 200 and called.body["call_outcome"] == "reached", called.body
    report = world["operator"].get(f"/v1/admin/campaigns/{cid}/recipients", "format=csv&lang=en")
    assert report.status == 200 and report.headers["Content-Type"].startswith("text/csv")
    assert report.text.startswith("\ufeffRecipient,Name,Language") and report.text.count("\r\n") == 51


def test_a_later_send_time_is_one_schedule_and_its_repetition_changes_nothing(world):
    later = datetime.now(timezone.utc) + timedelta(hours=2)
    campaign = approved(world, send_at=later.strftime("%Y-%m-%dT%H:%M:%SZ"))
    scheduled = world["supervisor"].post(f"/v1/admin/campaigns/{campaign['id']}/send",
                                         {"version": campaign["version"]})
    assert scheduled.status == 200 and scheduled.body["state"] == "scheduled", scheduled.body
    scheduler = boto3.client("scheduler", region_name=aws.REGION)
    group = os.environ["CIVICDESK_CAMPAIGN_SCHEDULE_GROUP"]
    schedule = scheduler.get_schedule(Name=f"campaign-{campaign['id']}", GroupName=group)
    assert schedule["ScheduleExpression"] == f"at({later:%Y-%m-%dT%H:%M:%S})"
    assert schedule["Target"]["Arn"] == os.environ["CIVICDESK_CAMPAIGN_PLAN_QUEUE_ARN"]
    # The schedule fires (twice: Scheduler delivers at least once).
    body = schedule["Target"]["Input"]
    for _ in range(2):
        boto3.client("sqs", region_name=aws.REGION).send_message(
            QueueUrl=world["plan"].url, MessageBody=body)
    assert invoke(world, "CampaignPlannerFunction", world["plan"].receive()) == {"batchItemFailures": []}
    chunks = world["send"].receive()
    assert len(chunks) == 2  # 50 recipients, 25 a message, planned once
    assert world["operator"].get(f"/v1/admin/campaigns/{campaign['id']}").body["progress"]["recipients"] == 50
    with pytest.raises(scheduler.exceptions.ResourceNotFoundException):
        scheduler.get_schedule(Name=f"campaign-{campaign['id']}", GroupName=group)


def test_cancel_during_sending_sends_nothing_queued(world):
    campaign = approved(world)
    cid = campaign["id"]
    world["operator"].post(f"/v1/admin/campaigns/{cid}/send", {"version": campaign["version"]})
    invoke(world, "CampaignPlannerFunction", world["plan"].receive())
    first, second = world["send"].receive()
    invoke(world, "CampaignSenderFunction", [first])
    version = world["operator"].get(f"/v1/admin/campaigns/{cid}").body["version"]
    cancelled = world["operator"].post(f"/v1/admin/campaigns/{cid}/cancel", {"version": version})
    assert cancelled.status == 200 and cancelled.body["state"] == "cancelled", cancelled.body
    before = len(aws.sent_mails())
    invoke(world, "CampaignSenderFunction", [second])
    assert len(aws.sent_mails()) == before
    counts = world["operator"].get(f"/v1/admin/campaigns/{cid}").body["counts"]["state"]
    assert counts["cancelled"] == len(json.loads(second["body"])["keys"])
