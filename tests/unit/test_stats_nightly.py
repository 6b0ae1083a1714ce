"""The nightly statistics job with fakes: it closes the day once per day however often it runs,
records the backlog by age from the running open counts, and finds drift when the keeper
missed an entry or counted one that is gone."""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime, timedelta, timezone

from civicdesk.domain import case_changes
from civicdesk.domain.backlog import BACKLOG
from civicdesk.domain.cases import Channel, EventKind, Status, TimelineEvent
from civicdesk.domain.jobs import JobRun
from civicdesk.domain.statistics import Cell
from civicdesk.services.jobs import JobRunner
from civicdesk.services.statistics import StatisticsKeeper
from civicdesk.services.stats_nightly import NightlyStatistics, day_closed_by, sample
from tests.support.jobs import InMemoryJobRunLedger
from tests.unit.test_statistics import SERBIA, FakeFacts, FakeStore, _facts, _open

DAY = date(2026, 11, 30)  # a Monday
MORNING = datetime(2026, 11, 30, 8, 0, tzinfo=timezone.utc)  # 09:00 in Belgrade
RUN_AT = datetime(2026, 12, 1, 0, 15, tzinfo=timezone.utc)  # 01:15 on 1 December in Belgrade


class NightlyFake:
    """``NightlyStatisticsStore`` over the keeper's fake store, and the cases' histories."""

    def __init__(self, keeper_store: FakeStore, cases: dict):
        self.kept = keeper_store
        self.cases = cases  # number -> (case, entries)
        self.closed: list = []

    def day_cells(self, day):
        counters: dict = {}
        for (when, dims, counter), value in self.kept.kept.items():
            if when == day and counter != BACKLOG:
                into = counters.setdefault(dims, {})
                into[counter] = into.get(counter, 0) + value
        return [Cell("roads", counters, day.isoformat())]

    def backlog(self, departments):
        found: dict = {}
        for (when, dims, counter), value in self.kept.kept.items():
            if counter == BACKLOG and dims[0] in departments and value:
                found.setdefault(dims[0], {})[when] = found.get(dims[0], {}).get(when, 0) + value
        return found

    def changed_cases(self, start, end):
        return sorted({n for n, (_c, entries) in self.cases.items()
                       if any(start <= e.at < end for e in entries)})

    def claims(self, number):
        return {key for (n, key) in self.kept.claims if n == number}

    def case_states(self, numbers):
        return self.kept.case_states(numbers)

    def save_closed_day(self, closed):
        if any(c.day == closed.day for c in self.closed):
            return False
        self.closed.append(closed)
        return True

    def get_with_history(self, number):
        return self.cases.get(number)


def _world(counted=lambda entry: True):
    """Three cases: one opened 40 days back and still open, one opened on the day and resolved,
    one opened on the day and left new; kept by the keeper (each entry for which ``counted``)."""
    cases = {}
    old, entries_old = _open("2026-000001", Channel.PHONE, MORNING - timedelta(days=40))
    old, progress = case_changes.change_status(old, at=MORNING + timedelta(hours=1),
                                               actor="staff:ana", status=Status.IN_PROGRESS, reason="r")
    cases[old.number] = (old, [*entries_old, progress])
    done, entries_done = _open("2026-000002", Channel.WEB, MORNING)
    done, resolved = case_changes.change_status(done, at=MORNING + timedelta(hours=2),
                                                actor="staff:ana", status=Status.RESOLVED, reason="r")
    cases[done.number] = (done, [*entries_done, resolved])
    new, entries_new = _open("2026-000003", Channel.SMS, MORNING + timedelta(hours=3))
    cases[new.number] = (new, entries_new)
    store = FakeStore()
    keeper = StatisticsKeeper(store, FakeFacts({n: _facts(c) for n, (c, _e) in cases.items()}),
                              lambda: SERBIA)
    batch = sorted((e for _c, entries in cases.values() for e in entries), key=lambda e: e.at)
    keeper.prepare(batch)
    for entry in batch:
        if counted(entry):
            keeper.keep(entry)
    return NightlyFake(store, cases), store


def _service(fake: NightlyFake, drift: list) -> NightlyStatistics:
    return NightlyStatistics(fake, fake, lambda: SERBIA, lambda: ["roads", "water"], drift.append,
                             lambda: RUN_AT + timedelta(minutes=1))


def test_a_run_closes_the_day_before_its_own_once():
    fake, _store = _world()
    drift: list = []
    ledger = InMemoryJobRunLedger()
    runner = JobRunner(ledger, lease=timedelta(minutes=5), clock=lambda: RUN_AT)
    first = runner.run(JobRun("stats_nightly", RUN_AT), _service(fake, drift).run)
    assert first.state == "ran" and first.outcome["day"] == "2026-11-30"
    # the three cases changed on the day (the old one by its status change)
    assert first.outcome["checked"] == 3 and first.outcome["drifted"] == 0
    again = runner.run(JobRun("stats_nightly", RUN_AT), _service(fake, drift).run)
    assert again.state == "done_before"
    by_hand = runner.run(JobRun("stats_nightly", RUN_AT + timedelta(minutes=30)),
                         _service(fake, drift).run)
    assert by_hand.outcome.get("closed_before") is True
    assert len(fake.closed) == 1 and drift == [0]
    assert ledger.effects("stats_nightly") == ["close:2026-11-30"]
    closed = fake.closed[0]
    assert closed.totals["opened"] == 2 and closed.totals["resolved"] == 1
    assert closed.slot == "2026-12-01T00:15Z"


def test_the_backlog_by_age_counts_the_open_cases_of_each_department():
    fake, _store = _world()
    closed = _service(fake, []).close_day(DAY, SERBIA)
    assert closed.backlog["roads"] == {"0-1": 1, "2-7": 0, "8-30": 0, "31-90": 1, ">90": 0}
    assert closed.backlog["water"] == {"0-1": 0, "2-7": 0, "8-30": 0, "31-90": 0, ">90": 0}


def test_drift_is_found_when_the_keeper_missed_an_entry():
    resolved_key = None

    def counted(entry: TimelineEvent) -> bool:
        nonlocal resolved_key
        if entry.kind is EventKind.STATUS_CHANGED and entry.data.get("status") == "resolved":
            resolved_key = entry.sort_key
            return False
        return True

    fake, _store = _world(counted)
    drift: list = []
    closed = _service(fake, drift).close_day(DAY, SERBIA)
    assert resolved_key is not None
    assert closed.drifted == 1 and drift == [1]
    (found,) = [d for d in closed.drift if d.differences]
    assert found.number == "2026-000002" and found.state_differs  # kept as new, the timeline resolved


def test_drift_is_found_when_a_counted_entry_is_gone():
    fake, _store = _world()
    case, entries = fake.cases["2026-000002"]
    fake.cases["2026-000002"] = (case, entries[:-1])  # the counted resolution removed
    closed = _service(fake, []).close_day(DAY, SERBIA)
    (found,) = [d for d in closed.drift if d.differences]
    assert found.number == "2026-000002" and found.state_differs
    assert found.differences == 2  # the claim without its entry, and the state


def test_the_sample_is_bounded_and_the_same_on_a_rerun():
    numbers = [f"2026-{n:06d}" for n in range(1, 200)]
    picked = sample(numbers, DAY)
    assert len(picked) == 50 and picked == sample(reversed(numbers), DAY)
    assert picked != sample(numbers, DAY + timedelta(days=1))
    assert day_closed_by(datetime(2026, 3, 29, 23, 15, tzinfo=timezone.utc), SERBIA) == date(2026, 3, 29)
    assert Counter(sample(["a", "a", "b"], DAY)) == Counter(["a", "b"])
