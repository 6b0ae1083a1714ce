"""The cases table itself: its base model (primary key and discriminator) and its indexes.

Every item kind (``items``) derives from ``TableItem``; which kinds carry which index keys is
in ``docs/data-model.md``.
"""

from __future__ import annotations

from pynamodb.attributes import DiscriminatorAttribute, UnicodeAttribute
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex, IncludeProjection, KeysOnlyProjection
from pynamodb.models import Model


class TableItem(Model):
    """Base of every item kind in the cases table."""

    class Meta:
        table_name = "civicdesk-cases"  # replaced by ``session.configure`` from the environment
        region = "eu-central-1"

    PK = UnicodeAttribute(hash_key=True)
    SK = UnicodeAttribute(range_key=True)
    entity = DiscriminatorAttribute()


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
    cases a day, far below a partition's 1,000 writes a second), and the deleted ones apart.
    Suppressed recipients have a partition of their own in it (``keys.SUPPRESSED_PK``)."""

    class Meta:
        index_name = "GSI3"
        projection = AllProjection()

    GSI3PK = UnicodeAttribute(hash_key=True)
    GSI3SK = UnicodeAttribute(range_key=True)


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


class FilteredQueueIndex(GlobalSecondaryIndex):
    """GSI5: a queue narrowed to one value of one filter (a department's potholes, every case
    waiting for the citizen), from the cases' queue entries (``items.QueueEntryItem``). Keys
    only: a page reads the entries, then its cases in one ``BatchGetItem``."""

    class Meta:
        index_name = "GSI5"
        projection = KeysOnlyProjection()

    GSI5PK = UnicodeAttribute(hash_key=True)
    GSI5SK = UnicodeAttribute(range_key=True)


#: Queue kind -> (index, its partition key attribute, its sort key attribute).
QUEUE_INDEXES = {
    "department": ("GSI1", "GSI1PK", "GSI1SK"),
    "assignee": ("GSI2", "GSI2PK", "GSI2SK"),
    "all": ("GSI3", "GSI3PK", "GSI3SK"),
    "deleted": ("GSI3", "GSI3PK", "GSI3SK"),
}

#: The index of the suppression list (its ``SUPPRESSED`` partition).
SUPPRESSION_INDEX = AllCasesIndex.Meta.index_name


#: What the geo index holds besides its keys: what a map marker and a duplicate suggestion show.
GEO_PROJECTION = ("entity", "number", "type", "status", "category", "department", "assignee",
                  "created_at", "received_at", "location")


class GeoIndex(GlobalSecondaryIndex):
    """GSI6: cases with a point by geohash (``GEO#<4 characters>`` / ``<9 characters>#<number>``),
    sparse (no point, or deleted: not in it); a box is read cell by cell, one ``Query`` each."""

    class Meta:
        index_name = "GSI6"
        projection = IncludeProjection(list(GEO_PROJECTION))

    GSI6PK = UnicodeAttribute(hash_key=True)
    GSI6SK = UnicodeAttribute(range_key=True)


class DueIndex(GlobalSecondaryIndex):
    """GSI7: open cases by the nearest due time of a running clock not yet breached
    (``DUE#<shard>`` / ``<due ISO>#<number>``, ``keys.DUE_SHARDS`` shards), sparse (closed,
    paused without a legal or referral clock, or every due time breached: not in it). Keys
    only: the service-level job and the overdue queue read the cases by key."""

    class Meta:
        index_name = "GSI7"
        projection = KeysOnlyProjection()

    GSI7PK = UnicodeAttribute(hash_key=True)
    GSI7SK = UnicodeAttribute(range_key=True)
