"""Mail through the local runtime as ``make run`` starts it: real SMTP in, the receipt rule's S3
and Lambda actions, the ingest function, auto-replies captured in the outbox.

Depends on nothing but this machine: moto inside the runtime, free ports, a temporary state
directory. Slow-ish (starts the runtime), hence the ``e2e`` mark.
"""

from __future__ import annotations

import re
import smtplib
import sqlite3
import time
from datetime import datetime
from email import policy
from email.message import EmailMessage
from email.utils import formataddr, make_msgid
from zoneinfo import ZoneInfo

import boto3
import pytest
import requests

from tests.support.runtime import RuntimeProcess, restartable, running

# One worker: the tests that do not restart the runtime share one (the module's fixture).
pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("mail-local")]

DOMAIN = "demo.civicdesk.rs"
MAIL_BUCKET = "civicdesk-local-mailbucket"
TAG = re.compile(r"\[#(\d{4}-\d{6,})\]")
REPLY_ADDRESS = re.compile(r"^kjs\+(\d{4}-\d{6,})\.[0-9a-f]{8}@demo\.civicdesk\.rs$")


class Runtime(RuntimeProcess):
    """The runtime, with what the mail tests do with it."""

    # -- what the tests do with it -------------------------------------------------------------

    def send(self, sender: str, recipients: list[str], raw: bytes) -> str:
        """Deliver ``raw`` over SMTP; returns the SES message id of the ``250`` answer."""
        with smtplib.SMTP("127.0.0.1", self.smtp_port, timeout=10) as client:
            client.ehlo()
            client.mail(sender)
            for recipient in recipients:
                code, reply = client.rcpt(recipient)
                assert code == 250, (recipient, code, reply)
            code, reply = client.data(raw)
        assert code == 250, reply
        return reply.decode().split()[-1]

    def case(self, number: str) -> dict | None:
        answer = requests.get(f"{self.url}/_local/cases/{number}", timeout=10)
        if answer.status_code == 404:
            return None
        assert answer.status_code == 200, answer.text
        return answer.json()

    def case_of(self, ses_message_id: str) -> dict:
        """The case whose timeline has the message SES (here: SMTP) accepted as this id."""
        def find():
            year = datetime.now(ZoneInfo("Europe/Belgrade")).year
            serial = 1
            while (found := self.case(f"{year}-{serial:06d}")) is not None:
                if any(e["data"].get("ses_message_id") == ses_message_id
                       for e in found["timeline"]):
                    return found
                serial += 1
            return None
        return self.wait_for(find, f"a case with the message {ses_message_id}")

    def aws(self, service: str):
        return boto3.client(service, region_name="eu-central-1",
                            endpoint_url=f"http://127.0.0.1:{self.aws_port}",
                            aws_access_key_id="testing", aws_secret_access_key="testing")


@pytest.fixture
def start_runtime(tmp_path):
    with restartable(tmp_path, Runtime) as start:
        yield start


@pytest.fixture(scope="module")
def runtime(tmp_path_factory):
    """One runtime for the tests that do not restart it (each uses its own sender)."""
    with running(tmp_path_factory.mktemp("mail-local"), Runtime) as started:
        yield started


def mail(sender: tuple[str, str], to: str, subject: str, text: str, **headers: str) -> EmailMessage:
    message = EmailMessage()
    message["From"] = formataddr(sender)
    message["To"] = to
    message["Subject"] = subject
    message["Message-ID"] = make_msgid(domain="example.rs")
    for name, value in headers.items():
        message[name.replace("_", "-")] = value
    message.set_content(text, charset="utf-8")
    return message


#: Lines up to RFC 5322's limit: with the default 78, Python's email package would turn a long
#: In-Reply-To (SES's ids are long) into an RFC 2047 encoded word, which no mail client does.
SMTP_POLICY = policy.SMTP.clone(max_line_length=998)


def as_bytes(message: EmailMessage) -> bytes:
    return message.as_bytes(policy=SMTP_POLICY)


def messages_in(case: dict) -> list[dict]:
    return [e for e in case["timeline"] if e["kind"] == "message_in"]


def auto_replies_to(runtime: Runtime, address: str) -> list[dict]:
    return [m for m in runtime.outbox() if address in m["to"] and m.get("auto_submitted")]


def test_a_mail_opens_a_case_with_an_auto_reply_and_the_reply_threads_into_it(runtime):
    citizen = ("Марко Марковић", "marko@example.rs")
    # GIVEN a citizen's mail in Serbian Cyrillic to a support address
    first = mail(citizen, f"kjs@{DOMAIN}", "Отпад није однет већ недељу дана",
                 "Поштовани,\nкод зграде у Улици кнеза Милоша 5 контејнери су пуни већ недељу дана.\n"
                 "Поздрав,\nМарко")
    # WHEN it is delivered over SMTP
    ses_id = runtime.send(citizen[1], [f"kjs@{DOMAIN}"], as_bytes(first))

    # THEN exactly one auto-reply goes back, tagged with the case number, threaded to the mail
    replies = runtime.wait_for(lambda: auto_replies_to(runtime, citizen[1]), "auto-reply")
    time.sleep(0.5)  # a second one would have come by now
    replies = auto_replies_to(runtime, citizen[1])
    assert len(replies) == 1, replies
    reply = replies[0]
    number = TAG.search(reply["subject"]).group(1)
    assert reply["auto_submitted"] == "auto-replied"
    assert reply["in_reply_to"] == first["Message-ID"]
    assert REPLY_ADDRESS.match(reply["reply_to"]).group(1) == number
    assert reply["headers"]["Auto-Submitted"] == "auto-replied"
    assert reply["case_number"] == number
    # AND the case shows the mail, decoded
    case = runtime.case(number)
    assert case["case"]["number"] == number and case["case"]["channel"] == "email"
    assert case["case"]["contact"]["email"] == citizen[1]
    [message] = messages_in(case)
    assert "Улици кнеза Милоша 5" in message["data"]["text"]
    assert message["data"]["ses_message_id"] == ses_id
    assert message["data"]["raw"] == {"bucket": MAIL_BUCKET, "key": f"inbound/{ses_id}"}
    assert datetime.fromisoformat(message["at"])
    # AND the raw mail is in the mail bucket exactly as sent
    stored = runtime.aws("s3").get_object(Bucket=MAIL_BUCKET, Key=f"inbound/{ses_id}")
    assert stored["Body"].read() == as_bytes(first)

    # WHEN the citizen answers the auto-reply
    answer = mail(citizen, reply["reply_to"], f"Re: {reply['subject']}",
                  "Ево и слике: контејнери су и даље пуни.\n\n> претходна порука",
                  In_Reply_To=reply["message_id"], References=reply["message_id"])
    runtime.send(citizen[1], [reply["reply_to"]], as_bytes(answer))
    # THEN the case has both messages, and no second auto-reply was sent
    case = runtime.wait_for(lambda: (c := runtime.case(number)) and len(messages_in(c)) == 2
                            and c, "second message on the case")
    assert "контејнери су и даље пуни" in messages_in(case)[1]["data"]["text"]
    assert messages_in(case)[1]["data"]["threaded_by"] == "reply_address"
    time.sleep(0.5)
    assert len(auto_replies_to(runtime, citizen[1])) == 1

    # WHEN they write again to the plain support address, without the tag, but In-Reply-To the
    # Message-ID SES gave the auto-reply (the outbox shows it as SES rewrote it)
    assert reply["message_id"].endswith("@eu-central-1.amazonses.com>")
    again = mail(citizen, f"kjs@{DOMAIN}", "Још нешто", "Контејнери су однети, хвала.",
                 In_Reply_To=reply["message_id"])
    runtime.send(citizen[1], [f"kjs@{DOMAIN}"], as_bytes(again))
    # THEN that threads into the case too
    case = runtime.wait_for(lambda: (c := runtime.case(number)) and len(messages_in(c)) == 3
                            and c, "third message on the case")
    assert messages_in(case)[2]["data"]["threaded_by"] == "in_reply_to"


def test_auto_generated_mail_opens_a_case_without_an_auto_reply(runtime):
    robot = ("Nadzor", "alarm@monitoring.example.rs")
    message = mail(robot, f"kjs@{DOMAIN}", "Upozorenje: nivo vode", "Nivo vode je iznad granice.",
                   Auto_Submitted="auto-generated")
    ses_id = runtime.send(robot[1], [f"kjs@{DOMAIN}"], as_bytes(message))
    case = runtime.case_of(ses_id)
    assert case["case"]["contact"]["email"] == robot[1]
    assert messages_in(case)[0]["data"]["auto_generated"]  # why no reply went out
    time.sleep(1)
    assert [m for m in runtime.outbox() if robot[1] in m["to"]] == []


def test_mail_for_another_domain_is_refused_and_not_stored(runtime):
    s3 = runtime.aws("s3")
    before = s3.list_objects_v2(Bucket=MAIL_BUCKET).get("KeyCount", 0)
    with smtplib.SMTP("127.0.0.1", runtime.smtp_port, timeout=10) as client:
        client.ehlo()
        client.mail("ana@example.rs")
        code, reply = client.rcpt("kjs@example.com")
        assert code == 550 and reply.startswith(b"5.1.1"), reply
        client.rset()
        with pytest.raises(smtplib.SMTPRecipientsRefused):
            client.sendmail("ana@example.rs", ["someone@other.example"], b"Subject: x\r\n\r\nx\r\n")
    assert s3.list_objects_v2(Bucket=MAIL_BUCKET).get("KeyCount", 0) == before


def test_spam_is_quarantined_and_listed(runtime):
    sender = ("Spammer", "offer@spam.example")
    message = mail(sender, f"podrska@{DOMAIN}", "Cheap offer", "Buy now.",
                   X_CivicDesk_Local_Verdicts="spam=FAIL")
    ses_id = runtime.send(sender[1], [f"podrska@{DOMAIN}"], as_bytes(message))

    def listed():
        items = requests.get(f"{runtime.url}/_local/quarantine", timeout=10).json()["items"]
        return [i for i in items if i["ses_message_id"] == ses_id]

    [entry] = runtime.wait_for(listed, "quarantine entry")
    assert entry["reason"] == "spam" and entry["verdicts"]["spam"] == "FAIL"
    assert entry["key"] == f"inbound/{ses_id}"
    # AND with nothing failed, a redrive has nothing to do
    report = requests.post(f"{runtime.url}/_local/redrive", timeout=30)
    assert report.status_code == 200 and report.json() == {"replayed": 0, "failed": 0,
                                                           "skipped": 0}


def test_raw_mail_and_its_case_survive_a_restart(start_runtime, tmp_path):
    citizen = ("Jelena Petrović", "jelena@example.rs")
    first = start_runtime()
    raw = as_bytes(mail(citizen, f"lpa@{DOMAIN}", "Rupa na putu", "Velika rupa u Ulici 7. jula."))
    ses_id = first.send(citizen[1], [f"lpa@{DOMAIN}"], raw)
    number = first.case_of(ses_id)["case"]["number"]
    assert first.interrupt() == 0, first.output()

    # the raw mail is in the state directory...
    with sqlite3.connect(tmp_path / "state" / "state.sqlite3") as db:
        [(body,)] = db.execute("SELECT body FROM objects WHERE bucket = 'MailBucket' AND key = ?",
                               (f"inbound/{ses_id}",)).fetchall()
    assert body == raw

    # ...and back in the mail bucket after a restart, with its case
    second = start_runtime()
    stored = second.aws("s3").get_object(Bucket=MAIL_BUCKET, Key=f"inbound/{ses_id}")
    assert stored["Body"].read() == raw
    case = second.case(number)
    assert case is not None and messages_in(case)[0]["data"]["ses_message_id"] == ses_id
    assert second.interrupt() == 0, second.output()
