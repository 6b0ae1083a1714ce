"""Incoming mail as the services see it: what SES told us, and what we decided."""

from __future__ import annotations

import hashlib
from datetime import datetime
from enum import Enum

from msgspec import Struct, field

from .cases import EventKind, TimelineEvent


class InboundMail(Struct, frozen=True):
    """One message SES received and stored: where the raw copy is, and SES's verdicts."""

    ses_message_id: str
    bucket: str
    key: str
    recipients: tuple[str, ...]  # the envelope recipients SES accepted for us
    received_at: datetime
    spam_verdict: str = "PASS"
    virus_verdict: str = "PASS"
    dmarc_verdict: str = "PASS"
    spf_verdict: str = "PASS"
    released: bool = False  # an administrator released it from quarantine


class IntakeOutcome(str, Enum):
    NEW_CASE = "new_case"
    APPENDED = "appended"
    REOPENED = "reopened"
    LINKED_CASE = "linked_case"
    BOUNCE_RECORDED = "bounce_recorded"
    QUARANTINED = "quarantined"
    DUPLICATE = "duplicate"


class QuarantineReason(str, Enum):
    SPAM = "spam"
    VIRUS = "virus"
    UNREADABLE = "unreadable"
    UNMATCHED_BOUNCE = "unmatched_bounce"
    OWN_MAIL = "own_mail"
    #: failed DMARC yet threaded into a case: the From: may be anyone's, so it is not filed
    #: in the requester's name until staff release it.
    SPOOFED = "dmarc_fail"
    #: the sender opened more new cases today than the municipality allows (a looping
    #: responder, a flood); staff release what is real.
    SENDER_RATE = "sender_rate"


def message_fingerprint(sender: str | None, message_id: str | None, date: datetime | None,
                        subject: str, text: str) -> str | None:
    """What recognises a message delivered again under a new SES id (an MTA's retry): its
    sender with its ``Message-ID``, or, for a message without one, its sender, ``Date``,
    subject and text. ``None`` when it has neither a ``Message-ID`` nor a date: two such
    messages cannot be told from a citizen writing the same twice.

    Examples
    --------
    >>> a = message_fingerprint("Marko@Example.rs", "<1@example.rs>", None, "S", "a")
    >>> a == message_fingerprint("marko@example.rs", "1@example.rs", None, "other", "b")
    True
    >>> a == message_fingerprint("ana@example.rs", "1@example.rs", None, "S", "a")
    False
    >>> message_fingerprint("marko@example.rs", None, None, "S", "a") is None
    True
    """
    who = (sender or "").strip().lower()
    if message_id and message_id.strip("<> "):
        basis = f"id\n{who}\n{message_id.strip('<> ')}"
    elif date is not None:
        basis = f"content\n{who}\n{date.isoformat()}\n{subject.strip()}\n{text.strip()}"
    else:
        return None
    return hashlib.sha256(basis.encode("utf-8", "surrogatepass")).hexdigest()[:40]


class IntakeResult(Struct, frozen=True):
    outcome: IntakeOutcome
    number: str | None = None
    replied: bool = False
    reason: str | None = None
    notes: tuple[str, ...] = field(default_factory=tuple)


class InboundMarker(Struct, frozen=True):
    """What was done with one SES message; written in the same transaction as its effect."""

    ses_message_id: str
    number: str | None
    reply_wanted: bool
    replied: bool
    pending_token: str | None = None


def message_in(number: str, *, at: datetime, sender: str | None, data: dict) -> TimelineEvent:
    """The internal entry of a citizen's mail in its case (the whole message: text, headers,
    where the raw copy and the attachments are, SES's verdicts).

    Examples
    --------
    >>> from datetime import timezone
    >>> at = datetime(2026, 11, 21, 9, 30, tzinfo=timezone.utc)
    >>> entry = message_in("2026-000123", at=at, sender="ana@example.rs", data={"text": "Hvala"})
    >>> entry.kind.value, entry.actor, entry.public
    ('message_in', 'citizen:email:ana@example.rs', False)
    """
    return TimelineEvent(number, at, EventKind.MESSAGE_IN, f"citizen:email:{sender}", False, data)


def attachment_refused(number: str, *, at: datetime, filename: str, content_type: str, size: int,
                       reason: str) -> TimelineEvent:
    """The internal entry for an attachment that was not kept, and why (too large, a type we
    refuse, ...).

    Examples
    --------
    >>> from datetime import timezone
    >>> at = datetime(2026, 11, 21, 9, 30, tzinfo=timezone.utc)
    >>> attachment_refused("2026-000123", at=at, filename="a.exe", content_type="application/x",
    ...                    size=10, reason="type").data["reason"]
    'type'
    """
    return TimelineEvent(number, at, EventKind.ATTACHMENT_REFUSED, "system", False,
                         {"filename": filename, "content_type": content_type, "size": size,
                          "reason": reason})


def linked_for_stranger(number: str, *, at: datetime, tagged: str) -> TimelineEvent:
    """The internal entry linking a new case to the case whose tag a stranger's mail carried
    (a stranger may not write into someone else's case, so the mail opened its own).

    Examples
    --------
    >>> from datetime import timezone
    >>> at = datetime(2026, 11, 21, 9, 30, tzinfo=timezone.utc)
    >>> linked_for_stranger("2026-000124", at=at, tagged="2026-000123").data
    {'case': '2026-000123', 'reason': 'subject_tag_from_stranger'}
    """
    return TimelineEvent(number, at, EventKind.LINKED, "system", False,
                         {"case": tagged, "reason": "subject_tag_from_stranger"})
