"""Statistics: kept from the table's stream entry by entry, and read back as reports.

``StatisticsKeeper`` is the stats function's service: for one batch of stream records it reads
the facts and the kept state of the batch's cases (two batch reads), then counts each entry in
order with ``domain.statistics.apply`` and writes it in one transaction (``StatisticsStore``):
a repeated record counts nothing. ``StatisticsReports`` answers a period, up to two group-by
dimensions and the metrics from the cells (``StatisticsCells``), scoped by the caller's role.
"""

from __future__ import annotations

import logging
from datetime import date
from typing import Callable, Iterable, Protocol, Sequence

from msgspec import Struct

from ..domain.backlog import backlog_changes
from ..domain.calendar import OfficeCalendar
from ..domain.cases import TimelineEvent
from ..domain.errors import FieldError, ForbiddenError, ValidationError
from ..domain.events import CaseFacts
from ..domain.policy import Action, Principal, Scope, authorise
from ..domain.statistics import (
    COUNTED_KINDS,
    COUNTERS,
    DIMENSIONS,
    METRICS,
    PERIODS,
    CaseBasics,
    CaseState,
    Cell,
    Increment,
    ReadRange,
    adopt,
    apply,
    group,
    metric_value,
    reading_plan,
)
from .events import CaseFactsSource

logger = logging.getLogger(__name__)

#: The longest period a report answers (a year and a month or so: this year against the last).
MAX_PERIOD_DAYS = 400
#: The days a report may name (no statistics before the first, none kept after the last).
FIRST_DAY, LAST_DAY = date(2000, 1, 1), date(2199, 12, 31)
#: At most this many group-by dimensions.
MAX_GROUP_BY = 2


class StatisticsStore(Protocol):
    def case_states(self, numbers: Iterable[str]) -> dict[str, tuple[CaseState, int]]:
        """What the statistics know of each existing one of ``numbers``, with its version."""

    def record(self, entry_key: str, state: CaseState, version: int | None,
               increments: Sequence[Increment]) -> bool:
        """Count one entry (claim, state, cells) at once; ``False``: counted before."""


class StatisticsCells(Protocol):
    def cells(self, ranges: Sequence[ReadRange],
              departments: frozenset[str] | None = None) -> list[Cell]:
        """The cells of ``ranges``, of ``departments`` only when given."""


def _basics(facts: CaseFacts, entry: TimelineEvent) -> CaseBasics:
    return CaseBasics(category=facts.category, channel=facts.channel, case_type=facts.case_type,
                      opened_at=facts.opened_at or entry.at)


def _before_batch(entries: Iterable[TimelineEvent]) -> dict[str, dict[str, str]]:
    """Per case, what the first entries of the batch that say so give as the case's status,
    department and assignee before them (``from``, ``previous``)."""
    before: dict[str, dict[str, str]] = {}
    for entry in entries:
        known = before.setdefault(entry.case_number, {})
        data = entry.data or {}
        if entry.kind.value == "status_changed" and data.get("from"):
            known.setdefault("status", str(data["from"]))
        elif entry.kind.value == "assigned":
            known.setdefault("assignee", str(data.get("previous") or ""))
        elif entry.kind.value == "routed" and data.get("from"):
            known.setdefault("department", str(data["from"]))
    return before


class StatisticsKeeper:
    def __init__(self, store: StatisticsStore, facts: CaseFactsSource,
                 calendar: Callable[[], OfficeCalendar]):
        self._store = store
        self._facts_source = facts
        self._calendar = calendar
        self._facts: dict[str, CaseFacts] = {}
        self._states: dict[str, tuple[CaseState, int]] = {}
        self._before: dict[str, dict[str, str]] = {}

    def prepare(self, entries: Iterable[TimelineEvent | None]) -> None:
        """Read the facts and kept states of the cases of the batch's counted entries."""
        counted = [entry for entry in entries if entry is not None and entry.kind in COUNTED_KINDS]
        numbers = {entry.case_number for entry in counted}
        self._facts = self._facts_source.case_facts(numbers) if numbers else {}
        self._states = self._store.case_states(numbers) if numbers else {}
        self._before = _before_batch(entry for entry in counted
                                     if entry.case_number not in self._states)

    def keep(self, entry: TimelineEvent | None) -> int:
        """Count one entry (in the stream's order); the number of counter updates written
        (0: the entry counts nothing, or was counted before)."""
        if entry is None or entry.kind not in COUNTED_KINDS:
            return 0
        number = entry.case_number
        facts = self._facts.get(number)
        if facts is None:
            # Written in the same transaction as its entries; a case without it is gone.
            logger.error("timeline entry of an unknown case", extra={"case_number": number})
            return 0
        basics = _basics(facts, entry)
        kept = self._states.get(number)
        state, version = kept if kept is not None else (None, None)
        if state is None and entry.kind.value != "case_opened":
            # The case item is as it is after the whole batch; what the batch's own entries say
            # the case was before them comes first.
            before = self._before.get(number, {})
            state = adopt(entry, department=before.get("department", facts.department),
                          status=before.get("status", facts.status),
                          assignee=before.get("assignee", facts.assignee), area=facts.area,
                          basics=basics)
        calendar = self._calendar()
        changed, increments = apply(state, entry, basics, calendar)
        # the running open counts (the backlog by age): a case not kept before enters them now
        increments += backlog_changes(state if kept is not None else None, changed, calendar)
        if changed is None or (kept is not None and changed == state and not increments):
            return 0
        if self._store.record(entry.sort_key, changed, version, increments):
            self._states[number] = (changed, (version or 0) + 1)
            return len(increments)
        # Counted before (a retried batch): go on from what is stored.
        self._states.update(self._store.case_states([number]))
        return 0


# -- reports -----------------------------------------------------------------------------------


class StatsQuery(Struct, frozen=True):
    start: date
    end: date
    group_by: tuple[str, ...]
    metrics: tuple[str, ...]
    department: str | None = None  # a filter (an agent may name only their own)


class StatsRow(Struct, frozen=True):
    values: tuple[str, ...]  # the group-by dimensions' values, in ``group_by`` order
    metrics: dict[str, float | int | None]


class StatsReport(Struct, frozen=True):
    query: StatsQuery
    departments: tuple[str, ...] | None  # the departments it is limited to (``None``: all)
    rows: tuple[StatsRow, ...]
    totals: dict[str, float | int | None]


def check_query(query: StatsQuery) -> None:
    """400 with the field and the reason for a query the statistics cannot answer."""
    problems = []
    for name, day in (("from", query.start), ("to", query.end)):
        if not FIRST_DAY <= day <= LAST_DAY:
            problems.append(FieldError(name, "out_of_range", {"min": FIRST_DAY.isoformat(),
                                                               "max": LAST_DAY.isoformat()}))
    if problems:
        raise ValidationError(problems)
    if query.end < query.start:
        problems.append(FieldError("to", "before_from"))
    elif (query.end - query.start).days + 1 > MAX_PERIOD_DAYS:
        problems.append(FieldError("to", "period_too_long", {"days": MAX_PERIOD_DAYS}))
    if len(query.group_by) > MAX_GROUP_BY:
        problems.append(FieldError("group_by", "too_many", {"max": MAX_GROUP_BY}))
    if any(name not in DIMENSIONS + PERIODS for name in query.group_by):
        problems.append(FieldError("group_by", "not_allowed",
                                   {"allowed": ", ".join(DIMENSIONS + PERIODS)}))
    elif len(set(query.group_by)) != len(query.group_by):
        problems.append(FieldError("group_by", "repeated"))
    if any(name not in METRICS for name in query.metrics):
        problems.append(FieldError("metrics", "not_allowed", {"allowed": ", ".join(METRICS)}))
    if not query.metrics:
        problems.append(FieldError("metrics", "required"))
    if problems:
        raise ValidationError(problems)


def _counters_of(metrics: Sequence[str]) -> set[str]:
    """The stored counters the metrics are computed from (a row without any is left out)."""
    names = set()
    for metric in metrics:
        if metric in COUNTERS:
            names.add(metric)
        elif metric.endswith("_met_share"):
            clock = metric[:-len("_met_share")]
            names |= {f"{clock}_met", f"{clock}_missed"}
        else:
            names.add(f"{metric.rpartition('_')[0]}.count")
    return names


class StatisticsReports:
    def __init__(self, cells: StatisticsCells):
        self._cells = cells

    def report(self, principal: Principal | None, query: StatsQuery) -> StatsReport:
        """The query's rows and totals; an agent's limited to their departments (403 when the
        query names another department)."""
        scope = authorise(principal, Action.VIEW_STATS)
        assert principal is not None
        check_query(query)
        departments: frozenset[str] | None = None
        if scope is Scope.OWN_DEPARTMENTS:
            if query.department is not None and query.department not in principal.departments:
                raise ForbiddenError("error.forbidden")
            departments = (frozenset({query.department}) if query.department
                           else frozenset(principal.departments))
        elif query.department is not None:
            departments = frozenset({query.department})
        plan = reading_plan(query.start, query.end, by_day="day" in query.group_by)
        cells = (self._cells.cells(plan, departments)
                 if departments is None or departments else [])
        grouped = group(cells, query.group_by, departments)
        rows = tuple(StatsRow(values=key, metrics={m: metric_value(counters, m)
                                                   for m in query.metrics})
                     for key, counters in sorted(grouped.items())
                     if any(counters.get(name) for name in _counters_of(query.metrics)))
        overall = group(cells, (), departments).get((), {})
        return StatsReport(query=query,
                           departments=tuple(sorted(departments)) if departments is not None else None,
                           rows=rows, totals={m: metric_value(overall, m) for m in query.metrics})


# -- open data ---------------------------------------------------------------------------------

#: A public count below this is not shown (``null``, ``suppressed``): in a small category one or
#: two cases in a month may point at the people who reported them or at their street.
MIN_PUBLIC_COUNT = 3
#: A public median needs at least this many resolutions behind it.
MIN_PUBLIC_MEDIAN = 5


class PublicCount(Struct, frozen=True):
    month: str  # ``2026-11``
    key: str  # a category id, or a status
    value: int | None  # ``None``: suppressed (below ``MIN_PUBLIC_COUNT``)


class PublicResolution(Struct, frozen=True):
    category: str
    resolved: int | None  # suppressed below ``MIN_PUBLIC_COUNT``
    median_working_minutes: float | None  # ``None`` below ``MIN_PUBLIC_MEDIAN`` resolutions


class PublicStats(Struct, frozen=True):
    start: date
    end: date
    opened: tuple[PublicCount, ...]  # by month and category
    resolved: tuple[PublicCount, ...]  # by month and category
    status_changes: tuple[PublicCount, ...]  # by month and the status changed into
    resolution: tuple[PublicResolution, ...]  # per category, over the whole period


def _public_only(cells: Iterable[Cell], public_types: frozenset[str]) -> list[Cell]:
    """The cells with only the tuples of public case types, and without the assignee."""
    type_at = DIMENSIONS.index("type")
    assignee_at = DIMENSIONS.index("assignee")
    kept = []
    for cell in cells:
        counters: dict = {}
        for dims, values in cell.counters.items():
            if dims[type_at] not in public_types:
                continue
            anonymous = dims[:assignee_at] + ("",) + dims[assignee_at + 1:]
            into = counters.setdefault(anonymous, {})
            for name, value in values.items():
                into[name] = into.get(name, 0) + int(value)
        kept.append(Cell(department=cell.department, counters=counters, period=cell.period))
    return kept


def _shown(value: int) -> int | None:
    return value if value >= MIN_PUBLIC_COUNT else None


def _public_counts(cells: list[Cell], dimension: str, counter: str) -> tuple[PublicCount, ...]:
    grouped = group(cells, ("month", dimension))
    return tuple(PublicCount(month=month, key=key, value=_shown(int(counters.get(counter, 0))))
                 for (month, key), counters in sorted(grouped.items())
                 if counters.get(counter))


class PublicStatistics:
    """``GET /v1/public/stats``: what anyone may know of the cases, from the same cells."""

    def __init__(self, cells: StatisticsCells):
        self._cells = cells

    def public(self, start: date, end: date, public_types: frozenset[str]) -> PublicStats:
        check_query(StatsQuery(start=start, end=end, group_by=(), metrics=("opened",)))
        cells = _public_only(self._cells.cells(reading_plan(start, end)), public_types)
        resolution = []
        for (category,), counters in sorted(group(cells, ("category",)).items()):
            resolved = int(counters.get("resolved", 0))
            if not resolved:
                continue
            median = metric_value(counters, "resolution_median")
            resolution.append(PublicResolution(
                category=category, resolved=_shown(resolved),
                median_working_minutes=median if resolved >= MIN_PUBLIC_MEDIAN else None))
        return PublicStats(start=start, end=end,
                           opened=_public_counts(cells, "category", "opened"),
                           resolved=_public_counts(cells, "category", "resolved"),
                           status_changes=_public_counts(cells, "status", "status_changes"),
                           resolution=tuple(resolution))
