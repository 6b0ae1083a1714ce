"""The backlog by age, kept as running counts: per department and local day of opening, how
many of the cases opened that day are open now.

The statistics keeper adds one to the case's (department, opening day) when a case is opened
(or first seen open, adopted), takes one away when it is resolved, closed or cancelled (a
merge closes it), adds one back when it is reopened, and moves the one when an open case moves
to another department: ``backlog_changes``, from the case's kept state before and after an
entry. The nightly job reads one small item per department and sums the days into age buckets
(``by_age``): its reads grow with the departments and the days, never with the cases held
(``docs/decisions.md``, 2026-12-01, "The nightly statistics job"). Standard library only.
"""

from __future__ import annotations

from datetime import date
from typing import Mapping

from .calendar import OfficeCalendar
from .statistics import FINISHED, CaseState, Increment, local_day

#: The counter name of a backlog change (``Increment.day`` is the case's opening day).
BACKLOG = "backlog"

#: The age buckets in whole local days since the opening day (the last has no upper bound).
AGE_BUCKETS: tuple[tuple[str, int, int | None], ...] = (
    ("0-1", 0, 1), ("2-7", 2, 7), ("8-30", 8, 30), ("31-90", 31, 90), (">90", 91, None))


def _open_in(state: CaseState | None) -> str | None:
    """The department that counts the case as open, ``None`` when it is finished."""
    if state is None or state.status in FINISHED:
        return None
    return state.department


def backlog_changes(before: CaseState | None, after: CaseState | None,
                    calendar: OfficeCalendar) -> list[Increment]:
    """What one entry changes in the running open counts (``before``: the kept state, ``None``
    for a case not counted yet).

    Examples
    --------
    >>> from datetime import datetime, timezone
    >>> cal = OfficeCalendar({"mon": (("08:00", "16:00"),)}, "Europe/Belgrade")
    >>> at = datetime(2026, 11, 23, 8, 0, tzinfo=timezone.utc)
    >>> new = CaseState("2026-000001", "roads", "c", "web", "signal", "new", "", "", at, False)
    >>> [(i.day.isoformat(), i.dims[0], i.amount) for i in backlog_changes(None, new, cal)]
    [('2026-11-23', 'roads', 1)]
    >>> moved = CaseState("2026-000001", "water", "c", "web", "signal", "new", "", "", at, False)
    >>> [(i.dims[0], i.amount) for i in backlog_changes(new, moved, cal)]
    [('roads', -1), ('water', 1)]
    """
    was, now = _open_in(before), _open_in(after)
    if was == now:
        return []
    state = after or before
    assert state is not None
    day = local_day(calendar, state.opened_at)
    changes = []
    if was is not None:
        changes.append(Increment(day, (was, "", "", "", "", "", ""), BACKLOG, -1))
    if now is not None:
        changes.append(Increment(day, (now, "", "", "", "", "", ""), BACKLOG, 1))
    return changes


def by_age(open_by_day: Mapping[date, int], today: date) -> dict[str, int]:
    """The open counts by opening day summed into ``AGE_BUCKETS`` as of ``today`` (a day after
    ``today`` counts as 0 days old).

    Examples
    --------
    >>> by_age({date(2026, 11, 30): 2, date(2026, 11, 25): 1, date(2026, 1, 5): 4}, date(2026, 12, 1))
    {'0-1': 2, '2-7': 1, '8-30': 0, '31-90': 0, '>90': 4}
    """
    counts = {name: 0 for name, _, _ in AGE_BUCKETS}
    for day, count in open_by_day.items():
        age = max((today - day).days, 0)
        for name, low, high in AGE_BUCKETS:
            if age >= low and (high is None or age <= high):
                counts[name] += int(count)
                break
    return counts
