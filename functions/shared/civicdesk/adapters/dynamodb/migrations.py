"""Data migrations of the cases table, and whether they have run.

``due_times`` (``backfill_due_times``): the service-level clocks and due-time index keys of the
open cases stored before service levels were configured (or before 2026-12-01).

``search_index`` (``backfill_search_index``): the words, requesters' contacts and places of
cases stored before 2026-12-01, which every intake writes since.

``queue_entries``: the filtered queues (GSI5) hold a case once it has its queue entries, which
every write of a case makes since 2026-12-01. Cases written before have none until
``backfill_queue_entries`` (``python -m civicdesk.cli.migrate queue-entries``) writes them;
until it has run to its end, filtered pages are read from the queue's own index with a filter,
as before, so no case is ever missing from a page. A table with no case yet needs no backfill:
``civicdesk.cli.seed`` marks it done.
"""

from __future__ import annotations

import time
from datetime import datetime, timezone

from ...domain.cases import iso
from .conditions import condition_failed, saved_if
from .items import CaseItem, QueueEntryItem
from .job_items import MigrationItem
from .keys import (
    ALL_CASES_PK,
    CASE_SK,
    DELETED_CASES_PK,
    DUE_TIMES_MIGRATION,
    MIGRATION_PK,
    QUEUE_ENTRIES_MIGRATION,
    SEARCH_INDEX_MIGRATION,
    STATE_KEY,
    case_pk,
)
from .mappers import item_to_case
from .queue_entries import queue_entries, queue_entry_keys

#: How long a container trusts "not migrated yet" before it asks again (done is kept for good).
RECHECK_SECONDS = 60.0
_known = {"done": False, "checked": float("-inf")}


def queue_entries_complete() -> bool:
    """Whether every case has its queue entries: one ``GetItem`` per container until it is
    so, at most one a minute."""
    if _known["done"]:
        return True
    now = time.monotonic()
    if now - _known["checked"] < RECHECK_SECONDS:
        return False
    _known["checked"] = now
    try:
        MigrationItem.get(MIGRATION_PK, QUEUE_ENTRIES_MIGRATION)
    except MigrationItem.DoesNotExist:
        return False
    _known["done"] = True
    return True


def forget() -> None:
    """Ask again at the next filtered page (tests, and a process that ran the migration)."""
    _known.update(done=False, checked=float("-inf"))


def mark_done(name: str, detail: dict | None = None) -> None:
    MigrationItem(PK=MIGRATION_PK, SK=name, completed_at=iso(datetime.now(timezone.utc)),
                  detail=detail or None).save()
    if name == QUEUE_ENTRIES_MIGRATION:
        _known["done"] = True


def has_cases() -> bool:
    """Whether the table holds any case (deleted ones included): two ``Query`` of one item."""
    return any(next(iter(CaseItem.all_cases.query(partition, limit=1)), None) is not None
               for partition in (ALL_CASES_PK, DELETED_CASES_PK))


def mark_new_table() -> bool:
    """Mark the queue entries, the search index and the due times complete when there is no
    case yet; ``True`` if so."""
    if has_cases():
        return False
    mark_done(QUEUE_ENTRIES_MIGRATION, {"cases": 0})
    mark_done(SEARCH_INDEX_MIGRATION, {"cases": 0})
    mark_done(DUE_TIMES_MIGRATION, {"cases": 0})
    return True


def backfill_queue_entries(log=print) -> dict:
    """Write the queue entries of every case that lacks current ones (``Query`` of GSI3's
    partitions, page by page, never reading the whole table), then mark the migration done. Safe to run again and
    while the API takes changes: an entry is written only over one of an older case version,
    and a deleted case's entries are removed."""
    counts = {"cases": 0, "written": 0, "current": 0, "removed": 0}
    for partition in (ALL_CASES_PK, DELETED_CASES_PK):
        for item in CaseItem.all_cases.query(partition, page_size=100):
            case = item_to_case(item)
            counts["cases"] += 1
            entries = queue_entries(case, int(item.version or 0))
            for entry in entries:
                # Missing, partial (a status change by mail made only its status entries whole)
                # or older than the case read: written; a newer one is left alone.
                if saved_if(entry, QueueEntryItem.PK.does_not_exist()
                            | QueueEntryItem.GSI5PK.does_not_exist()
                            | (QueueEntryItem.case_version < entry.case_version)):
                    counts["written"] += 1
                else:
                    counts["current"] += 1
            if not entries:
                for gone in queue_entry_keys(case.number):
                    gone.delete()
                    counts["removed"] += 1
            if counts["cases"] % 500 == 0:
                log(f"{counts['cases']} cases")
    mark_done(QUEUE_ENTRIES_MIGRATION, counts)
    return counts


def backfill_search_index(log=print) -> dict:
    """Write the search entries (``TERM#``, ``REQUESTER#``), the geo keys (``GSI6``) and the
    ``search_digest`` of every case stored before 2026-12-01 (``Query`` of GSI3's ``CASES``
    partition, page by page), then mark the migration done; a deleted case's entries are
    removed. Safe to run again and while the API takes changes: the item's keys and digest are
    set only on a case not deleted meanwhile, and a search checks every case it returns against
    the case itself (an entry of a case deleted or changed meanwhile shows nothing wrong)."""
    from pynamodb.exceptions import UpdateError
    from pynamodb.expressions.update import Action

    from ...domain.cases import Case
    from .search_entries import geo_keys, search_digest, search_item_keys, search_items

    counts = {"cases": 0, "entries": 0, "located": 0, "removed": 0}

    def index(case: Case) -> None:
        entries = search_items(case)
        with CaseItem.batch_write() as batch:
            for entry in entries:
                batch.save(entry)
        counts["entries"] += len(entries)
        keys = geo_keys(case)
        actions: list[Action] = [CaseItem.search_digest.set(search_digest(case) or "")]
        if keys:
            actions += [CaseItem.GSI6PK.set(keys["GSI6PK"]), CaseItem.GSI6SK.set(keys["GSI6SK"])]
        try:
            CaseItem(PK=case_pk(case.number), SK=CASE_SK).update(
                actions=actions, condition=CaseItem.PK.exists() & CaseItem.deleted_at.does_not_exist(),
                add_version_condition=False)
            counts["located"] += bool(keys)
        except UpdateError as exc:
            if not condition_failed(exc):
                raise

    for item in CaseItem.all_cases.query(ALL_CASES_PK, page_size=100):
        counts["cases"] += 1
        index(item_to_case(item))
        if counts["cases"] % 500 == 0:
            log(f"{counts['cases']} cases")
    for item in CaseItem.all_cases.query(DELETED_CASES_PK, page_size=100):
        with CaseItem.batch_write() as batch:
            for gone in search_item_keys(item_to_case(item)):
                batch.delete(gone)
                counts["removed"] += 1
    mark_done(SEARCH_INDEX_MIGRATION, counts)
    return counts


def backfill_due_times(levels, log=print) -> dict:
    """Give every open case stored before the service levels its clocks: its history replayed
    (``service_levels.replay``: first reaction, pauses, referral, extension) on the configured
    service levels, written with its due-time index keys (GSI7). Open cases are GSI3's ``CASES``
    partition from ``1open`` on, page by page, then one ``Query`` of each case's history. Safe to
    run again and while the API takes changes: a case is written only if its version is still the
    one read (a change meanwhile has kept its clocks itself)."""
    from pynamodb.exceptions import UpdateError
    from pynamodb.expressions.update import Action

    from ...domain.service_levels import replay
    from .mappers import clock_to_map, due_keys
    from .partition import EVT_RANGE_END, read_partition

    counts = {"cases": 0, "written": 0, "changed_meanwhile": 0, "indexed": 0}
    if levels is None:
        return counts
    for item in CaseItem.all_cases.query(ALL_CASES_PK, CaseItem.GSI3SK.startswith(STATE_KEY["open"]),
                                         page_size=100):
        counts["cases"] += 1
        found = read_partition(item.number, EVT_RANGE_END)
        if found is None:
            continue
        case = replay(found.case, found.entries, levels)
        clock = clock_to_map(case.clock)
        keys = due_keys(case)
        actions: list[Action] = [CaseItem.clock.set(clock) if clock else CaseItem.clock.remove()]
        if case.first_reaction_at is not None:
            actions.append(CaseItem.first_reaction_at.set(iso(case.first_reaction_at)))
        if keys:
            actions += [CaseItem.GSI7PK.set(keys["GSI7PK"]), CaseItem.GSI7SK.set(keys["GSI7SK"])]
        else:
            actions += [CaseItem.GSI7PK.remove(), CaseItem.GSI7SK.remove()]
        try:
            CaseItem(PK=case_pk(case.number), SK=CASE_SK).update(
                actions=actions, condition=CaseItem.version == found.case.version,
                add_version_condition=False)
            counts["written"] += 1
            counts["indexed"] += bool(keys)
        except UpdateError as exc:
            if not condition_failed(exc):
                raise
            counts["changed_meanwhile"] += 1
        if counts["cases"] % 500 == 0:
            log(f"{counts['cases']} cases")
    mark_done(DUE_TIMES_MIGRATION, counts)
    return counts
