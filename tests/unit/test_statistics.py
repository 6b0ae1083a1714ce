"""Statistics kept from the timeline: the aggregation's rules, and the property that the kept
counters equal a full recount from the timelines for random sequences of case changes."""

from __future__ import annotations

import random
from collections import Counter
from datetime import datetime, timedelta, timezone

import holidays
from hypothesis import given, settings
from hypothesis import strategies as st

from civicdesk.domain import case_changes
from civicdesk.domain.backlog import backlog_changes
from civicdesk.domain.calendar import OfficeCalendar
from civicdesk.domain.cases import Case, CaseType, Channel, EventKind, Status, TimelineEvent
from civicdesk.domain.errors import CivicDeskError
from civicdesk.domain.escalation import escalate
from civicdesk.domain.intake import NewCase, open_case
from civicdesk.domain.level_marks import mark_due
from civicdesk.domain.service_levels import LegalDeadline, ServiceLevels, Target, track
from civicdesk.domain.statistics import (
    BUCKET_BOUNDS,
    COUNTERS,
    METRICS,
    CaseBasics,
    Cell,
    apply,
    bucket_of,
    group,
    metric_value,
    quantile,
)
from civicdesk.domain.statistics_recount import recount, recount_case

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri")
SERBIA = OfficeCalendar({day: (("07:30", "15:30"),) for day in WEEKDAYS}, "Europe/Belgrade",
                        holidays=holidays.country_holidays("RS", years=range(2026, 2028)).keys())
MONDAY = datetime(2026, 11, 23, 6, 30, tzinfo=timezone.utc)  # 07:30 in Belgrade
#: Service levels for the property test: short targets, so both met and missed happen.
LEVELS = ServiceLevels(SERBIA, Target(60, 960, 10),
                       legal={CaseType.FOI_REQUEST: LegalDeadline(CaseType.FOI_REQUEST, 3, True,
                                                                  "čl. 16", 2, "čl. 16 st. 3")})


def _basics(case: Case) -> CaseBasics:
    return CaseBasics(category=case.category, channel=case.channel.value,
                      case_type=case.type.value, opened_at=case.received_at or case.created_at)


def _open(number: str, channel: Channel, at: datetime, *, area: str | None = None,
          received_at: datetime | None = None, case_type: CaseType = CaseType.SIGNAL,
          levels: ServiceLevels | None = None) -> tuple[Case, list[TimelineEvent]]:
    routing = {"rule": "area", "department": "roads", "area": area} if area else None
    actor = "citizen:web" if channel is Channel.WEB else "staff:operator"
    return open_case(NewCase(number, case_type, channel, "road_damage", "roads", "Рупа.",
                             "sr-Cyrl", True, "hash", actor, routing=routing,
                             received_at=received_at), at=at, levels=levels)


def _keep(entries: list[TimelineEvent], basics: dict[str, CaseBasics]) -> Counter:
    """What the keeper counts from entries in their stream order."""
    states: dict = {}
    kept: Counter = Counter()
    for entry in entries:
        before = states.get(entry.case_number)
        state, increments = apply(before, entry, basics.get(entry.case_number), SERBIA)
        increments += backlog_changes(before, state, SERBIA)
        states[entry.case_number] = state
        for each in increments:
            kept[(each.day, each.dims, each.counter)] += each.amount
    return kept


# -- the rules ---------------------------------------------------------------------------------


def test_first_reaction_is_the_first_staff_reply_in_working_minutes():
    # GIVEN a phone case received on Friday at 15:00, registered then, answered Monday 08:30
    friday = datetime(2026, 11, 20, 14, 0, tzinfo=timezone.utc)  # 15:00 in Belgrade
    case, entries = _open("2026-000001", Channel.PHONE, friday)
    monday = MONDAY + timedelta(hours=1)  # 08:30 in Belgrade
    case, replies = case_changes.reply(case, at=monday, actor="staff:ana", channel="email",
                                       to="a@example.rs", text="Радимо.", status=Status.IN_PROGRESS)
    case, again = case_changes.reply(case, at=monday + timedelta(hours=1), actor="staff:ana",
                                     channel="email", to="a@example.rs", text="Још.")
    # WHEN the keeper counts them
    kept = _keep(entries + replies + again, {"2026-000001": _basics(case)})
    # THEN one first reaction of 30 + 60 working minutes, two replies, one status change
    by_counter = Counter()
    for (_day, _dims, counter), amount in kept.items():
        by_counter[counter] += amount
    assert by_counter["first_reaction.count"] == 1
    assert by_counter["first_reaction.sum"] == 90
    assert by_counter["replies"] == 2 and by_counter["status_changes"] == 1
    assert by_counter[f"first_reaction.b{bucket_of(90)}"] == 1


def test_a_citizens_reopening_is_no_reaction_and_counts_as_reopened():
    case, entries = _open("2026-000002", Channel.WEB, MONDAY)
    case, resolved = case_changes.change_status(case, at=MONDAY + timedelta(hours=2),
                                                actor="staff:ana", status=Status.RESOLVED,
                                                reason="готово")
    case, reopened = case_changes.reopen_by_citizen(case, at=MONDAY + timedelta(days=1),
                                                    actor="citizen:email:a@example.rs")
    kept = _keep([*entries, resolved, reopened], {"2026-000002": _basics(case)})
    counters = Counter()
    for (_day, dims, counter), amount in kept.items():
        counters[(counter, dims[4])] += amount
    assert counters[("resolved", "resolved")] == 1
    assert counters[("resolution.sum", "resolved")] == 120
    assert counters[("reopened", "in_progress")] == 1
    assert counters[("first_reaction.sum", "resolved")] == 120  # staff moved it away from new


def test_counters_fall_on_the_local_day_and_the_case_s_department_at_the_time():
    late = datetime(2026, 11, 23, 23, 30, tzinfo=timezone.utc)  # 00:30 on the 24th in Belgrade
    case, entries = _open("2026-000003", Channel.PHONE, late, area="centar")
    case, moved = case_changes.reroute(case, at=late + timedelta(hours=10), actor="staff:mira",
                                       department="water", reason="надлежност")
    case, escalated = escalate(case, at=late + timedelta(hours=11), actor="staff:mira", reason="x")
    kept = _keep([*entries, moved, escalated], {"2026-000003": _basics(case)})
    assert {(day.isoformat(), dims[0], dims[6], counter) for (day, dims, counter) in +kept} == {
        ("2026-11-24", "roads", "centar", "opened"), ("2026-11-24", "water", "centar", "escalated"),
        # the open case moved with its department in the running open counts
        ("2026-11-24", "water", "", "backlog")}


def _saved(case: Case, more: list[TimelineEvent]) -> tuple[Case, list[TimelineEvent]]:
    case = track(case, more, LEVELS)
    return case, mark_due(case, more, LEVELS)


def test_service_levels_met_and_missed_are_counted_when_the_clock_stops():
    case, entries = _open("2026-000001", Channel.PHONE, MONDAY, case_type=CaseType.FOI_REQUEST,
                          levels=LEVELS)
    case, more = _saved(*_change(case, "reply", MONDAY + timedelta(minutes=30), "staff:ana"))
    entries += more
    assert "first_reaction_due" in more[0].data
    # waiting for the citizen a whole working day does not count against the resolution
    case, more = _saved(*_change(case, "wait", MONDAY + timedelta(hours=1), "staff:ana"))
    entries += more
    case, more = _saved(*_change(case, "citizen", MONDAY + timedelta(days=1, hours=1), "staff:ana"))
    entries += more
    # resolved on Wednesday at 09:30: 1 h + 1 day 1 h of work = 10 working hours < 16
    case, more = _saved(*_change(case, "resolve", MONDAY + timedelta(days=2, hours=2), "staff:ana"))
    entries += more
    assert set(more[0].data) >= {"resolution_due", "legal_due"}
    kept = _keep(entries, {case.number: _basics(case)})
    by_name = Counter()
    for (_day, _dims, name), value in kept.items():
        by_name[name] += value
    assert by_name["first_reaction_met"] == 1 and by_name["resolution_met"] == 1
    assert by_name["legal_met"] == 1
    assert not by_name["first_reaction_missed"] + by_name["resolution_missed"] + by_name["legal_missed"]
    assert +kept == +recount_case(entries, _basics(case), SERBIA)
    # reopened and resolved again a week later: both the resolution and the legal deadline missed
    case, more = _saved(*_change(case, "citizen", MONDAY + timedelta(days=7), "staff:ana"))
    entries += more
    case, more = _saved(*_change(case, "resolve", MONDAY + timedelta(days=9), "staff:ana"))
    entries += more
    breach = TimelineEvent(case.number, MONDAY + timedelta(days=9, hours=1), EventKind.SLA_BREACHED,
                           "system:sla", False, {"clock": "legal"})
    kept = _keep(entries + [breach], {case.number: _basics(case)})
    names = Counter()
    for (_day, _dims, name), value in kept.items():
        names[name] += value
    assert (names["resolution_missed"], names["legal_missed"], names["breaches"]) == (1, 1, 1)
    assert metric_value(names, "resolution_met_share") == 0.5
    assert metric_value(names, "legal_met_share") == 0.5
    assert metric_value(names, "first_reaction_met_share") == 1.0
    assert metric_value(Counter(), "legal_met_share") is None


def test_quantiles_from_buckets_stay_within_a_bucket_of_the_true_value():
    values = [5, 30, 31, 90, 200, 480, 480, 960, 2000, 10000]
    buckets = Counter(bucket_of(v) for v in values)
    median = quantile(buckets, 0.5)
    assert median is not None and BUCKET_BOUNDS[bucket_of(200) - 1] <= median <= BUCKET_BOUNDS[bucket_of(480)]
    assert quantile({len(BUCKET_BOUNDS): 3}, 0.9) == BUCKET_BOUNDS[-1]


def test_metrics_of_summed_counters():
    counters = {"opened": 4, "resolution.count": 2, "resolution.sum": 150,
                f"resolution.b{bucket_of(30)}": 1, f"resolution.b{bucket_of(120)}": 1}
    assert metric_value(counters, "opened") == 4
    assert metric_value(counters, "resolution_mean") == 75.0
    assert metric_value(counters, "first_reaction_median") is None
    assert metric_value(counters, "resolution_count") == 2
    assert set(COUNTERS) < set(METRICS)


def test_grouping_filters_by_department():
    a = ("roads", "road_damage", "web", "signal", "new", "", "")
    w = ("water", "leak", "phone", "signal", "new", "", "")
    cells = [Cell("roads", {a: {"opened": 2}}), Cell("water", {w: {"opened": 5}})]
    assert group(cells, ("department",), frozenset({"water"})) == {("water",): {"opened": 5}}
    assert group(cells, ()) == {(): {"opened": 7}}


# -- the property ------------------------------------------------------------------------------

ACTIONS = ("progress", "wait", "citizen", "resolve", "close", "cancel", "renew", "reply",
           "reply_resolve", "assign", "unassign", "reroute", "refer", "escalate", "note",
           "breach")
CHANNELS = (Channel.WEB, Channel.PHONE, Channel.EMAIL, Channel.LETTER, Channel.SMS)


def _change(case: Case, action: str, at: datetime, actor: str) -> tuple[Case, list[TimelineEvent]]:
    def status(target: Status):
        changed, entry = case_changes.change_status(case, at=at, actor=actor, status=target,
                                                    reason="r")
        return changed, [entry]

    if action == "progress":
        return status(Status.IN_PROGRESS)
    if action == "wait":
        return status(Status.WAITING_FOR_CITIZEN)
    if action == "resolve":
        return status(Status.RESOLVED)
    if action == "close":
        return status(Status.CLOSED)
    if action == "cancel":
        return status(Status.CANCELLED)
    if action == "renew":
        return status(Status.NEW)
    if action == "citizen":
        changed, entry = case_changes.reopen_by_citizen(case, at=at, actor="citizen:sms")
        return changed, [entry] if entry else []
    if action in ("reply", "reply_resolve"):
        target = Status.RESOLVED if action == "reply_resolve" else None
        return case_changes.reply(case, at=at, actor=actor, channel="email", to="a@example.rs",
                                  text="Одговор.", status=target)
    if action in ("assign", "unassign"):
        changed, maybe = case_changes.assign(case, at=at, actor=actor,
                                             assignee=None if action == "unassign" else actor[6:])
        return changed, [maybe] if maybe else []
    if action == "reroute":
        target = "water" if case.department != "water" else "roads"
        changed, entry = case_changes.reroute(case, at=at, actor=actor, department=target,
                                              reason="r")
        return changed, [entry]
    if action == "refer":
        changed, entry = case_changes.refer(case, at=at, actor=actor, to="body@example.rs",
                                            body_id="inspection", body_name="Inspekcija",
                                            message="m", include_contact=False)
        return changed, [entry]
    if action == "escalate":
        changed, entry = escalate(case, at=at, actor=actor, reason="r")
        return changed, [entry]
    if action == "breach":
        return case, [TimelineEvent(case.number, at, EventKind.SLA_BREACHED, "system:sla", False,
                                    {"clock": "resolution", "due": "2026-11-23T08:00:00.000000Z"})]
    changed, entry = case_changes.add_note(case, at=at, actor=actor, text="n")
    return changed, [entry]


@st.composite
def histories(draw):
    """Several cases through several channels, each with a random sequence of changes at
    random moments (minutes to days apart, across weekends and a holiday)."""
    timelines: dict[str, list[TimelineEvent]] = {}
    basics: dict[str, CaseBasics] = {}
    for index in range(draw(st.integers(1, 4))):
        number = f"2026-{index + 1:06d}"
        at = MONDAY + timedelta(minutes=draw(st.integers(0, 60 * 24 * 20)))
        back = draw(st.sampled_from([None, 60, 60 * 24 * 3]))
        case, entries = _open(number, draw(st.sampled_from(CHANNELS)), at,
                              area=draw(st.sampled_from([None, "centar", "palilula"])),
                              received_at=at - timedelta(minutes=back) if back else None,
                              case_type=draw(st.sampled_from([CaseType.SIGNAL,
                                                              CaseType.FOI_REQUEST])),
                              levels=LEVELS)
        for _ in range(draw(st.integers(0, 12))):
            at += timedelta(minutes=draw(st.integers(1, 60 * 24 * 4)))
            actor = draw(st.sampled_from(["staff:ana", "staff:mira", "system:sla"]))
            try:
                case, more = _change(case, draw(st.sampled_from(ACTIONS)), at, actor)
            except CivicDeskError:
                continue  # a transition the case does not allow: no change
            # as the case-work service saves a change: the clocks tracked, the stopping entries marked
            case = track(case, more, LEVELS)
            more = mark_due(case, more, LEVELS)
            entries += more
        timelines[number] = entries
        basics[number] = _basics(case)
    seed = draw(st.integers(0, 2**32 - 1))
    return timelines, basics, seed


def _interleaved(timelines: dict[str, list[TimelineEvent]], seed: int) -> list[TimelineEvent]:
    """All entries, each case's in order, the cases interleaved at random (as shards would)."""
    queues = {number: sorted(entries, key=lambda e: e.sort_key) for number, entries in timelines.items()}
    rng = random.Random(seed)
    out: list[TimelineEvent] = []
    while queues:
        number = rng.choice(sorted(queues))
        out.append(queues[number].pop(0))
        if not queues[number]:
            del queues[number]
    return out


@settings(max_examples=150, deadline=None)
@given(histories())
def test_kept_statistics_equal_a_recount_from_the_timelines(history):
    timelines, basics, seed = history
    kept = _keep(_interleaved(timelines, seed), basics)
    recounted = recount(((entries, basics[number]) for number, entries in timelines.items()),
                        SERBIA)
    assert +kept == +recounted
    # and every case is counted as opened once
    assert sum(v for (_d, _t, c), v in kept.items() if c == "opened") == len(timelines)


def test_an_entry_without_its_opening_counts_nothing_in_the_recount():
    case, entries = _open("2026-000009", Channel.WEB, MONDAY)
    assert recount_case(entries[1:], _basics(case), SERBIA) == Counter()
    assert any(e.kind is EventKind.CASE_OPENED for e in entries)


# -- the keeper service, with fakes ------------------------------------------------------------


class FakeStore:
    """``StatisticsStore`` in memory: claims, states and the counters kept."""

    def __init__(self):
        self.claims: set[tuple[str, str]] = set()
        self.states: dict = {}
        self.kept: Counter = Counter()
        self.reads = 0

    def case_states(self, numbers):
        self.reads += 1
        return {n: self.states[n] for n in numbers if n in self.states}

    def record(self, entry_key, state, version, increments):
        if (state.number, entry_key) in self.claims:
            return False
        stored = self.states.get(state.number)
        assert (stored[1] if stored else None) == version
        self.claims.add((state.number, entry_key))
        self.states[state.number] = (state, (version or 0) + 1)
        for each in increments:
            self.kept[(each.day, each.dims, each.counter)] += each.amount
        return True


class FakeFacts:
    def __init__(self, facts):
        self.facts = facts
        self.reads = 0

    def case_facts(self, numbers):
        self.reads += 1
        return {n: self.facts[n] for n in numbers if n in self.facts}


def _facts(case: Case):
    from civicdesk.domain.events import CaseFacts

    return CaseFacts(department=case.department, category=case.category,
                     case_type=case.type.value, status=case.status.value, public=case.public,
                     language=case.language, channel=case.channel.value,
                     assignee=case.assignee or "", opened_at=case.received_at or case.created_at)


def test_the_keeper_counts_each_entry_once_and_skips_what_counts_nothing():
    from civicdesk.services.statistics import StatisticsKeeper

    case, entries = _open("2026-000010", Channel.PHONE, MONDAY)
    case, note = case_changes.add_note(case, at=MONDAY + timedelta(minutes=5), actor="staff:ana", text="n")
    case, resolved = case_changes.change_status(case, at=MONDAY + timedelta(hours=1),
                                                actor="staff:ana", status=Status.RESOLVED, reason="r")
    store, facts = FakeStore(), FakeFacts({case.number: _facts(case)})
    keeper = StatisticsKeeper(store, facts, lambda: SERBIA)
    batch = [*entries, note, resolved]
    for _ in range(2):  # the same batch twice: a retry
        keeper.prepare(batch)
        assert [keeper.keep(entry) for entry in batch][1] == 0  # the note
    assert +store.kept == +recount_case(batch, _basics(case), SERBIA)
    # a batch of notes only reads nothing
    store.reads = facts.reads = 0
    keeper.prepare([note])
    assert store.reads == facts.reads == 0


def test_a_case_from_before_the_statistics_is_adopted_without_a_first_reaction():
    from civicdesk.services.statistics import StatisticsKeeper

    case, _opening = _open("2026-000011", Channel.LETTER, MONDAY)
    case, reply = case_changes.reply(case, at=MONDAY + timedelta(hours=2), actor="staff:ana",
                                     channel="email", to="a@example.rs", text="Одговор.",
                                     status=Status.RESOLVED)
    store = FakeStore()
    keeper = StatisticsKeeper(store, FakeFacts({case.number: _facts(case)}), lambda: SERBIA)
    keeper.prepare(reply)
    for entry in reply:
        keeper.keep(entry)
    counters = Counter()
    for (_day, _dims, counter), amount in store.kept.items():
        counters[counter] += amount
    assert counters["replies"] == 1 and counters["opened"] == 0
    assert counters["first_reaction.count"] == 0 and counters["resolution.count"] == 1
