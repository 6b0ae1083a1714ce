"""Citizens' SMS under moto, as in AWS: End User Messaging's JSON published to InboundSmsTopic,
through the queue (raw delivery, as the template subscribes it) into IngestSmsFunction. A new
case with its auto-reply, a message on the one open case, the numbered question with two, STOP
and START on the suppression list (and a notification SMS not sent to a STOPped number), a
duplicate delivery, and the loop rules."""

from __future__ import annotations

import json
import os
from pathlib import Path

import boto3
import pytest

from infra.local.event_sources import lambda_sqs_record
from tests.support import aws
from tests.support.admin import AdminApi, Staff
from tests.support.aws import sms_to
from tests.support.pipeline import Pipeline

SAMPLES = Path(__file__).resolve().parents[1] / "fixtures" / "sms"
OUR_NUMBER = "+381600000100"
CITIZEN = "+381641234567"


def inbound(body: str, sender: str = CITIZEN, message_id: str | None = None) -> dict:
    """The recorded End User Messaging message with this sender, text and id."""
    message = json.loads((SAMPLES / "citizen_report.json").read_text(encoding="utf-8"))
    message.update(originationNumber=sender, messageBody=body)
    if message_id:
        message["inboundMessageId"] = message_id
    else:
        import uuid

        message["inboundMessageId"] = str(uuid.uuid4())
    return message


class SmsQueue:
    """InboundSmsTopic -> subscription (raw) -> InboundSmsQueue -> IngestSmsFunction."""

    def __init__(self, resources):
        self.sns = boto3.client("sns", region_name=aws.REGION)
        self.sqs = boto3.client("sqs", region_name=aws.REGION)
        self.topic = resources.topics["InboundSmsTopic"]
        self.url = resources.queues["InboundSmsQueue"]
        self.arn = self.sqs.get_queue_attributes(
            QueueUrl=self.url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        self.function = aws.load_function("IngestSmsFunction")

    def publish(self, message: dict | str) -> None:
        self.sns.publish(TopicArn=self.topic,
                         Message=message if isinstance(message, str) else json.dumps(message))

    def receive(self) -> list[dict]:
        messages = self.sqs.receive_message(QueueUrl=self.url, MaxNumberOfMessages=10,
                                            AttributeNames=["All"]).get("Messages", [])
        for message in messages:
            self.sqs.delete_message(QueueUrl=self.url, ReceiptHandle=message["ReceiptHandle"])
        return [lambda_sqs_record(m, queue_arn=self.arn, region=aws.REGION) for m in messages]

    def invoke(self, records: list[dict]) -> dict:
        return self.function.handler({"Records": records}, aws.context("IngestSmsFunction"))

    def text(self, body: str, sender: str = CITIZEN, message_id: str | None = None) -> list[dict]:
        """The citizen texts ``body``: published, received, handled; the records it was."""
        self.publish(inbound(body, sender, message_id))
        records = self.receive()
        assert len(records) == 1, records
        assert self.invoke(records) == {"batchItemFailures": []}
        return records


@pytest.fixture
def setting(aws_env, monkeypatch):
    monkeypatch.setenv("CIVICDESK_SMS_ORIGINATION_NUMBERS", OUR_NUMBER)
    from civicdesk import wiring

    wiring.reset()
    staff = Staff(AdminApi(), os.environ["CIVICDESK_STAFF_USER_POOL_ID"])
    return {"operator": staff.add("operator.vesna", "operator"),
            "supervisor": staff.add("supervisor.zoran", "supervisor"),
            "queue": SmsQueue(aws_env), "resources": aws_env}


def cases_of(caller, phone: str = CITIZEN) -> list[dict]:
    answer = caller.get("/v1/admin/requesters", f"phone={phone.replace('+', '%2B')}")
    assert answer.status == 200, answer.body
    return answer.body["cases"] if "cases" in answer.body else answer.body["items"]


def case(caller, number: str) -> dict:
    view = caller.get(f"/v1/admin/cases/{number}", "lang=en")
    assert view.status == 200, view.body
    return view.body


def entries(view: dict, kind: str) -> list[dict]:
    return [e for e in view["timeline"] if e["kind"] == kind]


def opened_by_operator(caller, description: str = "Рупа у Улици Вука Караџића 5.") -> str:
    answer = caller.post("/v1/admin/cases", {
        "type": "signal", "channel": "phone", "category": "road_damage",
        "description": description, "requester": {"phone": "064 123 4567"}})
    assert answer.status == 201, answer.body
    return answer.body["number"]


def sms_cases(resources) -> list[dict]:
    """Every case item of the table whose channel is ``sms`` (a test may scan)."""
    table = boto3.client("dynamodb", region_name=aws.REGION)
    items = table.scan(TableName=resources.tables["CasesTable"])["Items"]
    return [i for i in items if i.get("entity", {}).get("S") == "case"
            and i.get("channel", {}).get("S") == "sms"]


def test_an_sms_opens_a_case_and_its_auto_reply_goes_back_by_sms_once(setting):
    queue, operator = setting["queue"], setting["operator"]
    # WHEN a citizen with no case texts the municipality's number
    queue.text("Ne radi ulična rasveta u Njegoševoj 12, ceo blok je u mraku.")
    # THEN a case on channel sms exists, with the text as a citizen's message
    [item] = sms_cases(setting["resources"])
    number = item["number"]["S"]
    view = case(operator, number)
    assert view["channel"] == "sms" and view["status"] == "new"
    [message] = entries(view, "message_in")
    assert message["data"]["text"].startswith("Ne radi ulična rasveta")
    assert message["data"]["from"] == CITIZEN and message["data"]["channel"] == "sms"
    # AND the auto-reply went back by SMS with the number and the private tracking link
    [reply] = sms_to(CITIZEN)
    assert number in reply and "http://portal.test/" in reply
    out = entries(case(operator, number), "message_out")
    assert [e["data"]["kind"] for e in out] == ["auto_reply"]
    # AND the notify function does not confirm it a second time
    Pipeline(setting["resources"]).run()
    assert len(sms_to(CITIZEN)) == 1


def test_a_duplicate_delivery_changes_nothing_and_sends_nothing(setting):
    queue = setting["queue"]
    records = queue.text("Kontejner kod škole nije odnesen.", message_id="dup-1")
    # WHEN the same record is delivered again (SQS, SNS are at-least-once)
    assert queue.invoke(records) == {"batchItemFailures": []}
    # AND End User Messaging publishes the same message once more
    queue.text("Kontejner kod škole nije odnesen.", message_id="dup-1")
    assert len(sms_cases(setting["resources"])) == 1
    assert len(sms_to(CITIZEN)) == 1


def test_an_sms_with_one_open_case_is_added_to_it_and_answered_briefly(setting):
    queue, supervisor = setting["queue"], setting["supervisor"]
    number = opened_by_operator(setting["operator"])
    version = case(supervisor, number)["version"]
    answer = supervisor.post(f"/v1/admin/cases/{number}/status",
                             {"status": "waiting_for_citizen", "reason": "Need the address",
                              "version": version})
    assert answer.status == 200, answer.body
    # WHEN the citizen answers by SMS
    queue.text("Kod kućnog broja 5, ispred apoteke.")
    # THEN the text is on that case, which left waiting-for-citizen, and no case was opened
    view = case(supervisor, number)
    assert [e["data"]["text"] for e in entries(view, "message_in")] == ["Kod kućnog broja 5, ispred apoteke."]
    assert view["status"] == "in_progress"
    assert sms_cases(setting["resources"]) == []
    [ack] = sms_to(CITIZEN)
    assert number in ack


def test_two_open_cases_get_the_numbered_question_and_the_digit_files_the_kept_text(setting):
    queue, operator = setting["queue"], setting["operator"]
    first = opened_by_operator(operator)
    queue.text("Prva poruka otvara drugi predmet? Ne: ovo je dodato prvom.")  # one open: added
    second = opened_by_operator(operator, "Бука са градилишта ноћу.")
    # WHEN the citizen texts with two open cases
    queue.text("Buka i dalje traje posle 22h.")
    # THEN the reply asks which, numbered with the numbers and categories (newest first)
    question = sms_to(CITIZEN)[-1]
    assert f"1: {second}" in question and f"2: {first}" in question
    # WHEN the citizen answers with a digit
    queue.text("1")
    # THEN the kept text is on the second case, not on the first, and no case was opened
    assert "Buka i dalje traje posle 22h." in [
        e["data"]["text"] for e in entries(case(operator, second), "message_in")]
    assert "Buka i dalje traje posle 22h." not in [
        e["data"]["text"] for e in entries(case(operator, first), "message_in")]
    assert sms_cases(setting["resources"]) == []
    assert second in sms_to(CITIZEN)[-1]


def test_a_reply_that_is_no_valid_digit_asks_once_more_then_opens_a_case_with_it(setting):
    queue, operator = setting["queue"], setting["operator"]
    opened_by_operator(operator)
    opened_by_operator(operator, "Бука са градилишта ноћу.")
    queue.text("Još jedna stvar: kanta je polomljena.")
    queue.text("7")  # not a choice: asked again
    assert "1" in sms_to(CITIZEN)[-1] and len(sms_to(CITIZEN)) == 2
    queue.text("ne znam")  # still not: a new case with everything kept
    [item] = sms_cases(setting["resources"])
    texts = [e["data"]["text"] for e in entries(case(operator, item["number"]["S"]), "message_in")]
    assert texts == ["Još jedna stvar: kanta je polomljena.", "7", "ne znam"]


def test_stop_suppresses_the_number_confirms_once_and_ends_notification_sms(setting):
    queue, operator, supervisor = setting["queue"], setting["operator"], setting["supervisor"]
    number = opened_by_operator(operator)
    pipeline = Pipeline(setting["resources"])
    pipeline.run()
    assert len(sms_to(CITIZEN)) == 1  # the phone case's confirmation
    # WHEN the citizen texts STOP in Serbian
    queue.text("Odjava")
    # THEN the number is on the suppression list, and one confirmation went, in Serbian Latin
    listed = supervisor.get("/v1/admin/suppressions").body["items"]
    assert [(i["address"], i["reason"]) for i in listed] == [(CITIZEN, "sms_opt_out")]
    assert len(sms_to(CITIZEN)) == 2 and "PRIJAVA" in sms_to(CITIZEN)[-1]
    # AND a status change of their case sends no SMS (recorded as suppressed), and is not retried
    version = case(supervisor, number)["version"]
    assert supervisor.post(f"/v1/admin/cases/{number}/status",
                           {"status": "in_progress", "reason": "Started", "version": version}).status == 200
    pipeline.run()
    assert len(sms_to(CITIZEN)) == 2
    outcomes = [e["data"].get("outcome") for e in entries(case(supervisor, number), "notification")]
    assert "suppressed" in outcomes
    # WHEN they text START
    queue.text("START")
    assert supervisor.get("/v1/admin/suppressions").body["items"] == []
    assert len(sms_to(CITIZEN)) == 3


def test_no_reply_to_our_own_number_short_codes_or_named_senders(setting):
    queue = setting["queue"]
    queue.text("Vaš predmet 2026-000001 je rešen.", sender=OUR_NUMBER)  # our own SMS, come back
    queue.text("Vasa uplata je primljena.", sender="Banka")
    queue.text("Stanje racuna: 100 din.", sender="1234")
    # THEN nothing was sent; our own came to no case; the machines' texts are kept as cases
    assert sms_to(OUR_NUMBER) == sms_to("Banka") == sms_to("1234") == []
    assert len(sms_cases(setting["resources"])) == 2
    quarantine = boto3.client("dynamodb", region_name=aws.REGION).query(
        TableName=setting["resources"].tables["CasesTable"],
        KeyConditionExpression="PK = :pk", ExpressionAttributeValues={":pk": {"S": "SMSQUARANTINE"}})
    assert [i["reason"]["S"] for i in quarantine["Items"]] == ["own_number"]


def test_replies_to_one_number_are_limited_per_hour_and_what_was_not_sent_is_recorded(setting):
    queue, operator = setting["queue"], setting["operator"]
    for index in range(7):  # HELP is answered, but counts against the hour's allowance
        queue.text("HELP" if index % 2 else "POMOĆ")
    assert len(sms_to(CITIZEN)) == 5  # the demo municipality's auto_reply_limit_per_hour
    markers = boto3.client("dynamodb", region_name=aws.REGION).scan(
        TableName=setting["resources"].tables["CasesTable"],
        FilterExpression="entity = :e", ExpressionAttributeValues={":e": {"S": "sms_inbound"}})
    assert sorted(i.get("reply_suppressed", {}).get("S", "") for i in markers["Items"]) == \
        ["", "", "", "", "", "rate_limited", "rate_limited"]
    assert operator is not None


def test_an_unreadable_record_is_kept_whole_in_the_quarantine(setting):
    queue = setting["queue"]
    queue.publish('{"originationNumber": "+381641234567", "messageBody": "bez id-a"}')
    records = queue.receive()
    assert queue.invoke(records) == {"batchItemFailures": []}
    quarantine = boto3.client("dynamodb", region_name=aws.REGION).query(
        TableName=setting["resources"].tables["CasesTable"],
        KeyConditionExpression="PK = :pk", ExpressionAttributeValues={":pk": {"S": "SMSQUARANTINE"}})
    [item] = quarantine["Items"]
    assert item["reason"]["S"] == "unreadable:missing:inboundMessageId"
    assert "bez id-a" in item["raw"]["S"]


def test_a_reply_that_failed_to_go_goes_with_the_redelivery_and_the_case_is_not_opened_twice(
        setting, monkeypatch):
    from civicdesk import wiring
    from civicdesk.domain.sms import SmsDeliveryError, SmsFailure

    queue = setting["queue"]
    sender = wiring.raw_sms_sender()
    real_send = sender.send
    calls = []

    def throttled_once(sms):
        calls.append(sms.to)
        if len(calls) == 1:
            raise SmsDeliveryError(SmsFailure.THROTTLED, "Throttling")
        return real_send(sms)

    monkeypatch.setattr(sender, "send", throttled_once)
    queue.publish(inbound("Pukla cev u Ulici Kralja Petra 3.", message_id="retry-1"))
    records = queue.receive()
    # WHEN SNS throttles the auto-reply: the record is reported failed, the case is written
    answer = queue.invoke(records)
    assert [f["itemIdentifier"] for f in answer["batchItemFailures"]] == [records[0]["messageId"]]
    assert len(sms_cases(setting["resources"])) == 1 and sms_to(CITIZEN) == []
    # THEN the redelivery sends the reply the marker kept, and opens nothing
    assert queue.invoke(records) == {"batchItemFailures": []}
    assert len(sms_cases(setting["resources"])) == 1
    [reply] = sms_to(CITIZEN)
    assert sms_cases(setting["resources"])[0]["number"]["S"] in reply
    # AND a third delivery sends nothing more
    assert queue.invoke(records) == {"batchItemFailures": []}
    assert len(sms_to(CITIZEN)) == 1


def test_a_reply_held_by_an_invocation_that_died_waits_for_its_lease_then_goes_once(
        setting, monkeypatch):
    from datetime import timedelta

    from civicdesk import wiring
    from civicdesk.domain.cases import utc_now

    queue = setting["queue"]
    sender = wiring.raw_sms_sender()
    real_send = sender.send

    def died(sms):
        raise RuntimeError("the invocation timed out mid-send")

    monkeypatch.setattr(sender, "send", died)
    queue.publish(inbound("Pas lutalica ujeo dete u parku.", message_id="crash-1"))
    records = queue.receive()
    assert queue.invoke(records)["batchItemFailures"]  # the first invocation dies holding it
    monkeypatch.setattr(sender, "send", real_send)
    # WHEN a second delivery comes within the lease (SNS published twice): it sends nothing
    assert queue.invoke(records) == {"batchItemFailures": []}
    assert sms_to(CITIZEN) == []
    # WHEN the record comes back after the lease: the reply goes, once
    service = wiring.sms_intake_service()
    monkeypatch.setattr(service, "_clock", lambda: utc_now() + timedelta(minutes=3))
    assert queue.invoke(records) == {"batchItemFailures": []}
    assert queue.invoke(records) == {"batchItemFailures": []}
    assert len(sms_to(CITIZEN)) == 1 and len(sms_cases(setting["resources"])) == 1


def test_stop_also_ends_the_numbers_alert_subscriptions(setting):
    """A resident subscribed to alerts by SMS (and by mail) texts STOP: the subscription keeps
    only its mail channel, and the number is gone from it; a second STOP changes nothing."""
    import re

    from civicdesk import wiring

    api = setting["operator"].api
    subscribed = api.call("POST", "/v1/public/alerts", {
        "topics": ["water"], "areas": ["centar"], "phone": CITIZEN, "language": "sr-Latn"})
    assert subscribed.status == 202, subscribed.body
    code = re.findall(r"\b(\d{6})\b", sms_to(CITIZEN)[-1])[0]
    confirmed = api.call("POST", f"/v1/public/alerts/{subscribed.body['id']}/sms-confirmation",
                         {"code": code})
    assert confirmed.status == 200, confirmed.body
    assert [s.phone for s in wiring.alert_subscribers().confirmed()] == [CITIZEN]

    # WHEN the number texts STOP (twice: the second is a new message, not a redelivery)
    setting["queue"].text("STOP")
    setting["queue"].text("STOP")

    # THEN no alert subscription reaches the number any more; the subscription ended
    assert list(wiring.alert_subscribers().confirmed()) == []
    ended = api.call("GET", "/v1/public/alerts/subscription",
                     query=f"token={confirmed.body['token']}")
    assert ended.status == 200 and ended.body["status"] == "ended", ended.body


def test_a_digit_answers_the_sms_survey_sent_to_the_number_once(setting):
    """An open one-question SMS survey was sent to the number: its digit is the survey's answer
    (thanked by SMS, no case opened); the same SMS delivered again changes nothing."""
    from civicdesk import wiring
    from civicdesk.domain.audiences import AudienceMember, Channel, MemberSource, member_key
    from tests.functional.test_surveys_api import DESIGN

    supervisor = setting["supervisor"]
    design = {**DESIGN, "channels": ["sms"], "questions": [DESIGN["questions"][0]]}
    created = supervisor.post("/v1/admin/surveys", design)
    assert created.status == 201, created.body
    opened = supervisor.post(f"/v1/admin/surveys/{created.body['id']}/open", {})
    assert opened.status == 200, opened.body
    survey_id = opened.body["id"]
    wiring.survey_service().invitation_link(survey_id, AudienceMember(
        key=member_key(None, CITIZEN), language="en", source=MemberSource.SUBSCRIPTION,
        channels=(Channel.SMS,), phone=CITIZEN))

    # WHEN the citizen replies with a digit (and the carrier delivers it twice)
    records = setting["queue"].text("4", message_id="survey-reply-1")
    assert setting["queue"].invoke(records) == {"batchItemFailures": []}

    # THEN one answer is counted, one thanks went back, and no case was opened
    results = supervisor.get(f"/v1/admin/surveys/{survey_id}/results").body
    assert results["responses"] == 1
    assert len(sms_to(CITIZEN)) == 1 and "recorded" in sms_to(CITIZEN)[0]
    assert sms_cases(setting["resources"]) == []
