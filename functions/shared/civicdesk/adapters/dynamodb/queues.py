"""The staff's reads across cases: queue pages (GSI1-3, filtered ones GSI5) and the live feed
(GSI4)."""

from __future__ import annotations

import math
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from pynamodb.expressions.condition import Condition

from ...domain.cases import Case, iso
from .cursors import decode_cursor, encode_cursor
from .items import CaseItem, QueueEntryItem, TimelineItem
from .keys import (
    ALL_CASES_PK,
    CASE_SK,
    DELETED_CASES_PK,
    FILTER_DIMENSIONS,
    STATE_KEY,
    assignee_queue_pk,
    case_pk,
    department_queue_pk,
    feed_pk,
    filtered_queue_pk,
    number_of,
    queue_entry_pk,
    queue_entry_sk,
)
from .mappers import item_to_case, raw_to_feed_entry
from .migrations import queue_entries_complete
from .session import table_connection
from .table import QUEUE_INDEXES, FeedIndex, FilteredQueueIndex

if TYPE_CHECKING:  # annotations only: reading a queue creates no feed entries
    from ...domain.feed import FeedEntry
    from ...services.ports import QueueQuery

#: The most ``Query`` calls one page makes to fill itself (a filtered page of a long queue
#: whose matches are rare may come back short, with a cursor).
MAX_PAGE_QUERIES = 5
#: The most items one of those calls reads (DynamoDB stops at 1 MB in any case).
MAX_READ = 1000


class DynamoQueueRepository:
    """Queue pages and the feed."""

    def queue(self, query: QueueQuery) -> tuple[list[Case], str | None]:
        """One page of a queue: ``limit`` cases unless the queue ends first.

        A single status, category, type or channel in a department's queue or the whole
        municipality's is served by its own partition of the filtered queues' index (GSI5):
        the page reads its entries, then their cases in one ``BatchGetItem``. Every other filter
        is applied by DynamoDB to what the queue's own index reads. Either way the page keeps
        reading until it is full, the queue ends, or it made ``MAX_PAGE_QUERIES`` calls; the
        cursor is the last case the page holds (or the last one read, when it ran out of calls).
        """
        served = _key_served(query)
        if served is not None and queue_entries_complete():
            return _filtered_page(query, *served)
        return _index_page(query)

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
        condition: Condition | None = TimelineItem.GSI4SK > after
        while True:
            answer = table_connection().query(
                feed_pk(day), range_key_condition=condition, index_name=FeedIndex.Meta.index_name,
                limit=limit - len(entries))
            entries += [raw_to_feed_entry(raw) for raw in answer.get("Items", [])]
            last = answer.get("LastEvaluatedKey")
            if last:
                return entries, last["GSI4SK"]["S"]
            if day >= through_day:
                return entries, None
            if len(entries) >= limit:
                return entries, entries[-1].position
            day = (datetime.strptime(day, "%Y-%m-%d") + timedelta(days=1)).strftime("%Y-%m-%d")
            condition = None


def _partition(query: QueueQuery) -> str:
    return {"department": lambda: department_queue_pk(query.partition),
            "assignee": lambda: assignee_queue_pk(query.partition),
            "all": lambda: ALL_CASES_PK, "deleted": lambda: DELETED_CASES_PK}[query.kind]()


def _values(query: QueueQuery) -> dict[str, tuple[str, ...]]:
    return {"status": query.statuses, "category": query.categories, "type": query.types,
            "channel": query.channels}


def _key_served(query: QueueQuery) -> tuple[str, str] | None:
    """The filter (dimension, value) GSI5 serves for ``query``, if any: the first single-valued
    one in ``FILTER_DIMENSIONS`` order, in a department's queue or the municipality's."""
    if query.kind not in ("department", "all"):
        return None
    values = _values(query)
    for dimension in FILTER_DIMENSIONS:
        if len(values[dimension]) == 1:
            return dimension, values[dimension][0]
    return None


def _key_condition(query: QueueQuery, sk):
    """The sort-key condition of the queue's state and dates (every queue index has the same
    sort key); ``None`` when the page spans both states."""
    created_from = iso(query.created_from) if query.created_from else None
    created_to = iso(query.created_to) if query.created_to else None
    if not query.state:
        return None
    prefix = STATE_KEY[query.state]
    low = f"{prefix}#{created_from}" if created_from else None
    high = f"{prefix}#{created_to}#~" if created_to else None
    if low and high:
        return sk.between(low, high)
    if low:
        return sk.between(low, f"{prefix}#~")
    if high:
        return sk.between(f"{prefix}#", high)
    return sk.startswith(f"{prefix}#")


def _next_limit(needed: int, read: int, matched: int) -> int:
    """How many items the next call reads to find ``needed`` more matches, from the share of
    matches so far (at least ``needed``, at most ``MAX_READ``)."""
    if not read:
        return min(needed, MAX_READ)
    return max(needed, min(MAX_READ, math.ceil(needed * read / max(matched, 1))))


def _index_page(query: QueueQuery) -> tuple[list[Case], str | None]:
    """A page of the queue's own index (GSI1-3), the filters applied by DynamoDB."""
    index_name, pk_attr, sk_attr = QUEUE_INDEXES[query.kind]
    partition = _partition(query)
    key_condition = _key_condition(query, getattr(CaseItem, sk_attr))
    filters: list[Condition] = []
    if not query.state:
        if query.created_from:
            filters.append(CaseItem.created_at >= iso(query.created_from))
        if query.created_to:
            filters.append(CaseItem.created_at <= iso(query.created_to))
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
    kept: list[dict] = []
    read = 0
    last = None
    for _ in range(MAX_PAGE_QUERIES):
        needed = query.limit - len(kept)
        answer = table_connection().query(
            partition, range_key_condition=key_condition, filter_condition=filter_condition,
            index_name=index_name, exclusive_start_key=start_key,
            limit=query.limit if filter_condition is None else _next_limit(needed, read, len(kept)),
            scan_index_forward=not query.descending)
        read += int(answer.get("ScannedCount", 0))
        items = answer.get("Items", [])
        last = answer.get("LastEvaluatedKey")
        if len(items) >= needed:
            kept += items[:needed]
            if len(items) > needed or last:
                last = kept[-1]  # the page ends at its last case
            break
        kept += items
        if not last:
            break
        start_key = last
    cases = [item_to_case(CaseItem.from_raw_data(raw)) for raw in kept]
    cursor = encode_cursor(last[sk_attr]["S"], number_of(last["PK"]["S"])) if last else None
    return cases, cursor


def _filtered_page(query: QueueQuery, dimension: str, value: str) -> tuple[list[Case], str | None]:
    """A page of one filter value's partition of GSI5 (keys only), its cases read by key; the
    other filters are checked on the cases read, as is the served one (the index lags the
    cases a little: an entry a change has just moved is not shown where it no longer belongs)."""
    scope = department_queue_pk(query.partition) if query.kind == "department" else ALL_CASES_PK
    partition = filtered_queue_pk(scope, dimension, value)
    entry_sk = queue_entry_sk(query.kind, dimension)
    key_condition = _key_condition(query, QueueEntryItem.GSI5SK)
    start_key = None
    if query.cursor:
        sort_value, number = decode_cursor(query.cursor)
        start_key = {"PK": {"S": queue_entry_pk(number)}, "SK": {"S": entry_sk},
                     "GSI5PK": {"S": partition}, "GSI5SK": {"S": sort_value}}
    wanted = _values(query)
    kept: list[Case] = []
    read = 0
    last_key = None
    for _ in range(MAX_PAGE_QUERIES):
        needed = query.limit - len(kept)
        answer = table_connection().query(
            partition, range_key_condition=key_condition,
            index_name=FilteredQueueIndex.Meta.index_name, exclusive_start_key=start_key,
            limit=_next_limit(needed, read, len(kept)), scan_index_forward=not query.descending)
        entries = answer.get("Items", [])
        read += len(entries)
        numbers = [entry["PK"]["S"][len(queue_entry_pk("")):] for entry in entries]
        cases = _cases(numbers)
        last_key = answer.get("LastEvaluatedKey")
        for position, number in enumerate(numbers):
            case = cases.get(number)
            if case is None or not _matches(case, query, wanted):
                continue
            kept.append(case)
            if len(kept) == query.limit:
                if position < len(numbers) - 1 or last_key:
                    last_key = entries[position]
                break
        if len(kept) == query.limit or not last_key:
            break
        start_key = last_key
    cursor = None
    if last_key:
        cursor = encode_cursor(last_key["GSI5SK"]["S"], last_key["PK"]["S"][len(queue_entry_pk("")):])
    return kept, cursor


def _cases(numbers: list[str]) -> dict[str, Case]:
    """The cases of a page, by number: one ``BatchGetItem`` (up to 100 keys)."""
    found: dict[str, Case] = {}
    for start in range(0, len(numbers), 100):
        keys = [(case_pk(number), CASE_SK) for number in numbers[start:start + 100]]
        for item in CaseItem.batch_get(keys):
            found[item.number] = item_to_case(item)
    return found


def _matches(case: Case, query: QueueQuery, wanted: dict[str, tuple[str, ...]]) -> bool:
    """Whether ``case`` belongs on the page: every filter, the state and dates, the queue."""
    if case.deleted:
        return False
    actual = {"status": case.status.value, "category": case.category, "type": case.type.value,
              "channel": case.channel.value}
    if any(values and actual[dimension] not in values for dimension, values in wanted.items()):
        return False
    if query.kind == "department" and case.department != query.partition:
        return False
    if query.departments and case.department not in query.departments:
        return False
    if query.state and case.state != query.state:
        return False
    created = iso(case.created_at)
    if query.created_from and created < iso(query.created_from):
        return False
    if query.created_to and created > iso(query.created_to):
        return False
    return True

