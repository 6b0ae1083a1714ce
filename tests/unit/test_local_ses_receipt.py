"""The SES receipt event the local runtime hands to the ingest function
(``infra.local.ses_receipt``, through ``infra.local.smtp.SesReceiver``): SES's recorded shape
(``tests/fixtures/ses/receipt_lambda_action.json``) with one message's values, read by the
handler's parser as it reads SES's.
"""

from __future__ import annotations

import doctest
import json

from aws_lambda_powertools.utilities.parser.models import SesModel

from civicdesk.adapters.ses_inbound import inbound_from_ses_record
from infra.local import ses_receipt
from infra.local.smtp import ReceiptRule, SesReceiver

FUNCTION_ARN = "arn:aws:lambda:eu-central-1:123456789012:function:civicdesk-local-Ingest"
#: Every header the recorded event's ``commonHeaders`` has, folded and encoded as mailers do.
RAW = ("Return-Path: <marko@example.rs>\r\n"
       "From: =?utf-8?b?0JzQsNGA0LrQvg==?= <marko@example.rs>\r\n"
       "To: kjs@demo.civicdesk.rs,\r\n ana@example.rs\r\n"
       "Date: Tue, 1 Dec 2026 09:00:00 +0100\r\n"
       "Message-ID: <m1@example.rs>\r\n"
       "Subject: =?utf-8?b?0J7RgtC/0LDQtA==?=\r\n"
       "X-CivicDesk-Local-Verdicts: spam=FAIL\r\n"
       "MIME-Version: 1.0\r\n"
       "Content-Type: text/plain; charset=utf-8\r\n"
       "\r\n"
       "Поштовани,\r\n").encode("utf-8")


def shape(value):
    """The keys of every object, recursively (a list: the shapes of its elements)."""
    if isinstance(value, dict):
        return {key: shape(item) for key, item in value.items()}
    if isinstance(value, list):
        return sorted({json.dumps(shape(item), sort_keys=True) for item in value})
    return type(value).__name__


def received(raw: bytes = RAW, recipients=("kjs@demo.civicdesk.rs", "ana@example.rs")) -> dict:
    """The event the runtime's SMTP receiver hands to the rule's function for ``raw``."""
    events: list[dict] = []
    rule = ReceiptRule("InboundRule", ("demo.civicdesk.rs",), "mail-bucket", "inbound/",
                       "IngestEmailFunction", "Event")
    receiver = SesReceiver([rule], store=lambda bucket, key, body: None,
                           deliver=lambda logical_id, event: events.append(event),
                           function_arn=lambda logical_id: FUNCTION_ARN,
                           clock=lambda: 1796112000.0, new_id=lambda: "a" * 40)
    receiver.receive("marko@example.rs", list(recipients), raw)
    [event] = events
    return event


def test_the_runtime_event_has_exactly_the_keys_of_the_recorded_one():
    # GIVEN a mail with every header the recorded event summarises
    # WHEN the runtime receives it
    event = received()

    # THEN its event has the recorded event's keys, at every level, and SES's types
    assert shape(event) == shape(ses_receipt.recorded_event())
    SesModel.model_validate(event)


def test_only_the_per_message_fields_are_filled_in():
    event = received()

    [record] = event["Records"]
    mail, receipt = record["ses"]["mail"], record["ses"]["receipt"]
    assert (record["eventSource"], record["eventVersion"]) == ("aws:ses", "1.0")
    assert (mail["messageId"], mail["source"]) == ("a" * 40, "marko@example.rs")
    assert mail["destination"] == ["kjs@demo.civicdesk.rs", "ana@example.rs"]
    assert receipt["recipients"] == ["kjs@demo.civicdesk.rs"]
    assert mail["timestamp"] == receipt["timestamp"] == "2026-12-01T08:00:00.000Z"
    assert mail["commonHeaders"] == {
        "returnPath": "marko@example.rs", "from": ["Марко <marko@example.rs>"],
        "date": "Tue, 1 Dec 2026 09:00:00 +0100",
        "to": ["kjs@demo.civicdesk.rs", "ana@example.rs"], "messageId": "<m1@example.rs>",
        "subject": "Отпад"}
    assert {"name": "To", "value": "kjs@demo.civicdesk.rs, ana@example.rs"} in mail["headers"]
    assert [h["name"] for h in mail["headers"]][:2] == ["Return-Path", "From"]
    assert receipt["spamVerdict"] == {"status": "FAIL"}
    assert receipt["dmarcVerdict"] == {"status": "PASS"}
    assert receipt["action"] == {"type": "Lambda", "functionArn": FUNCTION_ARN,
                                 "invocationType": "Event"}


def test_the_handlers_parser_reads_it_as_it_reads_ses():
    [record] = received()["Records"]

    inbound = inbound_from_ses_record(record, "mail-bucket", "inbound/")

    assert (inbound.ses_message_id, inbound.key) == ("a" * 40, "inbound/" + "a" * 40)
    assert inbound.recipients == ("kjs@demo.civicdesk.rs",)
    assert (inbound.spam_verdict, inbound.dmarc_verdict) == ("FAIL", "PASS")


def test_headers_a_message_lacks_are_left_out_of_the_summary():
    event = received(b"From: marko@example.rs\r\n\r\nbody", recipients=["kjs@demo.civicdesk.rs"])

    mail = event["Records"][0]["ses"]["mail"]
    assert mail["commonHeaders"] == {"returnPath": "marko@example.rs",
                                     "from": ["marko@example.rs"]}
    assert mail["headers"] == [{"name": "From", "value": "marko@example.rs"}]


def test_the_modules_examples_hold():
    assert doctest.testmod(ses_receipt).failed == 0
