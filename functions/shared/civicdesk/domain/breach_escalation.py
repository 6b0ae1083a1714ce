"""Escalating a case whose due times were missed: the service-level job's use of
``escalation.escalate``.

The breaches found on one case in one run of the job (``service_levels.record_checks``'s
``sla_breached`` entries) become one escalation, actor ``system:sla``: the level rises by one
per run that finds a new breach, not per clock (a case received twenty working days before it
was registered misses its first reaction and its resolution at once and is escalated once). The
entry carries the breaches (``clock``, ``due``, ``overdue_minutes`` of the most overdue, and
``breaches``, all of them), so that the timeline and the supervisors' mail say in each reader's
language which due time was missed and by how much; ``reason`` is the same in the municipality's
default language, written by the job.
"""

from __future__ import annotations

from datetime import datetime
from typing import Mapping, Sequence

from msgspec.structs import replace

from .cases import Case, TimelineEvent
from .escalation import escalate

#: The actor of everything the service-level job writes.
SLA_ACTOR = "system:sla"


def escalate_breaches(case: Case, breaches: Sequence[Mapping[str, object]], *, at: datetime,
                      reason: str) -> tuple[Case, TimelineEvent]:
    """The case escalated for ``breaches`` (the data of its new ``sla_breached`` entries, most
    overdue first) and the ``escalated`` entry naming them. Refused as ``escalate`` refuses
    (a case that is not open, or merged: ``ConflictError``).

    Examples
    --------
    >>> from datetime import timezone
    >>> from civicdesk.domain.cases import CaseType, Channel, Status
    >>> at = datetime(2026, 12, 1, 9, 0, tzinfo=timezone.utc)
    >>> case = Case("2026-000123", CaseType.SIGNAL, Channel.PHONE, "road_damage", "roads",
    ...             "Rupa.", "sr-Latn", Status.NEW, True, at, at, "hash")
    >>> breach = {"clock": "first_reaction", "due": "2026-11-30T08:00:00.000000Z",
    ...           "overdue_minutes": 540}
    >>> escalated, entry = escalate_breaches(case, [breach], at=at, reason="Rok je propušten.")
    >>> escalated.escalation_level, entry.actor, entry.data["clock"], entry.data["level"]
    (1, 'system:sla', 'first_reaction', 1)
    """
    if not breaches:
        raise ValueError("escalate_breaches needs at least one breach")
    escalated, entry = escalate(case, at=at, actor=SLA_ACTOR, reason=reason)
    first = breaches[0]
    data = {**entry.data, "clock": first["clock"], "due": first["due"],
            "overdue_minutes": first["overdue_minutes"],
            "breaches": [{"clock": b["clock"], "due": b["due"],
                          "overdue_minutes": b["overdue_minutes"]} for b in breaches]}
    return escalated.with_changes(updated_at=max(case.updated_at, at)), replace(entry, data=data)
