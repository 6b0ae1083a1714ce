"""The record of one queue page's index read (``CaseQueues.queue``), re-exported by ``ports``:
apart from the other port records, because reading a queue is the admin API's usual first
request and needs this one alone."""

from __future__ import annotations

from datetime import datetime

from msgspec import Struct


class QueueQuery(Struct, frozen=True):
    """One page of a staff queue. ``kind`` picks the index: a department's cases, one person's,
    every case, or the deleted ones; ``partition`` is the department id or the username."""

    kind: str  # "department" | "assignee" | "all" | "deleted"
    partition: str = ""
    state: str | None = "open"  # "open" | "closed" | None (both)
    statuses: tuple[str, ...] = ()
    types: tuple[str, ...] = ()
    channels: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()
    departments: tuple[str, ...] = ()  # a filter, when the index is not the department's
    created_from: datetime | None = None
    created_to: datetime | None = None
    descending: bool = False
    limit: int = 25
    cursor: str | None = None
