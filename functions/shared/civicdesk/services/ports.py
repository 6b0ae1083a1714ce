"""The ports the services need; adapters (and the fakes in tests) implement them."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any, Iterable, Protocol, Sequence

if TYPE_CHECKING:  # the ports' signatures only: a service imports the ports, not every domain
    from datetime import date

    from ..domain.cases import Case, TimelineEvent
    from ..domain.delivery import DeliveryReport, Recipient
    from ..domain.inbound import InboundMarker
    from ..domain.mail import OutgoingMail
    from ..domain.subscriptions import Subscription
    from ..domain.tracking_tokens import LinkKey
    from .notification_records import NotificationContext
    from .port_records import CaseUpdate as CaseUpdate
    from .port_records import NewCaseAllowance as NewCaseAllowance
    from .port_records import QuarantineEntry as QuarantineEntry
    from .port_records import RateLimit as RateLimit
    from .port_records import StaffMember as StaffMember
    from .queue_query import QueueQuery as QueueQuery

#: The records the ports pass, by the module that defines them: importable from here as ever but
#: built on first use (PEP 562). Each record class costs something to create, and a
#: service that only names a port in its annotations, or raises one of the exceptions below,
#: should not pay for all of them at cold start (docs/decisions.md, cold starts).
_RECORDS = {**dict.fromkeys(("CaseUpdate", "NewCaseAllowance", "QuarantineEntry", "RateLimit",
                             "StaffMember"), "port_records"),
            "QueueQuery": "queue_query"}


def __getattr__(name: str) -> Any:
    module = _RECORDS.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    from importlib import import_module

    value = getattr(import_module(f".{module}", __package__), name)
    globals()[name] = value
    return value


class DuplicateSubmission(Exception):
    """The idempotency key was used before; carries what was answered the first time."""

    def __init__(self, request_hash: str, response: dict):
        super().__init__("duplicate submission")
        self.request_hash = request_hash
        self.response = response


class DuplicateInbound(Exception):
    """This SES message was processed before; carries what was recorded for it."""

    def __init__(self, marker: InboundMarker):
        super().__init__("duplicate inbound message")
        self.marker = marker


class RecipientSuppressed(Exception):
    """The address is on the suppression list (it bounced hard or complained): nothing was sent.

    Raised by ``Mailer.send``; the caller records it and, where it can, falls back to SMS."""

    def __init__(self, address: str, reason: str):
        super().__init__(f"{address} is suppressed ({reason})")
        self.address = address
        self.reason = reason


class RateLimited(Exception):
    """The sender's allowance of auto-replies for this hour is used up."""


class SenderFlooding(Exception):
    """The sender's mail has opened as many new cases today as the municipality allows."""


# -- the cases table: one port per service and repository, each with only what it calls --------

class CaseReads(Protocol):
    """The reads of the tracking page (``CaseTracking``)."""

    def get_case(self, number: str) -> Case | None:
        """The case item alone (whether the caller may see the case, before its history is
        read)."""

    def get_with_history(self, number: str) -> tuple[Case, list[TimelineEvent]] | None:
        """The case and its history: every timeline entry but the delivery trail (the
        notifications sent and the delivery reports, never public)."""


class PublicCases(CaseReads, Protocol):
    """The cases the public API opens and tracks (``CaseService``)."""

    def next_number(self, year: int) -> str: ...

    def create(self, case: Case, events: list[TimelineEvent],
               idempotency: tuple[str, str, dict, int] | None = None, *,
               pending_link: str | None = None) -> None: ...


class CaseworkCases(Protocol):
    """The cases staff open, read and change (``CaseworkService``)."""

    def next_number(self, year: int) -> str: ...

    def create(self, case: Case, events: list[TimelineEvent],
               idempotency: tuple[str, str, dict, int] | None = None, *,
               pending_link: str | None = None) -> None: ...

    def get_case(self, number: str) -> Case | None: ...

    def get_with_history(self, number: str) -> tuple[Case, list[TimelineEvent]] | None:
        """The case and its history (the timeline without the delivery trail)."""

    def get_with_followers(self, number: str) -> tuple[Case, list[TimelineEvent], int, bool] | None:
        """The case, its timeline (the history with the latest entries of the delivery trail),
        its number of confirmed followers, and whether the trail is there whole (one read for
        an ordinary case)."""

    def save_change(self, case: Case, expected_version: int, events: list[TimelineEvent],
                    *, also: tuple[tuple[Case, int], ...] = ()) -> None: ...


class MailCases(Protocol):
    """The cases incoming mail opens or finds (``EmailIntakeService``)."""

    def next_number(self, year: int) -> str: ...

    def get_case(self, number: str) -> Case | None: ...


class CaseReader(Protocol):
    """One case by its number (``FollowerService``, ``DeliveryFeedbackService``)."""

    def get_case(self, number: str) -> Case | None: ...


class DueCases(Protocol):
    """Open cases by the nearest due time of their running clocks (the service-level job, the
    overdue queue)."""

    def cases_due(self, before: datetime, after: datetime | None = None) -> list[Case]:
        """The cases whose nearest unbreached due time is before ``before`` (and at or after
        ``after``), nearest first."""


class CaseQueues(Protocol):
    """The staff's queue pages (``CaseworkService``)."""

    def queue(self, query: QueueQuery) -> tuple[list[Case], str | None]: ...


class MailIntakeLog(Protocol):
    """What incoming mail records: its marker and effect, threading, the auto-reply
    (``EmailIntakeService``)."""

    def case_for_message_ids(self, message_ids: list[str]) -> str | None: ...

    def save_inbound(self, marker: InboundMarker, *, new_case: Case | None = None,
                     update: CaseUpdate | None = None, events: Sequence[TimelineEvent] = (),
                     rate_limit: RateLimit | None = None, fingerprint: str | None = None,
                     new_case_allowance: NewCaseAllowance | None = None,
                     expires_at: datetime) -> None:
        """The message's effect with its marker, and the marker of its ``fingerprint``
        (``message_fingerprint``), in one write. ``DuplicateInbound`` when either marker
        exists, ``RateLimited`` or ``SenderFlooding`` when an allowance is used up: nothing
        is written then."""

    def mark_replied(self, ses_message_id: str, number: str, outgoing_message_id: str,
                     event: TimelineEvent) -> None: ...

    def mark_reply_skipped(self, ses_message_id: str, event: TimelineEvent) -> None: ...


class MessageIdLog(Protocol):
    """The Message-ID of a mail staff sent about a case (``CaseworkService``)."""

    def record_message_id(self, outgoing_message_id: str, number: str, *, kind: str | None = None,
                          to: str | None = None) -> None: ...


class MessageOrigins(Protocol):
    """What a mail we sent was about (``DeliveryFeedbackService``)."""

    def message_origin(self, message_id: str) -> tuple[str, str | None, str | None] | None:
        """``(case number, kind of mail, recipient)``, ``None`` for a Message-ID not ours."""


class Quarantine(Protocol):
    """Mail held back, and its release (``EmailIntakeService``)."""

    def quarantine(self, entry: QuarantineEntry) -> None: ...

    def quarantine_entry(self, quarantine_id: str) -> QuarantineEntry | None: ...

    def mark_released(self, entry: QuarantineEntry, at: datetime, by: str | None = None) -> None: ...


class QuarantineList(Protocol):
    """The staff's list of quarantined mail (``QuarantineAdmin``)."""

    def quarantined(self, limit: int = 50, cursor: str | None = None
                    ) -> tuple[list[QuarantineEntry], str | None]: ...


class NotificationContexts(Protocol):
    """Everything a notification about a case's event needs, in one read
    (``NotificationService``)."""

    def context(self, number: str, event_id: str) -> NotificationContext | None: ...


class NotificationClaims(Protocol):
    """Each message claimed before it is sent and completed after (``NotificationService``, and
    ``DeliveryFeedbackService`` for its SMS after a hard bounce)."""

    def claim(self, number: str, event_id: str, key: str, at: datetime) -> bool: ...

    def release(self, number: str, event_id: str, key: str, error: str) -> None: ...

    def complete(self, number: str, event_id: str, key: str, *, state: str, channel: str | None,
                 message_id: str | None, entry: TimelineEvent,
                 consume_pending_link: bool = False, case: Case | None = None,
                 message_kind: str | None = None, to: str | None = None) -> None: ...


class SubscriptionWriter(Protocol):
    """The requester's subscription, added when a notification needs it
    (``NotificationService``)."""

    def add_subscription(self, subscription: Subscription) -> Subscription:
        """Store it unless the address has one for the case; return the stored one."""


class DeliveryRecords(Protocol):
    """Delivery reports per recipient (``DeliveryFeedbackService``)."""

    def recipient(self, address: str) -> Recipient | None: ...

    def record(self, report: DeliveryReport, *, case_number: str | None, mail_kind: str | None,
               suppress: bool, update_last: bool, events: list[TimelineEvent]) -> bool: ...


class SuppressionList(Protocol):
    """Which addresses are not to be mailed (``SuppressionCheckingMailer``)."""

    def suppressed(self, addresses: Iterable[str]) -> dict[str, str]:
        """``{address: reason}`` of the suppressed among ``addresses`` (lower case)."""


class SuppressionRegister(Protocol):
    """The staff's suppression list (``SuppressionAdmin``)."""

    def suppressed_page(self, limit: int = 50, cursor: str | None = None
                        ) -> tuple[list[Recipient], str | None]: ...

    def lift(self, address: str, *, at: datetime, by: str, reason: str) -> Recipient | None: ...


class BlobStore(Protocol):
    """Raw mail and attachments (S3)."""

    def get(self, bucket: str, key: str) -> bytes: ...

    def put(self, key: str, data: bytes, content_type: str) -> str:
        """Store in the attachments bucket; return the key."""


class CaseHistory(Protocol):
    """A case with its history, to find what an entry of it names (``CaseAttachments``)."""

    def get_case(self, number: str) -> Case | None: ...

    def get_with_history(self, number: str) -> tuple[Case, list[TimelineEvent]] | None: ...


class AttachmentLinks(Protocol):
    """Short-lived links to stored attachments a browser opens directly (S3 presigned GET)."""

    def download_url(self, key: str, *, content_type: str, disposition: str,
                     expires_in: int) -> str:
        """A URL that answers the file at ``key`` for ``expires_in`` seconds, with these
        ``Content-Type`` and ``Content-Disposition`` headers."""


class ConfigRepository(Protocol):
    def load(self) -> dict | None: ...

    def store(self, document: dict) -> None: ...


class Allowances(Protocol):
    """Counters of what one subject (a recipient's mailbox or number) may be sent in a UTC day
    (``FollowerService``, the notify function's confirmations)."""

    def take(self, kind: str, subject: str, day: date, limit: int) -> bool:
        """Count one more ``kind`` for ``subject`` on ``day``; ``False`` (and nothing counted)
        when ``limit`` were counted already."""


class SubscriptionRepository(Protocol):
    """A case's subscriptions by address (``civicdesk.domain.subscriptions``)."""

    def get(self, number: str, subscription_id: str, now: datetime) -> Subscription | None: ...

    def request_opt_in(self, subscription: Subscription, *, now: datetime, resend_after: datetime,
                       expires_at: datetime) -> Subscription | None:
        """Make it pending and claim its opt-in mail; ``None`` when nothing is to be sent."""

    def release_opt_in(self, number: str, subscription_id: str, sent_at: datetime) -> None: ...

    def confirm(self, subscription: Subscription, at: datetime) -> Subscription | None: ...

    def unsubscribe(self, subscription: Subscription, at: datetime) -> Subscription | None: ...


class Mailer(Protocol):
    def send(self, mail: OutgoingMail) -> str:
        """Send and return the Message-ID the mail service assigned."""


class MetricsSink(Protocol):
    def case_opened(self, channel: str, case_type: str) -> None: ...

    def mail_failed(self, kind: str) -> None: ...

    def mail_received(self, outcome: str) -> None: ...


class StaffDirectory(Protocol):
    def get(self, username: str) -> StaffMember | None: ...

    def list(self, role: str | None = None) -> list[StaffMember]: ...


class LinkKeys(Protocol):
    """The keys of the requester's tracking links (``civicdesk.domain.tracking_tokens.LinkKey``)."""

    def keys(self, *, fresh: bool = False) -> Sequence[LinkKey]:
        """The keys in force, the one that writes new links first (then the previous one,
        whose links still open). ``fresh``: read them again rather than from a cache, because
        a token names a key not among them (it may have been rotated in meanwhile); an
        implementation may limit how often it does."""


class SmsSender(Protocol):
    def send(self, sms) -> str:
        """Send an ``OutgoingSms`` and return the id the SMS service assigned."""


class InvalidPhoneNumber(ValueError):
    """The text is not a valid phone number for the given country.

    ``code`` is the machine code of the field error (``invalid_phone``, shown to people as
    ``field.invalid_phone``).
    """

    def __init__(self, raw: str, code: str = "invalid_phone") -> None:
        super().__init__(f"not a valid phone number: {raw!r}")
        self.code = code


class PhoneNumbers(Protocol):
    """Phone numbers as citizens write them and as SMS need them (libphonenumber's plans)."""

    def normalise(self, raw: str, country: str) -> str:
        """The E.164 form of ``raw``, a number without a country code read as ``country``
        (ISO 3166-1 alpha-2) writes it; ``InvalidPhoneNumber`` when it is not a valid one."""

    def can_receive_sms(self, e164: str) -> bool:
        """Whether the number is a mobile one (or one the plan cannot tell from a mobile one)."""
