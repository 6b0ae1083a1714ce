"""Outgoing mail as the services describe it; adapters turn it into MIME and send it."""

from __future__ import annotations

import re

from msgspec import Struct, field

_TAG_RE = re.compile(r"\[#(\d{4}-\d{6,})\]")


class OutgoingMail(Struct, frozen=True):
    sender: str  # bare address, e.g. podrska@demo.civicdesk.rs
    sender_name: str
    to: tuple[str, ...]
    subject: str
    text: str
    reply_to: str | None = None
    headers: dict[str, str] = field(default_factory=dict)
    case_number: str | None = None
    kind: str = "notification"


def subject_tag(number: str) -> str:
    """The case tag carried in subjects: ``[#2026-000123]``."""
    return f"[#{number}]"


def find_subject_tag(subject: str) -> str | None:
    """The case number tagged in a subject, if any.

    Examples
    --------
    >>> find_subject_tag("Re: [#2026-000123] Lampa")
    '2026-000123'
    """
    match = _TAG_RE.search(subject or "")
    return match.group(1) if match else None
