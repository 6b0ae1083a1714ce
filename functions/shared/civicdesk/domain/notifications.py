"""Who is told what about a change: the notification rules, free of any channel or service.

The notify function receives a domain event, reads the case, its timeline and its subscriptions,
and asks :func:`plan` whom to tell. Each :class:`Intent` names an audience and a template; the
service then finds addresses (staff from the directory, the requester's e-mail or phone) and
sends each message at most once per (event, recipient).

Rules (``docs/events.md``, "Notifications"):

* **Requester** – the citizen hears of their own case the way they contacted us: the confirmation
  of a case opened through a form or by an operator (the mail channel confirms with its own
  auto-reply); every status change, with the official's message when there is one; a merge; a
  referral to an outside body. Never of what they did themselves (their mail reopening a case),
  and not of the status change that rode along with a reply (the reply said it).
* **Followers** – confirmed followers of a *public* case hear of public status changes only:
  never internal entries, notes, replies or anyone's personal data.
* **Assignee** – a staff member hears that a case was assigned to them (unless they took it).
* **Department** – a department's mailbox hears of every new case routed to it, and of a case
  rerouted to it later.
* **Supervisors** – hear of every escalation.
* **Due soon** – the service-level job's warning (``case.sla_warning``) goes to the assignee, or,
  to a case nobody is assigned, to its department's mailbox.
"""

from __future__ import annotations

from enum import Enum
from typing import Iterable

from msgspec import Struct

from .cases import Case, TimelineEvent
from .events import EventType
from .subscriptions import Subscription, SubscriptionRole, SubscriptionState


class Audience(str, Enum):
    REQUESTER = "requester"
    FOLLOWER = "follower"
    ASSIGNEE = "assignee"
    DEPARTMENT = "department"
    SUPERVISORS = "supervisors"


#: Types the notify queue subscribes to (its SNS filter policy in ``template.yaml`` says the same;
#: a contract test keeps them equal).
NOTIFIED_TYPES = (EventType.CASE_OPENED, EventType.STATUS_CHANGED, EventType.RESOLVED,
                  EventType.REOPENED, EventType.ASSIGNED, EventType.ROUTED, EventType.REFERRED,
                  EventType.MERGED, EventType.ESCALATED, EventType.DEADLINE_EXTENDED,
                  EventType.SLA_WARNING)

#: Channels through which the mail channel's own auto-reply already confirmed a new case.
_SELF_CONFIRMING_CHANNELS = ("email",)

_FOLLOWER_TYPES = (EventType.STATUS_CHANGED, EventType.RESOLVED, EventType.REOPENED)


class Intent(Struct, frozen=True):
    """Tell ``audience`` about the event with ``template``.

    ``required`` marks a message the citizen must get whatever they chose (the confirmation, the
    outcome, a question they have to answer): it carries no unsubscribe link and is sent even after
    an unsubscribe. ``subscription`` is the follower's; ``staff`` the assignee's username;
    ``department`` the department whose mailbox is told."""

    audience: Audience
    template: str
    required: bool = False
    subscription: Subscription | None = None
    staff: str | None = None
    department: str | None = None

    @property
    def key(self) -> str:
        """The recipient's part of the idempotency key (stable across retries)."""
        if self.audience is Audience.FOLLOWER and self.subscription is not None:
            return f"follower:{self.subscription.id}"
        if self.audience is Audience.ASSIGNEE:
            return f"staff:{self.staff}"
        if self.audience is Audience.DEPARTMENT:
            return f"department:{self.department}"
        return self.audience.value


def opted_out(subscription: Subscription) -> bool:
    """Whether the requester declined progress mails.

    A requester's subscription that is not ``confirmed`` was ended by them: a follow request for
    their address, which anyone can make, only makes it ``pending`` again and must not undo that.

    Parameters
    ----------
    subscription
        The requester's (or a follower's) subscription to the case.

    Returns
    -------
    bool
        ``True`` if a mail they may unsubscribe from is not to be sent.

    Examples
    --------
    >>> from datetime import datetime, timezone
    >>> at = datetime(2026, 11, 22, tzinfo=timezone.utc)
    >>> requester = Subscription(case_number="2026-000001", email="ana@example.org",
    ...                          role=SubscriptionRole.REQUESTER, language="en",
    ...                          state=SubscriptionState.PENDING, token="t", created_at=at)
    >>> opted_out(requester)
    True
    """
    if subscription.state is SubscriptionState.UNSUBSCRIBED:
        return True
    return (subscription.role is SubscriptionRole.REQUESTER
            and subscription.state is not SubscriptionState.CONFIRMED)


def _by_citizen(entry: TimelineEvent) -> bool:
    return entry.actor.startswith("citizen:")


def _requester_intent(kind: EventType, entry: TimelineEvent, case: Case) -> Intent | None:
    data = entry.data or {}
    if case.contact is None or case.contact.is_empty:
        return None
    if _by_citizen(entry) and kind is not EventType.CASE_OPENED:
        return None
    if kind is EventType.CASE_OPENED:
        if data.get("channel") in _SELF_CONFIRMING_CHANNELS:
            return None
        if data.get("channel") == "sms" and entry.actor.startswith("citizen:sms:"):
            return None  # the citizen's own SMS: the SMS channel answered it (services.sms_intake)
        return Intent(Audience.REQUESTER, "confirmation", required=True)
    if kind in (EventType.STATUS_CHANGED, EventType.RESOLVED, EventType.REOPENED):
        if data.get("reason") == "reply":
            return None  # the reply that changed the status told the citizen
        if kind is EventType.RESOLVED:
            return Intent(Audience.REQUESTER, "resolved", required=True)
        if kind is EventType.REOPENED:
            return Intent(Audience.REQUESTER, "reopened")
        # A question the citizen has to answer is not something to unsubscribe from.
        return Intent(Audience.REQUESTER, "status_changed",
                      required=data.get("status") == "waiting_for_citizen")
    if kind is EventType.MERGED:
        return Intent(Audience.REQUESTER, "merged", required=True)  # their case ends here
    if kind is EventType.REFERRED:
        return Intent(Audience.REQUESTER, "referred")
    if kind is EventType.DEADLINE_EXTENDED:  # the FOI laws require telling them, and why
        return Intent(Audience.REQUESTER, "deadline_extended", required=True)
    return None


def plan(kind: EventType, entry: TimelineEvent, case: Case,
         subscriptions: Iterable[Subscription] = ()) -> list[Intent]:
    """Whom to tell about ``entry`` (a ``kind`` event of ``case``), in sending order.

    Examples
    --------
    >>> from datetime import datetime, timezone
    >>> from .cases import CaseType, Channel, Contact, EventKind, Status
    >>> at = datetime(2026, 11, 22, tzinfo=timezone.utc)
    >>> case = Case(number="2026-000001", type=CaseType.SIGNAL, channel=Channel.WEB,
    ...             category="potholes", department="roads", description="Rupa", language="en",
    ...             status=Status.IN_PROGRESS, public=True, created_at=at, updated_at=at,
    ...             token_hash="x", contact=Contact(email="ana@example.org"))
    >>> change = TimelineEvent(case.number, at, EventKind.STATUS_CHANGED, "staff:ana", True,
    ...                        {"status": "in_progress", "from": "new", "reason": "started"})
    >>> [(i.audience.value, i.template, i.required) for i in plan(EventType.STATUS_CHANGED, change, case)]
    [('requester', 'status_changed', False)]
    >>> note = TimelineEvent(case.number, at, EventKind.NOTE, "staff:ana", False, {"text": "x"})
    >>> plan(EventType.NOTE_ADDED, note, case)
    []
    """
    if case.deleted:
        return []
    data = entry.data or {}
    intents: list[Intent] = []
    requester = _requester_intent(kind, entry, case)
    if requester is not None:
        intents.append(requester)
    if kind in _FOLLOWER_TYPES and entry.public and case.public:
        requester_email = (case.contact.email or "").lower() if case.contact else ""
        for subscription in subscriptions:
            if (subscription.role is SubscriptionRole.FOLLOWER and subscription.active
                    and subscription.email.lower() != requester_email):
                intents.append(Intent(Audience.FOLLOWER, "follower_update", subscription=subscription))
    if kind is EventType.ASSIGNED:
        assignee = data.get("assignee")
        if assignee and entry.actor != f"staff:{assignee}":
            intents.append(Intent(Audience.ASSIGNEE, "assigned", staff=str(assignee)))
    if kind is EventType.CASE_OPENED or (kind is EventType.ROUTED and data.get("from")):
        department = data.get("department") or case.department
        if department:
            intents.append(Intent(Audience.DEPARTMENT, "routed", department=str(department)))
    if kind is EventType.ESCALATED:
        intents.append(Intent(Audience.SUPERVISORS, "escalated"))
    if kind is EventType.SLA_WARNING:
        assignee = data.get("assignee") or case.assignee
        if assignee:
            intents.append(Intent(Audience.ASSIGNEE, "sla_warning", staff=str(assignee)))
        elif case.department:
            intents.append(Intent(Audience.DEPARTMENT, "sla_warning", department=case.department))
    return intents
