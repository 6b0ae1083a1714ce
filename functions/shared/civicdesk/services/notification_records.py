"""What the parts of notifying share: the event being notified, the case's partition as read for
it (with the claims already made for that event), one message to one recipient, and what became
of it."""

from __future__ import annotations

from datetime import datetime

from msgspec import Struct, field

from ..domain.cases import Case, TimelineEvent
from ..domain.events import EventType
from ..domain.notifications import Intent
from ..domain.subscriptions import Subscription


class NotificationFailed(Exception):
    """Some recipients could not be told; the event is retried (the others are done)."""


class IncomingEvent(Struct, frozen=True):
    id: str
    type: EventType
    case_number: str
    entry_id: str


class Claim(Struct, frozen=True):
    state: str  # sending | sent | failed | suppressed | uncertain
    claimed_at: datetime


class NotificationContext(Struct, frozen=True):
    case: Case
    timeline: list[TimelineEvent]
    subscriptions: list[Subscription]
    claims: dict[str, Claim] = field(default_factory=dict)  # recipient key -> claim (this event)
    pending_link: str | None = None
    #: Staff names looked up for this event's texts: one directory read per actor, however
    #: many recipients (every supervisor of an escalation) name them.
    names: dict[str, str] = field(default_factory=dict)


class Delivery(Struct, frozen=True):
    """One message to one recipient."""

    key: str
    intent: Intent
    channel: str  # email | sms
    address: str
    language: str
    name: str | None = None
    subscription: Subscription | None = None
    phone_fallback: str | None = None  # the requester's mobile, if mail is refused
    #: Whether the address is known to be the recipient's. A requester's address typed into
    #: the public form is anyone's until proven: its mails carry no text the sender chose, and
    #: its confirmations are limited per mailbox and day.
    verified: bool = True


class NotificationOutcome(Struct, frozen=True):
    key: str
    state: str  # sent | suppressed | limited | duplicate | uncertain | unsubscribed | no_address
    channel: str | None = None
    message_id: str | None = None
