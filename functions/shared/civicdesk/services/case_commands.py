"""What the case services are asked to do (commands) and what they answer (results).

The HTTP edge (``api/case_commands.py``) builds the commands from validated requests; the views
(``api/case_views.py``) shape the results. A command to open a case or read a queue may carry
``invalid``: what the edge already found wrong with the request. The service adds what only it
can check (the municipality's categories, departments, languages) and reports all of it in one
``ValidationError``, so the client learns every bad field at once.
"""

from __future__ import annotations

from datetime import datetime

from msgspec import Struct

from ..domain.cases import Case, CaseType, Channel, Contact, Location, Status, TimelineEvent
from ..domain.errors import FieldError

# The public API's commands and results, in a module of their own so that the public function's
# cold start does not build the staff's (docs/decisions.md); re-exported here.
from .public_commands import OpenedCase, OpenPublicCase, TrackedCase, _request

# Reading (a queue page, a case file), likewise: the admin API's first request reads a queue.
from .query_commands import CaseFile, QueueFilter, QueuePage

__all__ = ["AddNote", "Assign", "CaseChanged", "CaseFile", "ChangeStatus", "Delete", "Escalate",
           "ExtendDeadline",
           "Link", "MessageSent", "Merge", "OpenPublicCase", "OpenStaffCase", "OpenedCase",
           "QueueFilter", "QueuePage", "Refer", "Reply", "Reroute", "TrackedCase"]

# -- opening -------------------------------------------------------------------------------------


class OpenStaffCase(Struct, frozen=True):
    """A phone call, letter, visit or SMS an operator registers."""

    type: CaseType | None
    channel: Channel | None
    category: str | None
    description: str | None
    subject: str | None = None
    language: str | None = None
    location: Location | None = None
    requester: Contact | None = None
    received_at: datetime | None = None
    department: str | None = None  # overrides the routing, with ``routing_reason``
    routing_reason: str | None = None
    public: bool | None = None
    idempotency_key: str | None = None
    invalid: tuple[FieldError, ...] = ()

    def request(self) -> dict:
        """The submitted fields (the requester's as normalised), for the idempotency record."""
        return _request(self)


# -- changes -------------------------------------------------------------------------------------


class Assign(Struct, frozen=True):
    number: str
    version: int
    assignee: str | None  # a username, ``me``, or ``None`` to unassign


class ChangeStatus(Struct, frozen=True):
    number: str
    version: int
    status: Status
    reason: str
    message_to_citizen: str | None = None


class Reroute(Struct, frozen=True):
    number: str
    version: int
    department: str
    reason: str


class AddNote(Struct, frozen=True):
    number: str
    text: str
    version: int | None = None  # given: refused when the case changed since


class Reply(Struct, frozen=True):
    number: str
    version: int
    text: str
    channel: str = "auto"  # auto | email | sms
    status: Status | None = None


class Refer(Struct, frozen=True):
    """Hand a case to a configured external body (``body``) or to any address (``email``)."""

    number: str
    version: int
    message: str
    body: str | None = None
    email: str | None = None
    include_contact: bool = False


class Merge(Struct, frozen=True):
    number: str
    version: int
    into: str
    reason: str = ""


class Link(Struct, frozen=True):
    number: str
    case: str
    version: int | None = None


class ExtendDeadline(Struct, frozen=True):
    """Extend a statutory case's legal deadline, once, by the law's extension days."""

    number: str
    version: int
    reason: str


class Escalate(Struct, frozen=True):
    number: str
    version: int
    reason: str


class Delete(Struct, frozen=True):
    number: str
    version: int
    reason: str


# -- results -------------------------------------------------------------------------------------


class CaseChanged(Struct, frozen=True):
    """The case after a change (its new version) and the entries the change wrote."""

    case: Case
    entries: tuple[TimelineEvent, ...] = ()


class MessageSent(CaseChanged, frozen=True):
    """A change that sends a message (a reply, a referral) and how the sending went:
    ``sent``, ``failed``, ``suppressed`` or ``sms_fallback``."""

    delivery: str = "sent"
    message_id: str | None = None
    channel: str | None = None
