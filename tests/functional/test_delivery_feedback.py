"""Delivery feedback under moto: SES's events about our mail go, as in AWS, from the
configuration set's topic through the delivery events queue (raw delivery, as the template
subscribes it) into DeliveryFeedbackFunction; the case's timeline, the recipient and the
suppression list record them; a hard bounce texts the requester once; later sends respect the
suppression list, and staff can lift it."""

from __future__ import annotations

import json
import os
from pathlib import Path

import boto3
import pytest

from infra.local.event_sources import lambda_sqs_record
from tests.support import aws
from tests.support.admin import AdminApi, Staff
from tests.support.aws import mails_to, sms_to

SAMPLES = Path(__file__).resolve().parents[1] / "fixtures" / "ses"
REQUESTER = "marko.petrovic@example.rs"
MOBILE = "+381641234567"
PHONE_CALL = {
    "type": "request", "channel": "phone", "category": "road_damage",
    "description": "Грађанин пита када ће бити поправљена рупа у Улици Вука Караџића 5.",
    "requester": {"name": "Марко Петровић", "email": REQUESTER, "phone": "064 123 4567"},
}


# -- the pieces --------------------------------------------------------------------------------

def ses_event(name: str, message_id: str, address: str) -> dict:
    """A stored SES sample, about ``message_id`` and ``address``."""
    event = json.loads((SAMPLES / f"{name}.json").read_text(encoding="utf-8"))
    event["mail"]["messageId"] = message_id
    event["mail"]["destination"] = [address]
    for section, key in (("bounce", "bouncedRecipients"), ("complaint", "complainedRecipients")):
        if section in event:
            for recipient in event[section][key]:
                recipient["emailAddress"] = address
    if "delivery" in event:
        event["delivery"]["recipients"] = [address]
    return event


class DeliveryQueue:
    """What SES publishes to the configuration set's topic reaches the function the way the
    template wires it: topic -> subscription (raw) -> queue -> SQS event source."""

    def __init__(self, resources):
        self.sns = boto3.client("sns", region_name=aws.REGION)
        self.sqs = boto3.client("sqs", region_name=aws.REGION)
        self.topic = resources.topics["DeliveryEventsTopic"]
        self.url = resources.queues["DeliveryEventsQueue"]
        self.arn = self.sqs.get_queue_attributes(
            QueueUrl=self.url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        self.function = aws.load_function("DeliveryFeedbackFunction")

    def publish(self, event: dict | str) -> None:
        self.sns.publish(TopicArn=self.topic,
                         Message=event if isinstance(event, str) else json.dumps(event))

    def receive(self) -> list[dict]:
        messages = self.sqs.receive_message(QueueUrl=self.url, MaxNumberOfMessages=10,
                                            AttributeNames=["All"]).get("Messages", [])
        return [lambda_sqs_record(m, queue_arn=self.arn, region=aws.REGION) for m in messages]

    def invoke(self, records: list[dict]) -> dict:
        return self.function.handler({"Records": records}, aws.context("DeliveryFeedbackFunction"))

    def deliver(self, event: dict | str) -> tuple[dict, list[dict]]:
        """Publish, receive, invoke: the function's answer and the records it got."""
        self.publish(event)
        records = self.receive()
        assert len(records) == 1, records
        return self.invoke(records), records


@pytest.fixture
def setting(aws_env):
    staff = Staff(AdminApi(), os.environ["CIVICDESK_STAFF_USER_POOL_ID"])
    return {"operator": staff.add("operator.vesna", "operator"),
            "supervisor": staff.add("supervisor.zoran", "supervisor"),
            "agent": staff.add("agent.roads", "department_agent", departments=("roads_traffic",)),
            "queue": DeliveryQueue(aws_env)}


def open_case(caller, **requester) -> str:
    answer = caller.post("/v1/admin/cases", {**PHONE_CALL, "requester": {**PHONE_CALL["requester"],
                                                                          **requester}})
    assert answer.status == 201, answer.body
    return answer.body["number"]


def reply(caller, number: str, text: str = "Екипа излази сутра ујутру.") -> dict:
    version = caller.get(f"/v1/admin/cases/{number}").body["version"]
    answer = caller.post(f"/v1/admin/cases/{number}/replies", {"text": text, "version": version})
    assert answer.status == 200, answer.body
    return answer.body


def timeline(caller, number: str, kind: str) -> list[dict]:
    view = caller.get(f"/v1/admin/cases/{number}", "lang=sr-Latn")
    assert view.status == 200, view.body
    return [entry for entry in view.body["timeline"] if entry["kind"] == kind]


def suppressions(caller) -> dict[str, dict]:
    answer = caller.get("/v1/admin/suppressions")
    assert answer.status == 200, answer.body
    return {item["address"]: item for item in answer.body["items"]}


# -- the scenarios ----------------------------------------------------------------------------

def test_a_hard_bounce_is_recorded_suppresses_and_texts_the_requester_once(setting):
    operator, supervisor, queue = setting["operator"], setting["supervisor"], setting["queue"]
    # GIVEN a case of a requester with an address and a mobile number, answered by mail
    number = open_case(operator)
    answered = reply(operator, number)
    assert answered["delivery"] == "sent"
    message_id = answered["message_id"]

    # WHEN SES reports that the mail bounced for good, and SQS delivers that message twice
    answer, records = queue.deliver(ses_event("bounce_permanent", message_id, REQUESTER))
    assert answer == {"batchItemFailures": []}
    assert queue.invoke(records) == {"batchItemFailures": []}

    # THEN the case records the report (internal) and the failed delivery (a domain event) once
    [report] = timeline(operator, number, "delivery_report")
    assert report["public"] is False and report["actor"] == "system:ses"
    assert report["data"]["status"] == "bounced" and report["data"]["to"] == REQUESTER
    assert report["data"]["message_id"] == message_id and report["data"]["kind"] == "reply"
    assert report["data"]["bounce_type"] == "Permanent" and report["data"]["suppressed"] == "bounce"
    assert "User unknown" in report["data"]["diagnostic"]
    assert report["text"] == f"Izveštaj o dostavi za {REQUESTER}: vraćeno."
    [failed] = timeline(operator, number, "delivery_failed")
    assert failed["data"]["reason"] == "bounce" and failed["data"]["kind"] == "reply"
    # ... the address is on the suppression list, with the message and case that put it there
    listed = suppressions(supervisor)[REQUESTER]
    assert listed["reason"] == "bounce" and listed["message_id"] == message_id
    assert listed["case"] == number and listed["counts"]["bounced"] == 1
    # ... and the requester got exactly one SMS saying the mail did not arrive
    [text] = sms_to(MOBILE)
    assert number in text
    [sms] = timeline(operator, number, "notification")
    assert sms["data"]["channel"] == "sms" and sms["data"]["kind"] == "email_bounced"
    assert sms["data"]["cause"] == message_id


def test_the_next_reply_to_a_suppressed_address_goes_by_sms_and_is_recorded(setting):
    operator, queue = setting["operator"], setting["queue"]
    number = open_case(operator)
    first = reply(operator, number)
    queue.deliver(ses_event("bounce_permanent", first["message_id"], REQUESTER))
    mails_before, texts_before = len(mails_to(REQUESTER)), len(sms_to(MOBILE))

    # WHEN staff answer again
    second = reply(operator, number, "Рупа је санирана.")

    # THEN no mail goes to the suppressed address; the reply goes by SMS, and both are recorded
    assert second["delivery"] == "sms_fallback" and second["channel"] == "email"
    assert len(mails_to(REQUESTER)) == mails_before
    texts = sms_to(MOBILE)
    assert len(texts) == texts_before + 1 and "Рупа је санирана." in texts[-1]
    suppressed = [e for e in timeline(operator, number, "delivery_failed")
                  if e["data"].get("reason") == "suppressed"]
    assert [e["data"]["suppression"] for e in suppressed] == ["bounce"]
    assert any(e["data"].get("reason") == "email_suppressed"
               for e in timeline(operator, number, "notification"))


def test_a_complaint_suppresses_without_an_sms_and_a_reply_without_phone_is_not_sent(setting):
    operator, supervisor, queue = setting["operator"], setting["supervisor"], setting["queue"]
    address = "jelena.ilic@example.rs"
    number = open_case(operator, email=address, phone=None)
    message_id = reply(operator, number)["message_id"]

    answer, _ = queue.deliver(ses_event("complaint", message_id, address))

    assert answer == {"batchItemFailures": []}
    assert suppressions(supervisor)[address]["reason"] == "complaint"
    [failed] = timeline(operator, number, "delivery_failed")
    assert failed["data"]["reason"] == "complaint"
    assert timeline(operator, number, "notification") == []
    # The next reply cannot go anywhere: recorded as suppressed, nothing mailed.
    mails_before = len(mails_to(address))
    assert reply(operator, number)["delivery"] == "suppressed"
    assert len(mails_to(address)) == mails_before


def test_a_referral_to_a_suppressed_address_is_not_sent(setting):
    operator, queue = setting["operator"], setting["queue"]
    number = open_case(operator)
    body = "inspekcija@example.rs"
    version = operator.get(f"/v1/admin/cases/{number}").body["version"]
    referred = operator.post(f"/v1/admin/cases/{number}/referrals",
                             {"email": body, "message": "Молимо поступите.", "version": version})
    assert referred.status == 200 and referred.body["delivery"] == "sent", referred.body
    queue.deliver(ses_event("bounce_permanent", referred.body["message_id"], body))
    # the referral's bounce is recorded but texts nobody: it was not the requester's mail
    assert sms_to(MOBILE) == []

    version = operator.get(f"/v1/admin/cases/{number}").body["version"]
    again = operator.post(f"/v1/admin/cases/{number}/referrals",
                          {"email": body, "message": "Поново.", "version": version})
    assert again.status == 200 and again.body["delivery"] == "suppressed"
    assert any(e["data"].get("reason") == "suppressed"
               for e in timeline(operator, number, "delivery_failed"))


def test_lifting_a_suppression_is_recorded_and_mail_goes_out_again(setting):
    operator, supervisor, agent = setting["operator"], setting["supervisor"], setting["agent"]
    number = open_case(operator)
    setting["queue"].deliver(ses_event("bounce_permanent", reply(operator, number)["message_id"],
                                       REQUESTER))
    path = f"/v1/admin/suppressions/{REQUESTER.replace('@', '%40')}"

    # Department agents and operators may neither see nor lift the list
    assert agent.get("/v1/admin/suppressions").status == 403
    assert operator.delete(path, {"reason": "Грађанин је јавио исправну адресу"}).status == 403
    # A reason is required
    missing = supervisor.delete(path, {})
    assert missing.status == 400 and missing.fields == {"reason": "required"}

    lifted = supervisor.delete(path, {"reason": "Грађанин је потврдио адресу телефоном"})

    assert lifted.status == 200, lifted.body
    assert lifted.body["reason"] is None and lifted.body["lifted_suppression"] == "bounce"
    assert lifted.body["lifted_by"] == "staff:supervisor.zoran"
    assert lifted.body["lift_reason"] == "Грађанин је потврдио адресу телефоном"
    assert REQUESTER not in suppressions(supervisor)
    assert supervisor.delete(path, {"reason": "Још једном"}).status == 404
    mails_before = len(mails_to(REQUESTER))
    assert reply(operator, number)["delivery"] == "sent"
    assert len(mails_to(REQUESTER)) == mails_before + 1


def test_a_late_repeat_of_a_bounce_does_not_undo_a_lift(setting):
    operator, supervisor, queue = setting["operator"], setting["supervisor"], setting["queue"]
    number = open_case(operator)
    event = ses_event("bounce_permanent", reply(operator, number)["message_id"], REQUESTER)
    event["bounce"]["timestamp"] = "2020-01-01T00:00:00.000Z"  # long before the lift
    queue.deliver(event)
    assert supervisor.delete(f"/v1/admin/suppressions/{REQUESTER}",
                             {"reason": "Адреса исправљена"}).status == 200
    # the same bounce, as SES reports another message's: old, it suppresses nothing now
    event["mail"]["messageId"] = reply(operator, number)["message_id"]
    queue.deliver(event)
    assert REQUESTER not in suppressions(supervisor)


def test_a_transient_bounce_is_recorded_and_suppresses_nothing(setting):
    operator, supervisor, queue = setting["operator"], setting["supervisor"], setting["queue"]
    number = open_case(operator)
    message_id = reply(operator, number)["message_id"]

    answer, _ = queue.deliver(ses_event("bounce_transient", message_id, REQUESTER))

    assert answer == {"batchItemFailures": []}
    [report] = timeline(operator, number, "delivery_report")
    assert report["data"]["status"] == "bounced" and report["data"]["bounce_type"] == "Transient"
    assert "suppressed" not in report["data"]
    assert timeline(operator, number, "delivery_failed") == []
    assert suppressions(supervisor) == {}
    assert sms_to(MOBILE) == []
    assert reply(operator, number)["delivery"] == "sent"


def test_a_delivery_is_counted_on_the_recipient_and_recorded_on_the_case(setting):
    from civicdesk import wiring

    operator, queue = setting["operator"], setting["queue"]
    number = open_case(operator)
    message_id = reply(operator, number)["message_id"]

    queue.deliver(ses_event("delivery", message_id, REQUESTER))

    [report] = timeline(operator, number, "delivery_report")
    assert report["data"]["status"] == "delivered"
    recipient = wiring.recipient_repository().recipient(REQUESTER)
    assert recipient.counts["delivered"] == 1 and recipient.suppression is None
    assert recipient.last_case == number and recipient.last_message_id == message_id


def test_a_report_about_mail_of_no_known_case_is_kept_on_the_recipient_only(setting):
    from civicdesk import wiring

    answer, _ = setting["queue"].deliver(ses_event("bounce_permanent", "0102-unknown-000000",
                                                   "nekome@example.rs"))
    assert answer == {"batchItemFailures": []}
    recipient = wiring.recipient_repository().recipient("nekome@example.rs")
    assert recipient.counts["bounced"] == 1 and recipient.suppression.reason.value == "bounce"
    assert recipient.suppression.case_number is None


def test_a_malformed_event_fails_alone_and_the_others_are_recorded(setting):
    operator, queue = setting["operator"], setting["queue"]
    number = open_case(operator)
    message_id = reply(operator, number)["message_id"]
    queue.publish("{\"eventType\": \"Bounce\", \"mail\": {}}")
    queue.publish(ses_event("delivery", message_id, REQUESTER))
    records = queue.receive()
    assert len(records) == 2

    answer = queue.invoke(records)

    bad = next(r["messageId"] for r in records if "mail\": {}" in r["body"])
    assert answer == {"batchItemFailures": [{"itemIdentifier": bad}]}
    assert len(timeline(operator, number, "delivery_report")) == 1


def test_a_failed_sms_is_retried_and_sent_once(setting, monkeypatch):
    from civicdesk import wiring
    from civicdesk.domain.sms import SmsDeliveryError, SmsFailure

    operator, queue = setting["operator"], setting["queue"]
    number = open_case(operator)
    event = ses_event("bounce_permanent", reply(operator, number)["message_id"], REQUESTER)
    sender = wiring.sms_sender()
    real_send = sender.send

    def unavailable(sms):
        raise SmsDeliveryError(SmsFailure.UNAVAILABLE, "InternalError")

    # WHEN SNS fails the first time
    monkeypatch.setattr(sender, "send", unavailable)
    answer, records = queue.deliver(event)
    # THEN the message is reported failed (retried), the report itself is kept
    assert answer == {"batchItemFailures": [{"itemIdentifier": records[0]["messageId"]}]}
    assert len(timeline(operator, number, "delivery_report")) == 1
    assert sms_to(MOBILE) == []

    # WHEN the retry finds SNS working, and the message comes yet again
    monkeypatch.setattr(sender, "send", real_send)
    assert queue.invoke(records) == {"batchItemFailures": []}
    assert queue.invoke(records) == {"batchItemFailures": []}
    # THEN one SMS, one timeline entry, one report
    assert len(sms_to(MOBILE)) == 1
    assert len(timeline(operator, number, "notification")) == 1
    assert len(timeline(operator, number, "delivery_report")) == 1


def test_the_suppression_list_pages_newest_first(setting):
    supervisor, queue = setting["supervisor"], setting["queue"]
    for index in range(3):
        event = ses_event("bounce_permanent", f"0102-page-{index}", f"page{index}@example.rs")
        event["bounce"]["timestamp"] = f"2026-11-2{index + 1}T08:00:00.000Z"
        queue.deliver(event)
    first = supervisor.get("/v1/admin/suppressions", "limit=2")
    assert [i["address"] for i in first.body["items"]] == ["page2@example.rs", "page1@example.rs"]
    assert first.body["next_cursor"]
    second = supervisor.get("/v1/admin/suppressions", f"limit=2&cursor={first.body['next_cursor']}")
    assert [i["address"] for i in second.body["items"]] == ["page0@example.rs"]
    forged = supervisor.get("/v1/admin/suppressions", "cursor=bm9wZQ")
    assert forged.status == 400


def test_no_auto_reply_goes_to_a_suppressed_sender_and_nothing_is_retried(setting, aws_env):
    from email.message import EmailMessage

    from civicdesk import wiring
    from tests.support.ses import receipt

    # GIVEN an address that complained about our mail before
    sender = "ljuti.gradjanin@example.rs"
    setting["queue"].deliver(ses_event("complaint", "0102-old-000000", sender))
    ingest = aws.load_function("IngestEmailFunction")
    message = EmailMessage()
    message["From"], message["To"] = sender, "kjs@demo.civicdesk.rs"
    message["Subject"] = "Контејнер није испражњен"
    message.set_content("Контејнер у Његошевој 12 није испражњен две недеље.")
    boto3.client("s3", region_name=aws.REGION).put_object(
        Bucket=aws_env.buckets["MailBucket"], Key="inbound/" + "c" * 32, Body=message.as_bytes())
    event = receipt("c" * 32, ["kjs@demo.civicdesk.rs"], sender, message.as_bytes(),
                    timestamp="2026-11-25T09:00:00.000Z")

    # WHEN that address writes to a support address, and SES delivers the mail twice
    [first] = ingest.handler(event, aws.context("IngestEmailFunction"))["results"]
    [second] = ingest.handler(event, aws.context("IngestEmailFunction"))["results"]

    # THEN a case is opened, no auto-reply is mailed nor retried, and the case says why
    assert first["outcome"] == "new_case" and first["replied"] is False
    assert second["outcome"] == "duplicate" and second.get("replied") is not True
    assert mails_to(sender) == []
    _, entries = wiring.case_repository().get_with_timeline(first["case_number"])
    [failed] = [e for e in entries if e.kind.value == "delivery_failed"]
    assert failed.data["reason"] == "suppressed" and failed.data["suppression"] == "complaint"
    assert failed.data["kind"] == "auto_reply"


def test_an_auto_reply_records_what_it_was_and_to_whom(setting, aws_env):
    from email.message import EmailMessage

    from civicdesk import wiring
    from tests.support.ses import receipt

    sender = "Petar@Example.rs"
    message = EmailMessage()
    message["From"], message["To"] = sender, "kjs@demo.civicdesk.rs"
    message["Subject"] = "Улична расвета"
    message.set_content("Не ради улична расвета у Улици краља Петра 12.")
    boto3.client("s3", region_name=aws.REGION).put_object(
        Bucket=aws_env.buckets["MailBucket"], Key="inbound/" + "d" * 32, Body=message.as_bytes())
    ingest = aws.load_function("IngestEmailFunction")
    [result] = ingest.handler(receipt("d" * 32, ["kjs@demo.civicdesk.rs"], sender,
                                      message.as_bytes(), timestamp="2026-11-25T09:00:00.000Z"),
                              aws.context("IngestEmailFunction"))["results"]
    assert result["replied"] is True
    _, entries = wiring.case_repository().get_with_timeline(result["case_number"])
    reply_id = next(e.data["message_id"] for e in entries if e.data.get("kind") == "auto_reply")
    assert wiring.mail_repository().message_origin(reply_id) == (
        result["case_number"], "auto_reply", "petar@example.rs")


def test_a_followers_bounce_keeps_the_address_off_the_case_and_fails_nothing(setting):
    from civicdesk import wiring

    operator, supervisor, queue = setting["operator"], setting["supervisor"], setting["queue"]
    number = open_case(operator)
    follower = "pratilac@example.rs"
    # a notification mailed to a follower of the case (what the notify function records)
    wiring.mail_repository().record_message_id("0102-follower-000000", number,
                                               kind="follower_update", to=follower)

    queue.deliver(ses_event("bounce_permanent", "0102-follower-000000", follower))

    [report] = timeline(operator, number, "delivery_report")
    assert follower not in json.dumps(report, ensure_ascii=False)
    assert report["data"]["kind"] == "follower_update" and report["data"]["status"] == "bounced"
    assert timeline(operator, number, "delivery_failed") == []  # not the case's correspondence
    assert sms_to(MOBILE) == []
    assert suppressions(supervisor)[follower]["reason"] == "bounce"
