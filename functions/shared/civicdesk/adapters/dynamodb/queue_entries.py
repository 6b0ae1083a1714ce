"""The writes that keep a case's queue entries, filtered-queue keys and due-time keys with the
case item: what a new case adds, what a change updates, and the update's actions on the item."""

from __future__ import annotations

from typing import TYPE_CHECKING

from pynamodb.expressions.update import Action

from ...domain.cases import Case, iso
from .items import CaseItem, QueueEntryItem
from .keys import (
    ALL_CASES_PK,
    FILTER_DIMENSIONS,
    FILTER_SCOPES,
    department_queue_pk,
    filtered_queue_pk,
    queue_entry_pk,
    queue_entry_sk,
    queue_sk,
    state_of,
)
from .mappers import clock_to_map, due_keys

if TYPE_CHECKING:
    from ...services.ports import CaseUpdate


def _scope_partition(scope: str, department: str) -> str:
    return department_queue_pk(department) if scope == "department" else ALL_CASES_PK


def queue_entries(case: Case, version: int) -> list[QueueEntryItem]:
    """The case's entries in the filtered queues (GSI5): one per queue and filter, none once
    the case is deleted (out of every working queue). ``version`` is the case's version after
    the write they go with."""
    if case.deleted:
        return []
    sort_key = queue_sk(case.state, iso(case.created_at), case.number)
    values = {"status": case.status.value, "category": case.category, "type": case.type.value,
              "channel": case.channel.value}
    return [QueueEntryItem(PK=queue_entry_pk(case.number), SK=queue_entry_sk(scope, dimension),
                           number=case.number, case_version=version,
                           GSI5PK=filtered_queue_pk(_scope_partition(scope, case.department),
                                                    dimension, values[dimension]),
                           GSI5SK=sort_key)
            for scope in FILTER_SCOPES for dimension in FILTER_DIMENSIONS]


def queue_entry_keys(number: str) -> list[QueueEntryItem]:
    """The case's queue entries by key only (to delete them)."""
    return [QueueEntryItem(PK=queue_entry_pk(number), SK=queue_entry_sk(scope, dimension))
            for scope in FILTER_SCOPES for dimension in FILTER_DIMENSIONS]


def queue_entry_updates(update: CaseUpdate) -> list[tuple[QueueEntryItem, list]]:
    """The ``UpdateItem`` of each queue entry that a status change through ``update`` moves
    (its sort key's state, the status filter's partition); none without a status change. An
    entry missing (a case written before the filtered queues, not yet migrated) is created in
    the status queues, the only ones the update can name."""
    if update.status is None:
        return []
    sort_key = queue_sk(state_of(update.status.value), iso(update.created_at), update.number)
    changes = []
    for scope in FILTER_SCOPES:
        if scope == "department" and not update.department:
            continue
        for dimension in FILTER_DIMENSIONS:
            actions: list[Action] = [
                QueueEntryItem.GSI5SK.set(sort_key), QueueEntryItem.number.set(update.number),
                QueueEntryItem.case_version.set(update.expected_version + 1)]
            if dimension == "status":
                actions.append(QueueEntryItem.GSI5PK.set(filtered_queue_pk(
                    _scope_partition(scope, update.department or ""), dimension,
                    update.status.value)))
            changes.append((QueueEntryItem(PK=queue_entry_pk(update.number),
                                           SK=queue_entry_sk(scope, dimension)), actions))
    return changes


def case_update_actions(update: CaseUpdate) -> list:
    """The ``UpdateItem`` actions of a ``CaseUpdate`` (its version condition is the caller's)."""
    actions: list[Action] = [CaseItem.updated_at.set(iso(update.updated_at))]
    if update.status is not None:
        actions.append(CaseItem.status.set(update.status.value))
        # The same sort key in every queue index (an index ignores it without its partition key).
        sort_key = queue_sk(state_of(update.status.value), iso(update.created_at), update.number)
        actions += [CaseItem.GSI1SK.set(sort_key), CaseItem.GSI2SK.set(sort_key),
                    CaseItem.GSI3SK.set(sort_key)]
    if update.tracked is not None:
        tracked = update.tracked
        clock = clock_to_map(tracked.clock)
        actions.append(CaseItem.clock.set(clock) if clock else CaseItem.clock.remove())
        if tracked.first_reaction_at is not None:
            actions.append(CaseItem.first_reaction_at.set(iso(tracked.first_reaction_at)))
        keys = due_keys(tracked)
        if keys:
            actions += [CaseItem.GSI7PK.set(keys["GSI7PK"]), CaseItem.GSI7SK.set(keys["GSI7SK"])]
        else:
            actions += [CaseItem.GSI7PK.remove(), CaseItem.GSI7SK.remove()]
    if update.add_participants:
        actions.append(CaseItem.participants.add(set(update.add_participants)))
    if update.add_links:
        actions.append(CaseItem.linked_cases.add(set(update.add_links)))
    return actions
