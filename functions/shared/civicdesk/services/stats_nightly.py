"""The nightly statistics job (``functions/stats_nightly/``): closes the day that ended, records
the backlog by age, and checks a sample of the day's changed cases against a recount from their
timelines (``docs/operations.md``, "Scheduled jobs"; ``docs/data-model.md``, "Statistics").

A run scheduled for 2026-12-02 01:15 (the municipality's time) closes 2026-12-01: the local day
before the run's own. Everything it does is one effect of the job (``RunContext.once`` keyed by
the day), so a retried or repeated run, or a run by hand for the same day, changes nothing twice:
the closed day is written once, with the totals of the day's cells, the backlog by department
and age bucket from the running open counts (``domain.backlog``), and the drift found.

**The drift check.** Up to ``SAMPLE_SIZE`` cases changed that day (from the feed index, picked by
a hash of the day and the number, so a rerun picks the same) are recounted from their timelines
(``statistics_recount.recount_case``) and compared with what the keeper counted of them: the
recount of the entries it claimed (an entry it never counted, or one counted that is gone,
changes the two), and its kept state against the timeline's last dimensions. Only the entries
before the day's end are compared (the stream may still be counting the night's), and entries
older than the claims' lifetime count as claimed.
"""

from __future__ import annotations

import hashlib
import logging
from datetime import date, datetime, time, timedelta
from typing import Callable, Iterable, Mapping, Protocol, Sequence

from msgspec import Struct

from ..domain.backlog import AGE_BUCKETS, by_age
from ..domain.calendar import OfficeCalendar
from ..domain.cases import Case, EventKind, TimelineEvent, iso
from ..domain.statistics import COUNTED_KINDS, COUNTERS, DIMENSIONS, CaseBasics, CaseState, Cell, group
from ..domain.statistics_recount import last_dims, recount_case
from .jobs import RunContext

logger = logging.getLogger(__name__)

#: How many of the day's changed cases the drift check recounts.
SAMPLE_SIZE = 50
#: Entries older than this are taken as counted (their claims may have expired: 30 days).
CLAIMS_TRUSTED_DAYS = 28


class CaseDrift(Struct, frozen=True):
    number: str
    differences: int  # counter units that differ, plus one when the kept state differs
    state_differs: bool


class ClosedDay(Struct, frozen=True):
    day: date
    closed_at: datetime
    slot: str
    totals: Mapping[str, int]  # each counter summed over the day's cells
    backlog: Mapping[str, Mapping[str, int]]  # department -> age bucket -> open cases
    checked: int
    drift: tuple[CaseDrift, ...]

    @property
    def drifted(self) -> int:
        return sum(1 for each in self.drift if each.differences)


class NightlyStatisticsStore(Protocol):
    def day_cells(self, day: date) -> list[Cell]:
        """The day cells of ``day``, every department (one ``Query``)."""

    def backlog(self, departments: Iterable[str]) -> dict[str, dict[date, int]]:
        """The running open counts by opening day of each department (one batch read)."""

    def changed_cases(self, start: datetime, end: datetime) -> list[str]:
        """The numbers of the cases with a timeline entry in ``[start, end)`` (the feed index)."""

    def claims(self, number: str) -> set[str]:
        """The sort keys of the case's entries the keeper counted."""

    def case_states(self, numbers: Iterable[str]) -> dict[str, tuple[CaseState, int]]:
        """What the statistics know of each of ``numbers``."""

    def save_closed_day(self, closed: ClosedDay) -> bool:
        """Write the closed day once; ``False`` when it was written before."""


class CaseHistories(Protocol):
    def get_with_history(self, number: str) -> tuple[Case, list[TimelineEvent]] | None: ...


def day_closed_by(scheduled_for: datetime, calendar: OfficeCalendar) -> date:
    """The local day a run closes: the one before the run's own local day.

    Examples
    --------
    >>> from datetime import timezone
    >>> cal = OfficeCalendar({}, "Europe/Belgrade")
    >>> day_closed_by(datetime(2026, 12, 2, 0, 15, tzinfo=timezone.utc), cal).isoformat()
    '2026-12-01'
    """
    return scheduled_for.astimezone(calendar.zone).date() - timedelta(days=1)


def _day_span(day: date, calendar: OfficeCalendar) -> tuple[datetime, datetime]:
    start = datetime.combine(day, time(0), tzinfo=calendar.zone)
    end = datetime.combine(day + timedelta(days=1), time(0), tzinfo=calendar.zone)
    return start, end


def sample(numbers: Iterable[str], day: date, size: int = SAMPLE_SIZE) -> list[str]:
    """Up to ``size`` of ``numbers``, picked by a hash of the day and the number (the same on a
    rerun, another spread every day)."""
    def weight(number: str) -> str:
        return hashlib.sha256(f"{day.isoformat()}|{number}".encode()).hexdigest()

    return sorted(sorted(set(numbers), key=weight)[:size])


def _basics(case: Case) -> CaseBasics:
    return CaseBasics(category=case.category, channel=case.channel.value,
                      case_type=case.type.value, opened_at=case.received_at or case.created_at)


def case_drift(case: Case, entries: Sequence[TimelineEvent], claims: set[str],
               state: CaseState | None, *, until: datetime, calendar: OfficeCalendar) -> CaseDrift:
    """How far what the keeper counted of one case is from its recount (see the module)."""
    timeline = [e for e in entries if e.at < until]
    trusted = until - timedelta(days=CLAIMS_TRUSTED_DAYS)
    kept_view = [e for e in timeline if e.kind not in COUNTED_KINDS or e.sort_key in claims
                 or e.at < trusted]
    basics = _basics(case)
    full = recount_case(timeline, basics, calendar)
    kept = recount_case(kept_view, basics, calendar)
    differences = sum(abs(full.get(key, 0) - kept.get(key, 0)) for key in set(full) | set(kept))
    # a claim of an entry the timeline no longer has (before the day's end): counted, then gone
    written = {e.sort_key for e in entries}
    differences += sum(1 for key in claims
                       if key not in written and key < f"EVT#{iso(until)}")
    state_differs = False
    if timeline and timeline[0].kind is EventKind.CASE_OPENED and not any(e.at >= until for e in entries):
        # the kept state is as of the case's last counted entry: compared when none came since
        dims = last_dims(timeline, basics)
        expected = (dims[0], dims[DIMENSIONS.index("status")], dims[DIMENSIONS.index("assignee")])
        state_differs = state is None or (state.department, state.status, state.assignee) != expected
    return CaseDrift(case.number, differences + (1 if state_differs else 0), state_differs)


class NightlyStatistics:
    def __init__(self, store: NightlyStatisticsStore, cases: CaseHistories,
                 calendar: Callable[[], OfficeCalendar], departments: Callable[[], Iterable[str]],
                 drift_metric: Callable[[int], None], clock: Callable[[], datetime]):
        self._store = store
        self._cases = cases
        self._calendar = calendar
        self._departments = departments
        self._drift_metric = drift_metric
        self._clock = clock

    def run(self, job: RunContext) -> None:
        calendar = self._calendar()
        day = day_closed_by(job.run.scheduled_for, calendar)
        job.outcome["day"] = day.isoformat()

        def close() -> None:
            closed = self.close_day(day, calendar, slot=job.run.slot)
            job.outcome.update({"checked": closed.checked, "drifted": closed.drifted,
                                "opened": closed.totals.get("opened", 0),
                                "open": sum(sum(b.values()) for b in closed.backlog.values())})

        if not job.once(f"close:{day.isoformat()}", close):
            job.outcome["closed_before"] = True

    def close_day(self, day: date, calendar: OfficeCalendar, *, slot: str = "") -> ClosedDay:
        start, end = _day_span(day, calendar)
        totals = group(self._store.day_cells(day), ()).get((), {})
        departments = sorted(set(self._departments()))
        backlog = {department: by_age(days, day)
                   for department, days in self._store.backlog(departments).items()}
        for department in departments:
            backlog.setdefault(department, {name: 0 for name, _, _ in AGE_BUCKETS})
        drift = self.check(day, start, end, calendar)
        closed = ClosedDay(day=day, closed_at=self._clock(), slot=slot,
                           totals={name: int(totals.get(name, 0)) for name in COUNTERS},
                           backlog=backlog, checked=len(drift), drift=tuple(drift))
        self._store.save_closed_day(closed)
        self._drift_metric(closed.drifted)
        log = logger.warning if closed.drifted else logger.info
        log("statistics day closed", extra={
            "day": day.isoformat(), "checked": closed.checked, "drifted": closed.drifted,
            "drift": [{"case_number": d.number, "differences": d.differences,
                       "state_differs": d.state_differs} for d in drift if d.differences]})
        return closed

    def check(self, day: date, start: datetime, end: datetime,
              calendar: OfficeCalendar) -> list[CaseDrift]:
        numbers = sample(self._store.changed_cases(start, end), day)
        states = self._store.case_states(numbers) if numbers else {}
        found = []
        for number in numbers:
            history = self._cases.get_with_history(number)
            if history is None:
                continue
            case, entries = history
            kept = states.get(number)
            found.append(case_drift(case, entries, self._store.claims(number),
                                    kept[0] if kept else None, until=end, calendar=calendar))
        return found


def closed_day_item(closed: ClosedDay) -> dict:
    """The closed day as the store writes it (plain JSON values)."""
    return {"day": closed.day.isoformat(), "closed_at": iso(closed.closed_at), "slot": closed.slot,
            "totals": dict(closed.totals),
            "backlog": {d: dict(b) for d, b in closed.backlog.items()},
            "checked": closed.checked, "drifted": closed.drifted,
            "drift": [{"number": d.number, "differences": d.differences,
                       "state_differs": d.state_differs} for d in closed.drift if d.differences]}
