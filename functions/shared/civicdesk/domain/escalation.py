"""Escalation: bringing a case to the supervisors' attention.

A staff member escalates a case through the admin API; a scheduled escalation (an overdue case)
writes the same entry with its own actor. Each escalation raises the case's level by one and is
recorded as an internal timeline entry, which the events publisher turns into ``case.escalated``
(the supervisors are notified from there). The reason stays in the case: it is internal text,
so the event carries only the level.
"""

from __future__ import annotations

from datetime import datetime

from .cases import Case, EventKind, TimelineEvent
from .errors import ConflictError


def escalate(case: Case, *, at: datetime, actor: str, reason: str) -> tuple[Case, TimelineEvent]:
    """The escalated case (level + 1) and its timeline entry; only an open case escalates.

    A case merged into another is refused with the case it lives on in (escalate that one); a
    resolved, closed or cancelled case must be reopened first. Both refusals are conflicts with
    the case's state (409), like a change of a deleted case.

    Examples
    --------
    >>> from datetime import timezone
    >>> from civicdesk.domain.cases import CaseType, Channel, Status
    >>> at = datetime(2026, 11, 21, 9, 30, tzinfo=timezone.utc)
    >>> case = Case("2026-000123", CaseType.SIGNAL, Channel.PHONE, "road_damage", "roads_traffic",
    ...             "Рупа на коловозу.", "sr-Cyrl", Status.IN_PROGRESS, True, at, at, "hash",
    ...             version=4)
    >>> escalated, entry = escalate(case, at=at, actor="staff:mira", reason="Чека се три недеље.")
    >>> escalated.escalation_level, entry.kind.value, entry.public, entry.data["level"]
    (1, 'escalated', False, 1)
    >>> escalate(case.with_changes(status=Status.RESOLVED), at=at, actor="staff:mira", reason="x")
    Traceback (most recent call last):
    ...
    civicdesk.domain.errors.ConflictError: error.escalation_not_open
    """
    if case.merged_into:
        raise ConflictError("error.already_merged", current_version=case.version,
                            into=case.merged_into)
    if case.state != "open":
        raise ConflictError("error.escalation_not_open", current_version=case.version,
                            number=case.number)
    level = case.escalation_level + 1
    entry = TimelineEvent(case.number, at, EventKind.ESCALATED, actor, False,
                          {"reason": reason, "level": level})
    return case.with_changes(escalation_level=level, updated_at=at), entry
