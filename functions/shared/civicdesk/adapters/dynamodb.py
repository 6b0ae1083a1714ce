"""The cases table (single-table design) through PynamoDB.

Every entity builds its keys here and nowhere else. Access patterns and the key or index that
serves each are listed in ``docs/data-model.md``.
"""

from __future__ import annotations

import gzip
import json
from datetime import datetime, timezone

from pynamodb.attributes import (BinaryAttribute, BooleanAttribute, DiscriminatorAttribute,
                                 MapAttribute, NumberAttribute, TTLAttribute, UnicodeAttribute,
                                 VersionAttribute)
from pynamodb.exceptions import TransactWriteError
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex
from pynamodb.models import Model
from pynamodb.transactions import TransactWrite

from ..domain.cases import (Case, CaseType, Channel, Contact, EventKind, Location, Status,
                            TimelineEvent, format_number, iso)
from ..domain.errors import ConflictError
from ..services.ports import DuplicateSubmission

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


class ConfigItem(TableItem, discriminator="config"):
    document = BinaryAttribute(legacy_encoding=False)
    updated_at = UnicodeAttribute()


def configure(table_name: str, region: str, host: str | None = None) -> None:
    """Point every model at the table named by the environment (called once by the wiring).

    All item kinds share one connection, hence one botocore client: each client costs tens of
    milliseconds to create, which a cold start would otherwise pay once per item kind.
    """
    models = (TableItem, CaseItem, TimelineItem, CounterItem, IdempotencyItem, ConfigItem)
    for model in models:
        model.Meta.table_name = table_name
        model.Meta.region = region
        model.Meta.host = host
        model._connection = None
    shared = CaseItem._get_connection()  # its schema includes the table's indexes
    for model in models:
        model._connection = shared


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
        subject=case.subject, assignee=case.assignee,
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
        assignee=item.assignee, version=item.version or 0)


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

