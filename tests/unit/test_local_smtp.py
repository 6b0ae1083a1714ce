"""The local runtime's SES receiving: SMTP server, receipt rule actions, Lambda's asynchronous
invocation (retries, on-failure destination record) and the dead-letter replay.

In-process and fast: moto's ``mock_aws`` for S3 and SQS, the SMTP server on a free port of
127.0.0.1, retry delays of zero, handlers injected.
"""

from __future__ import annotations

import json
import smtplib
import threading

import boto3
import pytest

from infra.local import aws as local_aws
from infra.local import redrive
from infra.local.apigateway import HttpRequest
from infra.local.asyncinvoke import AsyncInvokeConfig, AsyncInvoker, async_invoke_config
from infra.local.lambdas import LocalFunction
from infra.local.outbox import Outbox
from infra.local.server import Frontend, LocalTools
from infra.local.smtp import ReceiptRule, SesReceiver, SmtpServer, receipt_rules
from infra.local.template import FunctionSpec, Template

REGION = "eu-central-1"
DOMAIN = "demo.civicdesk.rs"
BUCKET = "mail-bucket"
FUNCTION_ARN = "arn:aws:lambda:eu-central-1:123456789012:function:civicdesk-local-Ingest"
#: CRLF line ends, a line that starts with a dot (dot-stuffed on the wire), 8-bit UTF-8.
RAW = ("From: =?utf-8?b?0JzQsNGA0LrQvg==?= <marko@example.rs>\r\n"
       "To: kjs@demo.civicdesk.rs\r\n"
       "Subject: =?utf-8?b?0J7RgtC/0LDQtA==?=\r\n"
       "Message-ID: <m1@example.rs>\r\n"
       "MIME-Version: 1.0\r\n"
       "Content-Type: text/plain; charset=utf-8\r\n"
       "Content-Transfer-Encoding: 8bit\r\n"
       "\r\n"
       "Поштовани,\r\n"
       ".тачка на почетку реда\r\n"
       "..\r\n").encode("utf-8")


class Handler:
    """A handler that fails ``failures`` times, then succeeds; records its events."""

    def __init__(self, failures: int = 0):
        self.failures = failures
        self.events: list[dict] = []
        self.called = threading.Event()

    def __call__(self, event, context):
        self.events.append(event)
        self.called.set()
        if len(self.events) <= self.failures:
            raise RuntimeError(f"cannot process (attempt {len(self.events)})")
        return {"ok": True}


def local_function(handler: Handler) -> LocalFunction:
    spec = FunctionSpec("IngestEmailFunction", "app.handler", "functions/ingest_email", timeout=60)
    return LocalFunction(spec, handler, physical_name="civicdesk-local-Ingest", region=REGION,
                         account_id="123456789012")


@pytest.fixture
def account(moto_account):
    """S3 and SQS in moto (in-process): the mail bucket and the dead-letter queue."""
    s3 = boto3.client("s3", region_name=REGION)
    s3.create_bucket(Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": REGION})
    sqs = boto3.client("sqs", region_name=REGION)
    queue_url = sqs.create_queue(QueueName="dlq")["QueueUrl"]
    return s3, sqs, queue_url


@pytest.fixture
def receiving(account):
    """``start(handler, **server_options)`` -> (smtp server, invoker); all stopped after."""
    s3, sqs, queue_url = account
    started = []

    def start(handler: Handler, **options) -> tuple[SmtpServer, AsyncInvoker]:
        invoker = AsyncInvoker(local_function(handler),
                               AsyncInvokeConfig(2, 21600, queue_url, retry_delays=(0.0, 0.0)),
                               function_arn=FUNCTION_ARN + ":$LATEST", sqs_client=lambda: sqs,
                               name="IngestEmailFunction").start()
        rule = ReceiptRule("store-then-ingest", (DOMAIN,), BUCKET, "inbound/",
                           "IngestEmailFunction")
        receiver = SesReceiver([rule],
                               store=lambda b, k, raw: s3.put_object(Bucket=b, Key=k, Body=raw),
                               deliver=lambda function, event: invoker.submit(event),
                               function_arn=lambda logical_id: FUNCTION_ARN)
        server = SmtpServer(receiver, "127.0.0.1", 0, **options).start()
        started.append((server, invoker))
        return server, invoker

    yield start
    for server, invoker in started:
        server.stop()
        invoker.stop(timeout=5)


def stored_keys(s3) -> list[str]:
    return [o["Key"] for o in s3.list_objects_v2(Bucket=BUCKET).get("Contents", [])]


def dead_letters(sqs, queue_url) -> list[dict]:
    answer = sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10,
                                 VisibilityTimeout=0)
    return [json.loads(m["Body"]) for m in answer.get("Messages", [])]


def test_accepted_mail_is_stored_byte_for_byte_and_handed_to_the_function(account, receiving):
    s3, sqs, queue_url = account
    handler = Handler()
    server, invoker = receiving(handler)

    # WHEN a mail for a sub-address of the domain is sent over SMTP
    with smtplib.SMTP(server.host, server.port) as client:
        client.ehlo()
        client.mail("marko@example.rs")
        client.rcpt("Podrska+2026-000001.ab12cd34@demo.civicdesk.rs")
        code, reply = client.data(RAW)
    # THEN SMTP says 250 with the SES message id, stored under the rule's prefix, as sent
    assert code == 250, reply
    message_id = reply.decode().split()[-1]
    assert len(message_id) == 40 and message_id.isalnum() and message_id.islower()
    assert stored_keys(s3) == [f"inbound/{message_id}"]
    assert s3.get_object(Bucket=BUCKET, Key=f"inbound/{message_id}")["Body"].read() == RAW
    # AND the function gets the SES receipt event, asynchronously
    assert invoker.wait_idle(5)
    assert len(handler.events) == 1
    record = handler.events[0]["Records"][0]["ses"]
    assert record["mail"]["messageId"] == message_id
    assert record["mail"]["source"] == "marko@example.rs"
    assert record["receipt"]["recipients"] == ["Podrska+2026-000001.ab12cd34@demo.civicdesk.rs"]
    assert record["mail"]["commonHeaders"]["subject"] == "Отпад"
    assert record["receipt"]["action"]["functionArn"] == FUNCTION_ARN
    assert dead_letters(sqs, queue_url) == []


def test_other_domains_are_refused_and_nothing_is_stored(account, receiving):
    s3, _, _ = account
    server, invoker = receiving(Handler())
    with smtplib.SMTP(server.host, server.port) as client:
        client.ehlo()
        client.mail("marko@example.rs")
        code, reply = client.rcpt("someone@example.com")
        assert (code, reply.split()[0]) == (550, b"5.1.1")
        assert client.rcpt(f"kjs@sub.{DOMAIN}")[0] == 550
        # DATA without an accepted recipient is refused too
        with pytest.raises(smtplib.SMTPDataError) as refused:
            client.data(RAW)
        assert refused.value.smtp_code == 503
    with pytest.raises(smtplib.SMTPRecipientsRefused):
        with smtplib.SMTP(server.host, server.port) as client:
            client.sendmail("marko@example.rs", ["someone@example.com"], RAW)
    assert stored_keys(s3) == []
    assert invoker.pending() == 0


def test_too_large_messages_get_552(account, receiving):
    s3, _, _ = account
    server, _ = receiving(Handler(), max_message_bytes=1000)
    with smtplib.SMTP(server.host, server.port) as client:
        client.ehlo()
        assert "size" in client.esmtp_features and client.esmtp_features["size"] == "1000"
        client.mail("marko@example.rs")
        client.rcpt(f"kjs@{DOMAIN}")
        code, _ = client.data(RAW + (b"x" * 70 + b"\r\n") * 30)
    assert code == 552
    assert stored_keys(s3) == []


def test_a_failing_event_is_retried_then_lands_in_the_dead_letter_queue_and_replays(
        account, receiving):
    s3, sqs, queue_url = account
    # GIVEN a function that always fails
    failing = Handler(failures=100)
    server, invoker = receiving(failing)
    with smtplib.SMTP(server.host, server.port) as client:
        client.sendmail("marko@example.rs", [f"kjs@{DOMAIN}"], RAW)
    # THEN it was tried once and retried MaximumRetryAttempts (2) more times
    assert invoker.wait_idle(5)
    assert len(failing.events) == 3
    # AND the on-failure destination got Lambda's record, with the event
    records = dead_letters(sqs, queue_url)
    assert len(records) == 1
    record = records[0]
    assert record["version"] == "1.0" and record["timestamp"].endswith("Z")
    assert record["requestContext"]["condition"] == "RetriesExhausted"
    assert record["requestContext"]["approximateInvokeCount"] == 3
    assert record["requestContext"]["functionArn"] == FUNCTION_ARN + ":$LATEST"
    assert record["requestContext"]["requestId"]
    assert record["requestPayload"] == failing.events[0]
    assert record["responseContext"] == {"statusCode": 200, "executedVersion": "$LATEST",
                                         "functionError": "Unhandled"}
    assert record["responsePayload"]["errorType"] == "RuntimeError"
    assert record["responsePayload"]["errorMessage"] == "cannot process (attempt 3)"
    message_id = record["requestPayload"]["Records"][0]["ses"]["mail"]["messageId"]
    assert stored_keys(s3) == [f"inbound/{message_id}"]

    # WHEN the queue is replayed into a handler that still fails
    still_failing = Handler(failures=100)
    report = redrive.replay(sqs, [(local_function(still_failing), queue_url)])
    # THEN it stays on the queue, visible for the next replay
    assert report == {"replayed": 0, "failed": 1, "skipped": 0}

    # WHEN it is replayed into a working handler
    working = Handler()
    report = redrive.replay(sqs, [(local_function(working), queue_url)])
    # THEN the handler got the original event and the queue is empty
    assert report == {"replayed": 1, "failed": 0, "skipped": 0}
    assert working.events == [record["requestPayload"]]
    assert dead_letters(sqs, queue_url) == []


def test_a_transient_failure_succeeds_on_a_retry(account, receiving):
    _, sqs, queue_url = account
    flaky = Handler(failures=1)
    server, invoker = receiving(flaky)
    with smtplib.SMTP(server.host, server.port) as client:
        client.sendmail("marko@example.rs", [f"kjs@{DOMAIN}"], RAW)
    assert invoker.wait_idle(5)
    assert len(flaky.events) == 2
    assert dead_letters(sqs, queue_url) == []


def test_dry_run_lists_without_hiding_the_messages(account):
    _, sqs, queue_url = account
    sqs.send_message(QueueUrl=queue_url, MessageBody=json.dumps(
        {"requestPayload": {"Records": [{"ses": {"mail": {"messageId": "m1"}}}]}}))
    sqs.send_message(QueueUrl=queue_url, MessageBody="not json")
    handler = Handler()
    assert redrive.replay(sqs, [(local_function(handler), queue_url)], dry_run=True) == {
        "replayed": 0, "failed": 0, "skipped": 2}
    assert handler.events == []
    visible = sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10)
    assert len(visible.get("Messages", [])) == 2


def test_receipt_rule_and_retry_settings_come_from_the_template():
    template = Template()
    resources = local_aws.Resources(
        buckets={"MailBucket": "civicdesk-local-mailbucket"},
        queues={"IngestDeadLetterQueue": "http://127.0.0.1/123/civicdesk-local-dlq"})
    ref = local_aws.reference_resolver(resources, template.parameter_defaults())
    rules = receipt_rules(template, ref)
    assert [(r.recipients, r.bucket, r.prefix, r.function, r.invocation_type) for r in rules] == [
        ((DOMAIN,), "civicdesk-local-mailbucket", "inbound/", "IngestEmailFunction", "Event")]
    config = async_invoke_config(template, "IngestEmailFunction", resources.queues)
    assert config.maximum_retry_attempts == 2
    assert config.on_failure_queue_url == resources.queues["IngestDeadLetterQueue"]


def test_local_endpoints_answer_json_and_refuse_other_methods(tmp_path):
    calls = []
    tools = LocalTools(
        case=lambda number: {"case": {"number": number}, "timeline": []}
        if number == "2026-000001" else None,
        quarantine=lambda limit, cursor: {"items": [], "next": None, "limit": limit},
        redrive=lambda max_messages, dry_run: calls.append((max_messages, dry_run))
        or {"replayed": 1, "failed": 0, "skipped": 0})
    frontend = Frontend(None, ["/v1/*"], {}, None, Outbox(tmp_path, list), tools=tools)

    def answer(method, path, query=""):
        response = frontend.handle(HttpRequest(method, path, query))
        return response.status, json.loads(response.body)

    assert answer("GET", "/_local/cases/2026-000001") == (
        200, {"case": {"number": "2026-000001"}, "timeline": []})
    assert answer("GET", "/_local/cases/2026-000002")[0] == 404
    assert answer("GET", "/_local/quarantine", "limit=5") == (
        200, {"items": [], "next": None, "limit": 5})
    assert answer("POST", "/_local/redrive", "max=3&dry_run=1") == (
        200, {"replayed": 1, "failed": 0, "skipped": 0})
    assert calls == [(3, True)]
    assert answer("GET", "/_local/redrive")[0] == 405
    assert answer("POST", "/_local/cases/2026-000001")[0] == 405


def test_captured_mail_carries_the_message_id_ses_gave_it(tmp_path):
    class Sent:
        id = "0107019a-ses"
        destinations = ["marko@example.rs"]
        raw_data = ("From: kjs@demo.civicdesk.rs\r\nTo: marko@example.rs\r\nSubject: [#2026-000001] x\r\n"
                    "Message-ID: <local@demo.civicdesk.rs>\r\nIn-Reply-To: <m1@example.rs>\r\n"
                    "Auto-Submitted: auto-replied\r\nReply-To: kjs+2026-000001.ab12cd34@demo.civicdesk.rs\r\n"
                    "\r\nbody\r\n")

    outbox = Outbox(tmp_path, lambda: [Sent()], message_id_domain="eu-central-1.amazonses.com")
    outbox.capture()
    [mail] = outbox.messages()
    assert mail["message_id"] == "<0107019a-ses@eu-central-1.amazonses.com>"
    assert mail["in_reply_to"] == "<m1@example.rs>"
    assert mail["auto_submitted"] == "auto-replied"
    assert mail["reply_to"] == "kjs+2026-000001.ab12cd34@demo.civicdesk.rs"
    assert b"local@demo" not in outbox.raw("0107019a-ses")
