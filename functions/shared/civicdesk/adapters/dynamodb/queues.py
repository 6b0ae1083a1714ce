"""The staff's reads across cases: queue pages (GSI1-3) and the live feed (GSI4)."""

from __future__ import annotations

from datetime import datetime, timedelta

from pynamodb.expressions.condition import Condition

from ...domain.cases import Case, iso
from ...domain.feed import FeedEntry
from ...services.ports import QueueQuery
from .cursors import decode_cursor, encode_cursor
from .items import CaseItem, TimelineItem
from .keys import (
    ALL_CASES_PK,
    CASE_SK,
    DELETED_CASES_PK,
    STATE_KEY,
    assignee_queue_pk,
    case_pk,
    department_queue_pk,
    feed_pk,
    number_of,
)
from .mappers import item_to_case, raw_to_feed_entry
from .session import table_connection
from .table import QUEUE_INDEXES, FeedIndex


class DynamoQueueRepository:
    """Queue pages and the feed: each page exactly one ``Query`` of an index."""

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
        filters: list[Condition] = []
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
        answer = table_connection().query(
            partition, range_key_condition=key_condition, filter_condition=filter_condition,
            index_name=index_name, exclusive_start_key=start_key, limit=query.limit,
            scan_index_forward=not query.descending)
        cases = [item_to_case(CaseItem.from_raw_data(raw)) for raw in answer.get("Items", [])]
        last = answer.get("LastEvaluatedKey")
        cursor = encode_cursor(last[sk_attr]["S"], number_of(last["PK"]["S"])) if last else None
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
