"""Counting queues with ``Select=COUNT`` on the partitions their pages read (no item leaves
DynamoDB), and the supervisors' board's read of a department's open cases that someone works
on (``docs/data-model.md``, patterns 28-29)."""

from __future__ import annotations

from pynamodb.expressions.condition import Condition

from ...domain.cases import iso
from ...services.console_ports import OpenCaseBrief, Tally
from ...services.ports import QueueQuery
from .items import CaseItem, QueueEntryItem
from .keys import ALL_CASES_PK, STATE_KEY, department_queue_pk, filtered_queue_pk
from .mappers import parse_time
from .migrations import queue_entries_complete
from .queues import _key_condition, _key_served, _partition
from .session import table_connection
from .table import QUEUE_INDEXES, FilteredQueueIndex

#: What the board reads of each case it shows (the index holds whole cases).
_BRIEF = ["number", "subject", "description", "status", "assignee", "escalation_level",
          "created_at"]


def _count(partition: str, *, index_name: str, key_condition: Condition | None,
           filter_condition: Condition | None, max_calls: int) -> Tally:
    """``Query ... Select=COUNT`` page after page (1 MB read each), at most ``max_calls``."""
    total, start = 0, None
    for _ in range(max_calls):
        answer = table_connection().query(
            partition, range_key_condition=key_condition, filter_condition=filter_condition,
            index_name=index_name, exclusive_start_key=start, select="COUNT")
        total += int(answer.get("Count", 0))
        start = answer.get("LastEvaluatedKey")
        if not start:
            return Tally(total)
    return Tally(total, complete=False)


def _only_key_served(query: QueueQuery) -> bool:
    """Whether GSI5's partition alone answers ``query``: one filter with one value, no other
    filter, no department list (the partition holds exactly those cases)."""
    given = [values for values in (query.statuses, query.categories, query.types, query.channels)
             if values]
    return len(given) == 1 and not query.departments


class DynamoQueueCounts:
    def count(self, query: QueueQuery, *, max_calls: int) -> Tally:
        """The cases of a queue: the filter's own GSI5 partition when it alone names them
        (keys only: one call per about 10,000 cases), else the queue's index with the filters
        (a call per 1 MB of cases read)."""
        served = _key_served(query)
        if served is not None and _only_key_served(query) and queue_entries_complete():
            dimension, value = served
            scope = department_queue_pk(query.partition) if query.kind == "department" else ALL_CASES_PK
            return _count(filtered_queue_pk(scope, dimension, value),
                          index_name=FilteredQueueIndex.Meta.index_name,
                          key_condition=_key_condition(query, QueueEntryItem.GSI5SK),
                          filter_condition=None, max_calls=max_calls)
        index_name, _, sk_attr = QUEUE_INDEXES[query.kind]
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
        condition = None
        for each in filters:
            condition = each if condition is None else condition & each
        return _count(_partition(query), index_name=index_name,
                      key_condition=_key_condition(query, getattr(CaseItem, sk_attr)),
                      filter_condition=condition, max_calls=max_calls)

    def status_count(self, department: str, status: str) -> Tally:
        """One open status of a department: its GSI5 partition (1 call), or before the queue
        entries' migration the department's open queue with a filter."""
        return self.count(QueueQuery(kind="department", partition=department, state="open",
                                     statuses=(status,)), max_calls=5)

    def attended(self, department: str, *, max_calls: int) -> tuple[list[OpenCaseBrief], bool]:
        """The department's open cases (GSI1, ``begins_with(GSI1SK, 1open#)``, oldest first)
        that are assigned or escalated, a few attributes each; 1 MB per call."""
        found: list[OpenCaseBrief] = []
        start = None
        condition = CaseItem.assignee.exists() | (CaseItem.escalation_level > 0)
        index_name = QUEUE_INDEXES["department"][0]
        for _ in range(max_calls):
            answer = table_connection().query(
                department_queue_pk(department),
                range_key_condition=CaseItem.GSI1SK.startswith(f"{STATE_KEY['open']}#"),
                filter_condition=condition, index_name=index_name, exclusive_start_key=start,
                attributes_to_get=_BRIEF)
            for raw in answer.get("Items", []):
                found.append(_brief(raw))
            start = answer.get("LastEvaluatedKey")
            if not start:
                return found, True
        return found, False


def _brief(raw: dict) -> OpenCaseBrief:
    def text(name: str) -> str | None:
        return raw[name]["S"] if name in raw and "S" in raw[name] else None

    level = raw.get("escalation_level", {}).get("N")
    return OpenCaseBrief(number=text("number") or "", subject=text("subject"),
                         excerpt=(text("description") or "")[:160], status=text("status") or "",
                         assignee=text("assignee"), escalation_level=int(level) if level else 0,
                         created_at=parse_time(text("created_at") or "1970-01-01T00:00:00.000000Z"))
