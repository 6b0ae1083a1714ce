"""The mail channel in-process: the ingest function's handler under moto, real S3/DynamoDB/SES
emulation, mails built with the standard library."""

from __future__ import annotations

import itertools
import struct
import uuid
from datetime import datetime, timedelta, timezone
from email import policy
from email.message import EmailMessage
from email.utils import make_msgid
from pathlib import Path

import boto3
import pytest

from tests.support import aws
from tests.support.ses import receipt

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "mail"

_ids = itertools.count(1)
WEDNESDAY_MORNING = datetime(2026, 11, 25, 9, 0, tzinfo=timezone.utc)  # 10:00 in Belgrade


def build_mail(*, sender="marko@example.rs", name="Марко Марковић", to="kjs@demo.civicdesk.rs",
               subject="Нису одвезли смеће", text="Поштовани, у Улици Николе Тесле 5 смеће није одвезено већ недељу дана.",
               headers=None, attachments=()) -> EmailMessage:
    # Long lines are allowed as real mail clients do (the stdlib would otherwise encode a long
    # In-Reply-To as an encoded word).
    message = EmailMessage(policy=policy.default.clone(max_line_length=500))
    message["From"] = f"{name} <{sender}>" if name else sender
    message["To"] = to
    message["Subject"] = subject
    message["Message-ID"] = make_msgid(domain="example.rs")
    for key, value in (headers or {}).items():
        message[key] = value
    message.set_content(text)
    for filename, content_type, data in attachments:
        maintype, subtype = content_type.split("/")
        message.add_attachment(data, maintype=maintype, subtype=subtype, filename=filename)
    return message


@pytest.fixture
def ingest(aws_env):
    module = aws.load_function("IngestEmailFunction")
    s3 = boto3.client("s3", region_name=aws.REGION)
    bucket = aws_env.buckets["MailBucket"]

    def deliver(message: EmailMessage | bytes, recipients=None, verdicts=None, ses_id=None):
        raw = message if isinstance(message, bytes) else message.as_bytes()
        ses_id = ses_id or f"{next(_ids):04d}{uuid.uuid4().hex}"[:32]
        s3.put_object(Bucket=bucket, Key=f"inbound/{ses_id}", Body=raw)
        if recipients is None:
            recipients = [str(message["To"])] if not isinstance(message, bytes) else ["podrska@demo.civicdesk.rs"]
        event = receipt(ses_id, recipients, "sender@example.rs", raw,
                        timestamp="2026-11-25T09:00:00.000Z", verdicts=verdicts)
        return module.handler(event, aws.context("IngestEmailFunction"))["results"][0], event

    return deliver


def repo():
    from civicdesk import wiring

    return wiring.case_repository()


def timeline(number):
    case, events = repo().get_with_timeline(number)
    return case, [e.kind.value for e in events], events


def test_a_new_mail_opens_a_case_and_gets_one_auto_reply(ingest):
    message = build_mail()
    result, _ = ingest(message)
    assert result["outcome"] == "new_case" and result["replied"] is True
    case, kinds, events = timeline(result["case_number"])
    assert case.channel.value == "email" and case.department == "public_utilities"
    assert case.contact.email == "marko@example.rs" and case.contact.name == "Марко Марковић"
    assert case.language == "sr-Cyrl" and case.mailbox == "kjs@demo.civicdesk.rs"
    assert kinds[:2] == ["case_opened", "message_in"] and kinds[-1] == "message_out"
    assert "недељу дана" in events[1].data["text"]
    [reply] = aws.sent_mails()
    assert reply["X-Test-Destinations"] == "marko@example.rs"
    assert reply["Subject"].startswith(f"[#{case.number}]")
    assert reply["Auto-Submitted"] == "auto-replied"
    assert reply["In-Reply-To"] == str(message["Message-ID"])
    assert reply["From"].endswith("<kjs@demo.civicdesk.rs>")
    assert reply["Reply-To"].startswith(f"kjs+{case.number}.")
    assert "/track.html?number=" in reply.get_content()


def test_the_same_ses_message_twice_gives_one_case_one_entry_one_reply(ingest):
    message = build_mail()
    first, event = ingest(message, ses_id="a" * 32)
    second, _ = ingest(message, ses_id="a" * 32)
    third, _ = ingest(message, ses_id="a" * 32)
    assert first["outcome"] == "new_case"
    assert second["outcome"] == third["outcome"] == "duplicate"
    assert second["case_number"] == first["case_number"]
    _, kinds, _ = timeline(first["case_number"])
    assert kinds.count("message_in") == 1
    assert len(aws.sent_mails()) == 1


def test_a_reply_to_the_reply_address_continues_the_case(ingest):
    first, _ = ingest(build_mail())
    [auto_reply] = aws.sent_mails()
    answer = build_mail(to=auto_reply["Reply-To"], subject="Re: " + auto_reply["Subject"],
                        text="Ево и слике, смеће је и даље ту.")
    second, _ = ingest(answer)
    assert second["outcome"] == "appended" and second["case_number"] == first["case_number"]
    assert second["replied"] is False
    _, kinds, _ = timeline(first["case_number"])
    assert kinds.count("message_in") == 2
    assert len(aws.sent_mails()) == 1  # follow-ups get no auto-reply


def test_subject_tag_counts_only_from_the_requester(ingest):
    first, _ = ingest(build_mail())
    number = first["case_number"]
    same_sender, _ = ingest(build_mail(subject=f"Re: [#{number}] допуна", to="podrska@demo.civicdesk.rs"))
    assert same_sender["outcome"] == "appended" and same_sender["case_number"] == number
    stranger, _ = ingest(build_mail(sender="neko@drugi.rs", name="Неко", subject=f"[#{number}] и ја"))
    assert stranger["outcome"] == "linked_case" and stranger["case_number"] != number
    linked, kinds, _ = timeline(stranger["case_number"])
    assert linked.linked_cases == (number,) and "linked" in kinds


def test_in_reply_to_our_message_id_continues_the_case(ingest):
    first, _ = ingest(build_mail())
    _, _, events = timeline(first["case_number"])
    ses_id = next(e for e in events if e.kind.value == "message_out").data["message_id"]
    reply = build_mail(to="podrska@demo.civicdesk.rs", subject="Одговор без ознаке",
                       headers={"In-Reply-To": f"<{ses_id}@eu-central-1.amazonses.com>"})
    second, _ = ingest(reply)
    assert second["outcome"] == "appended" and second["case_number"] == first["case_number"]


def test_a_wrong_reply_tag_does_not_reach_the_case(ingest):
    first, _ = ingest(build_mail())
    forged = f"kjs+{first['case_number']}.00000000@demo.civicdesk.rs"
    second, _ = ingest(build_mail(sender="napadac@example.com", to=forged, subject="upad"))
    assert second["outcome"] == "new_case" and second["case_number"] != first["case_number"]


def test_reply_to_a_closed_case_reopens_it_within_the_window_else_links(ingest, monkeypatch):
    from civicdesk.adapters.dynamodb.items import CaseItem
    from civicdesk.adapters.dynamodb.keys import CASE_SK, case_pk
    from civicdesk.domain.cases import Status

    first, _ = ingest(build_mail())
    number = first["case_number"]
    [auto_reply] = aws.sent_mails()
    item = CaseItem.get(case_pk(number), CASE_SK)
    item.update(actions=[CaseItem.status.set(Status.CLOSED.value)])
    reopened, _ = ingest(build_mail(to=auto_reply["Reply-To"], subject="Re: и даље није решено"))
    assert reopened["outcome"] == "reopened"
    case, kinds, _ = timeline(number)
    assert case.status == Status.IN_PROGRESS and kinds[-1] == "status_changed"
    long_ago = (datetime.now(timezone.utc) - timedelta(days=90)).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    item = CaseItem.get(case_pk(number), CASE_SK)
    item.update(actions=[CaseItem.status.set(Status.CLOSED.value), CaseItem.updated_at.set(long_ago)])
    later, _ = ingest(build_mail(to=auto_reply["Reply-To"], subject="Re: опет"))
    assert later["outcome"] == "linked_case" and later["case_number"] != number


def test_auto_generated_mail_and_dmarc_failures_get_no_auto_reply(ingest):
    result, _ = ingest(build_mail(headers={"Auto-Submitted": "auto-generated"}))
    assert result["outcome"] == "new_case" and result["replied"] is False
    assert "auto-submitted" in result["reason"]
    result, _ = ingest(build_mail(sender="list@example.org", headers={"List-Id": "<vesti.example.org>",
                                                                     "Precedence": "list"}))
    assert result["replied"] is False
    result, _ = ingest(build_mail(sender="ana@example.rs"), verdicts={"dmarc": "FAIL"})
    assert result["outcome"] == "new_case" and result["reason"] == "dmarc_fail"
    assert aws.sent_mails() == []


def test_auto_replies_per_sender_are_limited(ingest):
    results = [ingest(build_mail(subject=f"Пријава {i}"))[0] for i in range(7)]
    assert [r["outcome"] for r in results] == ["new_case"] * 7
    assert sum(r["replied"] for r in results) == 5  # the demo municipality's limit per hour
    assert results[-1]["reason"] == "rate_limited"
    assert len(aws.sent_mails()) == 5


def test_spam_and_viruses_are_quarantined_and_can_be_released(ingest):
    from civicdesk import wiring

    result, _ = ingest(build_mail(subject="Добитак!"), verdicts={"spam": "FAIL"})
    assert result == {**result, "outcome": "quarantined", "reason": "spam", "case_number": None}
    virus, _ = ingest(build_mail(subject="фактура"), verdicts={"virus": "FAIL"})
    assert virus["reason"] == "virus"
    entries, _ = wiring.quarantine_repository().quarantined()
    assert {e.reason for e in entries} == {"spam", "virus"}
    assert aws.sent_mails() == []
    spam = next(e for e in entries if e.reason == "spam")
    released = wiring.email_intake_service().release(spam.quarantine_id)
    assert released.outcome.value == "new_case"
    assert wiring.quarantine_repository().quarantine_entry(spam.quarantine_id).released_at is not None


def test_a_bounce_is_recorded_on_the_case_it_bounces_for(ingest):
    first, _ = ingest(build_mail(sender="nepostoji@example.rs"))
    _, _, events = timeline(first["case_number"])
    ses_id = next(e for e in events if e.kind.value == "message_out").data["message_id"]
    bounce = EmailMessage()
    bounce["From"] = "MAILER-DAEMON@example.rs"
    bounce["To"] = "kjs@demo.civicdesk.rs"
    bounce["Subject"] = "Undelivered Mail Returned to Sender"
    bounce["Auto-Submitted"] = "auto-replied"
    bounce.set_content("Delivery failed.")
    bounce.make_mixed()
    report = EmailMessage()
    report.set_type("message/delivery-status")
    bounce_bytes = (
        b"From: MAILER-DAEMON@example.rs\r\nTo: kjs@demo.civicdesk.rs\r\n"
        b"Subject: Undelivered Mail Returned to Sender\r\nAuto-Submitted: auto-replied\r\n"
        b"MIME-Version: 1.0\r\nContent-Type: multipart/report; report-type=delivery-status; boundary=\"B\"\r\n\r\n"
        b"--B\r\nContent-Type: text/plain\r\n\r\nThe message could not be delivered.\r\n"
        b"--B\r\nContent-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; mx.example.rs\r\n\r\n"
        b"Final-Recipient: rfc822; nepostoji@example.rs\r\nAction: failed\r\nStatus: 5.1.1\r\n"
        b"Diagnostic-Code: smtp; 550 5.1.1 User unknown\r\n"
        b"--B\r\nContent-Type: text/rfc822-headers\r\n\r\n"
        b"Message-ID: <" + ses_id.encode() + b"@eu-central-1.amazonses.com>\r\nSubject: x\r\n"
        b"--B--\r\n")
    result, _ = ingest(bounce_bytes, recipients=["kjs@demo.civicdesk.rs"])
    assert result["outcome"] == "bounce_recorded" and result["case_number"] == first["case_number"]
    _, kinds, events = timeline(first["case_number"])
    failed = next(e for e in events if e.kind.value == "delivery_failed")
    assert failed.data["recipients"] == ["nepostoji@example.rs"] and failed.data["permanent"] is True
    assert len(aws.sent_mails()) == 1  # only the original auto-reply, nothing to the daemon


def test_attachments_are_stored_and_dangerous_ones_refused(ingest, aws_env):
    photo = b"\xff\xd8\xff\xe0" + b"\x00" * 64 + b"\xff\xd9"
    exe = b"MZ" + b"\x00" * 128
    result, _ = ingest(build_mail(attachments=[("rupa.jpg", "image/jpeg", photo),
                                               ("racun.pdf.exe", "application/octet-stream", exe)]))
    _, kinds, events = timeline(result["case_number"])
    message_in = next(e for e in events if e.kind.value == "message_in")
    stored = [a for a in message_in.data["attachments"] if not a["refused"]]
    refused = [a for a in message_in.data["attachments"] if a["refused"]]
    assert [a["filename"] for a in stored] == ["rupa.jpg"]
    assert refused and refused[0]["refused"] == "dangerous_type"
    assert "attachment_refused" in kinds
    body = boto3.client("s3", region_name=aws.REGION).get_object(
        Bucket=aws_env.buckets["AttachmentsBucket"], Key=stored[0]["key"])["Body"].read()
    assert body == photo


PHOTO_IN_BELGRADE = (FIXTURES / "photo_gps.jpg").read_bytes()  # EXIF 44°48'45" N 20°27'40.32" E


def photo_taken_at(lat_dms, lon_dms) -> bytes:
    """The fixture photo with its EXIF GPS rationals (big-endian, six per axis) rewritten."""
    old = struct.pack(">12I", 44, 1, 48, 1, 45, 1, 20, 1, 27, 1, 1008, 25)
    assert PHOTO_IN_BELGRADE.count(old) == 1
    return PHOTO_IN_BELGRADE.replace(old, struct.pack(">12I", *lat_dms, *lon_dms))


#: 44°1'4.8" N 20°55'12" E = 44.018, 20.92: the town hall, in the municipality
PHOTO_IN_TOWN = photo_taken_at((44, 1, 1, 1, 48, 10), (20, 1, 55, 1, 12, 1))


def test_a_photo_taken_in_the_municipality_locates_the_mail_case(ingest):
    result, _ = ingest(build_mail(attachments=[("IMG_2041.jpg", "image/jpeg", PHOTO_IN_TOWN)]))
    case, _, _ = timeline(result["case_number"])
    assert (case.location.lat, case.location.lon) == pytest.approx((44.018, 20.92), abs=1e-6)


def test_a_photo_taken_outside_the_municipality_leaves_the_case_unlocated_but_opens_it(ingest):
    # GIVEN a mail whose first photo was taken in Belgrade, 90 km away
    result, _ = ingest(build_mail(attachments=[("IMG_0001.jpg", "image/jpeg", PHOTO_IN_BELGRADE)]))
    # THEN the mail is a case like any other (the web form's 400 has no one to tell here), the
    # photo is kept, and the out-of-area position is not the case's location
    assert result["outcome"] == "new_case" and result["replied"] is True
    case, kinds, events = timeline(result["case_number"])
    assert case.location is None
    message_in = next(e for e in events if e.kind.value == "message_in")
    assert [a["filename"] for a in message_in.data["attachments"]] == ["IMG_0001.jpg"]
    # AND with a second photo taken in the town, that one locates the case
    result, _ = ingest(build_mail(attachments=[("IMG_0001.jpg", "image/jpeg", PHOTO_IN_BELGRADE),
                                               ("IMG_0002.jpg", "image/jpeg", PHOTO_IN_TOWN)]))
    case, _, _ = timeline(result["case_number"])
    assert (case.location.lat, case.location.lon) == pytest.approx((44.018, 20.92), abs=1e-6)


def test_outside_office_hours_the_reply_says_when_we_answer(aws_env):
    from civicdesk import wiring
    from civicdesk.domain.inbound import InboundMail
    from civicdesk.observability import PowertoolsMetricsSink
    from civicdesk.services.email_intake import EmailIntakeService

    saturday_night = datetime(2026, 11, 28, 22, 0, tzinfo=timezone.utc)
    service = EmailIntakeService(wiring.case_repository(), wiring.mail_repository(),
                                 wiring.quarantine_repository(), wiring.blob_store(), wiring.mailer(),
                                 wiring.municipality_provider(), PowertoolsMetricsSink(),
                                 "http://portal.test", clock=lambda: saturday_night)
    bucket = aws_env.buckets["MailBucket"]
    boto3.client("s3", region_name=aws.REGION).put_object(
        Bucket=bucket, Key="inbound/x1", Body=build_mail(to="podrska@demo.civicdesk.rs").as_bytes())
    service.process(InboundMail("x1", bucket, "inbound/x1", ("podrska@demo.civicdesk.rs",), saturday_night))
    [reply] = aws.sent_mails()
    assert "понедељак, 30. 11. 2026. 07:30" in reply.get_content()


def test_a_failure_propagates_so_lambda_retries(ingest, monkeypatch):
    from civicdesk import wiring

    def broken(*_, **__):
        raise RuntimeError("SES is down")

    monkeypatch.setattr(wiring.mailer(), "send", broken)
    with pytest.raises(RuntimeError):
        ingest(build_mail(), ses_id="b" * 32)
    monkeypatch.undo()
    retried, _ = ingest(build_mail(), ses_id="b" * 32)
    assert retried["outcome"] == "duplicate" and retried["replied"] is True  # reply finished
    assert len(aws.sent_mails()) == 1


def test_long_cyrillic_subjects_survive_encoding(ingest):
    result, _ = ingest(build_mail(subject="Нису одвезли смеће у Улици Николе Тесле већ две недеље, молим Вас хитно"))
    [reply] = aws.sent_mails()
    assert "Примили смо Вашу поруку, предмет" in reply["Subject"]
    assert reply["Subject"].endswith("Нису одвезли смеће у Улици Николе Тесле већ две недеље, молим Вас хитно")


def test_failed_events_are_replayed_from_the_dead_letter_queue(ingest, aws_env):
    import json

    from civicdesk.adapters.sqs_redrive import SqsDeadLetterQueue
    from civicdesk.services.redrive import redrive

    _, event = ingest(build_mail(), ses_id="c" * 32)
    sqs = boto3.client("sqs", region_name=aws.REGION)
    queue = aws_env.queues["IngestDeadLetterQueue"]
    ses_id = "d" * 32
    raw = build_mail(sender="jovana@example.rs", subject="Поново").as_bytes()
    boto3.client("s3", region_name=aws.REGION).put_object(
        Bucket=aws_env.buckets["MailBucket"], Key=f"inbound/{ses_id}", Body=raw)
    failed = receipt(ses_id, ["kjs@demo.civicdesk.rs"], "x@example.rs", raw,
                     timestamp="2026-11-25T09:00:00.000Z")
    for payload in (failed, event):  # a new failed message, and one that had succeeded before
        sqs.send_message(QueueUrl=queue, MessageBody=json.dumps({
            "version": "1.0", "requestContext": {"condition": "RetriesExhausted"},
            "requestPayload": payload}))
    sqs.send_message(QueueUrl=queue, MessageBody="not json")
    module = aws.load_function("IngestEmailFunction")
    outcomes = []
    report = redrive(SqsDeadLetterQueue(sqs, queue), lambda e: outcomes.append(
        module.handler(e, aws.context("IngestEmailFunction"))["results"][0]["outcome"]), log=lambda _: None)
    assert (report.replayed, report.failed, report.skipped) == (2, 0, 1)
    assert sorted(outcomes) == ["duplicate", "new_case"]
    assert len(aws.sent_mails()) == 2  # one per distinct message, never twice


FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "mail"


@pytest.mark.parametrize(("fixture", "sender", "name", "subject"), [
    # the first line is not a header: the sender and the subject used to be lost
    ("preamble_original_message.eml", "jelena.ciric@example.rs", "Jelena Ćirić",
     "Rupa na putu kod škole"),
    # ISO-2022-JP with the NEC and IBM characters of Windows mailers
    ("iso2022jp_vendor.eml", "takahashi@example.jp", "髙橋一郎", "①街灯の件（㈱﨑山商事前）"),
    # raw GBK bytes in From and Subject, the text labelled GB2312
    ("raw_gbk_headers.eml", "zhang.wei@example.cn", "张伟", "关于路灯不亮的投诉"),
    # encoded words with spaces inside and characters split across folded words
    ("rfc2047_loose_words.eml", "marko.petrovic@example.rs", "Petrović, Marko",
     "Prijava kvara – улична расвета у Његошевој 12"),
])
def test_real_world_mail_opens_a_case_with_the_right_sender_and_subject(ingest, fixture, sender,
                                                                      name, subject):
    result, _ = ingest((FIXTURES / fixture).read_bytes())
    assert result["outcome"] == "new_case" and result["replied"] is True
    case, kinds, events = timeline(result["case_number"])
    assert (case.contact.email, case.contact.name, case.subject) == (sender, name, subject)
    assert events[1].data["from"] == sender and events[1].data["subject"] == subject
    [reply] = aws.sent_mails()
    assert reply["X-Test-Destinations"] == sender
    assert reply["Subject"].startswith(f"[#{case.number}]")
