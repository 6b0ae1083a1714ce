"""Domain events: what outside the case's own item collection needs to know of a change.

Every change to a case writes one or more timeline entries (nothing is edited in place), so the
timeline is the event log: each inserted entry becomes at most one domain event, published on the
events topic (``docs/events.md`` is the versioned schema). Entries that only record what was
*sent* (notifications) become no event, so notifying can never feed itself.
"""

from __future__ import annotations

from datetime import datetime
from enum import Enum

from msgspec import Struct, field

from .cases import EventKind, TimelineEvent, iso
from .redaction import redact

#: The version of the message schema in ``docs/events.md``; a breaking change raises it.
SCHEMA_VERSION = "1"


class EventType(str, Enum):
    CASE_OPENED = "case.opened"
    STATUS_CHANGED = "case.status_changed"
    RESOLVED = "case.resolved"
    REOPENED = "case.reopened"
    MESSAGE_RECEIVED = "case.message_received"
    PUBLIC_REPLY = "case.public_reply"
    ASSIGNED = "case.assigned"
    ROUTED = "case.routed"
    REFERRED = "case.referred"
    NOTE_ADDED = "case.note_added"
    LINKED = "case.linked"
    MERGED = "case.merged"
    DELETED = "case.deleted"
    DELIVERY_FAILED = "case.delivery_failed"
    ESCALATED = "case.escalated"
    DEADLINE_EXTENDED = "case.deadline_extended"
    SLA_WARNING = "case.sla_warning"
    SLA_BREACHED = "case.sla_breached"


_CLOSED = ("resolved", "closed", "cancelled")

_BY_KIND = {
    EventKind.CASE_OPENED: EventType.CASE_OPENED,
    EventKind.MESSAGE_IN: EventType.MESSAGE_RECEIVED,
    EventKind.ASSIGNED: EventType.ASSIGNED,
    EventKind.ROUTED: EventType.ROUTED,
    EventKind.REFERRED: EventType.REFERRED,
    EventKind.NOTE: EventType.NOTE_ADDED,
    EventKind.LINKED: EventType.LINKED,
    EventKind.MERGED: EventType.MERGED,
    EventKind.MERGED_FROM: EventType.LINKED,
    EventKind.DELETED: EventType.DELETED,
    EventKind.DELIVERY_FAILED: EventType.DELIVERY_FAILED,
    EventKind.ESCALATED: EventType.ESCALATED,
    EventKind.DEADLINE_EXTENDED: EventType.DEADLINE_EXTENDED,
    EventKind.SLA_WARNING: EventType.SLA_WARNING,
    EventKind.SLA_BREACHED: EventType.SLA_BREACHED,
}

#: The timeline data an event may carry. Addresses, message texts and raw mail stay in the case;
#: a subscriber that needs them reads the case through the admin API.
_DATA_KEYS = ("status", "from", "department", "assignee", "previous", "rule", "area", "body_id",
              "into", "case", "from_case", "channel", "kind", "received_at", "level",
              "clock", "due", "overdue_minutes", "days", "legal_due")
#: Every key an event's ``data`` may hold: the timeline's keys above and the redacted public

#: text. The archive's schema (the Glue table in ``template.yaml``) has a field for each.

EVENT_DATA_KEYS = (*_DATA_KEYS, "public_text")


def event_type(entry: TimelineEvent) -> EventType | None:
    """The domain event a timeline entry stands for, or ``None`` (it is not one).

    Examples
    --------
    >>> from datetime import datetime, timezone
    >>> at = datetime(2026, 11, 21, tzinfo=timezone.utc)
    >>> def entry(event_kind, **data):
    ...     return TimelineEvent("2026-000001", at, event_kind, "staff:ana", True, data)
    >>> event_type(entry(EventKind.STATUS_CHANGED, status="resolved", **{"from": "new"})).value
    'case.resolved'
    >>> event_type(entry(EventKind.STATUS_CHANGED, status="in_progress", **{"from": "closed"})).value
    'case.reopened'
    >>> event_type(TimelineEvent("2026-000001", at, EventKind.MESSAGE_OUT, "system:auto_reply",
    ...                          True, {})) is None
    True
    """
    kind = entry.kind
    data = entry.data or {}
    if kind is EventKind.STATUS_CHANGED:
        if data.get("status") == "resolved":
            return EventType.RESOLVED
        if data.get("from") in _CLOSED and data.get("status") not in _CLOSED:
            return EventType.REOPENED
        return EventType.STATUS_CHANGED
    if kind is EventKind.MESSAGE_OUT:
        # A person's answer is an event; what the system sent by itself is not.
        return EventType.PUBLIC_REPLY if entry.actor.startswith("staff:") else None
    return _BY_KIND.get(kind)


class CaseFacts(Struct, frozen=True):
    """What every event says of its case (read when the event is published), and what its
    texts are redacted of (``names``, ``addresses``: never in an event)."""

    department: str
    category: str
    case_type: str
    status: str
    public: bool
    language: str
    names: tuple[str, ...] = ()
    addresses: tuple[str, ...] = ()
    #: Added with the statistics (issue 14); in the event's ``case`` since then.
    channel: str = ""
    assignee: str = ""  # a staff id, or empty (unassigned)
    area: str = ""  # the configured area the case was routed by, or empty
    #: When the contact came in (``received_at``), else when the case was registered; not in
    #: the event (the ``case.opened`` event's own ``at`` and ``data.received_at`` say it).
    opened_at: datetime | None = None

    def __repr__(self) -> str:
        """Without what the texts are redacted of, nor the opening time: a log line that
        shows the facts never carries a name or an address."""
        shown = ", ".join(f"{name}={getattr(self, name)!r}" for name in self.__struct_fields__
                          if name not in _NOT_SHOWN)
        return f"CaseFacts({shown})"


_NOT_SHOWN = frozenset({"names", "addresses", "opened_at"})


class DomainEvent(Struct, frozen=True):
    type: EventType
    case_number: str
    entry_id: str
    at: datetime
    actor: str
    public: bool
    facts: CaseFacts
    data: dict = field(default_factory=dict)

    @property
    def event_id(self) -> str:
        """Unique and stable: the same timeline entry always gives the same id, so a consumer
        recognises a repeated delivery."""
        return f"{self.case_number}/{self.entry_id}"

    @property
    def status(self) -> str:
        return str(self.data.get("status") or self.facts.status)

    def body(self) -> dict:
        """The message body (schema version ``SCHEMA_VERSION``)."""
        return {"schema_version": SCHEMA_VERSION, "id": self.event_id, "type": self.type.value,
                "at": iso(self.at), "actor": self.actor,
                "visibility": "public" if self.public else "internal",
                "case": {"number": self.case_number, "department": self.facts.department,
                         "category": self.facts.category, "type": self.facts.case_type,
                         "status": self.status, "public": self.facts.public,
                         "language": self.facts.language, "channel": self.facts.channel,
                         "assignee": self.facts.assignee, "area": self.facts.area},
                "data": dict(self.data)}

    def attributes(self) -> dict[str, str]:
        """The message attributes subscription filter policies match on."""
        return {"type": self.type.value, "department": self.facts.department,
                "category": self.facts.category, "status": self.status,
                "visibility": "public" if self.public else "internal",
                "schema_version": SCHEMA_VERSION}


def domain_event(entry: TimelineEvent, facts: CaseFacts) -> DomainEvent | None:
    """The domain event of a timeline entry, with only the data a subscriber may see."""
    kind = event_type(entry)
    if kind is None:
        return None
    data = {key: value for key, value in (entry.data or {}).items()
            if key in _DATA_KEYS and isinstance(value, (str, int, float, bool))}
    if entry.kind is not EventKind.STATUS_CHANGED:
        data.pop("from", None)  # elsewhere ``from`` is a sender's address
    if entry.public and isinstance((entry.data or {}).get("public_text"), str):
        # Redacted as on the public page (``api.case_views.tracked``): the message was written
        # to one person, and subscribers are strangers to them.
        data["public_text"] = redact(entry.data["public_text"], facts.names, facts.addresses)
    # A citizen is named by channel only (``citizen:email:<address>`` -> ``citizen:email``).
    actor = ":".join(entry.actor.split(":")[:2]) if entry.actor.startswith("citizen:") else entry.actor
    return DomainEvent(type=kind, case_number=entry.case_number, entry_id=entry.event_id,
                       at=entry.at, actor=actor, public=entry.public, facts=facts, data=data)
