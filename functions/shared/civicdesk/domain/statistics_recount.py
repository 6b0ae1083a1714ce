"""The statistics of cases counted again from their whole timelines, independently of the
incremental keeper (``statistics.apply``): what the nightly drift check compares the kept
counters with, and what the property tests hold the keeper to.

Written the other way round on purpose: instead of carrying a state from entry to entry, each
counted entry looks back over the timeline for the dimension values in force at its moment
(the last routing, the last assignment since it, the last status), and the first reaction is
the earliest qualifying entry of the whole timeline. Standard library only.
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime
from typing import Iterable, Sequence

from .calendar import OfficeCalendar
from .cases import EventKind, TimelineEvent
from .level_marks import level_counters
from .statistics import BUCKET_BOUNDS, DIMENSIONS, FINISHED, CaseBasics, Dims, local_day, parse_instant
from .working_time import working_minutes_between

#: (day, dims, counter) -> amount
Tally = Counter


def _sorted(entries: Iterable[TimelineEvent]) -> list[TimelineEvent]:
    return sorted(entries, key=lambda entry: entry.sort_key)


def _status_after(entry: TimelineEvent) -> str | None:
    if entry.kind is EventKind.CASE_OPENED:
        return "new"
    if entry.kind in (EventKind.STATUS_CHANGED, EventKind.REFERRED):
        return str((entry.data or {}).get("status") or "") or None
    if entry.kind is EventKind.MERGED:
        return "closed"
    return None


def _status_before(timeline: Sequence[TimelineEvent], index: int) -> str:
    for entry in reversed(timeline[:index]):
        status = _status_after(entry)
        if status:
            return status
    return "new"


def _dims_at(timeline: Sequence[TimelineEvent], index: int, basics: CaseBasics) -> Dims:
    """The case's dimension values right after ``timeline[index]``."""
    upto = timeline[:index + 1]
    opened = upto[0].data or {}
    department = str(opened.get("department") or "")
    area = str(opened.get("area") or "")
    routed_at = -1
    for position, entry in enumerate(upto):
        if entry.kind is EventKind.ROUTED:
            data = entry.data or {}
            department = str(data.get("department") or department)
            area = str(data.get("area") or area)
            if data.get("rule") == "override":
                routed_at = position
    assignee = ""
    for position, entry in enumerate(upto):
        if entry.kind is EventKind.ASSIGNED and position > routed_at:
            assignee = str((entry.data or {}).get("assignee") or "")
    status = _status_before(timeline, index + 1)
    return (department, basics.category, str(opened.get("channel") or basics.channel),
            basics.case_type, status, assignee, area)


def _bucket(minutes: int) -> int:
    return next((index for index, bound in enumerate(BUCKET_BOUNDS) if minutes < bound),
                len(BUCKET_BOUNDS))


def _duration(tally: Tally, day, dims: Dims, name: str, minutes: int) -> None:
    tally[(day, dims, f"{name}.count")] += 1
    tally[(day, dims, f"{name}.sum")] += minutes
    tally[(day, dims, f"{name}.b{_bucket(minutes)}")] += 1


def recount_case(entries: Iterable[TimelineEvent], basics: CaseBasics,
                 calendar: OfficeCalendar) -> Tally:
    """Every counter one case contributes, from its timeline (which starts with its
    ``case_opened`` entry; a timeline without one contributes nothing)."""
    timeline = _sorted(entries)
    tally: Tally = Counter()
    if not timeline or timeline[0].kind is not EventKind.CASE_OPENED:
        return tally
    received = (timeline[0].data or {}).get("received_at")
    opened_at: datetime = parse_instant(received) if isinstance(received, str) else timeline[0].at
    reaction_index = None
    for index, entry in enumerate(timeline):
        staff = entry.actor.startswith("staff:")
        if index == 0 or not staff:
            continue
        before = _status_before(timeline, index)
        after = _status_after(entry)
        moved_from_new = after is not None and after != before and before == "new"
        if (entry.kind is EventKind.MESSAGE_OUT) or moved_from_new:
            reaction_index = index
            break
    for index, entry in enumerate(timeline):
        day = local_day(calendar, entry.at)
        dims = _dims_at(timeline, index, basics)
        if index == 0:
            tally[(day, dims, "opened")] += 1
            continue
        before, after = _status_before(timeline, index), _status_after(entry)
        if after is not None and after != before:
            tally[(day, dims, "status_changes")] += 1
            if after == "resolved":
                tally[(day, dims, "resolved")] += 1
                _duration(tally, day, dims, "resolution",
                          working_minutes_between(calendar, opened_at, entry.at))
            if after == "closed":
                tally[(day, dims, "closed")] += 1
            if before in FINISHED and after not in FINISHED:
                tally[(day, dims, "reopened")] += 1
        if entry.kind is EventKind.MESSAGE_OUT and entry.actor.startswith("staff:"):
            tally[(day, dims, "replies")] += 1
        if entry.kind is EventKind.ESCALATED:
            tally[(day, dims, "escalated")] += 1
        for name in level_counters(entry):
            tally[(day, dims, name)] += 1
        if index == reaction_index:
            _duration(tally, day, dims, "first_reaction",
                      working_minutes_between(calendar, opened_at, entry.at))
    last = _dims_at(timeline, len(timeline) - 1, basics)
    if last[DIMENSIONS.index("status")] not in FINISHED:
        # still open: one in the running count of its department and opening day
        tally[(local_day(calendar, opened_at), (last[0], "", "", "", "", "", ""), "backlog")] += 1
    return tally


def last_dims(entries: Iterable[TimelineEvent], basics: CaseBasics) -> Dims:
    """The dimension values the recount gives a case after the last of its ``entries``."""
    timeline = _sorted(entries)
    return _dims_at(timeline, len(timeline) - 1, basics)


def recount(timelines: Iterable[tuple[Iterable[TimelineEvent], CaseBasics]],
            calendar: OfficeCalendar) -> Tally:
    """The counters of many cases (the sum of ``recount_case``)."""
    total: Tally = Counter()
    for entries, basics in timelines:
        total.update(recount_case(entries, basics, calendar))
    return total
