"""Incoming mail as the services see it: what SES told us, and what we decided."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import Enum


@dataclass(frozen=True)
class InboundMail:
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


@dataclass(frozen=True)
class IntakeResult:
    outcome: IntakeOutcome
    number: str | None = None
    replied: bool = False
    reason: str | None = None
    notes: tuple[str, ...] = field(default_factory=tuple)


@dataclass(frozen=True)
class InboundMarker:
    """What was done with one SES message; written in the same transaction as its effect."""

    ses_message_id: str
    number: str | None
    reply_wanted: bool
    replied: bool
    pending_token: str | None = None
