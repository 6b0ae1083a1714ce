"""The records the ports pass between services and adapters (re-exported by ``ports``, which
builds them on first use)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

from ..domain.cases import iso

if TYPE_CHECKING:
    from datetime import date

    from ..domain.cases import Case, Status


@dataclass(frozen=True)
class NewCaseAllowance:
    """At most ``limit`` new cases from ``sender``'s mail on ``day`` (UTC); the counter may be
    forgotten after ``expires_at``."""

    sender: str
    day: date
    limit: int
    expires_at: datetime


@dataclass(frozen=True)
class RateLimit:
    """At most ``limit`` auto-replies to ``sender`` in the hour that starts at ``hour``; the
    counter may be forgotten after ``expires_at``."""

    sender: str
    hour: datetime
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
    #: The case as read, for the feed records of the entries written with the update: its
    #: department, and its status when ``status`` does not change it.
    department: str | None = None
    current_status: Status | None = None
    #: The case after the update with its clocks recomputed (``service_levels.track``): its
    #: clocks, first reaction and due-time index keys are written with the update.
    tracked: Case | None = None


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
    released_by: str | None = None

    @property
    def quarantine_id(self) -> str:
        return f"{iso(self.received_at)}#{self.ses_message_id}"


@dataclass(frozen=True)
class StaffMember:
    """A staff account as the directory (the Cognito user pool) knows it."""

    username: str
    user_id: str
    roles: frozenset
    departments: frozenset = frozenset()
    name: str | None = None
    email: str | None = None
    language: str | None = None
    enabled: bool = True

    def to_principal(self):
        from ..domain.policy import Principal

        return Principal(user_id=self.user_id, username=self.username, roles=self.roles,
                         departments=self.departments, name=self.name, email=self.email,
                         language=self.language)
