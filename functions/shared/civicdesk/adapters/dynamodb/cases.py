"""Cases and their timelines: numbers, creation (with its idempotency record and pending
tracking link), reads of a case's partition, and versioned changes."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

from pynamodb.exceptions import TransactWriteError
from pynamodb.transactions import TransactWrite

from ...domain.cases import Case, TimelineEvent, format_number
from ...domain.errors import ConflictError
from ...domain.subscriptions import SubscriptionRole, SubscriptionState
from ...services.ports import DuplicateSubmission
from .conditions import failed_conditions, old_image
from .items import CaseItem, CounterItem, IdempotencyItem, PendingLinkItem, TimelineItem
from .keys import CASE_SK, COUNTER_SK, IDEMPOTENCY_SK, PENDING_LINK_SK, case_pk, counter_pk, idempotency_pk
from .mappers import (
    case_to_item,
    event_to_item,
    feed_facts,
    item_to_case,
    queue_entries,
    queue_entry_keys,
)
from .partition import EVT_RANGE_END, TRAIL_RANGE_END, TRAIL_SHOWN, read_partition
from .search_entries import search_item_keys, search_items
from .session import table_connection

#: How long an unsent tracking link may wait for its confirmation.
PENDING_LINK_DAYS = 7


class DynamoCaseRepository:
    """Cases and their timelines, numbers, idempotency records."""

    def next_number(self, year: int) -> str:
        """Atomically take the next number of ``year`` (one ``UpdateItem``)."""
        counter = CounterItem(PK=counter_pk(year), SK=COUNTER_SK)
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
            with TransactWrite(connection=table_connection().connection) as tx:
                tx.save(item, condition=CaseItem.PK.does_not_exist())
                for event in events:
                    tx.save(event_to_item(event, **feed_facts(case)))
                for entry in queue_entries(case, 1):
                    tx.save(entry)
                found_by = search_items(case)
                for entry in found_by:
                    tx.save(entry)
                if pending_link:
                    tx.save(PendingLinkItem(
                        PK=case_pk(case.number), SK=PENDING_LINK_SK, number=case.number,
                        link=pending_link,
                        expires_at=case.created_at + timedelta(days=PENDING_LINK_DAYS)))
                if idempotency:
                    key, request_hash, response, expires = idempotency
                    tx.save(IdempotencyItem(PK=idempotency_pk(key), SK=IDEMPOTENCY_SK,
                                            request_hash=request_hash,
                                            response=json.dumps(response),
                                            expires_at=datetime.fromtimestamp(expires, timezone.utc)),
                            condition=IdempotencyItem.PK.does_not_exist())
        except TransactWriteError as exc:
            failed = failed_conditions(exc)
            # The idempotency record is the transaction's last operation.
            if idempotency and (1 + len(events) + len(queue_entries(case, 1)) + len(search_items(case))
                                + bool(pending_link)) in failed:
                previous = IdempotencyItem.get(idempotency_pk(idempotency[0]), IDEMPOTENCY_SK,
                                               consistent_read=True)
                raise DuplicateSubmission(previous.request_hash, json.loads(previous.response)) from None
            if 0 in failed:
                raise ConflictError("error.conflict") from None
            raise

    def get_case(self, number: str) -> Case | None:
        try:
            return item_to_case(CaseItem.get(case_pk(number), CASE_SK))
        except CaseItem.DoesNotExist:
            return None

    def get_with_history(self, number: str) -> tuple[Case, list[TimelineEvent]] | None:
        """The case and its history (every entry but the delivery trail) in order: one
        ``Query`` of the ranges ``#CASE`` through ``EVT#~`` (the tracking page, a reply)."""
        found = read_partition(number, EVT_RANGE_END)
        return (found.case, found.entries) if found else None

    def get_with_timeline(self, number: str) -> tuple[Case, list[TimelineEvent]] | None:
        """The case and its whole timeline in order, the whole delivery trail included (every
        page of the partition: for tools and tests, never a view)."""
        found = read_partition(number, TRAIL_RANGE_END)
        return (found.case, found.entries) if found else None

    def get_with_followers(self, number: str) -> tuple[Case, list[TimelineEvent], int, bool] | None:
        """The staff's view of a case: the case, its history with the latest ``TRAIL_SHOWN``
        entries of its delivery trail merged in, in order, how many confirmed followers it has,
        and whether the trail was shown whole. One ``Query`` for an ordinary case (the trail
        reads newest first, so the read stops after what is shown)."""
        found = read_partition(number, TRAIL_RANGE_END, trail_limit=TRAIL_SHOWN)
        if found is None:
            return None
        followers = sum(1 for s in found.subscriptions
                        if s.role == SubscriptionRole.FOLLOWER.value
                        and s.state == SubscriptionState.CONFIRMED.value)
        return found.case, found.entries, followers, found.trail_complete

    def save_change(self, case: Case, expected_version: int, events: list[TimelineEvent],
                    *, also: tuple[tuple[Case, int], ...] = ()) -> None:
        """Write ``case`` (the whole new state) and its timeline entries in one transaction,
        only if the stored case still has ``expected_version``; likewise each ``(case, version)``
        in ``also`` (the other case of a merge or a link).

        Raises ``ConflictError`` with the stored version when another change came first.
        """
        cases = ((case, expected_version), *also)
        deletes = 0  # pynamodb sends a transaction's deletes before its puts
        try:
            with TransactWrite(connection=table_connection().connection) as tx:
                for changed, version in cases:
                    item = case_to_item(changed)
                    item.version = version
                    tx.save(item, condition=CaseItem.PK.exists(), return_values="ALL_OLD")
                for changed, version in cases:
                    entries = queue_entries(changed, version + 1)
                    for entry in entries:
                        tx.save(entry)
                    if not entries:
                        for gone in [*queue_entry_keys(changed.number), *search_item_keys(changed)]:
                            tx.delete(gone)
                            deletes += 1
                facts = {changed.number: feed_facts(changed) for changed, _ in cases}
                for event in events:
                    tx.save(event_to_item(event, **facts.get(event.case_number, {})),
                            condition=TimelineItem.PK.does_not_exist())
        except TransactWriteError as exc:
            failed = failed_conditions(exc)
            lost = next((position for position in failed
                         if deletes <= position < deletes + len(cases)), None)
            if lost is not None:
                current = (old_image(failed[lost]).get("version") or {}).get("N")
                lost -= deletes
                raise ConflictError("error.conflict", current_version=int(current) if current else None,
                                    number=cases[lost][0].number) from None
            raise
