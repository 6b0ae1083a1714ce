"""What ``parse_mail`` returns: plain frozen records (msgspec ``Struct``), no behaviour."""

from __future__ import annotations

from datetime import datetime

from msgspec import Struct


class Attachment(Struct, frozen=True):
    """One attached or inline file, refused or not.

    ``refused`` is None, or a reason code: "too_large" (over ``max_attachment_bytes``),
    "dangerous_type" (executables, scripts, macro documents, by name, declared type or magic
    bytes) or "encrypted_archive" (a password-protected ZIP, which no scanner can look into).
    A refused attachment still carries its bytes; the caller decides what to keep.
    """

    filename: str
    content_type: str
    size: int
    data: bytes
    inline: bool
    content_id: str | None
    sha256: str
    refused: str | None = None


class Bounce(Struct, frozen=True):
    """A delivery status notification (or a non-standard bounce) about a mail we sent."""

    recipients: tuple[str, ...]
    action: str  # "failed" | "delayed" | "delivered" | "relayed" | "expanded"
    status: str | None  # e.g. "5.1.1"
    permanent: bool
    original_message_id: str | None
    diagnostic: str | None


class ParsedMail(Struct, frozen=True):
    """A received mail as the helpdesk needs it; every text field is a valid ``str``."""

    message_id: str | None
    in_reply_to: tuple[str, ...]
    references: tuple[str, ...]
    from_address: str | None
    from_name: str | None
    reply_to: tuple[str, ...]
    to: tuple[str, ...]
    cc: tuple[str, ...]
    return_path: str | None
    subject: str
    date: datetime | None
    content_language: str | None
    text: str
    new_text: str
    html: str | None
    attachments: tuple[Attachment, ...]
    auto_generated: tuple[str, ...]
    bounce: Bounce | None
    defects: tuple[str, ...]
    language: str | None
