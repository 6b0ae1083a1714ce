"""The records the ports pass between services and adapters (re-exported by ``ports``, which
builds them on first use)."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from msgspec import Struct, field

from ..domain.cases import iso

if TYPE_CHECKING:
    from datetime import date

    from ..domain.cases import Case, Status


class NewCaseAllowance(Struct, frozen=True):
    """At most ``limit`` new cases from ``sender``'s mail on ``day`` (UTC); the counter may be
    forgotten after ``expires_at``."""

    sender: str
    day: date
    limit: int
    expires_at: datetime


class RateLimit(Struct, frozen=True):
    """At most ``limit`` auto-replies to ``sender`` in the hour that starts at ``hour``; the
    counter may be forgotten after ``expires_at``."""

    sender: str
    hour: datetime
    limit: int
    expires_at: datetime


class CaseUpdate(Struct, frozen=True):
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


class QuarantineEntry(Struct, frozen=True):
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


class StaffMember(Struct, frozen=True):
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
