"""Service levels met or missed, as the statistics count them: the due time each clock had when
it was met is written into the timeline entry that met it, and the statistics compare.

When a change stops a clock (the first reaction, a resolution), ``mark_due`` adds to the entry
that stops it the due time in force at that moment: ``first_reaction_due`` on the first
reaction (``service_levels.is_first_reaction``), ``resolution_due`` and, for a statutory type,
``legal_due`` on an entry that resolves the case. A clock standing still at that moment (the
case waited for the citizen until it was resolved) has its due time moved by the working time
it stood still up to the entry, as ``track`` would have moved it had the clock gone on.

So the statistics keeper, which sees only the entries, needs no read of the case and no copy of
its clocks, and the recount from the timelines finds the same marks (``docs/decisions.md``,
2026-12-01, "Service levels in the statistics"). ``level_counters`` is what one entry counts:
``<clock>_met`` or ``<clock>_missed`` for each mark, and ``breaches`` for an ``sla_breached``
entry. Standard library only.
"""

from __future__ import annotations

from datetime import datetime
from typing import Sequence

from msgspec.structs import replace

from .cases import Case, EventKind, Status, TimelineEvent, iso, parse_iso
from .service_levels import ServiceLevels, is_first_reaction
from .working_time import add_working_time, working_time_between

#: The clocks the statistics count met or missed, each by the entry data key of its mark.
MARKS = (("first_reaction", "first_reaction_due"), ("resolution", "resolution_due"),
         ("legal", "legal_due"))

#: The counters of the marks (``<clock>_met``, ``<clock>_missed``) and of the breaches.
LEVEL_COUNTERS = tuple(f"{clock}_{outcome}" for clock, _ in MARKS
                       for outcome in ("met", "missed")) + ("breaches",)

#: The shares a report may ask for: ``<clock>_met / (<clock>_met + <clock>_missed)``.
SHARES = tuple(f"{clock}_met_share" for clock, _ in MARKS)


def _resolves(entry: TimelineEvent) -> bool:
    return (entry.kind in (EventKind.STATUS_CHANGED, EventKind.REFERRED)
            and entry.data.get("status") == Status.RESOLVED.value
            and entry.data.get("from") != Status.RESOLVED.value)


def _effective(levels: ServiceLevels, case: Case, due: datetime, at: datetime) -> datetime:
    """``due`` moved by the working time the clock stood still up to ``at``."""
    since = case.clock.paused_since
    if since is None or since >= at:
        return due
    moved = add_working_time(levels.calendar, due, working_time_between(levels.calendar, since, at))
    return moved or due


def mark_due(case: Case, entries: Sequence[TimelineEvent],
             levels: ServiceLevels | None) -> list[TimelineEvent]:
    """``entries`` (of one change, ``case`` as ``track`` left it after them) with the marks of
    the clocks they stop. Without service levels nothing is marked."""
    if levels is None:
        return list(entries)
    marked: list[TimelineEvent] = []
    reacted = False
    clock = case.clock
    for entry in entries:
        data = dict(entry.data or {})
        if entry.case_number != case.number:
            marked.append(entry)
            continue
        if (not reacted and case.first_reaction_at == entry.at and is_first_reaction(entry)
                and clock.first_reaction_due is not None):
            reacted = True
            data["first_reaction_due"] = iso(_effective(levels, case, clock.first_reaction_due,
                                                        entry.at))
        if _resolves(entry):
            if clock.resolution_due is not None:
                data["resolution_due"] = iso(_effective(levels, case, clock.resolution_due,
                                                        entry.at))
            if clock.legal_due is not None:
                data["legal_due"] = iso(clock.legal_due)
        marked.append(entry if data == (entry.data or {}) else replace(entry, data=data))
    return marked


def _instant(text: str) -> datetime | None:
    try:
        return parse_iso(text)
    except ValueError:
        return None


def level_counters(entry: TimelineEvent) -> list[str]:
    """The service-level counters one entry adds one to.

    Examples
    --------
    >>> from datetime import timezone
    >>> at = datetime(2026, 11, 23, 9, 0, tzinfo=timezone.utc)
    >>> entry = TimelineEvent("2026-000001", at, EventKind.STATUS_CHANGED, "staff:ana", True,
    ...                       {"status": "resolved", "from": "in_progress",
    ...                        "resolution_due": "2026-11-23T10:00:00.000000Z",
    ...                        "legal_due": "2026-11-20T00:00:00.000000Z"})
    >>> level_counters(entry)
    ['resolution_met', 'legal_missed']
    """
    if entry.kind is EventKind.SLA_BREACHED:
        return ["breaches"]
    counted = []
    data = entry.data or {}
    for clock, key in MARKS:
        due = _instant(data[key]) if isinstance(data.get(key), str) else None
        if due is not None:
            counted.append(f"{clock}_{'met' if entry.at <= due else 'missed'}")
    return counted
