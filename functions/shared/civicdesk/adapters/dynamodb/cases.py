"""Cases and their timelines: numbers, creation (with its idempotency record and pending
tracking link), reads of a case's partition, and versioned changes."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

from pynamodb.exceptions import TransactWriteError
from pynamodb.transactions import TransactWrite

from ...domain.cases import Case, TimelineEvent, format_number
from ...domain.errors import ConflictError
from .case_reads import DynamoCaseReads
from .conditions import failed_conditions, old_image
from .items import CaseItem, CounterItem, IdempotencyItem, PendingLinkItem, TimelineItem
from .keys import COUNTER_SK, IDEMPOTENCY_SK, PENDING_LINK_SK, case_pk, counter_pk, idempotency_pk
from .mappers import case_to_item, event_to_item, feed_facts, item_to_case
from .queue_entries import queue_entries, queue_entry_keys
from .session import table_connection

#: How long an unsent tracking link may wait for its confirmation.
PENDING_LINK_DAYS = 7


class DynamoCaseRepository(DynamoCaseReads):
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
        from ...domain.public_projection import with_public_answers  # the writes' helpers: a
        from .search_entries import search_items  # reading container never imports them

        case = with_public_answers(case, events)
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
                from ...services.ports import DuplicateSubmission  # the port's record, raised

                previous = IdempotencyItem.get(idempotency_pk(idempotency[0]), IDEMPOTENCY_SK,
                                               consistent_read=True)
                raise DuplicateSubmission(previous.request_hash, json.loads(previous.response)) from None
            if 0 in failed:
                raise ConflictError("error.conflict") from None
            raise

    def save_change(self, case: Case, expected_version: int, events: list[TimelineEvent],
                    *, also: tuple[tuple[Case, int], ...] = ()) -> None:
        """Write ``case`` (the whole new state) and its timeline entries in one transaction,
        only if the stored case still has ``expected_version``; likewise each ``(case, version)``
        in ``also`` (the other case of a merge or a link).

        The search entries follow the case: a deleted case's are removed; a case whose words,
        requester or place differ from the stored one's (its ``search_digest``) has the
        difference written, in a second attempt that the first one's refusal (with the stored
        case) makes possible. No read is added to a change that leaves them alone.

        Raises ``ConflictError`` with the stored version when another change came first.
        """
        from ...domain.public_projection import with_public_answers

        # The official public answers among the entries stay on the case (the public map's).
        cases = tuple((with_public_answers(changed, events), version)
                      for changed, version in ((case, expected_version), *also))
        try:
            self._write_change(cases, events, {})
        except _SearchEntriesChanged as changed:
            self._write_change(cases, events, changed.before)

    def _write_change(self, cases: tuple[tuple[Case, int], ...], events: list[TimelineEvent],
                      before: dict[str, Case]) -> None:
        """One attempt of ``save_change``; ``before``: the stored cases whose search entries
        are rewritten (otherwise each case's ``search_digest`` must still be the stored one)."""
        from .search_entries import search_entry_changes, search_item_keys

        deletes = 0  # pynamodb sends a transaction's deletes before its puts
        try:
            with TransactWrite(connection=table_connection().connection) as tx:
                for changed, version in cases:
                    item = case_to_item(changed)
                    item.version = version
                    condition = CaseItem.PK.exists()
                    if not changed.deleted and changed.number not in before:
                        condition &= (CaseItem.search_digest.does_not_exist()
                                      | (CaseItem.search_digest == item.search_digest))
                    tx.save(item, condition=condition, return_values="ALL_OLD")
                for changed, version in cases:
                    entries = queue_entries(changed, version + 1)
                    for entry in entries:
                        tx.save(entry)
                    gone = [] if entries else [*queue_entry_keys(changed.number), *search_item_keys(changed)]
                    if changed.number in before and not changed.deleted:
                        puts, gone = search_entry_changes(before[changed.number], changed)
                        for entry in puts:
                            tx.save(entry)
                    for key in gone:
                        tx.delete(key)
                        deletes += 1
                facts = {changed.number: feed_facts(changed) for changed, _ in cases}
                for event in events:
                    tx.save(event_to_item(event, **facts.get(event.case_number, {})),
                            condition=TimelineItem.PK.does_not_exist())
        except TransactWriteError as exc:
            failed = failed_conditions(exc)
            lost = [(position - deletes, reason) for position, reason in failed.items()
                    if deletes <= position < deletes + len(cases)]
            stale = {}
            for index, reason in lost:
                stored = old_image(reason)
                current = (stored.get("version") or {}).get("N")
                if not stored or current is None or int(current) != cases[index][1]:
                    raise ConflictError("error.conflict", current_version=int(current) if current else None,
                                        number=cases[index][0].number) from None
                # the version held: the search entries' digest did not
                stale[cases[index][0].number] = item_to_case(CaseItem.from_raw_data(stored))
            if stale:
                raise _SearchEntriesChanged(stale) from None
            raise


class _SearchEntriesChanged(Exception):
    """A change's case no longer has the stored case's words, requester or place: ``before``
    holds the stored cases, whose entries the retry replaces."""

    def __init__(self, before: dict[str, Case]):
        super().__init__("search entries changed")
        self.before = before
