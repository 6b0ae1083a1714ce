"""Conditional writes that lost: the one place that reads why DynamoDB refused a write.

A single ``PutItem`` or ``UpdateItem`` whose condition failed raises PynamoDB's ``PutError`` /
``UpdateError`` with ``ConditionalCheckFailedException``; a cancelled ``TransactWriteItems``
raises ``TransactWriteError`` with one reason per operation, in the order they were sent
(condition checks, deletes, puts, updates: ``in_sent_order``).
Repositories turn these into domain answers (``False``, ``None``, ``ConflictError``,
``DuplicateSubmission``...) and let every other error through.
"""

from __future__ import annotations

from typing import Sequence

from pynamodb.exceptions import PutError, TransactWriteError, UpdateError

#: The reason code of one operation of a cancelled transaction whose condition failed.
CONDITION_FAILED = "ConditionalCheckFailed"


def condition_failed(exc: Exception) -> bool:
    """Whether a single PynamoDB write failed on its condition (and on nothing else)."""
    return getattr(exc, "cause_response_code", None) == "ConditionalCheckFailedException"


def failed_conditions(exc: TransactWriteError) -> dict[int, object]:
    """The operations of a cancelled transaction whose condition failed: ``{position: reason}``
    in the order the operations were sent, which is not the order they were added: pynamodb
    sends the condition checks, then the deletes, the puts and the updates
    (``in_sent_order``). A reason's ``raw_item`` is the stored item when the operation asked
    for it (``return_values="ALL_OLD"``).

    Examples
    --------
    >>> from types import SimpleNamespace as Cancelled, SimpleNamespace as Reason
    >>> error = Cancelled(cancellation_reasons=[None, Reason(code="ConditionalCheckFailed")])
    >>> list(failed_conditions(error))
    [1]
    """
    reasons = getattr(exc, "cancellation_reasons", None) or []
    return {position: reason for position, reason in enumerate(reasons)
            if reason is not None and reason.code == CONDITION_FAILED}


def in_sent_order(*, checks: Sequence[str] = (), deletes: Sequence[str] = (),
                  puts: Sequence[str] = (), updates: Sequence[str] = ()) -> list[str]:
    """The names of a transaction's operations by kind, in the order pynamodb's
    ``TransactWrite`` sends them (the positions ``failed_conditions`` reports).

    >>> in_sent_order(puts=["marker", "event"], updates=["case"], deletes=["link"])
    ['link', 'marker', 'event', 'case']
    """
    return [*checks, *deletes, *puts, *updates]


def old_image(reason) -> dict:
    """The stored item a failed operation returned (raw attribute values; ``{}`` if none)."""
    return getattr(reason, "raw_item", None) or {}


def saved_if(item, condition) -> bool:
    """Put ``item`` only if ``condition`` holds; ``False`` when it does not."""
    try:
        item.save(condition=condition)
    except PutError as exc:
        if condition_failed(exc):
            return False
        raise
    return True


def updated_if(item, actions: list, condition) -> bool:
    """Apply ``actions`` to ``item`` (unversioned) only if ``condition`` holds; ``False`` when
    it does not. ``item`` then holds the stored item as updated (``ALL_NEW``)."""
    try:
        item.update(actions=actions, condition=condition, add_version_condition=False)
    except UpdateError as exc:
        if condition_failed(exc):
            return False
        raise
    return True
