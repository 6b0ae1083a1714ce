"""Who is told what (civicdesk.domain.notifications.plan), and reading a notify message."""

from datetime import datetime, timezone

import pytest

from civicdesk.domain.cases import Case, CaseType, Channel, Contact, EventKind, Status, TimelineEvent
from civicdesk.domain.events import EventType
from civicdesk.domain.notifications import Audience, plan
from civicdesk.domain.subscriptions import Subscription, SubscriptionRole, SubscriptionState
from civicdesk.services.notifications import InvalidEvent, parse_event

AT = datetime(2026, 11, 22, 9, 0, tzinfo=timezone.utc)


def case(**changes) -> Case:
    values = dict(number="2026-000042", type=CaseType.SIGNAL, channel=Channel.WEB,
                  category="road_damage", department="roads_traffic", description="Rupa",
                  language="sr-Latn", status=Status.IN_PROGRESS, public=True, created_at=AT,
                  updated_at=AT, token_hash="h", contact=Contact(name="Ana", email="ana@example.rs"))
    values.update(changes)
    return Case(**values)


def entry(kind: EventKind, actor="staff:agent", public=True, **data) -> TimelineEvent:
    return TimelineEvent("2026-000042", AT, kind, actor, public, data)


def follower(email="komsija@example.rs", state=SubscriptionState.CONFIRMED, role=SubscriptionRole.FOLLOWER):
    return Subscription("2026-000042", email, role, "en", state, "t", AT)


def summary(intents):
    return [(i.audience.value, i.template, i.required) for i in intents]


def test_a_form_case_is_confirmed_and_its_department_told_a_mailed_one_only_its_department():
    opened = entry(EventKind.CASE_OPENED, actor="citizen:web", channel="web", department="roads_traffic")
    assert summary(plan(EventType.CASE_OPENED, opened, case())) == [
        ("requester", "confirmation", True), ("department", "routed", False)]
    by_mail = entry(EventKind.CASE_OPENED, actor="citizen:email:ana@example.rs", channel="email",
                    department="roads_traffic")
    assert summary(plan(EventType.CASE_OPENED, by_mail, case(channel=Channel.EMAIL))) == [
        ("department", "routed", False)]  # the auto-reply confirmed it already


def test_no_requester_message_without_any_contact():
    opened = entry(EventKind.CASE_OPENED, actor="staff:op", channel="phone", department="roads_traffic")
    assert [i.audience for i in plan(EventType.CASE_OPENED, opened, case(contact=None))] == [
        Audience.DEPARTMENT]


@pytest.mark.parametrize("status,kind,template,required", [
    ("in_progress", EventType.STATUS_CHANGED, "status_changed", False),
    ("waiting_for_citizen", EventType.STATUS_CHANGED, "status_changed", True),
    ("resolved", EventType.RESOLVED, "resolved", True),
])
def test_status_changes_tell_the_requester(status, kind, template, required):
    change = entry(EventKind.STATUS_CHANGED, status=status, reason="x", **{"from": "new"})
    assert summary(plan(kind, change, case()))[0] == ("requester", template, required)


def test_no_news_of_what_the_citizen_did_or_of_a_status_change_riding_on_a_reply():
    reopened_by_mail = entry(EventKind.STATUS_CHANGED, actor="citizen:email:ana@example.rs",
                             status="in_progress", reason="reply_reopened", **{"from": "resolved"})
    assert plan(EventType.REOPENED, reopened_by_mail, case()) == []
    with_reply = entry(EventKind.STATUS_CHANGED, status="waiting_for_citizen", reason="reply",
                       **{"from": "in_progress"})
    assert [i.audience for i in plan(EventType.STATUS_CHANGED, with_reply, case(public=False))] == []


def test_followers_hear_public_changes_of_public_cases_only():
    change = entry(EventKind.STATUS_CHANGED, status="in_progress", reason="x", **{"from": "new"})
    subscriptions = [follower(), follower("pending@example.rs", SubscriptionState.PENDING),
                     follower("gone@example.rs", SubscriptionState.UNSUBSCRIBED),
                     follower("ana@example.rs"),  # the requester following their own case
                     follower("ana2@example.rs", role=SubscriptionRole.REQUESTER)]
    told = [i.subscription.email for i in plan(EventType.STATUS_CHANGED, change, case(), subscriptions)
            if i.audience is Audience.FOLLOWER]
    assert told == ["komsija@example.rs"]
    assert [i for i in plan(EventType.STATUS_CHANGED, change, case(public=False), subscriptions)
            if i.audience is Audience.FOLLOWER] == []
    internal = entry(EventKind.STATUS_CHANGED, public=False, status="in_progress", **{"from": "new"})
    assert [i for i in plan(EventType.STATUS_CHANGED, internal, case(), subscriptions)
            if i.audience is Audience.FOLLOWER] == []
    note = entry(EventKind.NOTE, public=False, text="interno")
    assert plan(EventType.NOTE_ADDED, note, case(), subscriptions) == []


def test_assignee_department_and_supervisors():
    assigned = entry(EventKind.ASSIGNED, actor="staff:mira", public=False, assignee="dragan")
    [intent] = plan(EventType.ASSIGNED, assigned, case())
    assert (intent.audience, intent.staff, intent.key) == (Audience.ASSIGNEE, "dragan", "staff:dragan")
    took_it = entry(EventKind.ASSIGNED, actor="staff:dragan", public=False, assignee="dragan")
    assert plan(EventType.ASSIGNED, took_it, case()) == []
    rerouted = entry(EventKind.ROUTED, rule="override", department="green_areas", **{"from": "roads_traffic"})
    [intent] = plan(EventType.ROUTED, rerouted, case())
    assert (intent.audience, intent.department) == (Audience.DEPARTMENT, "green_areas")
    at_intake = entry(EventKind.ROUTED, rule="override", department="green_areas", suggested="roads_traffic")
    assert plan(EventType.ROUTED, at_intake, case()) == []  # the case.opened event told them
    escalated = entry(EventKind.ESCALATED, public=False, reason="x", level=1)
    assert summary(plan(EventType.ESCALATED, escalated, case())) == [("supervisors", "escalated", False)]


def test_a_deleted_case_tells_nobody():
    change = entry(EventKind.STATUS_CHANGED, status="resolved", **{"from": "new"})
    assert plan(EventType.RESOLVED, change, case(deleted_at=AT, deleted_by="staff:x")) == []


def test_reading_the_notify_message():
    body = {"schema_version": "1", "id": "2026-000042/abc", "type": "case.resolved",
            "case": {"number": "2026-000042"}, "actor": "staff:ana"}
    import json

    event = parse_event(json.dumps(body))
    assert (event.case_number, event.entry_id, event.type) == ("2026-000042", "abc", EventType.RESOLVED)
    envelope = {"Type": "Notification", "Message": json.dumps(body)}
    assert parse_event(json.dumps(envelope)) == event
    for broken in ("not json", json.dumps({**body, "schema_version": "2"}),
                   json.dumps({**body, "id": "nonumber"}), json.dumps({**body, "type": "case.unknown"}),
                   json.dumps({**body, "case": {"number": "2026-000001"}})):
        with pytest.raises(InvalidEvent):
            parse_event(broken)
