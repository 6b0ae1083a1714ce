"""Delivery feedback: what SES reports about the mail CivicDesk sent, one report per recipient.

SES publishes the events of a configuration set (*event publishing*: ``eventType``) to an SNS
topic, which feeds a queue, which feeds the delivery feedback function. Identity notifications
(``notificationType``) look alike and are read the same way. Each report is recorded on the
recipient (counters, the suppression list) and on the case the mail was about; a hard bounce or a
complaint puts the address on the suppression list, which later sends respect
(``docs/events.md``, "Delivery feedback").

Only the standard library: the parsing is pure, so a malformed record fails alone and loudly.
"""

from __future__ import annotations

import hashlib
import json
from datetime import datetime, timezone
from enum import Enum
from typing import Any

from msgspec import Struct


class DeliveryEventError(ValueError):
    """An SES event that cannot be read (not JSON, no message id, a recipient without an
    address...). Raised for the whole record, so that it is retried and then parked in the
    dead-letter queue rather than half recorded."""


class DeliveryStatus(str, Enum):
    DELIVERED = "delivered"
    BOUNCED = "bounced"
    COMPLAINED = "complained"
    REJECTED = "rejected"
    DELAYED = "delayed"


class SuppressionReason(str, Enum):
    BOUNCE = "bounce"  # a permanent (hard) bounce
    COMPLAINT = "complaint"  # the recipient marked the mail as spam
    SMS_OPT_OUT = "sms_opt_out"  # the number answered STOP (the SMS channel, docs/sms.md)


#: SES's event type (``eventType``/``notificationType``) -> what it says of a recipient.
_STATUS_BY_TYPE = {
    "Delivery": DeliveryStatus.DELIVERED,
    "Bounce": DeliveryStatus.BOUNCED,
    "Complaint": DeliveryStatus.COMPLAINED,
    "Reject": DeliveryStatus.REJECTED,
    "DeliveryDelay": DeliveryStatus.DELAYED,
}
#: Events of a configuration set that say nothing about delivery (and SES's test message when a
#: topic is set on an identity): read, then ignored.
IGNORED_TYPES = frozenset({"Send", "Open", "Click", "Rendering Failure", "RenderingFailure",
                           "Subscription", "AmazonSnsSubscriptionSucceeded"})
#: Diagnostic texts are kept this long at most (they quote remote servers).
MAX_DIAGNOSTIC = 1000


class DeliveryReport(Struct, frozen=True):
    """What SES reported about one recipient of one message.

    ``message_id`` is the id SES gave the mail when it was sent (the one CivicDesk stored);
    ``at`` is when SES observed the event (the bounce, the complaint...), ``event_type`` SES's
    own name of it. ``detail`` is the complaint's feedback type, the reject's reason or the
    delay's type.
    """

    message_id: str
    address: str
    status: DeliveryStatus
    at: datetime
    event_type: str
    bounce_type: str | None = None
    bounce_subtype: str | None = None
    diagnostic: str | None = None
    smtp_status: str | None = None
    feedback_id: str | None = None
    detail: str | None = None

    @property
    def hard_bounce(self) -> bool:
        """A permanent bounce: the address does not exist or refuses mail for good."""
        return self.status is DeliveryStatus.BOUNCED and self.bounce_type == "Permanent"

    @property
    def suppression(self) -> SuppressionReason | None:
        """Why this report puts the address on the suppression list, or ``None``."""
        if self.hard_bounce:
            return SuppressionReason.BOUNCE
        if self.status is DeliveryStatus.COMPLAINED:
            return SuppressionReason.COMPLAINT
        return None

    @property
    def failed(self) -> bool:
        """Whether the case must learn that its message did not reach the person (a domain
        event, ``case.delivery_failed``): a hard bounce, a complaint or a rejection."""
        return self.suppression is not None or self.status is DeliveryStatus.REJECTED

    @property
    def key(self) -> str:
        """Stable across repeated deliveries of the same SES event: the base of the ids of what
        the report writes (timeline entries, the recipient's report item)."""
        return report_key(self.message_id, self.address, self.event_type)


def normalise_address(address: str) -> str:
    """The address as the suppression list knows it: trimmed, angle brackets gone, lower case.

    Examples
    --------
    >>> normalise_address(" <Petar@Example.RS> ")
    'petar@example.rs'
    """
    return address.strip().strip("<>").strip().lower()


#: Providers that deliver ``first.last@`` and ``firstlast@`` to one mailbox, and their aliases.
_DOTLESS_PROVIDERS = {"gmail.com": "gmail.com", "googlemail.com": "gmail.com"}


def mailbox_of(address: str) -> str:
    """The mailbox an address delivers to, as far as it can be told from outside: lower case,
    without a ``+tag`` (sub-addressing, which every large provider delivers to the plain
    mailbox), and for Gmail without the dots it ignores. What limits mail to one recipient
    counts by, so that ``victim+1@`` ... ``victim+20@`` are one recipient.

    Examples
    --------
    >>> mailbox_of("Victim+20@Example.rs"), mailbox_of("v.i.c.t.i.m+x@googlemail.com")
    ('victim@example.rs', 'victim@gmail.com')
    >>> mailbox_of("ana.petrovic@example.rs")
    'ana.petrovic@example.rs'
    """
    local, _, domain = normalise_address(address).rpartition("@")
    local = local.split("+", 1)[0] or local
    if domain in _DOTLESS_PROVIDERS:
        local, domain = local.replace(".", ""), _DOTLESS_PROVIDERS[domain]
    return f"{local}@{domain}"


def address_key(address: str) -> str:
    """The recipient's key: 32 hex digits of the SHA-256 of the lower-cased address (the
    address itself is not part of any key).

    Examples
    --------
    >>> address_key("Petar@example.rs") == address_key("petar@example.rs")
    True
    >>> len(address_key("petar@example.rs"))
    32
    """
    return hashlib.sha256(normalise_address(address).encode("utf-8")).hexdigest()[:32]


def report_key(message_id: str, address: str, event_type: str, purpose: str = "") -> str:
    """12 hex digits naming one report (or, with ``purpose``, one thing written for it), the
    length of a timeline entry's random id.

    Examples
    --------
    >>> report_key("m-1", "A@b.rs", "Bounce") == report_key("m-1", "a@b.rs", "Bounce")
    True
    >>> report_key("m-1", "a@b.rs", "Bounce") != report_key("m-1", "a@b.rs", "Bounce", "failed")
    True
    """
    seed = "\n".join((message_id, normalise_address(address), event_type, purpose))
    return hashlib.sha256(seed.encode("utf-8")).hexdigest()[:12]


def parse_delivery_events(body: str | bytes | dict) -> list[DeliveryReport]:
    """The reports in one queue message: an SES event (raw SNS delivery), an SNS notification
    wrapping one, or an identity notification. One report per recipient; none for event types
    that say nothing about delivery (opens, clicks, SES's subscription test message).

    Raises ``DeliveryEventError`` for anything that is not a readable SES event.

    Examples
    --------
    >>> reports = parse_delivery_events({
    ...     "eventType": "Bounce",
    ...     "mail": {"messageId": "0102-abc", "timestamp": "2026-11-21T09:00:00.000Z",
    ...              "destination": ["petar@example.rs"]},
    ...     "bounce": {"bounceType": "Permanent", "bounceSubType": "General",
    ...                "timestamp": "2026-11-21T09:00:01.500Z",
    ...                "bouncedRecipients": [{"emailAddress": "Petar@example.rs",
    ...                                       "diagnosticCode": "smtp; 550 5.1.1 user unknown"}]}})
    >>> [(r.address, r.status.value, r.hard_bounce, r.suppression.value) for r in reports]
    [('petar@example.rs', 'bounced', True, 'bounce')]
    >>> parse_delivery_events('{"eventType": "Open", "mail": {"messageId": "0102-abc"}}')
    []
    """
    document = _document(body)
    event_type = document.get("eventType") or document.get("notificationType")
    if not isinstance(event_type, str) or not event_type:
        raise DeliveryEventError("neither eventType nor notificationType")
    if event_type in IGNORED_TYPES:
        return []
    status = _STATUS_BY_TYPE.get(event_type)
    if status is None:
        raise DeliveryEventError(f"unknown event type {event_type[:40]!r}")
    mail = document.get("mail")
    if not isinstance(mail, dict):
        raise DeliveryEventError("no mail object")
    message_id = mail.get("messageId")
    if not isinstance(message_id, str) or not message_id.strip():
        raise DeliveryEventError("no mail.messageId")
    message_id = message_id.strip()
    reader = _READERS[status]
    section_name = _SECTIONS[status]
    section = document.get(section_name)
    if section is None and status is not DeliveryStatus.REJECTED:
        raise DeliveryEventError(f"{event_type} without its {section_name!r} object")
    if section is not None and not isinstance(section, dict):
        raise DeliveryEventError(f"{section_name!r} is not an object")
    at = _moment((section or {}).get("timestamp") or mail.get("timestamp"), f"{section_name}.timestamp")
    reports = reader(section or {}, mail, status=status, message_id=message_id, at=at,
                     event_type=event_type)
    if not reports:
        raise DeliveryEventError(f"{event_type} names no recipient")
    return reports


def _document(body: str | bytes | dict) -> dict:
    if isinstance(body, (str, bytes)):
        try:
            document = json.loads(body)
        except (ValueError, UnicodeDecodeError) as error:
            raise DeliveryEventError(f"not JSON: {error}") from None
    else:
        document = body
    if not isinstance(document, dict):
        raise DeliveryEventError("not a JSON object")
    # Without raw message delivery, SNS wraps the event in its own notification.
    if document.get("Type") == "Notification" and isinstance(document.get("Message"), str):
        return _document(document["Message"])
    return document


def _moment(value: Any, where: str) -> datetime:
    """SES's timestamps: ``2026-11-21T09:00:01.500Z``, ``2026-11-21T09:00:01Z``, or an offset."""
    if not isinstance(value, str) or not value:
        raise DeliveryEventError(f"no {where}")
    text = value.strip().replace(" ", "")
    if text.endswith("Z"):
        text = text[:-1] + "+00:00"
    if len(text) > 5 and text[-5] in "+-" and text[-3] != ":":
        text = f"{text[:-2]}:{text[-2:]}"  # +0000 -> +00:00 (identity notifications' mail part)
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise DeliveryEventError(f"{where} is not a timestamp: {value[:40]!r}") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(timezone.utc)


def _address(value: Any, where: str) -> str:
    if not isinstance(value, str) or "@" not in value:
        raise DeliveryEventError(f"{where} is not an address")
    return normalise_address(value)


def _text(value: Any, limit: int = 200) -> str | None:
    if value is None:
        return None
    text = str(value).strip()
    return text[:limit] or None


def _recipients(entries: Any, where: str) -> list[dict]:
    if not isinstance(entries, list):
        raise DeliveryEventError(f"{where} is not a list")
    recipients = []
    for position, entry in enumerate(entries):
        if isinstance(entry, str):
            entry = {"emailAddress": entry}
        if not isinstance(entry, dict):
            raise DeliveryEventError(f"{where}[{position}] is not an object")
        recipients.append({**entry, "emailAddress": _address(entry.get("emailAddress"),
                                                              f"{where}[{position}].emailAddress")})
    return recipients


def _unique(reports: list[DeliveryReport]) -> list[DeliveryReport]:
    seen: dict[str, DeliveryReport] = {}
    for report in reports:
        seen.setdefault(report.address, report)
    return list(seen.values())


def _delivery(section: dict, mail: dict, **common) -> list[DeliveryReport]:
    recipients = section.get("recipients")
    if recipients is None:
        recipients = mail.get("destination")
    return _unique([DeliveryReport(address=r["emailAddress"], detail=_text(section.get("smtpResponse")),
                                   **common)
                    for r in _recipients(recipients, "delivery.recipients")])


def _bounce(section: dict, mail: dict, **common) -> list[DeliveryReport]:
    bounce_type = _text(section.get("bounceType"), 40)
    if bounce_type is None:
        raise DeliveryEventError("bounce.bounceType missing")
    return _unique([DeliveryReport(address=r["emailAddress"], bounce_type=bounce_type,
                                   bounce_subtype=_text(section.get("bounceSubType"), 40),
                                   diagnostic=_text(r.get("diagnosticCode"), MAX_DIAGNOSTIC),
                                   smtp_status=_text(r.get("status"), 20),
                                   feedback_id=_text(section.get("feedbackId")), **common)
                    for r in _recipients(section.get("bouncedRecipients"),
                                         "bounce.bouncedRecipients")])


def _complaint(section: dict, mail: dict, **common) -> list[DeliveryReport]:
    return _unique([DeliveryReport(address=r["emailAddress"],
                                   feedback_id=_text(section.get("feedbackId")),
                                   detail=_text(section.get("complaintFeedbackType"), 60),
                                   **common)
                    for r in _recipients(section.get("complainedRecipients"),
                                         "complaint.complainedRecipients")])


def _reject(section: dict, mail: dict, **common) -> list[DeliveryReport]:
    # SES refused the whole message (a virus in it): every destination is concerned.
    return _unique([DeliveryReport(address=r["emailAddress"], detail=_text(section.get("reason")),
                                   **common)
                    for r in _recipients(mail.get("destination"), "mail.destination")])


def _delay(section: dict, mail: dict, **common) -> list[DeliveryReport]:
    return _unique([DeliveryReport(address=r["emailAddress"],
                                   diagnostic=_text(r.get("diagnosticCode"), MAX_DIAGNOSTIC),
                                   smtp_status=_text(r.get("status"), 20),
                                   detail=_text(section.get("delayType"), 60), **common)
                    for r in _recipients(section.get("delayedRecipients"),
                                         "deliveryDelay.delayedRecipients")])


_READERS = {DeliveryStatus.DELIVERED: _delivery, DeliveryStatus.BOUNCED: _bounce,
            DeliveryStatus.COMPLAINED: _complaint, DeliveryStatus.REJECTED: _reject,
            DeliveryStatus.DELAYED: _delay}
_SECTIONS = {DeliveryStatus.DELIVERED: "delivery", DeliveryStatus.BOUNCED: "bounce",
             DeliveryStatus.COMPLAINED: "complaint", DeliveryStatus.REJECTED: "reject",
             DeliveryStatus.DELAYED: "deliveryDelay"}


class Suppression(Struct, frozen=True):
    """Why an address gets no more mail, since when, and which message earned it that."""

    reason: SuppressionReason
    at: datetime
    message_id: str | None = None
    case_number: str | None = None


class Recipient(Struct, frozen=True):
    """What CivicDesk knows of one address it mailed: how its mail fared, and whether it is
    suppressed. ``lifted_*`` record the last time staff took it off the suppression list."""

    address: str
    counts: dict
    last_status: DeliveryStatus | None = None
    last_at: datetime | None = None
    last_message_id: str | None = None
    last_case: str | None = None
    suppression: Suppression | None = None
    lifted_at: datetime | None = None
    lifted_by: str | None = None
    lift_reason: str | None = None
    lifted_suppression: str | None = None

    def suppresses_after(self, report: DeliveryReport) -> bool:
        """Whether ``report`` puts the address on the list now: it is a hard bounce or a
        complaint, the address is not suppressed already, and staff have not lifted a
        suppression since the event happened (a late, repeated report must not undo that).

        Examples
        --------
        >>> at = datetime(2026, 11, 21, 9, tzinfo=timezone.utc)
        >>> bounce = DeliveryReport("m", "a@b.rs", DeliveryStatus.BOUNCED, at, "Bounce", "Permanent")
        >>> Recipient("a@b.rs", {}).suppresses_after(bounce)
        True
        >>> lifted = Recipient("a@b.rs", {}, lifted_at=at.replace(hour=10))
        >>> lifted.suppresses_after(bounce)
        False
        """
        if report.suppression is None or self.suppression is not None:
            return False
        return self.lifted_at is None or report.at > self.lifted_at

    def is_newer(self, report: DeliveryReport) -> bool:
        """Whether ``report`` is the latest thing known of the address (reports may arrive out
        of order)."""
        return self.last_at is None or report.at >= self.last_at


def new_recipient(address: str) -> Recipient:
    return Recipient(normalise_address(address), {})
