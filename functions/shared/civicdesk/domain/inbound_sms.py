"""Incoming SMS: the message AWS End User Messaging SMS publishes, read strictly, and what it
becomes, decided by an ordered chain of interpreters (``docs/sms.md``).

When a citizen texts the municipality's number, End User Messaging SMS (``pinpoint-sms-voice-v2``
two-way messaging) publishes one JSON document to the stack's SNS topic, delivered raw to a queue::

    {"originationNumber": "+381641234567", "destinationNumber": "+381600000000",
     "messageKeyword": "KEYWORD_...", "messageBody": "Rupa u ulici ...",
     "inboundMessageId": "cae173d2-66b9-564c-8309-21f858e9fb84",
     "previousPublishedMessageId": "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"}

The service delivers no media: two-way MMS is not supported, so a photo never arrives this way.

The decision is a chain of interpreters (``DEFAULT_CHAIN``): each looks at the message and its
``SmsContext`` and returns a decision or ``None`` (not mine, ask the next one). A later step is
added by name with ``insert_before`` (a survey's digit answers go before ``pending_question``);
the last step (``case_message``) always decides.
"""

from __future__ import annotations

import json
import re
from enum import Enum
from typing import Any, Mapping

from msgspec import Struct

from .sms import is_e164
from .sms_chain import (
    DEFAULT_CHAIN,
    MAX_ASKS,
    MAX_CHOICES,
    PENDING_TTL,
    AddToCase,
    AskWhichCase,
    Decision,
    Help,
    Interpreter,
    KeptMessage,
    OpenCase,
    OpenNewCase,
    OptIn,
    OptOut,
    PendingQuestion,
    Quarantine,
    QuarantineReason,
    SmsContext,
    Step,
    case_message,
    decide,
    insert_before,
    keyword,
    own_number,
    pending_question,
)
from .sms_keywords import KEYWORDS, Keyword, fold_keyword, keyword_of, language_of

# The chain (``sms_chain``) and the keywords (``sms_keywords``) live beside this module; their
# names are re-exported, so that callers import the SMS channel's domain from one place.

#: The longest text kept from one SMS (a concatenated SMS is at most a few thousand characters).
MAX_SMS_TEXT = 5000

_MESSAGE_ID = re.compile(r"[A-Za-z0-9._:/+=-]{1,200}")
_SHORT_CODE = re.compile(r"\d{3,8}")
_ALPHANUMERIC = re.compile(r"(?=.*[A-Za-z])[A-Za-z0-9 ._-]{1,11}")


class UnreadableSms(ValueError):
    """A record that is not an inbound SMS of End User Messaging; ``reason`` says why."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class InboundSms(Struct, frozen=True):
    """One SMS a citizen sent to one of our numbers."""

    message_id: str  # inboundMessageId: unique per incoming message
    sender: str  # originationNumber: E.164, a short code or an alphanumeric id
    recipient: str  # destinationNumber: our number
    body: str
    keyword: str | None = None  # messageKeyword: the registered keyword it matched, if any
    previous_message_id: str | None = None  # previousPublishedMessageId: what it answers


def parse_inbound_sms(document: str | bytes | Mapping) -> InboundSms:
    """The SMS of one record (the raw JSON End User Messaging publishes, or the same wrapped in
    an SNS notification when the subscription is not raw).

    Raises
    ------
    UnreadableSms
        Not JSON, not an object, or a required field missing or of the wrong shape.

    Examples
    --------
    >>> sms = parse_inbound_sms('{"originationNumber": "+381641234567", '
    ...     '"destinationNumber": "+381600000000", "messageKeyword": "KEYWORD_1", '
    ...     '"messageBody": "Rupa", "inboundMessageId": "abc-1"}')
    >>> sms.sender, sms.body, sms.keyword
    ('+381641234567', 'Rupa', 'KEYWORD_1')
    >>> parse_inbound_sms('{"messageBody": "x"}')
    Traceback (most recent call last):
    ...
    civicdesk.domain.inbound_sms.UnreadableSms: missing:inboundMessageId
    """
    if isinstance(document, (str, bytes)):
        try:
            value: Any = json.loads(document)
        except (ValueError, UnicodeDecodeError):
            raise UnreadableSms("not_json") from None
    else:
        value = document
    if not isinstance(value, Mapping):
        raise UnreadableSms("not_an_object")
    if value.get("Type") == "Notification" and isinstance(value.get("Message"), str):
        return parse_inbound_sms(value["Message"])  # an SNS envelope (a subscription not raw)

    def text(name: str, required: bool = True) -> str | None:
        found = value.get(name)
        if found is None:
            if required:
                raise UnreadableSms(f"missing:{name}")
            return None
        if not isinstance(found, str):
            raise UnreadableSms(f"not_text:{name}")
        return found

    message_id = (text("inboundMessageId") or "").strip()
    if not _MESSAGE_ID.fullmatch(message_id):
        raise UnreadableSms("bad:inboundMessageId")
    sender = (text("originationNumber") or "").strip()
    if not sender:
        raise UnreadableSms("bad:originationNumber")
    recipient = (text("destinationNumber") or "").strip()
    if not recipient:
        raise UnreadableSms("bad:destinationNumber")
    body = text("messageBody")
    assert body is not None
    return InboundSms(message_id=message_id, sender=sender, recipient=recipient,
                      body=body.replace("\r\n", "\n").strip()[:MAX_SMS_TEXT],
                      keyword=(text("messageKeyword", False) or None),
                      previous_message_id=(text("previousPublishedMessageId", False) or None))


class SenderKind(str, Enum):
    NUMBER = "number"  # a phone number in E.164: a person, who may get a reply
    SHORT_CODE = "short_code"  # a service's short number: a machine
    ALPHANUMERIC = "alphanumeric"  # a named sender: a bank, a carrier, a machine
    UNKNOWN = "unknown"


def sender_kind(sender: str) -> SenderKind:
    """What kind of sender ``sender`` is; only a ``NUMBER`` ever gets a reply.

    Examples
    --------
    >>> [sender_kind(s).value for s in ("+381641234567", "1234", "Telekom", "+12")]
    ['number', 'short_code', 'alphanumeric', 'unknown']
    """
    if is_e164(sender):
        return SenderKind.NUMBER
    if _SHORT_CODE.fullmatch(sender.lstrip("+")):
        return SenderKind.SHORT_CODE
    if _ALPHANUMERIC.fullmatch(sender):
        return SenderKind.ALPHANUMERIC
    return SenderKind.UNKNOWN


__all__ = [
    "DEFAULT_CHAIN", "KEYWORDS", "MAX_ASKS", "MAX_CHOICES", "MAX_SMS_TEXT", "PENDING_TTL",
    "AddToCase", "AskWhichCase", "Decision", "Help", "InboundSms", "Interpreter", "KeptMessage",
    "Keyword", "OpenCase", "OpenNewCase", "OptIn", "OptOut", "PendingQuestion", "Quarantine",
    "QuarantineReason", "SenderKind", "SmsContext", "Step", "UnreadableSms", "case_message",
    "decide", "fold_keyword", "insert_before", "keyword", "keyword_of", "language_of",
    "own_number", "parse_inbound_sms", "pending_question", "sender_kind",
]
