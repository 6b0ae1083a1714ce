"""What the local runtime acknowledged survives ``kill -9``: a mail answered ``250`` ends as a
case, a quarantine entry or a dead-letter message, and a case answered ``201`` gets its
confirmation mail -- after a restart on the same state directory, with no clean stop between.

A real process (``python -m infra.local``), real SMTP and HTTP, ``SIGKILL`` right after the last
answer, while the asynchronous invocations, the stream and the queues still hold work.
"""

from __future__ import annotations

import json
import smtplib
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timezone
from email.message import EmailMessage
from email.utils import make_msgid
from zoneinfo import ZoneInfo

import boto3
import pytest
import requests

from tests.support.runtime import RuntimeProcess, restartable

pytestmark = pytest.mark.e2e

DOMAIN = "demo.civicdesk.rs"
MAILS = 20
WEB_CASES = 8
#: Every fourth mail is spam: it goes to the quarantine, not to a case.
SPAM_EVERY = 4
#: After the restart: every mail read, every confirmation sent (a loaded machine is slow).
RECOVERY_TIMEOUT = 240
#: Between two looks: each look reads every case, which competes with the work it waits for.
LOOK_INTERVAL = 3.0


class Runtime(RuntimeProcess):
    def settle(self, remaining: Callable[[], set[str] | list[str]], what: str) -> None:
        """Wait until ``remaining()`` is empty; fail with what is left and the log."""
        deadline = time.monotonic() + RECOVERY_TIMEOUT
        while (left := remaining()) and time.monotonic() < deadline:
            time.sleep(LOOK_INTERVAL)
        if left:
            pytest.fail(f"{len(left)} {what} within {RECOVERY_TIMEOUT} s: {sorted(left)}\n"
                        f"{self.output()[-3000:]}")

    def send(self, index: int) -> str:
        """Mail number ``index`` over SMTP; the SES message id of its ``250``."""
        message = EmailMessage()
        message["From"] = f"citizen{index}@example.rs"
        message["To"] = f"lpa@{DOMAIN}"
        message["Subject"] = f"Rupa na putu {index}"
        message["Message-ID"] = make_msgid(domain="example.rs")
        if index % SPAM_EVERY == 0:
            message["X-CivicDesk-Local-Verdicts"] = "spam=FAIL"
        message.set_content(f"Velika rupa u Ulici 7. jula broj {index}.", charset="utf-8")
        with smtplib.SMTP("127.0.0.1", self.smtp_port, timeout=30) as client:
            client.ehlo()
            client.mail(message["From"])
            code, reply = client.rcpt(message["To"])
            assert code == 250, reply
            code, reply = client.data(message.as_bytes())
        assert code == 250, reply
        return reply.decode().split()[-1]

    def submit(self, index: int) -> tuple[str, str]:
        """Web case number ``index``; its number and the address its confirmation goes to."""
        address = f"web{index}@example.rs"
        answer = requests.post(f"{self.url}/v1/public/cases", timeout=60, json={
            "type": "signal", "category": "street_lighting", "language": "sr-Latn",
            "description": f"Ne radi ulična rasveta kod broja {index}.",
            "location": {"lat": 44.018, "lon": 20.92, "address": f"Kralja Petra {index}"},
            "contact": {"name": f"Građanin {index}", "email": address}})
        assert answer.status_code == 201, answer.text
        return answer.json()["number"], address

    def mail_ids_in_cases(self) -> set[str]:
        """The SES ids of every mail a case's timeline holds. Numbers may have gaps: a delivery
        found to be a duplicate only in its transaction leaves the number it drew unused."""
        year, found = datetime.now(ZoneInfo("Europe/Belgrade")).year, set()
        for serial in range(1, 2 * (MAILS + WEB_CASES) + 1):
            answer = requests.get(f"{self.url}/_local/cases/{year}-{serial:06d}", timeout=10)
            if answer.status_code == 404:
                continue
            assert answer.status_code == 200, answer.text
            found |= {entry["data"].get("ses_message_id")
                      for entry in answer.json()["timeline"]}
        return found

    def mail_ids_in_quarantine(self) -> set[str]:
        items = requests.get(f"{self.url}/_local/quarantine?limit=100", timeout=10).json()["items"]
        return {item["ses_message_id"] for item in items}

    def aws(self, service: str):
        return boto3.client(service, region_name="eu-central-1",
                            endpoint_url=f"http://127.0.0.1:{self.aws_port}",
                            aws_access_key_id="testing", aws_secret_access_key="testing")

    def confirmation_claim(self, number: str) -> dict | None:
        """The notify function's claim on the requester's confirmation of case ``number``."""
        # Claims live in their event's own partition, NOTIFY#<number>/<entry id> (data-model.md)
        answer = self.aws("dynamodb").scan(
            TableName="civicdesk-local-CasesTable", ConsistentRead=True,
            FilterExpression="begins_with(PK, :claims) AND recipient = :requester",
            ExpressionAttributeValues={":claims": {"S": f"NOTIFY#{number}/"},
                                       ":requester": {"S": "requester"}})
        return answer["Items"][0] if answer["Items"] else None

    def mail_ids_dead_lettered(self) -> set[str]:
        sqs = self.aws("sqs")
        url = sqs.get_queue_url(QueueName="civicdesk-local-IngestDeadLetterQueue")["QueueUrl"]
        answer = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, VisibilityTimeout=0)
        return {record["requestPayload"]["Records"][0]["ses"]["mail"]["messageId"]
                for record in (json.loads(m["Body"]) for m in answer.get("Messages", []))}


@pytest.fixture
def start_runtime(tmp_path):
    with restartable(tmp_path, Runtime) as start:
        yield start


def test_what_was_acknowledged_before_a_kill_9_is_done_after_the_restart(start_runtime):
    # GIVEN the runtime, taking mail over SMTP and cases over HTTP at the same time
    first = start_runtime()
    with ThreadPoolExecutor(max_workers=4) as pool:
        mails = pool.map(first.send, range(MAILS))
        cases = pool.map(first.submit, range(WEB_CASES))
        accepted_mails, accepted_cases = list(mails), dict(cases)
    # WHEN it is killed right after the last answer, with no chance to finish anything
    first.kill()
    killed_at = datetime.now(timezone.utc).isoformat().replace("+00:00", "Z")

    # AND started again on the same state directory
    second = start_runtime()

    # THEN every mail that got its 250 became a case, a quarantine entry or a dead letter
    def unaccounted() -> set[str]:
        return set(accepted_mails) - (second.mail_ids_in_cases() | second.mail_ids_in_quarantine()
                                      | second.mail_ids_dead_lettered())

    second.settle(unaccounted, "acknowledged mail(s) neither a case, quarantined nor dead-lettered")
    spam = {ses_id for index, ses_id in enumerate(accepted_mails) if index % SPAM_EVERY == 0}
    assert spam <= second.mail_ids_in_quarantine()

    # AND every case that got its 201 got its confirmation mail -- unless the kill cut the
    # notify function between its claim and the send: then the application itself does not
    # send again (the claim's lease runs out, the delivery is recorded as uncertain), which is
    # its at-most-once rule for a mail that may have left, not the runtime losing work
    interrupted: set[str] = set()

    def unconfirmed() -> set[str]:
        sent = {address for entry in second.outbox() for address in entry["to"]}
        left = {number for number, address in accepted_cases.items() if address not in sent}
        for number in left:
            claim = second.confirmation_claim(number)
            if claim and claim["state"]["S"] == "sending" and claim["claimed_at"]["S"] < killed_at:
                interrupted.add(number)
        return left - interrupted

    second.settle(unconfirmed, "case(s) without their confirmation")
    assert len(interrupted) <= 1, interrupted  # a send takes milliseconds; the kill is one moment
