"""The cases table (single-table design) through PynamoDB.

Every entity builds its keys here and nowhere else. Access patterns and the key or index that
serves each are listed in ``docs/data-model.md``.
"""

from __future__ import annotations

import gzip
import json
from datetime import datetime, timezone

from pynamodb.attributes import (BinaryAttribute, BooleanAttribute, DiscriminatorAttribute,
                                 ListAttribute, MapAttribute, NumberAttribute, TTLAttribute,
                                 UnicodeAttribute, UnicodeSetAttribute, VersionAttribute)
from pynamodb.exceptions import TransactWriteError
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex
from pynamodb.models import Model
from pynamodb.transactions import TransactWrite

from ..domain.cases import (Case, CaseType, Channel, Contact, EventKind, Location, Status,
                            TimelineEvent, format_number, iso)
from ..domain.errors import ConflictError
from ..services.ports import (CaseUpdate, DuplicateInbound, DuplicateSubmission, QuarantineEntry,
                              RateLimited, RateLimit)
from ..domain.inbound import InboundMarker

CASE_SK = "#CASE"
COUNTER_SK = "#COUNTER"


def case_pk(number: str) -> str:
    return f"CASE#{number}"


def department_queue_pk(department: str) -> str:
    return f"DEPT#{department}"


def department_queue_sk(status: str, created_at: str, number: str) -> str:
    return f"{status}#{created_at}#{number}"


class DepartmentQueueIndex(GlobalSecondaryIndex):
    """GSI1: a department's cases by status and age (operators' queues)."""

    class Meta:
        index_name = "GSI1"
        projection = AllProjection()

    GSI1PK = UnicodeAttribute(hash_key=True)
    GSI1SK = UnicodeAttribute(range_key=True)


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
    version = VersionAttribute()
    GSI1PK = UnicodeAttribute(null=True)
    GSI1SK = UnicodeAttribute(null=True)
    department_queue = DepartmentQueueIndex()


class TimelineItem(TableItem, discriminator="event"):
    number = UnicodeAttribute()
    at = UnicodeAttribute()
    kind = UnicodeAttribute()
    actor = UnicodeAttribute()
    public = BooleanAttribute()
    event_id = UnicodeAttribute()
    data = MapAttribute(null=True)


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
    """A Message-ID SES gave our outgoing mail -> its case (threading by In-Reply-To)."""

    number = UnicodeAttribute()
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


class ConfigItem(TableItem, discriminator="config"):
    document = BinaryAttribute(legacy_encoding=False)
    updated_at = UnicodeAttribute()


def configure(table_name: str, region: str, host: str | None = None) -> None:
    """Point every model at the table named by the environment (called once by the wiring).

    All item kinds share one connection, hence one botocore client: each client costs tens of
    milliseconds to create, which a cold start would otherwise pay once per item kind.
    """
    models = (TableItem, CaseItem, TimelineItem, CounterItem, IdempotencyItem, ConfigItem,
              InboundItem, MessageIdItem, RateItem, QuarantineItem)
    for model in models:
        model.Meta.table_name = table_name
        model.Meta.region = region
        model.Meta.host = host
        model._connection = None
    shared = CaseItem._get_connection()  # its schema includes the table's indexes
    for model in models:
        model._connection = shared


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
        GSI1PK=department_queue_pk(case.department),
        GSI1SK=department_queue_sk(case.status.value, created, case.number),
        **({"version": case.version} if case.version else {}))


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
        linked_cases=tuple(sorted(item.linked_cases or ())), version=item.version or 0)


def event_to_item(event: TimelineEvent) -> TimelineItem:
    return TimelineItem(PK=case_pk(event.case_number), SK=event.sort_key,
                        number=event.case_number, at=iso(event.at), kind=event.kind.value,
                        actor=event.actor, public=event.public, event_id=event.event_id,
                        data=event.data or None)


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
               idempotency: tuple[str, str, dict, int] | None = None) -> None:
        """Write the case, its first timeline entries and the idempotency record atomically.

        ``idempotency`` is ``(key, request_hash, response, expires_at_epoch)``. If the key was
        used before, raises ``DuplicateSubmission`` with the first response.
        """
        item = case_to_item(case)
        try:
            with TransactWrite(connection=TableItem._get_connection().connection) as tx:
                tx.save(item, condition=CaseItem.PK.does_not_exist())
                for event in events:
                    tx.save(event_to_item(event))
                if idempotency:
                    key, request_hash, response, expires = idempotency
                    tx.save(IdempotencyItem(PK=f"IDEMPOTENCY#{key}", SK="#IDEMPOTENCY",
                                            request_hash=request_hash,
                                            response=json.dumps(response),
                                            expires_at=datetime.fromtimestamp(expires, timezone.utc)),
                            condition=IdempotencyItem.PK.does_not_exist())
        except TransactWriteError as exc:
            reasons = [reason.code if reason else None for reason in exc.cancellation_reasons or []]
            if idempotency and len(reasons) == len(events) + 2 and reasons[-1] == "ConditionalCheckFailed":
                previous = IdempotencyItem.get(f"IDEMPOTENCY#{idempotency[0]}", "#IDEMPOTENCY",
                                               consistent_read=True)
                raise DuplicateSubmission(previous.request_hash, json.loads(previous.response)) from None
            if reasons and reasons[0] == "ConditionalCheckFailed":
                raise ConflictError("error.conflict") from None
            raise

    def get_with_timeline(self, number: str) -> tuple[Case, list[TimelineEvent]] | None:
        """The case and its whole timeline in order, from one ``Query``."""
        case = None
        events = []
        for item in TableItem.query(case_pk(number)):
            if isinstance(item, CaseItem):
                case = item_to_case(item)
            elif isinstance(item, TimelineItem):
                events.append(item_to_event(item))
        if case is None:
            return None
        return case, events

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
                for event in events:
                    tx.save(event_to_item(event))
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
            tx.save(MessageIdItem(PK=f"MSGID#{outgoing_message_id}", SK="#MSGID", number=number))
            tx.save(event_to_item(event))

    def record_message_id(self, outgoing_message_id: str, number: str) -> None:
        MessageIdItem(PK=f"MSGID#{outgoing_message_id}", SK="#MSGID", number=number).save()

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

    def mark_released(self, entry: QuarantineEntry, at: datetime) -> None:
        QuarantineItem(PK="QUARANTINE", SK=entry.quarantine_id).update(
            actions=[QuarantineItem.released_at.set(iso(at))], add_version_condition=False)


def _update_actions(update: CaseUpdate) -> list:
    actions = [CaseItem.updated_at.set(iso(update.updated_at))]
    if update.status is not None:
        actions.append(CaseItem.status.set(update.status.value))
        actions.append(CaseItem.GSI1SK.set(department_queue_sk(update.status.value, iso(update.created_at),
                                                               update.number)))
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
                           released_at=_dt(item.released_at) if item.released_at else None)


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

