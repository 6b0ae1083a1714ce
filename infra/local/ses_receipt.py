"""The event an SES receipt rule's Lambda action sends, made from a recorded one.

The shape is SES's, not this project's: ``tests/fixtures/ses/receipt_lambda_action.json`` is the
Lambda action event of the SES Developer Guide ("Sample incoming email event"; a few of its
headers kept). Every event starts as a copy of it and only what differs from message to message
is filled in: the ids, the timestamps, the addresses, the headers, the verdicts and the action's
function. The ingest function's parser (``civicdesk.adapters.ses_inbound``) never builds the
event it reads, so a wrong shape on either side shows instead of agreeing with itself.
"""

from __future__ import annotations

import copy
import json
import re
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from functools import cache

from infra.local.template import ROOT

RECORDED_EVENT = ROOT / "tests" / "fixtures" / "ses" / "receipt_lambda_action.json"
VERDICT_NAMES = ("spam", "virus", "spf", "dkim", "dmarc")
#: ``commonHeaders`` keys and the header each one is read from (the envelope's ``MAIL FROM``
#: for ``returnPath``, as SES does).
_COMMON_HEADERS = {"from": "From", "date": "Date", "to": "To", "messageId": "Message-ID",
                   "subject": "Subject"}
_ADDRESS_LISTS = ("from", "to")
#: Summarised as they stand in the message; the others decoded.
_AS_WRITTEN = ("date", "messageId")


@cache
def recorded_event() -> dict:
    """The recorded event, read once (callers get copies from ``receipt_event``)."""
    return json.loads(RECORDED_EVENT.read_text(encoding="utf-8"))


def read_headers(raw: bytes) -> EmailMessage | None:
    """The message's header block, or ``None`` when it cannot be parsed (the message is still
    stored and handed on, as SES does)."""
    try:
        return BytesParser(policy=policy.default).parsebytes(raw, headersonly=True)
    except Exception:  # noqa: BLE001 - a broken header block is the sender's problem
        return None


def receipt_event(*, message_id: str, sender: str, envelope_recipients: list[str],
                  rule_recipients: list[str], headers: EmailMessage | None, timestamp: str,
                  processing_millis: int, verdicts: dict[str, str], function_arn: str,
                  invocation_type: str) -> dict:
    """The Lambda action's event for one message and one receipt rule.

    ``envelope_recipients`` are the message's ``RCPT TO`` addresses (``mail.destination``),
    ``rule_recipients`` those the rule matched (``receipt.recipients``); a verdict not in
    ``verdicts`` is ``PASS``. A ``commonHeaders`` entry whose header the message lacks is left
    out, as SES leaves it out.

    Examples
    --------
    >>> event = receipt_event(message_id="m1", sender="marko@example.rs",
    ...                       envelope_recipients=["kjs@demo.rs"], rule_recipients=["kjs@demo.rs"],
    ...                       headers=read_headers(b"Subject: Hi\\r\\n\\r\\nbody"),
    ...                       timestamp="2026-12-01T09:00:00.000Z", processing_millis=3,
    ...                       verdicts={"spam": "FAIL"}, function_arn="arn:fn",
    ...                       invocation_type="Event")
    >>> ses = event["Records"][0]["ses"]
    >>> ses["mail"]["messageId"], ses["mail"]["commonHeaders"], ses["receipt"]["spamVerdict"]
    ('m1', {'returnPath': 'marko@example.rs', 'subject': 'Hi'}, {'status': 'FAIL'})
    """
    event = copy.deepcopy(recorded_event())
    [record] = event["Records"]
    mail, receipt = record["ses"]["mail"], record["ses"]["receipt"]
    mail.update(timestamp=timestamp, source=sender, messageId=message_id,
                destination=list(envelope_recipients), headersTruncated=False,
                headers=_header_list(headers))
    mail["commonHeaders"] = _common_headers(mail["commonHeaders"], sender, headers)
    receipt.update(timestamp=timestamp, processingTimeMillis=processing_millis,
                   recipients=list(rule_recipients))
    for name in VERDICT_NAMES:
        receipt[f"{name}Verdict"] = {"status": verdicts.get(name, "PASS")}
    receipt["action"].update(functionArn=function_arn, invocationType=invocation_type)
    return event


def _header_list(headers: EmailMessage | None) -> list[dict[str, str]]:
    """Every header, in order, undecoded and unfolded."""
    if headers is None:
        return []
    return [{"name": name, "value": _unfolded(value)} for name, value in headers.raw_items()]


def _unfolded(value: object) -> str:
    return re.sub(r"\r?\n[ \t]+", " ", str(value)).strip()


def _common_headers(recorded: dict, sender: str, headers: EmailMessage | None) -> dict:
    """The recorded ``commonHeaders`` keys, in their order, with this message's values: the
    subject decoded, the address lists as lists, the date and id as written."""
    common: dict = {}
    for key in recorded:
        if key == "returnPath":
            common[key] = sender
            continue
        name = _COMMON_HEADERS[key]
        if headers is None or name not in headers:
            continue
        try:
            header = headers[name]
            if key in _AS_WRITTEN:
                common[key] = next(_unfolded(value) for found, value in headers.raw_items()
                                   if found.lower() == name.lower())
            elif key in _ADDRESS_LISTS:
                addresses = getattr(header, "addresses", None)
                common[key] = [str(a) for a in addresses] if addresses else [str(header)]
            else:
                common[key] = str(header)
        except Exception:  # noqa: BLE001 - an undecodable header is left out, not fatal
            continue
    return common
