"""The live feed without AWS: the cursor, late entries, limits, midnight, validation, policy.

``LaggingFeedIndex`` behaves like the feed index (GSI4) as the service sees it: one partition per
UTC day, position order, ``Limit`` with a last evaluated key, and entries that become visible only
some time after their ``at`` (writers stamp ``at`` before they write; the index is eventually
consistent)."""

from __future__ import annotations

import base64
import json
from datetime import datetime, timedelta, timezone

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from civicdesk.adapters.config_files import load_config_dir
from civicdesk.api.commands import feed_query
from civicdesk.api.views import feed_view
from civicdesk.domain import policy
from civicdesk.domain.cases import EventKind, TimelineEvent
from civicdesk.domain.errors import BadRequestError, ForbiddenError, ValidationError
from civicdesk.domain.feed import (
    LATE_WINDOW,
    MAX_SEEN,
    FeedCursor,
    FeedEntry,
    advance,
    feed_day,
    feed_record,
    position_of,
)
from civicdesk.domain.policy import Principal, Role
from civicdesk.services.feed import FeedService
from civicdesk.services.municipality import MunicipalityProvider
from tests.support.aws import CONFIG_DIR
from tests.support.fakes import InMemoryConfigRepository

DOCUMENT = load_config_dir(CONFIG_DIR)
MUNICIPALITY = MunicipalityProvider(InMemoryConfigRepository(DOCUMENT)).get()
NOON = datetime(2026, 11, 21, 12, 0, tzinfo=timezone.utc)
SUPERVISOR = Principal("s1", "mira", frozenset({Role.SUPERVISOR}))
AGENT = Principal("a1", "dragan", frozenset({Role.DEPARTMENT_AGENT}), frozenset({"roads_traffic"}))


class Clock:
    def __init__(self, now: datetime):
        self.now = now

    def __call__(self) -> datetime:
        return self.now


class LaggingFeedIndex:
    """Entries by day and position; each visible from its ``visible_at`` on."""

    def __init__(self, clock: Clock):
        self.clock = clock
        self.entries: list[tuple[datetime, FeedEntry]] = []
        self.queries: list[str] = []

    def add(self, at: datetime, *, number="2026-000001", kind="status_changed", lag=timedelta(0),
            department="roads_traffic", status="in_progress", event_id=None, **params) -> FeedEntry:
        event_id = event_id or f"e{len(self.entries):05d}"
        entry = FeedEntry(position_of(at, number, event_id), number, at, kind, "staff:ana", True,
                          event_id, department=department, status=status,
                          params={"status": status, **params})
        self.entries.append((at + lag, entry))
        return entry

    def feed(self, after, through_day, limit):
        read: list[FeedEntry] = []
        day, first = after[:10], True
        while True:
            self.queries.append(day)
            visible = sorted((e for seen_at, e in self.entries
                              if seen_at <= self.clock.now and feed_day(e.at) == day
                              and (not first or e.position > after)), key=lambda e: e.position)
            room = limit - len(read)
            read += visible[:room]
            if len(visible) >= room:  # DynamoDB answers a LastEvaluatedKey once Limit is reached
                return read, read[-1].position if read else None
            if day >= through_day:
                return read, None
            day = (datetime.strptime(day, "%Y-%m-%d") + timedelta(days=1)).strftime("%Y-%m-%d")
            first = False


@pytest.fixture
def world():
    clock = Clock(NOON)
    index = LaggingFeedIndex(clock)
    service = FeedService(index, MunicipalityProvider(InMemoryConfigRepository(DOCUMENT)), clock=clock)
    return service, index, clock


def poll(service, cursor=None, principal=SUPERVISOR, language="en", **params):
    """One poll the way the API makes it: the query string as the edge's query, the page as its
    JSON view."""
    if cursor:
        params["cursor"] = cursor
    page = service.feed(principal, feed_query({k: str(v) for k, v in params.items()}))
    return feed_view(page, MUNICIPALITY, language)


# -- polling -------------------------------------------------------------------------------------

def test_first_poll_starts_15_minutes_back_and_the_next_poll_returns_only_what_is_new(world):
    service, index, clock = world
    index.add(NOON - timedelta(minutes=20))  # before the default start
    index.add(NOON - timedelta(minutes=10), status="resolved")
    # WHEN
    first = poll(service)
    # THEN
    assert [c["status"] for c in first["changes"]] == ["resolved"]
    change = first["changes"][0]
    assert change["text"] == 'Status changed to "Resolved".'
    assert change["department_name"] and change["status_name"] == "Resolved"
    assert first["more"] is False and first["cursor"]
    assert poll(service, first["cursor"])["changes"] == []
    clock.now += timedelta(seconds=5)
    index.add(clock.now - timedelta(seconds=1), number="2026-000002")
    assert [c["number"] for c in poll(service, first["cursor"])["changes"]] == ["2026-000002"]


def test_an_entry_that_appears_late_is_returned_once(world):
    service, index, clock = world
    cursor = poll(service)["cursor"]
    index.add(NOON + timedelta(seconds=1), event_id="early", lag=timedelta(seconds=40))
    clock.now = NOON + timedelta(seconds=3)
    index.add(NOON + timedelta(seconds=2), event_id="fast")
    # WHEN the console has seen the later entry first
    answer = poll(service, cursor)
    assert [c["id"] for c in answer["changes"]] == ["fast"]
    clock.now = NOON + timedelta(seconds=45)
    late = poll(service, answer["cursor"])
    # THEN the earlier one still comes, once
    assert [c["id"] for c in late["changes"]] == ["early"]
    clock.now = NOON + timedelta(minutes=5)
    assert poll(service, late["cursor"])["changes"] == []


def test_a_backlog_comes_in_pages_with_more(world):
    service, index, clock = world
    for second in range(25):
        index.add(NOON - timedelta(minutes=10) + timedelta(seconds=second))
    seen, cursor, polls = [], None, 0
    while True:
        answer = poll(service, cursor, limit=10)
        seen += [c["id"] for c in answer["changes"]]
        cursor, polls = answer["cursor"], polls + 1
        if not answer["more"]:
            break
    assert len(seen) == len(set(seen)) == 25 and polls == 3


def test_a_burst_of_young_entries_larger_than_the_limit_still_advances(world):
    service, index, clock = world
    cursor = poll(service)["cursor"]
    for n in range(30):
        index.add(NOON - timedelta(seconds=2) + timedelta(milliseconds=n))
    seen = []
    for _ in range(4):
        answer = poll(service, cursor, limit=10)
        seen += [c["id"] for c in answer["changes"]]
        cursor = answer["cursor"]
    assert len(seen) == len(set(seen)) == 30


def test_polls_across_midnight_read_both_days_then_only_the_new_one(world):
    service, index, clock = world
    clock.now = datetime(2026, 11, 21, 23, 59, 50, tzinfo=timezone.utc)
    cursor = poll(service)["cursor"]
    index.add(datetime(2026, 11, 21, 23, 59, 55, tzinfo=timezone.utc), event_id="before")
    clock.now = datetime(2026, 11, 22, 0, 0, 10, tzinfo=timezone.utc)
    index.add(datetime(2026, 11, 22, 0, 0, 5, tzinfo=timezone.utc), event_id="after")
    index.queries.clear()
    # WHEN
    answer = poll(service, cursor)
    # THEN
    assert [c["id"] for c in answer["changes"]] == ["before", "after"]
    assert index.queries == ["2026-11-21", "2026-11-22"]
    clock.now = datetime(2026, 11, 22, 0, 5, tzinfo=timezone.utc)
    index.queries.clear()
    later = poll(service, answer["cursor"])
    assert later["changes"] == []
    assert index.queries == ["2026-11-21", "2026-11-22"]  # its watermark was still yesterday
    index.queries.clear()
    assert poll(service, later["cursor"])["changes"] == []
    assert index.queries == ["2026-11-22"]


def test_filters_by_kind_and_department(world):
    service, index, clock = world
    index.add(NOON - timedelta(minutes=3), kind="note", event_id="note")
    index.add(NOON - timedelta(minutes=2), event_id="roads")
    index.add(NOON - timedelta(minutes=1), department="green_areas", event_id="green")
    assert [c["id"] for c in poll(service, kinds="status_changed")["changes"]] == ["roads", "green"]
    assert [c["id"] for c in poll(service, department="green_areas")["changes"]] == ["green"]
    assert [c["id"] for c in poll(service, kinds="note,assigned", department="roads_traffic")["changes"]] == ["note"]


# -- the cursor ----------------------------------------------------------------------------------

def forge(payload) -> str:
    return base64.urlsafe_b64encode(json.dumps(payload).encode()).decode().rstrip("=")


@pytest.mark.parametrize("cursor", [
    "not-a-cursor",
    forge(["feed", "CASE#2026-000001", ""]),
    forge(["feed", "2026-11-21T11:59:00.000000Z#x", ""]),
    forge(["feed", "2026-13-45T11:59:00.000000Z", ""]),
    forge(["queue", "2026-11-21T11:59:00.000000Z", ""]),
    forge(["feed", "2026-11-21T11:59:00.000000Z", "a#b"]),
    forge(["feed", "2026-11-21T11:59:00.000000Z", ".".join(["x"] * (MAX_SEEN + 1))]),
    forge(["feed", "2026-11-30T11:59:00.000000Z", ""]),  # in the future
    forge({"after": "2026-11-21T11:59:00.000000Z"}),
])
def test_a_forged_cursor_is_refused(world, cursor):
    service, index, _ = world
    with pytest.raises(BadRequestError):
        poll(service, cursor)
    assert index.queries == []


def test_a_week_old_cursor_has_expired(world):
    service, index, clock = world
    cursor = poll(service)["cursor"]
    clock.now += timedelta(days=8)
    with pytest.raises(ValidationError) as caught:
        poll(service, cursor)
    assert [(e.field, e.code) for e in caught.value.errors] == [("cursor", "cursor_expired")]


def test_bad_parameters_are_400_with_every_field(world):
    service, index, _ = world
    with pytest.raises(ValidationError) as caught:
        poll(service, kinds="status_changed,gossip", department="nowhere", limit=0,
             since=(NOON - timedelta(days=8)).isoformat())
    assert sorted((e.field, e.code) for e in caught.value.errors) == [
        ("department", "unknown_department"), ("kinds", "not_allowed"), ("limit", "out_of_range"),
        ("since", "too_old")]
    with pytest.raises(ValidationError) as caught:
        poll(service, cursor=poll(service)["cursor"], since=NOON.isoformat())
    assert [(e.field, e.code) for e in caught.value.errors] == [("since", "one_of")]
    with pytest.raises(ValidationError) as caught:
        poll(service, since=(NOON + timedelta(hours=1)).isoformat())
    assert [(e.field, e.code) for e in caught.value.errors] == [("since", "in_future")]


# -- who ----------------------------------------------------------------------------------------

@pytest.mark.parametrize("role", [Role.OPERATOR, Role.DEPARTMENT_AGENT])
def test_operators_and_agents_may_not_read_the_feed(world, role):
    service, index, _ = world
    with pytest.raises(ForbiddenError):
        poll(service, principal=Principal("x", "x", frozenset({role}), frozenset({"roads_traffic"})))
    assert index.queries == []


def test_were_the_feed_granted_to_agents_it_would_show_only_their_departments(world, monkeypatch):
    service, index, _ = world
    monkeypatch.setitem(policy.POLICY, policy.Action.VIEW_FEED,
                        {**policy.POLICY[policy.Action.VIEW_FEED], Role.DEPARTMENT_AGENT: policy.Scope.OWN_DEPARTMENTS})
    index.add(NOON - timedelta(minutes=2), event_id="roads")
    index.add(NOON - timedelta(minutes=1), department="green_areas", event_id="green")
    assert [c["id"] for c in poll(service, principal=AGENT)["changes"]] == ["roads"]
    with pytest.raises(ForbiddenError):
        poll(service, principal=AGENT, department="green_areas")


# -- what an entry keeps -------------------------------------------------------------------------

def test_the_feed_record_never_holds_a_message():
    event = TimelineEvent("2026-000001", NOON, EventKind.MESSAGE_IN, "citizen:email:x@y.rs", False,
                          {"text": "x" * 100_000, "subject": "s" * 500, "channel": "email",
                           "reason": "r" * 500, "attachments": [{"filename": "a.pdf"}]})
    record = feed_record(event, department="roads_traffic", status="new")
    assert record == {"department": "roads_traffic", "status": "new", "params": {"channel": "email"}}
    refused = TimelineEvent("2026-000001", NOON, EventKind.ATTACHMENT_REFUSED, "system", False,
                            {"reason": "dangerous_type", "filename": "x.exe"})
    assert feed_record(refused)["params"] == {"reason": "dangerous_type"}
    assert len(json.dumps(feed_record(TimelineEvent(
        "2026-000001", NOON, EventKind.ROUTED, "staff:a", True,
        {"department": "d" * 5000, "status": "s" * 5000, "case": "c" * 5000}))).encode()) < 500


def test_notifications_and_delivery_reports_read_as_on_the_timeline_without_an_address(world):
    service, index, clock = world
    sent = TimelineEvent("2026-000001", NOON - timedelta(minutes=2), EventKind.NOTIFICATION,
                         "system:notify", False,
                         {"kind": "status_changed", "audience": "requester", "channel": "email",
                          "outcome": "sent", "recipient": "petar@example.rs", "event": "x/y"})
    report = TimelineEvent("2026-000001", NOON - timedelta(minutes=1), EventKind.DELIVERY_REPORT,
                           "system:ses", False,
                           {"status": "bounced", "to": "petar@example.rs", "message_id": "m-1"})
    for entry in (sent, report):
        record = feed_record(entry, department="roads_traffic", status="in_progress")
        index.entries.append((entry.at, FeedEntry(
            position_of(entry.at, entry.case_number, entry.event_id), entry.case_number, entry.at,
            entry.kind.value, entry.actor, entry.public, entry.event_id,
            department="roads_traffic", status="in_progress", params=record["params"])))
    # WHEN
    changes = poll(service)["changes"]
    # THEN the texts are the timeline's, and no recipient's address reaches the feed
    assert [c["text"] for c in changes] == ["Notification sent (requester, E-mail).",
                                            "Delivery report for […]: bounced."]
    assert "petar" not in json.dumps(changes)


# -- property: nothing lost, nothing twice -------------------------------------------------------

ARRIVALS = st.lists(st.tuples(st.floats(0, 600), st.floats(0, LATE_WINDOW.total_seconds() - 0.01)),
                    max_size=60)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(arrivals=ARRIVALS, interval=st.floats(0.5, 20), limit=st.integers(1, 15))
def test_every_entry_is_returned_exactly_once_whatever_the_lag(arrivals, interval, limit):
    start = datetime(2026, 11, 21, 23, 55, tzinfo=timezone.utc)  # the run crosses midnight
    clock = Clock(start)
    index = LaggingFeedIndex(clock)
    service = FeedService(index, MunicipalityProvider(InMemoryConfigRepository(DOCUMENT)), clock=clock)
    cursor = poll(service)["cursor"]
    for offset, lag in arrivals:
        index.add(start + timedelta(seconds=offset), lag=timedelta(seconds=lag))
    returned = []
    while clock.now < start + timedelta(seconds=600) + 2 * LATE_WINDOW:
        clock.now += timedelta(seconds=interval)
        while True:
            answer = poll(service, cursor, limit=limit)
            returned += [c["id"] for c in answer["changes"]]
            cursor = answer["cursor"]
            if not answer["more"]:
                break
    assert sorted(returned) == sorted(e.event_id for _, e in index.entries)
    assert len(FeedCursor.decode(cursor).seen) == 0  # everything settled below the watermark


def test_advance_keeps_at_most_max_seen_ids():
    at = NOON - timedelta(seconds=5)
    read = [FeedEntry(position_of(at + timedelta(microseconds=n), "2026-000001", f"e{n}"),
                      "2026-000001", at, "note", "staff:a", False, f"e{n}") for n in range(MAX_SEEN + 20)]
    step = advance(FeedCursor("2026-11-21T11:00:00.000000Z"), read, None,
                   horizon="2026-11-21T11:59:00.000000Z", limit=500)
    assert len(step.entries) == MAX_SEEN + 20
    assert len(step.cursor.seen) == MAX_SEEN and step.cursor.after == read[19].position
