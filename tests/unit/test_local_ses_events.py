"""SES's event publishing in the local runtime: what the mailbox simulator would report about
each captured mail, in the shape SES publishes (read back by the application's own parser), to
the topics of the template's event destinations; and ``POST /_local/ses-events``."""

from __future__ import annotations

import json
from datetime import datetime, timezone

import pytest

from civicdesk.domain.delivery import DeliveryStatus, parse_delivery_events
from infra.local.apigateway import HttpRequest
from infra.local.outbox import Outbox
from infra.local.server import Frontend, LocalTools
from infra.local.ses_events import (
    EventDestination,
    SentMail,
    SesEventError,
    SesEventPublisher,
    sent_mail,
    sent_mail_of_entry,
    simulated_outcome,
)
from infra.local.template import Template

TOPIC = "arn:aws:sns:eu-central-1:123456789012:civicdesk-local-DeliveryEventsTopic"
ALL_TYPES = frozenset({"delivery", "bounce", "complaint", "reject", "deliveryDelay"})
AT = datetime(2026, 11, 21, 9, 30, tzinfo=timezone.utc)


class Topics:
    def __init__(self):
        self.published: list[tuple[str, dict]] = []

    def __call__(self, topic_arn: str, message: str) -> None:
        self.published.append((topic_arn, json.loads(message)))

    def reports(self):
        return [report for _, event in self.published for report in parse_delivery_events(event)]


def publisher(types=ALL_TYPES, topics=None):
    topics = topics if topics is not None else Topics()
    destination = EventDestination("civicdesk-local-mail", "delivery-feedback", TOPIC,
                                   frozenset(types))
    return SesEventPublisher([destination], topics, clock=lambda: AT), topics


def mail(*to: str, message_id: str = "0102019a-local-1") -> SentMail:
    return SentMail(message_id, "kjs@demo.civicdesk.rs", tuple(to), "[#2026-000001] Одговор")


@pytest.mark.parametrize("address,outcome", [
    ("bounce@simulator.amazonses.com", "bounce"), ("BOUNCE+case1@Simulator.AmazonSES.com", "bounce"),
    ("suppressionlist@simulator.amazonses.com", "bounce"),
    ("complaint@simulator.amazonses.com", "complaint"), ("success@simulator.amazonses.com", "delivery"),
    ("ooto@simulator.amazonses.com", "delivery"), ("bounce@example.rs", "delivery")])
def test_the_mailbox_simulator_addresses(address, outcome):
    assert simulated_outcome(address) == outcome


def test_an_ordinary_address_is_reported_delivered_with_the_real_message_id():
    events, topics = publisher()
    events.mail_sent(mail("petar@example.rs"))
    [(topic, event)] = topics.published
    assert topic == TOPIC and event["eventType"] == "Delivery"
    assert event["mail"]["tags"]["ses:configuration-set"] == ["civicdesk-local-mail"]
    [report] = topics.reports()
    assert (report.message_id, report.address, report.status) == (
        "0102019a-local-1", "petar@example.rs", DeliveryStatus.DELIVERED)


def test_the_bounce_address_bounces_for_good_and_the_complaint_address_complains_after_delivery():
    events, topics = publisher()
    events.mail_sent(mail("bounce@simulator.amazonses.com", "complaint@simulator.amazonses.com"))
    reports = {(r.address, r.status) for r in topics.reports()}
    assert reports == {("complaint@simulator.amazonses.com", DeliveryStatus.DELIVERED),
                       ("bounce@simulator.amazonses.com", DeliveryStatus.BOUNCED),
                       ("complaint@simulator.amazonses.com", DeliveryStatus.COMPLAINED)}
    bounce = next(r for r in topics.reports() if r.status is DeliveryStatus.BOUNCED)
    assert bounce.hard_bounce and bounce.at > AT  # after it was sent
    assert [e["eventType"] for _, e in topics.published] == ["Delivery", "Bounce", "Complaint"]


def test_only_the_types_a_destination_matches_are_published():
    events, topics = publisher(types={"bounce", "complaint"})
    events.mail_sent(mail("petar@example.rs", "bounce@simulator.amazonses.com"))
    assert [e["eventType"] for _, e in topics.published] == ["Bounce"]


def test_any_sent_mail_can_be_made_to_bounce_for_one_recipient():
    events, topics = publisher()
    sent = mail("petar@example.rs", "mila@example.rs")
    events.mail_sent(sent)
    topics.published.clear()
    events.report(sent, "bounce", "Mila@example.rs")
    [report] = topics.reports()
    assert (report.address, report.hard_bounce) == ("mila@example.rs", True)
    with pytest.raises(SesEventError, match="not a recipient"):
        events.report(sent, "bounce", "nobody@example.rs")
    with pytest.raises(SesEventError, match="type must be one of"):
        events.report(sent, "open")


def test_without_an_sns_destination_nothing_is_published_and_a_request_says_why():
    events = SesEventPublisher([], Topics())
    assert events.mail_sent(mail("petar@example.rs")) == []
    with pytest.raises(SesEventError, match="no SNS event destination"):
        events.report(mail("petar@example.rs"), "bounce")


def test_the_sender_and_recipients_of_a_captured_mail():
    raw = ("From: =?utf-8?q?Grad_Demo?= <kjs@demo.civicdesk.rs>\r\nTo: x\r\nSubject: [#2026-000001] x"
           "\r\n\r\nbody").encode()
    assert sent_mail("m-1", raw, ["Petar@Example.rs", "petar@example.rs"]) == SentMail(
        "m-1", "kjs@demo.civicdesk.rs", ("petar@example.rs",), "[#2026-000001] x")
    entry = {"id": "m-2", "from": "Grad Demo <kjs@demo.civicdesk.rs>", "to": ["a@b.rs"],
             "subject": "S"}
    assert sent_mail_of_entry(entry) == SentMail("m-2", "kjs@demo.civicdesk.rs", ("a@b.rs",), "S")


def test_the_template_declares_an_sns_destination_for_bounces_and_complaints():
    template = Template()
    [destination] = template.of_type("AWS::SES::ConfigurationSetEventDestination").values()
    definition = destination["Properties"]["EventDestination"]
    assert {"delivery", "bounce", "complaint"} <= set(definition["MatchingEventTypes"])
    assert "SnsDestination" in definition


class Sent:
    def __init__(self, message_id, to):
        self.id, self.destinations = message_id, [to]
        self.raw_data = f"From: kjs@demo.civicdesk.rs\r\nTo: {to}\r\nSubject: S\r\n\r\nbody\r\n"


def test_the_outbox_reports_each_captured_mail_once(tmp_path):
    sent, seen = [Sent("ses-1", "a@b.rs")], []
    outbox = Outbox(tmp_path, lambda: sent, on_mail=lambda *mail: seen.append(mail))
    outbox.capture()
    outbox.capture()
    sent.append(Sent("ses-2", "c@d.rs"))
    outbox.capture()
    assert [(message_id, to) for message_id, _, to in seen] == [("ses-1", ["a@b.rs"]),
                                                                ("ses-2", ["c@d.rs"])]


def test_a_failing_report_does_not_lose_the_mail(tmp_path):
    def broken(*_):
        raise RuntimeError("SNS is down")

    outbox = Outbox(tmp_path, lambda: [Sent("ses-1", "a@b.rs")], on_mail=broken)
    assert outbox.capture() == 1
    assert [m["id"] for m in outbox.messages()] == ["ses-1"]


def test_the_ses_events_endpoint(tmp_path):
    calls = []

    def ses_event(body):
        if b"missing" in body:
            raise LookupError("no mail missing in the outbox")
        if b"open" in body:
            raise SesEventError("type must be one of delivery, bounce, complaint")
        calls.append(json.loads(body))
        return {"published": [{"eventType": "Bounce"}]}

    frontend = Frontend(None, ["/v1/*"], {}, None, Outbox(tmp_path, list),
                        tools=LocalTools(ses_event=ses_event))

    def answer(method, body=b""):
        response = frontend.handle(HttpRequest(method, "/_local/ses-events", "", (), body))
        return response.status, json.loads(response.body)

    assert answer("POST", b'{"message_id": "m-1", "type": "bounce"}') == (
        202, {"published": [{"eventType": "Bounce"}]})
    assert calls == [{"message_id": "m-1", "type": "bounce"}]
    assert answer("POST", b'{"message_id": "missing", "type": "bounce"}')[0] == 404
    status, body = answer("POST", b'{"message_id": "m-1", "type": "open"}')
    assert status == 400 and "type must be one of" in body["error"]["message"]
    assert answer("GET")[0] == 405


def test_the_modules_examples_hold():
    import doctest

    from infra.local import ses_events

    assert doctest.testmod(ses_events).failed == 0


@pytest.mark.parametrize("name", ["id", "message_id"])
def test_a_mail_is_named_by_the_outbox_id_or_by_its_message_id_header(tmp_path, name):
    # GIVEN a captured mail, as /_local/outbox shows it (its id, and its Message-ID header)
    outbox = Outbox(tmp_path, lambda: [Sent("ses-1", "a@b.rs")], message_id_domain="demo.civicdesk.rs")
    outbox.capture()
    [entry] = outbox.messages()
    assert entry["message_id"] == "<ses-1@demo.civicdesk.rs>"
    ses, topics = publisher()
    # WHEN it is reported bounced by either of the two, as the README shows it
    body = json.dumps({name: entry[name], "type": "bounce"}).encode()
    answer = ses.report_request(body, outbox.messages())
    # THEN SES's event names SES's message id
    assert [event["mail"]["messageId"] for event in answer["published"]] == ["ses-1"]
    assert [report.address for report in topics.reports()] == ["a@b.rs"]
    with pytest.raises(LookupError):
        ses.report_request(json.dumps({name: "<other@demo.civicdesk.rs>" if name == "message_id" else "ses-9",
                                       "type": "bounce"}).encode(), outbox.messages())
