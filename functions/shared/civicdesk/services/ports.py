"""The ports the services need; adapters (and the fakes in tests) implement them."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

from ..domain.cases import Case, Status, TimelineEvent, iso
from ..domain.inbound import InboundMarker
from ..domain.mail import OutgoingMail


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


class RateLimited(Exception):
    """The sender's allowance of auto-replies for this hour is used up."""


@dataclass(frozen=True)
class RateLimit:
    key: str
    limit: int
    expires_at: datetime


@dataclass(frozen=True)
class CaseUpdate:
    """A change to a case item, applied only if the case still has ``expected_version``."""

    number: str
    expected_version: int
    created_at: datetime
    updated_at: datetime
    status: Status | None = None
    add_participants: tuple[str, ...] = ()
    add_links: tuple[str, ...] = ()


@dataclass(frozen=True)
class QuarantineEntry:
    ses_message_id: str
    reason: str
    bucket: str
    key: str
    received_at: datetime
    sender: str | None = None
    subject: str | None = None
    recipients: tuple[str, ...] = ()
    verdicts: dict = field(default_factory=dict)
    released_at: datetime | None = None

    @property
    def quarantine_id(self) -> str:
        return f"{iso(self.received_at)}#{self.ses_message_id}"


class CaseRepository(Protocol):
    def next_number(self, year: int) -> str: ...

    def create(self, case: Case, events: list[TimelineEvent],
               idempotency: tuple[str, str, dict, int] | None = None) -> None: ...

    def get_with_timeline(self, number: str) -> tuple[Case, list[TimelineEvent]] | None: ...


class MailCaseRepository(CaseRepository, Protocol):
    def get_case(self, number: str) -> Case | None: ...

    def case_for_message_ids(self, message_ids: list[str]) -> str | None: ...

    def save_inbound(self, marker: InboundMarker, *, new_case: Case | None = None,
                     update: CaseUpdate | None = None, events: list[TimelineEvent] = (),
                     rate_limit: RateLimit | None = None, expires_at: datetime) -> None: ...

    def mark_replied(self, ses_message_id: str, number: str, outgoing_message_id: str,
                     event: TimelineEvent) -> None: ...

    def quarantine(self, entry: QuarantineEntry) -> None: ...

    def quarantined(self, limit: int = 50, cursor: str | None = None
                    ) -> tuple[list[QuarantineEntry], str | None]: ...

    def quarantine_entry(self, quarantine_id: str) -> QuarantineEntry | None: ...

    def mark_released(self, entry: QuarantineEntry, at: datetime) -> None: ...


class BlobStore(Protocol):
    """Raw mail and attachments (S3)."""

    def get(self, bucket: str, key: str) -> bytes: ...

    def put(self, key: str, data: bytes, content_type: str) -> str:
        """Store in the attachments bucket; return the key."""


class ConfigRepository(Protocol):
    def load(self) -> dict | None: ...

    def store(self, document: dict) -> None: ...


class Mailer(Protocol):
    def send(self, mail: OutgoingMail) -> str:
        """Send and return the Message-ID the mail service assigned."""


class MetricsSink(Protocol):
    def case_opened(self, channel: str, case_type: str) -> None: ...

    def mail_failed(self, kind: str) -> None: ...

    def mail_received(self, outcome: str) -> None: ...
