"""The cases table (single-table design) through PynamoDB.

Every entity builds its keys here and nowhere else. Access patterns and the key or index that
serves each are listed in ``docs/data-model.md``.
"""

from __future__ import annotations

import base64
import binascii
import gzip
import json
import re
from datetime import datetime, timedelta, timezone

from pynamodb.attributes import (BinaryAttribute, BooleanAttribute, DiscriminatorAttribute,
                                 ListAttribute, MapAttribute, NumberAttribute, TTLAttribute,
                                 UnicodeAttribute, UnicodeSetAttribute, VersionAttribute)
from pynamodb.exceptions import TransactWriteError
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex, IncludeProjection
from pynamodb.models import Model
from pynamodb.transactions import TransactWrite

from ..domain.cases import (OPEN_STATUSES, Case, CaseType, Channel, Contact, EventKind, Location,
                            Status, TimelineEvent, format_number, iso)
from ..domain.errors import BadRequestError, ConflictError
from ..domain.feed import FeedEntry, feed_day, feed_record, position_of
from ..services.ports import (CaseUpdate, DuplicateInbound, DuplicateSubmission, QueueQuery,
                              QuarantineEntry, RateLimited, RateLimit)
from ..domain.inbound import InboundMarker
from ..domain.subscriptions import (Subscription, SubscriptionRole, SubscriptionState)

CASE_SK = "#CASE"
COUNTER_SK = "#COUNTER"


def case_pk(number: str) -> str:
    return f"CASE#{number}"


def department_queue_pk(department: str) -> str:
    return f"DEPT#{department}"


def assignee_queue_pk(username: str) -> str:
    return f"ASSIGNEE#{username.lower()}"


#: GSI3's partitions: every case of the municipality, and the soft-deleted ones apart.
ALL_CASES_PK = "CASES"
DELETED_CASES_PK = "DELETED"


#: The first part of every queue sort key; the digit puts open cases before closed ones.
STATE_KEY = {"open": "1open", "closed": "2closed"}


def queue_sk(state: str, created_at: str, number: str) -> str:
    """The sort key of every queue index: ``1open#2026-11-21T08:00:00.000000Z#2026-000123``.

    Open cases sort before closed ones and each group by age, so "the open cases of a department,
    oldest first, received this week" is one key condition (``docs/data-model.md``)."""
    return f"{STATE_KEY[state]}#{created_at}#{number}"


def state_of(status: str) -> str:
    return "open" if Status(status) in OPEN_STATUSES else "closed"


class DepartmentQueueIndex(GlobalSecondaryIndex):
    """GSI1: a department's cases, open before closed, by age."""

    class Meta:
        index_name = "GSI1"
        projection = AllProjection()

    GSI1PK = UnicodeAttribute(hash_key=True)
    GSI1SK = UnicodeAttribute(range_key=True)


class AssigneeQueueIndex(GlobalSecondaryIndex):
    """GSI2: the cases assigned to one person (sparse: unassigned cases are not in it)."""

    class Meta:
        index_name = "GSI2"
        projection = AllProjection()

    GSI2PK = UnicodeAttribute(hash_key=True)
    GSI2SK = UnicodeAttribute(range_key=True)


class AllCasesIndex(GlobalSecondaryIndex):
    """GSI3: every case of the municipality (one partition: a municipality writes a few hundred
    cases a day, far below a partition's 1,000 writes a second), and the deleted ones apart."""

    class Meta:
        index_name = "GSI3"
        projection = AllProjection()

    GSI3PK = UnicodeAttribute(hash_key=True)
    GSI3SK = UnicodeAttribute(range_key=True)


def feed_pk(day: str) -> str:
    """GSI4's partition of one UTC day (``2026-11-21``): every timeline entry of that day."""
    return f"FEED#{day}"


#: What the feed index holds besides its keys: what the feed shows, never the entry's data
#: (which may hold a whole message); ``feed`` is the compact record of ``domain.feed``.
FEED_PROJECTION = ("entity", "number", "at", "kind", "actor", "public", "event_id", "feed")


class FeedIndex(GlobalSecondaryIndex):
    """GSI4: the supervisors' live feed, one partition per UTC day (a municipality writes a few
    thousand timeline entries a day at most, far below a partition's 1,000 writes a second)."""

    class Meta:
        index_name = "GSI4"
        projection = IncludeProjection(list(FEED_PROJECTION))

    GSI4PK = UnicodeAttribute(hash_key=True)
    GSI4SK = UnicodeAttribute(range_key=True)


#: Queue kind -> (index, its partition key attribute, its sort key attribute).
QUEUE_INDEXES = {
    "department": ("GSI1", "GSI1PK", "GSI1SK"),
    "assignee": ("GSI2", "GSI2PK", "GSI2SK"),
    "all": ("GSI3", "GSI3PK", "GSI3SK"),
    "deleted": ("GSI3", "GSI3PK", "GSI3SK"),
}


class TableItem(Model):
    """Base of every item kind in the cases table."""

    class Meta:
        table_name = "civicdesk-cases"  # replaced by ``configure`` from the environment
        region = "eu-central-1"

    PK = UnicodeAttribute(hash_key=True)
    SK = UnicodeAttribute(range_key=True)
    entity = DiscriminatorAttribute()


class CaseItem(TableItem, discriminator="case"):
    number = UnicodeAttribute()
    type = UnicodeAttribute()
    channel = UnicodeAttribute()
    category = UnicodeAttribute()
    department = UnicodeAttribute()
    description = UnicodeAttribute()
    language = UnicodeAttribute()
    status = UnicodeAttribute()
    public = BooleanAttribute()
    created_at = UnicodeAttribute()
    updated_at = UnicodeAttribute()
    token_hash = UnicodeAttribute()
    location = MapAttribute(null=True)
    contact = MapAttribute(null=True)
    subject = UnicodeAttribute(null=True)
    assignee = UnicodeAttribute(null=True)
    mailbox = UnicodeAttribute(null=True)
    participants = UnicodeSetAttribute(null=True)
    linked_cases = UnicodeSetAttribute(null=True)
    received_at = UnicodeAttribute(null=True)
    routing = MapAttribute(null=True)
    merged_into = UnicodeAttribute(null=True)
    deleted_at = UnicodeAttribute(null=True)
    deleted_by = UnicodeAttribute(null=True)
    escalation_level = NumberAttribute(null=True)  # absent: never escalated
    version = VersionAttribute()
    GSI1PK = UnicodeAttribute(null=True)
    GSI1SK = UnicodeAttribute(null=True)
    GSI2PK = UnicodeAttribute(null=True)
    GSI2SK = UnicodeAttribute(null=True)
    GSI3PK = UnicodeAttribute(null=True)
    GSI3SK = UnicodeAttribute(null=True)
    department_queue = DepartmentQueueIndex()
    assignee_queue = AssigneeQueueIndex()
    all_cases = AllCasesIndex()


class TimelineItem(TableItem, discriminator="event"):
    number = UnicodeAttribute()
    at = UnicodeAttribute()
    kind = UnicodeAttribute()
    actor = UnicodeAttribute()
    public = BooleanAttribute()
    event_id = UnicodeAttribute()
    data = MapAttribute(null=True)
    feed = MapAttribute(null=True)  # what the feed shows (``domain.feed.feed_record``)
    GSI4PK = UnicodeAttribute(null=True)
    GSI4SK = UnicodeAttribute(null=True)
    feed_index = FeedIndex()


class CounterItem(TableItem, discriminator="counter"):
    value = NumberAttribute(default=0)


class IdempotencyItem(TableItem, discriminator="idempotency"):
    request_hash = UnicodeAttribute()
    response = UnicodeAttribute()
    expires_at = TTLAttribute()


class InboundItem(TableItem, discriminator="inbound"):
    """What was done with one SES message (exactly-once processing of incoming mail)."""

    ses_message_id = UnicodeAttribute()
    number = UnicodeAttribute(null=True)
    reply_wanted = BooleanAttribute(default=False)
    replied = BooleanAttribute(default=False)
    pending_token = UnicodeAttribute(null=True)
    expires_at = TTLAttribute()


class MessageIdItem(TableItem, discriminator="message_id"):
    """A Message-ID SES gave our outgoing mail -> its case (threading by In-Reply-To), and what
    the mail was and to whom (delivery feedback: was it the requester's mail that bounced?)."""

    number = UnicodeAttribute()
    kind = UnicodeAttribute(null=True)  # reply, referral, auto_reply, a notification template...
    to = UnicodeAttribute(null=True)  # the recipient, lower case
    expires_at = TTLAttribute(null=True)


class RateItem(TableItem, discriminator="rate"):
    count = NumberAttribute(default=0)
    expires_at = TTLAttribute()


class QuarantineItem(TableItem, discriminator="quarantine"):
    ses_message_id = UnicodeAttribute()
    reason = UnicodeAttribute()
    bucket = UnicodeAttribute()
    key = UnicodeAttribute()
    sender = UnicodeAttribute(null=True)
    subject = UnicodeAttribute(null=True)
    recipients = ListAttribute(of=UnicodeAttribute, null=True)
    received_at = UnicodeAttribute()
    verdicts = MapAttribute(null=True)
    released_at = UnicodeAttribute(null=True)
    released_by = UnicodeAttribute(null=True)


class ConfigItem(TableItem, discriminator="config"):
    document = BinaryAttribute(legacy_encoding=False)
    updated_at = UnicodeAttribute()


class SubscriptionItem(TableItem, discriminator="subscription"):
    """``CASE#<n>`` / ``SUB#<subscription id>``: an address that gets the case's news by mail
    (``civicdesk.domain.subscriptions``). A pending one expires unconfirmed."""

    number = UnicodeAttribute()
    email = UnicodeAttribute()
    role = UnicodeAttribute()
    language = UnicodeAttribute()
    state = UnicodeAttribute()
    token = UnicodeAttribute()
    created_at = UnicodeAttribute()
    confirmed_at = UnicodeAttribute(null=True)
    unsubscribed_at = UnicodeAttribute(null=True)
    expires_at = TTLAttribute(null=True)
    #: When the last opt-in mail went out (a follower gets at most one per 10 minutes).
    opt_in_sent_at = UnicodeAttribute(null=True)


class NotificationItem(TableItem, discriminator="notification"):
    """``CASE#<n>`` / ``NOTIFY#<event id>#<recipient key>``: one event sent to one recipient.

    Claimed (``sending``) before the message goes out and marked ``sent`` after, so a repeated
    event never sends twice; ``failed`` (the send raised) may be claimed again by the retry."""

    number = UnicodeAttribute()
    event_id = UnicodeAttribute()
    recipient = UnicodeAttribute()
    state = UnicodeAttribute()
    claimed_at = UnicodeAttribute()
    message_id = UnicodeAttribute(null=True)
    channel = UnicodeAttribute(null=True)
    error = UnicodeAttribute(null=True)
    expires_at = TTLAttribute(null=True)


class PendingLinkItem(TableItem, discriminator="pending_link"):
    """``CASE#<n>`` / ``PENDING#tracking_link``: the private tracking link (it holds the token,
    of which the case keeps only a hash) waiting for the confirmation that carries it. Written
    with the case, removed when the confirmation is sent, expired by TTL otherwise."""

    number = UnicodeAttribute()
    link = UnicodeAttribute()
    expires_at = TTLAttribute()


PENDING_LINK_SK = "PENDING#tracking_link"
#: How long an unsent tracking link may wait for its confirmation.
PENDING_LINK_DAYS = 7


def subscription_sk(subscription_id: str) -> str:
    return f"SUB#{subscription_id}"


def notification_sk(event_id: str, recipient_key: str) -> str:
    return f"NOTIFY#{event_id}#{recipient_key}"


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
    return Subscription(case_number=item.number, email=item.email,
                        role=SubscriptionRole(item.role), language=item.language,
                        state=SubscriptionState(item.state), token=item.token,
                        created_at=_dt(item.created_at),
                        confirmed_at=_dt(item.confirmed_at) if item.confirmed_at else None,
                        unsubscribed_at=_dt(item.unsubscribed_at) if item.unsubscribed_at else None)


def configure(table_name: str, region: str, host: str | None = None) -> None:
    """Point every model at the table named by the environment (called once by the wiring).

    All item kinds share one connection, hence one botocore client: each client costs tens of
    milliseconds to create, which a cold start would otherwise pay once per item kind.
    """
    models = _item_kinds()
    for model in models:
        model.Meta.table_name = table_name
        model.Meta.region = region
        model.Meta.host = host
        model._connection = None
    shared = CaseItem._get_connection()  # its schema includes the table's indexes
    _know_indexes_of(shared, TimelineItem)
    for model in models:
        model._connection = shared


def _item_kinds() -> list[type]:
    """``TableItem`` and every item kind derived from it, wherever it is declared (an item kind
    left out would keep a connection of its own, to whatever endpoint it first saw)."""
    kinds: list[type] = [TableItem]
    for kind in kinds:
        kinds.extend(sub for sub in kind.__subclasses__() if sub not in kinds)
    return kinds


def _know_indexes_of(connection, model) -> None:
    """Add the indexes ``model`` declares (the feed index of ``TimelineItem``) to the schema the
    shared connection took from ``CaseItem``, so that one connection queries every index."""
    meta = connection.get_meta_table()
    indexes = meta.data.setdefault("GlobalSecondaryIndexes", [])
    definitions = meta.data.setdefault("AttributeDefinitions", [])
    known = {index["IndexName"] for index in indexes}
    defined = {definition["AttributeName"] for definition in definitions}
    for index in model._get_schema()["global_secondary_indexes"]:
        if index["index_name"] not in known:
            indexes.append({"IndexName": index["index_name"], "KeySchema": index["key_schema"]})
        definitions.extend(d for d in index["attribute_definitions"]
                           if d["AttributeName"] not in defined)


def botocore_session():
    """The botocore session of the shared connection (for the other AWS clients)."""
    return TableItem._get_connection().connection.session


def connection_client():
    """The botocore client PynamoDB uses (for counting calls in the benchmarks)."""
    return TableItem._get_connection().connection.client


def _dt(value: str) -> datetime:
    return datetime.strptime(value, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=timezone.utc)


def case_to_item(case: Case) -> CaseItem:
    created = iso(case.created_at)
    sort_key = queue_sk(case.state, created, case.number)
    if case.deleted:
        # Out of every working queue; administrators list deleted cases apart.
        keys = {"GSI3PK": DELETED_CASES_PK, "GSI3SK": sort_key}
    else:
        keys = {"GSI1PK": department_queue_pk(case.department), "GSI1SK": sort_key,
                "GSI3PK": ALL_CASES_PK, "GSI3SK": sort_key}
        if case.assignee:
            keys.update(GSI2PK=assignee_queue_pk(case.assignee), GSI2SK=sort_key)
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
        escalation_level=case.escalation_level or None,
        **keys, **({"version": case.version} if case.version else {}))


def item_to_case(item: CaseItem) -> Case:
    location = item.location.as_dict() if item.location else None
    contact = item.contact.as_dict() if item.contact else None
    return Case(
        number=item.number, type=CaseType(item.type), channel=Channel(item.channel),
        category=item.category, department=item.department, description=item.description,
        language=item.language, status=Status(item.status), public=item.public,
        created_at=_dt(item.created_at), updated_at=_dt(item.updated_at),
        token_hash=item.token_hash, location=Location(**location) if location else None,
        contact=Contact(**contact) if contact else None, subject=item.subject,
        assignee=item.assignee, mailbox=item.mailbox,
        participants=tuple(sorted(item.participants or ())),
        linked_cases=tuple(sorted(item.linked_cases or ())), version=item.version or 0,
        received_at=_dt(item.received_at) if item.received_at else None,
        routing=item.routing.as_dict() if item.routing else None, merged_into=item.merged_into,
        deleted_at=_dt(item.deleted_at) if item.deleted_at else None, deleted_by=item.deleted_by,
        escalation_level=int(item.escalation_level or 0))


def event_to_item(event: TimelineEvent, *, department: str | None = None,
                  status: str | None = None, assignee: str | None = None) -> TimelineItem:
    """The timeline item, with its place in the feed index (GSI4). ``department``, ``status``
    and ``assignee`` are the case's after the entry, when the writer has the case at hand."""
    return TimelineItem(PK=case_pk(event.case_number), SK=event.sort_key,
                        number=event.case_number, at=iso(event.at), kind=event.kind.value,
                        actor=event.actor, public=event.public, event_id=event.event_id,
                        data=event.data or None,
                        feed=feed_record(event, department=department, status=status,
                                         assignee=assignee) or None,
                        GSI4PK=feed_pk(feed_day(event.at)),
                        GSI4SK=position_of(event.at, event.case_number, event.event_id))


def feed_facts(case: Case) -> dict:
    """What a timeline entry's feed record says of its case (``event_to_item``'s keywords)."""
    return {"department": case.department, "status": case.status.value, "assignee": case.assignee}


def _feed_entry(raw: dict) -> FeedEntry:
    item = TimelineItem.from_raw_data(raw)
    record = item.feed.as_dict() if item.feed else {}
    return FeedEntry(position=item.GSI4SK, case_number=item.number, at=_dt(item.at),
                     kind=item.kind, actor=item.actor, public=item.public,
                     event_id=item.event_id, department=record.get("department"),
                     status=record.get("status"), previous_status=record.get("previous_status"),
                     assignee=record.get("assignee"), params=dict(record.get("params") or {}))


def item_to_event(item: TimelineItem) -> TimelineEvent:
    return TimelineEvent(case_number=item.number, at=_dt(item.at), kind=EventKind(item.kind),
                         actor=item.actor, public=item.public,
                         data=item.data.as_dict() if item.data else {}, event_id=item.event_id)


class DynamoCaseRepository:
    """Cases and their timelines, numbers, idempotency records."""

    def next_number(self, year: int) -> str:
        """Atomically take the next number of ``year`` (one ``UpdateItem``)."""
        counter = CounterItem(PK=f"COUNTER#case#{year}", SK=COUNTER_SK)
        counter.update(actions=[CounterItem.value.add(1)], add_version_condition=False)
        return format_number(year, int(counter.value))

    def create(self, case: Case, events: list[TimelineEvent],
               idempotency: tuple[str, str, dict, int] | None = None, *,
               pending_link: str | None = None) -> None:
        """Write the case, its first timeline entries and the idempotency record atomically.

        ``idempotency`` is ``(key, request_hash, response, expires_at_epoch)``. If the key was
        used before, raises ``DuplicateSubmission`` with the first response. ``pending_link`` is
        the private tracking link the notify function puts into the confirmation.
        """
        item = case_to_item(case)
        try:
            with TransactWrite(connection=TableItem._get_connection().connection) as tx:
                tx.save(item, condition=CaseItem.PK.does_not_exist())
                for event in events:
                    tx.save(event_to_item(event, **feed_facts(case)))
                if pending_link:
                    tx.save(PendingLinkItem(
                        PK=case_pk(case.number), SK=PENDING_LINK_SK, number=case.number,
                        link=pending_link,
                        expires_at=case.created_at + timedelta(days=PENDING_LINK_DAYS)))
                if idempotency:
                    key, request_hash, response, expires = idempotency
                    tx.save(IdempotencyItem(PK=f"IDEMPOTENCY#{key}", SK="#IDEMPOTENCY",
                                            request_hash=request_hash,
                                            response=json.dumps(response),
                                            expires_at=datetime.fromtimestamp(expires, timezone.utc)),
                            condition=IdempotencyItem.PK.does_not_exist())
        except TransactWriteError as exc:
            reasons = [reason.code if reason else None for reason in exc.cancellation_reasons or []]
            if idempotency and len(reasons) == len(events) + 2 + bool(pending_link) and reasons[-1] == "ConditionalCheckFailed":
                previous = IdempotencyItem.get(f"IDEMPOTENCY#{idempotency[0]}", "#IDEMPOTENCY",
                                               consistent_read=True)
                raise DuplicateSubmission(previous.request_hash, json.loads(previous.response)) from None
            if reasons and reasons[0] == "ConditionalCheckFailed":
                raise ConflictError("error.conflict") from None
            raise

    def get_with_timeline(self, number: str) -> tuple[Case, list[TimelineEvent]] | None:
        """The case and its whole timeline in order, from one ``Query``."""
        found = self.get_with_followers(number)
        return (found[0], found[1]) if found else None

    def get_with_followers(self, number: str) -> tuple[Case, list[TimelineEvent], int] | None:
        """The case, its whole timeline in order and how many confirmed followers it has, from
        the same one ``Query`` (the subscriptions are on the case's partition)."""
        case = None
        events = []
        followers = 0
        for item in TableItem.query(case_pk(number)):
            if isinstance(item, CaseItem):
                case = item_to_case(item)
            elif isinstance(item, TimelineItem):
                events.append(item_to_event(item))
            elif (isinstance(item, SubscriptionItem) and item.role == SubscriptionRole.FOLLOWER.value
                  and item.state == SubscriptionState.CONFIRMED.value):
                followers += 1
        if case is None:
            return None
        return case, events, followers

    # -- case work (admin API) ----------------------------------------------------------------

    def save_change(self, case: Case, expected_version: int, events: list[TimelineEvent],
                    *, also: tuple[tuple[Case, int], ...] = ()) -> None:
        """Write ``case`` (the whole new state) and its timeline entries in one transaction,
        only if the stored case still has ``expected_version``; likewise each ``(case, version)``
        in ``also`` (the other case of a merge or a link).

        Raises ``ConflictError`` with the stored version when another change came first.
        """
        cases = ((case, expected_version), *also)
        try:
            with TransactWrite(connection=TableItem._get_connection().connection) as tx:
                for changed, version in cases:
                    item = case_to_item(changed)
                    item.version = version
                    tx.save(item, condition=CaseItem.PK.exists(), return_values="ALL_OLD")
                facts = {changed.number: feed_facts(changed) for changed, _ in cases}
                for event in events:
                    tx.save(event_to_item(event, **facts.get(event.case_number, {})),
                            condition=TimelineItem.PK.does_not_exist())
        except TransactWriteError as exc:
            reasons = exc.cancellation_reasons or []
            for index, reason in enumerate(reasons[:len(cases)]):
                if reason is not None and reason.code == "ConditionalCheckFailed":
                    old = reason.raw_item or {}
                    current = (old.get("version") or {}).get("N")
                    raise ConflictError("error.conflict", current_version=int(current) if current else None,
                                        number=cases[index][0].number) from None
            raise

    def queue(self, query: QueueQuery) -> tuple[list[Case], str | None]:
        """One page of a queue: exactly one ``Query`` on the index that serves it.

        Filters that the index's keys cannot serve (type, channel, category, a single status, a
        date range across both states) are applied by DynamoDB to the page it read, so a page
        may hold fewer than ``limit`` cases while a cursor still says more may follow.
        """
        index_name, pk_attr, sk_attr = QUEUE_INDEXES[query.kind]
        partition = {"department": lambda: department_queue_pk(query.partition),
                     "assignee": lambda: assignee_queue_pk(query.partition),
                     "all": lambda: ALL_CASES_PK, "deleted": lambda: DELETED_CASES_PK}[query.kind]()
        sk = getattr(CaseItem, sk_attr)
        created_from = iso(query.created_from) if query.created_from else None
        created_to = iso(query.created_to) if query.created_to else None
        key_condition = None
        filters = []
        if query.state:
            prefix = STATE_KEY[query.state]
            low = f"{prefix}#{created_from}" if created_from else None
            high = f"{prefix}#{created_to}#~" if created_to else None
            if low and high:
                key_condition = sk.between(low, high)
            elif low:
                key_condition = sk.between(low, f"{prefix}#~")
            elif high:
                key_condition = sk.between(f"{prefix}#", high)
            else:
                key_condition = sk.startswith(f"{prefix}#")
        else:
            if created_from:
                filters.append(CaseItem.created_at >= created_from)
            if created_to:
                filters.append(CaseItem.created_at <= created_to)
        for attribute, values in ((CaseItem.status, query.statuses), (CaseItem.type, query.types),
                                  (CaseItem.channel, query.channels),
                                  (CaseItem.category, query.categories),
                                  (CaseItem.department, query.departments)):
            if values:
                filters.append(attribute.is_in(*values))
        filter_condition = None
        for condition in filters:
            filter_condition = condition if filter_condition is None else filter_condition & condition
        start_key = None
        if query.cursor:
            sort_value, number = decode_cursor(query.cursor)
            start_key = {"PK": {"S": case_pk(number)}, "SK": {"S": CASE_SK},
                         pk_attr: {"S": partition}, sk_attr: {"S": sort_value}}
        answer = TableItem._get_connection().query(
            partition, range_key_condition=key_condition, filter_condition=filter_condition,
            index_name=index_name, exclusive_start_key=start_key, limit=query.limit,
            scan_index_forward=not query.descending)
        cases = [item_to_case(CaseItem.from_raw_data(raw)) for raw in answer.get("Items", [])]
        last = answer.get("LastEvaluatedKey")
        cursor = encode_cursor(last[sk_attr]["S"], last["PK"]["S"][len("CASE#"):]) if last else None
        return cases, cursor

    def feed(self, after: str, through_day: str, limit: int) -> tuple[list[FeedEntry], str | None]:
        """Timeline entries after the position (or moment) ``after``, oldest first, at most
        ``limit``: one ``Query`` of the feed index (GSI4) per day partition, from ``after``'s
        day on, through ``through_day`` (normally one: the day is today).

        Returns the entries and, when the read stopped before the end of ``through_day``, the
        last position it read (``None``: everything up to now was read). The partitions read are
        named by ``after``'s day only: nothing but feed partitions can be reached.
        """
        entries: list[FeedEntry] = []
        day = after[:10]
        condition = TimelineItem.GSI4SK > after
        while True:
            answer = TableItem._get_connection().query(
                feed_pk(day), range_key_condition=condition, index_name=FeedIndex.Meta.index_name,
                limit=limit - len(entries))
            entries += [_feed_entry(raw) for raw in answer.get("Items", [])]
            last = answer.get("LastEvaluatedKey")
            if last:
                return entries, last["GSI4SK"]["S"]
            if day >= through_day:
                return entries, None
            if len(entries) >= limit:
                return entries, entries[-1].position
            day = (datetime.strptime(day, "%Y-%m-%d") + timedelta(days=1)).strftime("%Y-%m-%d")
            condition = None

    # -- mail ---------------------------------------------------------------------------------

    def get_case(self, number: str) -> Case | None:
        try:
            return item_to_case(CaseItem.get(case_pk(number), CASE_SK))
        except CaseItem.DoesNotExist:
            return None

    def case_for_message_ids(self, message_ids: list[str]) -> str | None:
        """The case of the first of ``message_ids`` that is one of our outgoing Message-IDs
        (one ``BatchGetItem``)."""
        wanted = list(dict.fromkeys(m for m in message_ids if m))[:100]
        if not wanted:
            return None
        found = {item.PK[len("MSGID#"):]: item.number
                 for item in MessageIdItem.batch_get([(f"MSGID#{m}", "#MSGID") for m in wanted])}
        for message_id in wanted:
            if message_id in found:
                return found[message_id]
        return None

    def save_inbound(self, marker: InboundMarker, *, new_case: Case | None = None,
                     update: CaseUpdate | None = None, events: list[TimelineEvent] = (),
                     rate_limit: RateLimit | None = None, expires_at: datetime) -> None:
        """Write the effect of one incoming mail and its marker in one transaction.

        Raises ``DuplicateInbound`` (with what was recorded) when the message was processed
        before, ``RateLimited`` when the sender's auto-reply allowance is used up (nothing is
        written then), ``ConflictError`` when the case changed meanwhile.
        """
        marker_item = InboundItem(
            PK=f"INBOUND#{marker.ses_message_id}", SK="#INBOUND",
            ses_message_id=marker.ses_message_id, number=marker.number,
            reply_wanted=marker.reply_wanted, replied=marker.replied,
            pending_token=marker.pending_token, expires_at=expires_at)
        operations = ["marker"]
        try:
            with TransactWrite(connection=TableItem._get_connection().connection) as tx:
                tx.save(marker_item, condition=InboundItem.PK.does_not_exist(), return_values="ALL_OLD")
                if new_case is not None:
                    tx.save(case_to_item(new_case), condition=CaseItem.PK.does_not_exist())
                    operations.append("case")
                if update is not None:
                    tx.update(CaseItem(PK=case_pk(update.number), SK=CASE_SK, version=update.expected_version),
                              actions=_update_actions(update))
                    operations.append("case")
                facts = {}
                if new_case is not None:
                    facts = feed_facts(new_case)
                elif update is not None:
                    status = update.status or update.current_status
                    facts = {"department": update.department,
                             "status": status.value if status else None}
                for event in events:
                    tx.save(event_to_item(event, **facts))
                    operations.append("event")
                if rate_limit is not None:
                    tx.update(RateItem(PK=rate_limit.key, SK="#RATE"),
                              actions=[RateItem.count.add(1),
                                       RateItem.expires_at.set(rate_limit.expires_at)],
                              condition=(RateItem.count.does_not_exist() | (RateItem.count < rate_limit.limit)))
                    operations.append("rate")
        except TransactWriteError as exc:
            reasons = exc.cancellation_reasons or []
            failed = {operations[i]: reason for i, reason in enumerate(reasons)
                      if reason is not None and reason.code == "ConditionalCheckFailed"}
            if "marker" in failed:
                old = failed["marker"].raw_item or {}
                raise DuplicateInbound(InboundMarker(
                    ses_message_id=marker.ses_message_id,
                    number=(old.get("number") or {}).get("S"),
                    reply_wanted=bool((old.get("reply_wanted") or {}).get("BOOL")),
                    replied=bool((old.get("replied") or {}).get("BOOL")),
                    pending_token=(old.get("pending_token") or {}).get("S"))) from None
            if "rate" in failed:
                raise RateLimited() from None
            if "case" in failed:
                raise ConflictError("error.conflict") from None
            raise

    def mark_replied(self, ses_message_id: str, number: str, outgoing_message_id: str,
                     event: TimelineEvent) -> None:
        """Record a sent auto-reply: its Message-ID (for threading), its timeline entry, and
        that the incoming message needs no reply any more."""
        with TransactWrite(connection=TableItem._get_connection().connection) as tx:
            tx.update(InboundItem(PK=f"INBOUND#{ses_message_id}", SK="#INBOUND"),
                      actions=[InboundItem.replied.set(True), InboundItem.pending_token.remove()],
                      add_version_condition=False)
            to = (event.data or {}).get("to")
            tx.save(MessageIdItem(PK=f"MSGID#{outgoing_message_id}", SK="#MSGID", number=number,
                                  kind=(event.data or {}).get("kind"),
                                  to=to.lower() if isinstance(to, str) else None))
            tx.save(event_to_item(event))

    def mark_reply_skipped(self, ses_message_id: str, event: TimelineEvent) -> None:
        """No auto-reply after all (the sender's address is on the suppression list): the
        marker wants none any more, and the timeline entry says why."""
        with TransactWrite(connection=TableItem._get_connection().connection) as tx:
            tx.update(InboundItem(PK=f"INBOUND#{ses_message_id}", SK="#INBOUND"),
                      actions=[InboundItem.reply_wanted.set(False), InboundItem.pending_token.remove()],
                      add_version_condition=False)
            tx.save(event_to_item(event))

    def record_message_id(self, outgoing_message_id: str, number: str, *, kind: str | None = None,
                          to: str | None = None) -> None:
        MessageIdItem(PK=f"MSGID#{outgoing_message_id}", SK="#MSGID", number=number, kind=kind,
                      to=to.lower() if to else None).save()

    def quarantine(self, entry: QuarantineEntry) -> None:
        QuarantineItem(PK="QUARANTINE", SK=entry.quarantine_id,
                       ses_message_id=entry.ses_message_id, reason=entry.reason,
                       bucket=entry.bucket, key=entry.key, sender=entry.sender,
                       subject=(entry.subject or "")[:500] or None,
                       recipients=list(entry.recipients) or None,
                       received_at=iso(entry.received_at), verdicts=entry.verdicts or None).save()

    def quarantined(self, limit: int = 50, cursor: str | None = None) -> tuple[list[QuarantineEntry], str | None]:
        """Quarantined messages, newest first (one ``Query`` per page)."""
        kwargs = {"scan_index_forward": False, "limit": limit}
        if cursor:
            kwargs["last_evaluated_key"] = {"PK": {"S": "QUARANTINE"}, "SK": {"S": cursor}}
        result = QuarantineItem.query("QUARANTINE", **kwargs)
        entries = [_quarantine_entry(item) for item in result]
        last = result.last_evaluated_key
        return entries, (last["SK"]["S"] if last else None)

    def quarantine_entry(self, quarantine_id: str) -> QuarantineEntry | None:
        try:
            return _quarantine_entry(QuarantineItem.get("QUARANTINE", quarantine_id))
        except QuarantineItem.DoesNotExist:
            return None

    def mark_released(self, entry: QuarantineEntry, at: datetime, by: str | None = None) -> None:
        actions = [QuarantineItem.released_at.set(iso(at))]
        if by:
            actions.append(QuarantineItem.released_by.set(by))
        QuarantineItem(PK="QUARANTINE", SK=entry.quarantine_id).update(
            actions=actions, add_version_condition=False)


_CURSOR_SORT_KEY = re.compile(r"^(1open|2closed)#[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:.]{15}Z#[0-9]{4}-[0-9]{6,}$")


def encode_cursor(sort_value: str, number: str) -> str:
    """An opaque page cursor: the sort key and case number of the last case read.

    Examples
    --------
    >>> c = encode_cursor("1open#2026-11-21T08:00:00.000000Z#2026-000001", "2026-000001")
    >>> decode_cursor(c)
    ('1open#2026-11-21T08:00:00.000000Z#2026-000001', '2026-000001')
    """
    raw = json.dumps([sort_value, number], separators=(",", ":")).encode("utf-8")
    return base64.urlsafe_b64encode(raw).decode("ascii").rstrip("=")


def decode_cursor(cursor: str) -> tuple[str, str]:
    """The inverse of ``encode_cursor``; ``BadRequestError`` for anything it did not make (the
    partition is never taken from the cursor, so a forged one cannot reach another queue)."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        sort_value, number = json.loads(raw.decode("utf-8"))
        if (isinstance(sort_value, str) and isinstance(number, str)
                and _CURSOR_SORT_KEY.match(sort_value) and sort_value.endswith(f"#{number}")):
            return sort_value, number
    except (ValueError, TypeError, binascii.Error, UnicodeDecodeError):
        pass
    raise BadRequestError("error.invalid_cursor")


def _update_actions(update: CaseUpdate) -> list:
    actions = [CaseItem.updated_at.set(iso(update.updated_at))]
    if update.status is not None:
        actions.append(CaseItem.status.set(update.status.value))
        # The same sort key in every queue index (an index ignores it without its partition key).
        sort_key = queue_sk(state_of(update.status.value), iso(update.created_at), update.number)
        actions += [CaseItem.GSI1SK.set(sort_key), CaseItem.GSI2SK.set(sort_key),
                    CaseItem.GSI3SK.set(sort_key)]
    if update.add_participants:
        actions.append(CaseItem.participants.add(set(update.add_participants)))
    if update.add_links:
        actions.append(CaseItem.linked_cases.add(set(update.add_links)))
    return actions


def _quarantine_entry(item: QuarantineItem) -> QuarantineEntry:
    return QuarantineEntry(ses_message_id=item.ses_message_id, reason=item.reason,
                           bucket=item.bucket, key=item.key, sender=item.sender,
                           subject=item.subject, recipients=tuple(item.recipients or ()),
                           received_at=_dt(item.received_at),
                           verdicts=item.verdicts.as_dict() if item.verdicts else {},
                           released_at=_dt(item.released_at) if item.released_at else None,
                           released_by=item.released_by)


def timeline_entry_from_image(image: dict | None) -> TimelineEvent | None:
    """The timeline entry of a stream record's ``NewImage`` (``None`` for any other item)."""
    if not image or (image.get("entity") or {}).get("S") != "event":
        return None
    return item_to_event(TimelineItem.from_raw_data(image))


class DynamoCaseFacts:
    """What events say of their cases, for a batch of stream records (one ``BatchGetItem``)."""

    def case_facts(self, numbers) -> dict:
        from ..domain.events import CaseFacts

        keys = [(case_pk(number), CASE_SK) for number in sorted(set(numbers))]
        facts = {}
        for item in CaseItem.batch_get(keys):
            facts[item.number] = CaseFacts(department=item.department, category=item.category,
                                           case_type=item.type, status=item.status,
                                           public=item.public, language=item.language)
        return facts


class DynamoConfigRepository:
    """The municipality's configuration document, stored gzipped in one item."""

    PK, SK = "CONFIG", "MUNICIPALITY"

    def load(self) -> dict | None:
        try:
            item = ConfigItem.get(self.PK, self.SK)
        except ConfigItem.DoesNotExist:
            return None
        return json.loads(gzip.decompress(item.document))

    def store(self, document: dict) -> None:
        data = gzip.compress(json.dumps(document, ensure_ascii=False).encode("utf-8"))
        ConfigItem(PK=self.PK, SK=self.SK, document=data,
                   updated_at=iso(datetime.now(timezone.utc))).save()

