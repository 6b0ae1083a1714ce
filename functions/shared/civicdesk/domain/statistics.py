"""Statistics kept from the timeline: counters per local day and dimension tuple, and the
working-time durations (first reaction, resolution) as bucketed histograms.

The timeline is the event log: every change of a case writes entries, and each entry, applied
in order to what the statistics know of its case (``CaseState``), gives a few ``Increment`` s of
counters in one *cell* (the municipality's local day of the entry, the case's department) under
the case's full *dimension tuple* at that moment (category, channel, type, status, assignee,
area). Reports add cells up: any period, any one or two dimensions, a department filter.

Durations become known once (the first reaction) or at each resolution and are counted in
working minutes on the municipality's ``OfficeCalendar``, into fixed log-spaced buckets
(``BUCKET_BOUNDS``), with their count and sum: medians and 90th percentiles are estimated from
the sum of buckets across any cells, means from sums and counts.

Service levels met or missed and breaches are counters of the same kind (``level_marks``).

Standard library only.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Iterable, Mapping

from msgspec import Struct
from msgspec.structs import replace

from .calendar import OfficeCalendar
from .cases import EventKind, TimelineEvent, parse_iso
from .level_marks import LEVEL_COUNTERS, SHARES, level_counters
from .working_time import working_minutes_between

#: The dimensions of a cell's tuple, in the order every tuple holds them. ``department`` is
#: also the cell's own key (a report filtered by department reads only its cells' tuples).
DIMENSIONS = ("department", "category", "channel", "type", "status", "assignee", "area")

#: Plain counters: how many of each happened.
COUNTERS = ("opened", "status_changes", "resolved", "closed", "reopened", "escalated",
            "replies") + LEVEL_COUNTERS

#: Durations in working minutes, each kept as ``<name>.count``, ``<name>.sum``, ``<name>.b<i>``.
DURATIONS = ("first_reaction", "resolution")

#: Upper bounds (exclusive) of the duration buckets in working minutes, a factor of about
#: sqrt(2) apart: bucket 0 holds 0 minutes, bucket i holds ``[BOUNDS[i-1], BOUNDS[i])``, the
#: last one (``len(BOUNDS)``) 65,536 minutes (136 working days of 8 hours) and more.
BUCKET_BOUNDS = (1, 2, 3, 4, 6, 8, 11, 16, 23, 32, 45, 64, 91, 128, 181, 256, 362, 512, 724,
                 1024, 1448, 2048, 2896, 4096, 5793, 8192, 11585, 16384, 23170, 32768, 46341,
                 65536)

#: The timeline entries that change what the statistics count or know; any other entry is
#: skipped without a read or a write.
COUNTED_KINDS = frozenset({EventKind.CASE_OPENED, EventKind.STATUS_CHANGED, EventKind.REFERRED,
                           EventKind.MERGED, EventKind.MESSAGE_OUT, EventKind.ASSIGNED,
                           EventKind.ROUTED, EventKind.ESCALATED, EventKind.SLA_BREACHED})

#: The statuses after which a case counts as finished; leaving them is a reopening.
FINISHED = frozenset({"resolved", "closed", "cancelled"})

#: The metrics a report may ask for: the counters, the service levels' met shares, and per
#: duration its count, mean, median and 90th percentile.
METRICS = COUNTERS + SHARES + tuple(f"{name}_{part}" for name in DURATIONS
                                    for part in ("count", "mean", "median", "p90"))

Dims = tuple[str, str, str, str, str, str, str]


class CaseBasics(Struct, frozen=True):
    """What never changes on a case, read from the case item (``CaseFacts``)."""

    category: str
    channel: str
    case_type: str
    opened_at: datetime  # when the contact came in (``received_at``), else when registered


class CaseState(Struct, frozen=True):
    """What the statistics know of a case as of the last entry applied."""

    number: str
    department: str
    category: str
    channel: str
    case_type: str
    status: str
    assignee: str
    area: str
    opened_at: datetime
    reacted: bool  # the first reaction is measured (or was before the statistics were kept)

    @property
    def dims(self) -> Dims:
        return (self.department, self.category, self.channel, self.case_type, self.status,
                self.assignee, self.area)


class Increment(Struct, frozen=True):
    """``amount`` added to ``counter`` for ``dims`` in the cell of ``day`` (local) and
    ``dims[0]`` (the department)."""

    day: date
    dims: Dims
    counter: str
    amount: int = 1


def bucket_of(minutes: int) -> int:
    """The bucket index of a duration.

    Examples
    --------
    >>> bucket_of(0), bucket_of(1), bucket_of(29), bucket_of(30), bucket_of(480), bucket_of(10**6)
    (0, 1, 9, 9, 17, 32)
    """
    low, high = 0, len(BUCKET_BOUNDS)
    while low < high:
        middle = (low + high) // 2
        if minutes < BUCKET_BOUNDS[middle]:
            high = middle
        else:
            low = middle + 1
    return low


def duration_increments(day: date, dims: Dims, name: str, minutes: int) -> list[Increment]:
    return [Increment(day, dims, f"{name}.count"), Increment(day, dims, f"{name}.sum", minutes),
            Increment(day, dims, f"{name}.b{bucket_of(minutes)}")]


def local_day(calendar: OfficeCalendar, moment: datetime) -> date:
    return moment.astimezone(calendar.zone).date()


def parse_instant(text: str) -> datetime:
    return parse_iso(text)


def _opened_state(entry: TimelineEvent, basics: CaseBasics) -> CaseState:
    data = entry.data or {}
    received = data.get("received_at")
    return CaseState(number=entry.case_number, department=str(data.get("department") or ""),
                     category=basics.category, channel=str(data.get("channel") or basics.channel),
                     case_type=basics.case_type, status="new", assignee="",
                     area=str(data.get("area") or ""),
                     opened_at=parse_instant(received) if isinstance(received, str) else entry.at,
                     reacted=False)


def _target_status(state: CaseState, entry: TimelineEvent) -> str | None:
    """The status an entry moves the case into, ``None`` when it moves none."""
    data = entry.data or {}
    if entry.kind in (EventKind.STATUS_CHANGED, EventKind.REFERRED):
        target = data.get("status")
    elif entry.kind is EventKind.MERGED:
        target = "closed"
    else:
        return None
    return str(target) if target and target != state.status else None


def apply(state: CaseState | None, entry: TimelineEvent, basics: CaseBasics | None,
          calendar: OfficeCalendar) -> tuple[CaseState | None, list[Increment]]:
    """What one timeline entry does to the statistics: the case's new state and the counters.

    ``state`` is ``None`` before the case's first entry is applied; an entry of a case opened
    before the statistics were kept starts from the case as it is now (``adopt``).

    Examples
    --------
    >>> from datetime import timezone
    >>> from zoneinfo import ZoneInfo
    >>> cal = OfficeCalendar({d: (("08:00", "16:00"),) for d in ("mon", "tue", "wed", "thu", "fri")},
    ...                      "Europe/Belgrade")
    >>> at = datetime(2026, 11, 23, 8, 0, tzinfo=timezone.utc)  # Monday 09:00 in Belgrade
    >>> basics = CaseBasics("road_damage", "web", "signal", at)
    >>> opened = TimelineEvent("2026-000001", at, EventKind.CASE_OPENED, "citizen:web", True,
    ...                        {"channel": "web", "department": "roads", "status": "new"})
    >>> state, counted = apply(None, opened, basics, cal)
    >>> [(i.day.isoformat(), i.dims, i.counter) for i in counted]
    [('2026-11-23', ('roads', 'road_damage', 'web', 'signal', 'new', '', ''), 'opened')]
    >>> later = at.replace(hour=9, minute=30)
    >>> change = TimelineEvent("2026-000001", later, EventKind.STATUS_CHANGED, "staff:ana", True,
    ...                        {"status": "in_progress", "from": "new"})
    >>> state, counted = apply(state, change, basics, cal)
    >>> [(i.counter, i.amount) for i in counted]
    [('status_changes', 1), ('first_reaction.count', 1), ('first_reaction.sum', 90), ('first_reaction.b12', 1)]
    """
    if entry.kind is EventKind.CASE_OPENED:
        if state is not None or basics is None:
            return state, []  # a repeated opening entry, or a case that no longer exists
        opened = _opened_state(entry, basics)
        return opened, [Increment(local_day(calendar, entry.at), opened.dims, "opened")]
    if state is None:
        return None, []
    data = entry.data or {}
    day = local_day(calendar, entry.at)
    counted: list[Increment] = []
    staff = entry.actor.startswith("staff:")
    target = _target_status(state, entry)
    if target is not None:
        before = state.status
        state = replace(state, status=target)
        counted.append(Increment(day, state.dims, "status_changes"))
        if target == "resolved":
            counted.append(Increment(day, state.dims, "resolved"))
            counted += duration_increments(day, state.dims, "resolution",
                                           working_minutes_between(calendar, state.opened_at, entry.at))
        if target == "closed":
            counted.append(Increment(day, state.dims, "closed"))
        if before in FINISHED and target not in FINISHED:
            counted.append(Increment(day, state.dims, "reopened"))
        if staff and before == "new" and not state.reacted:
            state = replace(state, reacted=True)
            counted += duration_increments(day, state.dims, "first_reaction",
                                           working_minutes_between(calendar, state.opened_at, entry.at))
    elif entry.kind is EventKind.MESSAGE_OUT and staff:
        counted.append(Increment(day, state.dims, "replies"))
        if not state.reacted:
            state = replace(state, reacted=True)
            counted += duration_increments(day, state.dims, "first_reaction",
                                           working_minutes_between(calendar, state.opened_at, entry.at))
    elif entry.kind is EventKind.ASSIGNED:
        state = replace(state, assignee=str(data.get("assignee") or ""))
    elif entry.kind is EventKind.ROUTED:
        state = replace(state, department=str(data.get("department") or state.department),
                        area=str(data.get("area") or state.area),
                        assignee="" if data.get("rule") == "override" else state.assignee)
    elif entry.kind is EventKind.ESCALATED:
        counted.append(Increment(day, state.dims, "escalated"))
    counted += [Increment(day, state.dims, name) for name in level_counters(entry)]
    return state, counted


def adopt(entry: TimelineEvent, *, department: str, status: str, assignee: str, area: str,
          basics: CaseBasics) -> CaseState:
    """The state of a case opened before the statistics were kept, just before ``entry``: the
    case as it is now (``department`` ... ``area``), except what the entry itself says it was
    before (a status change's ``from``, an assignment's ``previous``, a move's ``from``). It is
    counted from here on; its first reaction, unknown, is never measured."""
    data = entry.data or {}
    if entry.kind is EventKind.STATUS_CHANGED and data.get("from"):
        status = str(data["from"])
    elif entry.kind is EventKind.ASSIGNED:
        assignee = str(data.get("previous") or "")
    elif entry.kind is EventKind.ROUTED and data.get("from"):
        department = str(data["from"])
    return CaseState(number=entry.case_number, department=department, category=basics.category,
                     channel=basics.channel, case_type=basics.case_type, status=status,
                     assignee=assignee, area=area, opened_at=basics.opened_at, reacted=True)


# -- reading the cells -------------------------------------------------------------------------


def quantile(buckets: Mapping[int, int], q: float) -> float | None:
    """The ``q`` quantile estimated from bucket counts: linear inside the bucket that holds it
    (the last, unbounded bucket answers its lower bound, and bucket 0, which holds only whole
    minutes of 0, answers 0); ``None`` without any value.

    Examples
    --------
    >>> quantile({9: 1, 12: 1, 17: 2}, 0.5)  # 30, 90, 480, 480 minutes: the second, in [64, 91)
    91.0
    >>> quantile({0: 1}, 0.5)  # resolved outside working hours: 0 working minutes, not 0.5
    0.0
    >>> quantile({}, 0.5) is None
    True
    """
    total = sum(buckets.values())
    if total <= 0:
        return None
    rank = q * total
    seen = 0
    for index in sorted(buckets):
        count = buckets[index]
        if count <= 0:
            continue
        if seen + count >= rank:
            if index == 0:
                return 0.0
            low = BUCKET_BOUNDS[index - 1]
            if index >= len(BUCKET_BOUNDS):
                return float(low)
            high = BUCKET_BOUNDS[index]
            return float(low + (high - low) * max(rank - seen, 0) / count)
        seen += count
    return float(BUCKET_BOUNDS[-1])


def metric_value(counters: Mapping[str, int], metric: str) -> float | int | None:
    """One metric of summed counters (``None``: a duration with nothing measured)."""
    if metric in COUNTERS:
        return int(counters.get(metric, 0))
    if metric in SHARES:
        clock = metric[:-len("_met_share")]
        met, missed = int(counters.get(f"{clock}_met", 0)), int(counters.get(f"{clock}_missed", 0))
        return round(met / (met + missed), 3) if met + missed else None
    name, _, part = metric.rpartition("_")
    count = int(counters.get(f"{name}.count", 0))
    if part == "count":
        return count
    if part == "mean":
        return round(counters.get(f"{name}.sum", 0) / count, 1) if count else None
    buckets = {int(key[len(name) + 2:]): int(value) for key, value in counters.items()
               if key.startswith(f"{name}.b")}
    estimate = quantile(buckets, 0.5 if part == "median" else 0.9)
    return None if estimate is None else round(estimate, 1)


#: What a report may group by besides the dimensions: the cell's month or day.
PERIODS = ("month", "day")


class Cell(Struct, frozen=True):
    """The counters of one cell (a day or a month, one department) by dimension tuple;
    ``period`` is the day (``2026-11-23``) or the month (``2026-11``)."""

    department: str
    counters: Mapping[Dims, Mapping[str, int]]
    period: str = ""


def group(cells: Iterable[Cell], group_by: tuple[str, ...],
          departments: frozenset[str] | None = None) -> dict[tuple[str, ...], dict[str, int]]:
    """The counters summed by the values of ``group_by`` (dimension names), only of
    ``departments`` when given.

    Examples
    --------
    >>> a = ("roads", "road_damage", "web", "signal", "new", "", "")
    >>> b = ("roads", "road_damage", "phone", "signal", "new", "", "")
    >>> cells = [Cell("roads", {a: {"opened": 2}, b: {"opened": 1}}), Cell("roads", {a: {"opened": 1}})]
    >>> group(cells, ("channel",))
    {('web',): {'opened': 3}, ('phone',): {'opened': 1}}
    """
    positions = [DIMENSIONS.index(name) if name in DIMENSIONS else -1 - PERIODS.index(name)
                 for name in group_by]
    totals: dict[tuple[str, ...], dict[str, int]] = {}
    for cell in cells:
        if departments is not None and cell.department not in departments:
            continue
        periods = (cell.period[:7], cell.period)
        for dims, counters in cell.counters.items():
            key = tuple(dims[p] if p >= 0 else periods[-1 - p] for p in positions)
            into = totals.setdefault(key, {})
            for name, value in counters.items():
                into[name] = into.get(name, 0) + int(value)
    return totals


def month_of(day: date) -> str:
    return f"{day:%Y-%m}"


# -- which cells a period reads ----------------------------------------------------------------


class ReadRange(Struct, frozen=True):
    """A contiguous run of cells in one year's partition: days (``grain`` ``D``, ``first`` and
    ``last`` are ISO dates) or whole months (``M``, ``yyyy-mm``), both ends included."""

    year: int
    grain: str
    first: str
    last: str


def _month_end(day: date) -> date:
    following = date(day.year + day.month // 12, day.month % 12 + 1, 1)
    return following - timedelta(days=1)


def reading_plan(start: date, end: date, *, by_day: bool = False) -> list[ReadRange]:
    """The cell ranges that add up to ``[start, end]``: whole months from the month cells, the
    days of months cut by the period from the day cells; at most three per calendar year
    (the days before the first whole month, the whole months, the days after them), one when
    the period has no whole month. ``by_day``: only day cells (one range per year), for a
    report by day.

    Examples
    --------
    >>> [(r.grain, r.first, r.last) for r in reading_plan(date(2026, 1, 15), date(2026, 3, 10))]
    [('D', '2026-01-15', '2026-01-31'), ('M', '2026-02', '2026-02'), ('D', '2026-03-01', '2026-03-10')]
    >>> [(r.grain, r.first, r.last) for r in reading_plan(date(2026, 1, 1), date(2026, 12, 31))]
    [('M', '2026-01', '2026-12')]
    >>> [(r.year, r.grain) for r in reading_plan(date(2025, 12, 15), date(2026, 1, 15))]
    [(2025, 'D'), (2026, 'D')]
    """
    ranges: list[ReadRange] = []
    for year in range(start.year, end.year + 1):
        low, high = max(start, date(year, 1, 1)), min(end, date(year, 12, 31))
        if by_day:
            ranges.append(ReadRange(year, "D", low.isoformat(), high.isoformat()))
            continue
        first_whole = low if low.day == 1 else _month_end(low) + timedelta(days=1)
        last_whole = high if high == _month_end(high) else date(high.year, high.month, 1) - timedelta(days=1)
        if first_whole > last_whole:
            ranges.append(ReadRange(year, "D", low.isoformat(), high.isoformat()))
            continue
        if low < first_whole:
            ranges.append(ReadRange(year, "D", low.isoformat(),
                                    (first_whole - timedelta(days=1)).isoformat()))
        ranges.append(ReadRange(year, "M", month_of(first_whole), month_of(last_whole)))
        if last_whole < high:
            ranges.append(ReadRange(year, "D", (last_whole + timedelta(days=1)).isoformat(),
                                    high.isoformat()))
    return ranges
