"""Domain objects <-> items of the cases table: the one translation every repository uses.

The domain modules of the other aggregates (delivery, the feed, inbound marks, subscriptions)
and the ports' records are imported by the functions that map them: a cold start that reads a
case (the public API's tracking) does not create their classes (docs/decisions.md, cold starts).
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any

from ...domain.cases import (
    Case,
    CaseClock,
    CaseType,
    Channel,
    Contact,
    EventKind,
    Location,
    Status,
    TimelineEvent,
    iso,
    parse_iso,
)
from .items import CaseItem, SubscriptionItem, TimelineItem
from .keys import (
    ALL_CASES_PK,
    CASE_SK,
    DELETED_CASES_PK,
    INBOUND_SK,
    MESSAGE_ID_SK,
    QUARANTINE_PK,
    assignee_queue_pk,
    case_pk,
    department_queue_pk,
    due_pk,
    due_sk,
    feed_pk,
    history_sk,
    inbound_pk,
    message_id_pk,
    queue_sk,
    subscription_sk,
    trail_sk,
)
from .public_entries import answers_of, public_keys, public_map

if TYPE_CHECKING:
    from ...domain.delivery import Recipient
    from ...domain.feed import FeedEntry
    from ...domain.inbound import InboundMarker
    from ...domain.subscriptions import Subscription
    from ...services.ports import QuarantineEntry
    from .delivery_items import RecipientItem
    from .mail_items import InboundItem, MessageIdItem, QuarantineItem

#: Timeline entries of the delivery trail (``keys.trail_sk``): one per recipient and message,
#: so many per event on a followed case; every other kind is the case's history.
TRAIL_KINDS = frozenset({EventKind.NOTIFICATION, EventKind.DELIVERY_REPORT})



def parse_time(value: str) -> datetime:
    """A stored moment (``iso``'s format, always UTC) as an aware ``datetime``.

    Examples
    --------
    >>> parse_time("2026-11-21T08:00:00.000000Z").isoformat()
    '2026-11-21T08:00:00+00:00'
    """
    return parse_iso(value)


def _time_or_none(value: str | None) -> datetime | None:
    return parse_time(value) if value else None


# -- cases and timelines ----------------------------------------------------------------------

def case_to_item(case: Case) -> CaseItem:
    """The case item with the keys of every queue index the case belongs in."""
    from .search_entries import geo_keys, search_digest  # a write's keys, not a read's

    created = iso(case.created_at)
    sort_key = queue_sk(case.state, created, case.number)
    if case.deleted:
        # Out of every working queue; administrators list deleted cases apart.
        keys: dict[str, Any] = {"GSI3PK": DELETED_CASES_PK, "GSI3SK": sort_key}
    else:
        keys = {"GSI1PK": department_queue_pk(case.department), "GSI1SK": sort_key,
                "GSI3PK": ALL_CASES_PK, "GSI3SK": sort_key}
        if case.assignee:
            keys.update(GSI2PK=assignee_queue_pk(case.assignee), GSI2SK=sort_key)
        keys.update(geo_keys(case))
        keys.update(due_keys(case))
        keys.update(public_keys(case))
    if case.version:
        keys["version"] = case.version
    return CaseItem(
        PK=case_pk(case.number), SK=CASE_SK, number=case.number, type=case.type.value,
        channel=case.channel.value, category=case.category, department=case.department,
        description=case.description, language=case.language, status=case.status.value,
        public=case.public, created_at=created, updated_at=iso(case.updated_at),
        token_hash=case.token_hash,
        location=case.location.to_dict() if case.location else None,
        contact=case.contact.to_dict() if case.contact and not case.contact.is_empty else None,
        subject=case.subject, assignee=case.assignee, mailbox=case.mailbox,
        participants=set(case.participants) or None, linked_cases=set(case.linked_cases) or None,
        received_at=iso(case.received_at) if case.received_at else None,
        routing=dict(case.routing) if case.routing else None, merged_into=case.merged_into,
        deleted_at=iso(case.deleted_at) if case.deleted_at else None, deleted_by=case.deleted_by,
        escalation_level=case.escalation_level or None, search_digest=search_digest(case),
        first_reaction_at=iso(case.first_reaction_at) if case.first_reaction_at else None,
        clock=clock_to_map(case.clock), pub=public_map(case),
        published_photos=list(case.published_photos) or None, source_page=case.source_page,
        registry_number=case.registry_number, **keys)


def item_to_case(item: CaseItem) -> Case:
    location = item.location.as_dict() if item.location else None
    contact = item.contact.as_dict() if item.contact else None
    return Case(
        number=item.number, type=CaseType(item.type), channel=Channel(item.channel),
        category=item.category, department=item.department, description=item.description,
        language=item.language, status=Status(item.status), public=item.public,
        created_at=parse_time(item.created_at), updated_at=parse_time(item.updated_at),
        token_hash=item.token_hash, location=Location(**location) if location else None,
        contact=Contact(**contact) if contact else None, subject=item.subject,
        assignee=item.assignee, mailbox=item.mailbox,
        participants=tuple(sorted(item.participants or ())),
        linked_cases=tuple(sorted(item.linked_cases or ())), version=item.version or 0,
        received_at=_time_or_none(item.received_at),
        routing=item.routing.as_dict() if item.routing else None, merged_into=item.merged_into,
        deleted_at=_time_or_none(item.deleted_at), deleted_by=item.deleted_by,
        escalation_level=int(item.escalation_level or 0),
        first_reaction_at=_time_or_none(item.first_reaction_at),
        clock=map_to_clock(item.clock.as_dict() if item.clock else None),
        public_answers=answers_of(item.pub.as_dict() if item.pub else None),
        published_photos=tuple(str(path) for path in item.published_photos or ()),
        source_page=item.source_page, registry_number=item.registry_number)


_CLOCK_TIMES = ("first_reaction_due", "resolution_due", "legal_due", "referral_due",
                "paused_since", "referred_at")


def clock_to_map(clock: CaseClock) -> dict | None:
    """The case item's ``clock`` map: the set times as ``iso`` text, ``paused_seconds``,
    ``legal_extension_days`` and ``alerts`` (a list) when not zero or empty; ``None`` for a
    case without clocks.

    Examples
    --------
    >>> from datetime import datetime, timezone
    >>> clock_to_map(CaseClock(legal_due=datetime(2026, 12, 2, tzinfo=timezone.utc),
    ...                        alerts=("warned:legal@x",)))
    {'legal_due': '2026-12-02T00:00:00.000000Z', 'alerts': ['warned:legal@x']}
    >>> clock_to_map(CaseClock()) is None
    True
    """
    stored: dict[str, Any] = {name: iso(getattr(clock, name)) for name in _CLOCK_TIMES
                              if getattr(clock, name) is not None}
    if clock.paused_seconds:
        stored["paused_seconds"] = clock.paused_seconds
    if clock.legal_extension_days:
        stored["legal_extension_days"] = clock.legal_extension_days
    if clock.alerts:
        stored["alerts"] = list(clock.alerts)
    return stored or None


def map_to_clock(stored: dict | None) -> CaseClock:
    if not stored:
        return CaseClock()
    return CaseClock(**{name: _time_or_none(stored.get(name)) for name in _CLOCK_TIMES},
                     paused_seconds=int(stored.get("paused_seconds") or 0),
                     legal_extension_days=int(stored.get("legal_extension_days") or 0),
                     alerts=tuple(stored.get("alerts") or ()))


def due_keys(case: Case) -> dict[str, str]:
    """The case's keys in the due-time index (GSI7): the nearest due time of a running clock
    not yet breached (``service_levels.next_due``); none when there is none."""
    from ...domain.service_levels import next_due  # the due-time index keys of a written case

    due = next_due(case)
    if due is None or case.deleted:
        return {}
    return {"GSI7PK": due_pk(case.number), "GSI7SK": due_sk(iso(due), case.number)}


def event_to_item(event: TimelineEvent, *, department: str | None = None,
                  status: str | None = None, assignee: str | None = None) -> TimelineItem:
    """The timeline item, with its place in the feed index (GSI4). ``department``, ``status``
    and ``assignee`` are the case's after the entry, when the writer has the case at hand."""
    from ...domain.feed import feed_day, feed_record, position_of

    at = iso(event.at)
    sort_key = (trail_sk if event.kind in TRAIL_KINDS else history_sk)(at, event.event_id)
    return TimelineItem(PK=case_pk(event.case_number), SK=sort_key,
                        number=event.case_number, at=at, kind=event.kind.value,
                        actor=event.actor, public=event.public, event_id=event.event_id,
                        data=event.data or None,
                        feed=feed_record(event, department=department, status=status,
                                         assignee=assignee) or None,
                        GSI4PK=feed_pk(feed_day(event.at)),
                        GSI4SK=position_of(event.at, event.case_number, event.event_id))


def feed_facts(case: Case) -> dict:
    """What a timeline entry's feed record says of its case (``event_to_item``'s keywords)."""
    return {"department": case.department, "status": case.status.value, "assignee": case.assignee}


def item_to_event(item: TimelineItem) -> TimelineEvent:
    return TimelineEvent(case_number=item.number, at=parse_time(item.at), kind=EventKind(item.kind),
                         actor=item.actor, public=item.public,
                         data=item.data.as_dict() if item.data else {}, event_id=item.event_id)


def timeline_entry_from_image(image: dict | None) -> TimelineEvent | None:
    """The timeline entry of a stream record's ``NewImage`` (``None`` for any other item)."""
    if not image or (image.get("entity") or {}).get("S") != "event":
        return None
    return item_to_event(TimelineItem.from_raw_data(image))


def timeline_entry_of_record(raw_record: dict) -> TimelineEvent | None:
    """The timeline entry a DynamoDB stream record carries (``None`` for any other item); both
    stream readers (the events publisher, the statistics keeper) call it per record."""
    return timeline_entry_from_image((raw_record.get("dynamodb") or {}).get("NewImage"))


def timeline_entry_if_readable(raw_record: dict) -> TimelineEvent | None:
    """The same for a batch's read ahead (``prepare``): an unreadable record gives ``None`` here
    and fails later, alone, in its own record handler (a partial batch failure)."""
    try:
        return timeline_entry_of_record(raw_record)
    except Exception:  # noqa: BLE001 - reported by the record handler, where it fails again
        return None


def raw_to_feed_entry(raw: dict) -> FeedEntry:
    """A feed entry from a raw item of the feed index (which projects only what it shows)."""
    from ...domain.feed import FeedEntry

    item = TimelineItem.from_raw_data(raw)
    record = item.feed.as_dict() if item.feed else {}
    return FeedEntry(position=item.GSI4SK, case_number=item.number, at=parse_time(item.at),
                     kind=item.kind, actor=item.actor, public=item.public,
                     event_id=item.event_id, department=record.get("department"),
                     status=record.get("status"), previous_status=record.get("previous_status"),
                     assignee=record.get("assignee"), params=dict(record.get("params") or {}))


# -- mail ---------------------------------------------------------------------------------------

def marker_to_item(marker: InboundMarker, expires_at: datetime) -> InboundItem:
    from .mail_items import InboundItem  # the mail channel's kinds, for its writers only

    return InboundItem(PK=inbound_pk(marker.ses_message_id), SK=INBOUND_SK,
                       ses_message_id=marker.ses_message_id, number=marker.number,
                       reply_wanted=marker.reply_wanted, replied=marker.replied,
                       pending_token=marker.pending_token, expires_at=expires_at)


def marker_from_image(ses_message_id: str, image: dict) -> InboundMarker:
    """The marker a cancelled transaction returned (raw attribute values)."""
    from ...domain.inbound import InboundMarker

    return InboundMarker(ses_message_id=ses_message_id,
                         number=(image.get("number") or {}).get("S"),
                         reply_wanted=bool((image.get("reply_wanted") or {}).get("BOOL")),
                         replied=bool((image.get("replied") or {}).get("BOOL")),
                         pending_token=(image.get("pending_token") or {}).get("S"))


def message_id_item(message_id: str, number: str, *, kind: str | None = None,
                    to: object = None) -> MessageIdItem:
    """A mail we sent about a case, by the Message-ID SES gave it; ``to`` kept in lower case."""
    from .mail_items import MessageIdItem

    return MessageIdItem(PK=message_id_pk(message_id), SK=MESSAGE_ID_SK, number=number, kind=kind,
                         to=to.lower() if isinstance(to, str) and to else None)


def quarantine_to_item(entry: QuarantineEntry) -> QuarantineItem:
    from .mail_items import QuarantineItem

    return QuarantineItem(PK=QUARANTINE_PK, SK=entry.quarantine_id,
                          ses_message_id=entry.ses_message_id, reason=entry.reason,
                          bucket=entry.bucket, key=entry.key, sender=entry.sender,
                          subject=(entry.subject or "")[:500] or None,
                          recipients=list(entry.recipients) or None,
                          received_at=iso(entry.received_at), verdicts=entry.verdicts or None)


def item_to_quarantine(item: QuarantineItem) -> QuarantineEntry:
    from ...services.ports import QuarantineEntry

    return QuarantineEntry(ses_message_id=item.ses_message_id, reason=item.reason,
                           bucket=item.bucket, key=item.key, sender=item.sender,
                           subject=item.subject, recipients=tuple(str(r) for r in item.recipients or ()),
                           received_at=parse_time(item.received_at),
                           verdicts=item.verdicts.as_dict() if item.verdicts else {},
                           released_at=_time_or_none(item.released_at),
                           released_by=item.released_by)


# -- subscriptions and recipients ---------------------------------------------------------------

def subscription_to_item(subscription: Subscription, expires_at: datetime | None = None) -> SubscriptionItem:
    return SubscriptionItem(
        PK=case_pk(subscription.case_number), SK=subscription_sk(subscription.id),
        number=subscription.case_number, email=subscription.email, role=subscription.role.value,
        language=subscription.language, state=subscription.state.value, token=subscription.token,
        created_at=iso(subscription.created_at),
        confirmed_at=iso(subscription.confirmed_at) if subscription.confirmed_at else None,
        unsubscribed_at=iso(subscription.unsubscribed_at) if subscription.unsubscribed_at else None,
        expires_at=expires_at)


def item_to_subscription(item: SubscriptionItem) -> Subscription:
    from ...domain.subscriptions import Subscription, SubscriptionRole, SubscriptionState

    return Subscription(case_number=item.number, email=item.email,
                        role=SubscriptionRole(item.role), language=item.language,
                        state=SubscriptionState(item.state), token=item.token,
                        created_at=parse_time(item.created_at),
                        confirmed_at=_time_or_none(item.confirmed_at),
                        unsubscribed_at=_time_or_none(item.unsubscribed_at))


def delivery_counters() -> dict:
    """Delivery status -> the recipient item's counter of it."""
    from ...domain.delivery import DeliveryStatus

    return {status: f"{status.value}_count" for status in DeliveryStatus}


def item_to_recipient(item: RecipientItem) -> Recipient:
    from ...domain.delivery import DeliveryStatus, Recipient, Suppression, SuppressionReason

    suppression = None
    if item.suppression_reason:
        suppression = Suppression(SuppressionReason(item.suppression_reason),
                                  _time_or_none(item.suppressed_at) or datetime.now(timezone.utc),
                                  item.suppressed_message_id, item.suppressed_case)
    counts = {status.value: int(getattr(item, attribute) or 0)
              for status, attribute in delivery_counters().items()}
    return Recipient(address=item.address, counts=counts,
                     last_status=DeliveryStatus(item.last_status) if item.last_status else None,
                     last_at=_time_or_none(item.last_at), last_message_id=item.last_message_id,
                     last_case=item.last_case, suppression=suppression,
                     lifted_at=_time_or_none(item.lifted_at), lifted_by=item.lifted_by,
                     lift_reason=item.lift_reason, lifted_suppression=item.lifted_suppression)
