"""What the views of a case read (issue 11, item 20): the delivery trail and the claims of every
notification no longer make a case's views and its later notifications read O(events x
recipients) items.

In-process under moto; the pipeline (stream -> topic -> queue -> notify) as
``test_notifications.py``.
"""

from __future__ import annotations

import os
from datetime import datetime, timedelta, timezone

import pytest

from tests.support.admin import AdminApi, Staff
from tests.support.aws import dynamodb_reads, mails_to
from tests.support.pipeline import Pipeline

WEB_CASE = {"type": "signal", "category": "road_damage", "language": "sr-Latn",
            "description": "Velika rupa na kolovozu u Ulici Vuka Karadžića 5, opasno za bicikliste.",
            "contact": {"name": "Petar Petrović", "email": "petar@example.rs"}}


@pytest.fixture
def pipeline(aws_env):
    return Pipeline(aws_env)


@pytest.fixture
def supervisor(aws_env):
    return Staff(AdminApi(), os.environ["CIVICDESK_STAFF_USER_POOL_ID"]).add("supervisor.mira", "supervisor")


def open_web_case() -> str:
    from civicdesk import wiring
    from civicdesk.api import case_commands

    return wiring.case_service().open_public_case(case_commands.open_public_case(WEB_CASE)).number


def followed_by(number: str, count: int) -> None:
    """``count`` confirmed followers."""
    from civicdesk import wiring
    from civicdesk.domain.subscriptions import Subscription, SubscriptionRole, SubscriptionState

    now = datetime.now(timezone.utc)
    for index in range(count):
        wiring.subscription_repository().add_subscription(Subscription(
            number, f"komsija{index}@example.rs", SubscriptionRole.FOLLOWER, "sr-Latn",
            SubscriptionState.CONFIRMED, f"token-{index}", now, confirmed_at=now))


def past_notifications(number: str, events: int, recipients: int) -> None:
    """What ``events`` notified events to ``recipients`` each left on the case: a claim, a
    notification entry and a delivery report per recipient and event (written as the notify and
    delivery feedback functions write them)."""
    from civicdesk.adapters.dynamodb.items import TableItem
    from civicdesk.adapters.dynamodb.mappers import event_to_item
    from civicdesk.adapters.dynamodb.notifications import DynamoNotificationRepository
    from civicdesk.domain.cases import EventKind, TimelineEvent

    claims = DynamoNotificationRepository()
    start = datetime.now(timezone.utc)
    with TableItem.batch_write() as batch:
        for event in range(events):
            for recipient in range(recipients):
                at = start + timedelta(minutes=event, seconds=recipient)
                batch.save(event_to_item(TimelineEvent(
                    number, at, EventKind.NOTIFICATION, "system:notify", False,
                    {"event": f"{number}/old{event}", "audience": "follower", "outcome": "sent"},
                    event_id=f"n{event}x{recipient}")))
                batch.save(event_to_item(TimelineEvent(
                    number, at + timedelta(seconds=30), EventKind.DELIVERY_REPORT, "system:ses",
                    False, {"status": "delivered"}, event_id=f"r{event}x{recipient}")))
    for event in range(events):
        for recipient in range(recipients):
            claims.claim(number, f"{number}/old{event}", f"follower-{recipient}", start)


def test_the_staff_view_reads_the_history_and_the_latest_trail_not_every_notification(supervisor):
    # GIVEN a case with a note, 25 followers and 40 notified events behind it (2,000 trail
    # entries, 1,000 claims)
    number = open_web_case()
    supervisor.post(f"/v1/admin/cases/{number}/notes", {"text": "Pozvati izvođača."})
    followed_by(number, 25)
    past_notifications(number, 40, 25)
    reads = dynamodb_reads()
    # WHEN
    view = supervisor.get(f"/v1/admin/cases/{number}").body
    # THEN one Query of at most one page: the whole history, the followers, the latest 50 of
    # the trail, in time order
    assert reads.calls == ["Query"] and reads.items <= 200
    kinds = [entry["kind"] for entry in view["timeline"]]
    assert kinds[:1] == ["case_opened"] and "note" in kinds
    trail = [entry for entry in view["timeline"] if entry["kind"] in ("notification", "delivery_report")]
    assert len(trail) == 50 and view["trail_complete"] is False
    assert trail[-1]["id"] == "r39x24"  # the latest
    assert [entry["at"] for entry in view["timeline"]] == sorted(entry["at"] for entry in view["timeline"])
    assert view["followers"] == 25


def test_a_case_with_few_notifications_shows_its_whole_trail(pipeline, supervisor):
    number = open_web_case()
    pipeline.run()
    view = supervisor.get(f"/v1/admin/cases/{number}").body
    assert view["trail_complete"] is True
    assert {entry["data"]["audience"] for entry in view["timeline"] if entry["kind"] == "notification"} == {
        "requester", "department"}


def test_the_tracking_page_reads_the_history_only(supervisor):
    from civicdesk import wiring
    from civicdesk.api import case_commands

    opened = wiring.case_service().open_public_case(case_commands.open_public_case(WEB_CASE))
    past_notifications(opened.number, 10, 10)
    reads = dynamodb_reads()
    tracked = wiring.case_service().track(opened.number, opened.token)
    # The confirmation's token is checked on the case item before the history is read (a
    # refusal costs what a missing case costs, issue 12 item 10); the history alone follows.
    assert reads.calls == ["GetItem", "Query"] and reads.items <= 4
    assert [entry.kind.value for entry in tracked.timeline] == ["case_opened"]
    # A later link is checked without the case: the history only, in one Query.
    link = wiring.tracking_links().private_url(opened.number, "sr-Cyrl").split("token=")[1].split("&")[0]
    reads.reset()
    wiring.case_service().track(opened.number, link)
    assert reads.calls == ["Query"] and reads.items <= 3


def test_a_notification_reads_what_it_needs_however_many_were_sent_before(pipeline, supervisor):
    from civicdesk import wiring

    # GIVEN a followed case whose past notifications left 1,200 trail entries and 600 claims
    number = open_web_case()
    pipeline.run()
    followed_by(number, 20)
    case = supervisor.get(f"/v1/admin/cases/{number}").body
    answer = supervisor.post(f"/v1/admin/cases/{number}/status",
                             {"status": "in_progress", "reason": "Radovi", "version": case["version"],
                              "message_to_citizen": "Ekipa izlazi sutra."})
    assert answer.status == 200, answer.body
    records = pipeline.new_stream_records()
    [change] = [r for r in records if r["dynamodb"]["NewImage"]["kind"]["S"] == "status_changed"]
    event_id = f"{number}/{change['dynamodb']['NewImage']['event_id']['S']}"
    past_notifications(number, 30, 20)  # (after the change: the test's stream read is one page)
    reads = dynamodb_reads()
    # WHEN the notify function reads the event's context
    context = wiring.notification_repository().context(number, event_id)
    # THEN two Query: the case, its history and subscriptions; the event's own claims
    assert reads.calls == ["Query", "Query"]
    assert reads.items <= 1 + 5 + 20 + 1
    assert len(context.subscriptions) == 20 and context.claims == {}
    # and the event is notified once, to the requester and every follower
    pipeline.publish(records)
    pipeline.notify()
    pipeline.publish(records)  # a repeated delivery finds the claims in their partition
    pipeline.notify()
    assert len([m for m in mails_to("petar@example.rs") if "Ekipa izlazi" in m.get_content()]) == 1
    assert all(len(mails_to(f"komsija{index}@example.rs")) == 1 for index in range(20))


def test_claims_are_kept_in_the_partition_of_their_event_never_in_the_case(pipeline):
    import boto3

    from civicdesk.adapters.dynamodb.items import NotificationItem
    from civicdesk.adapters.dynamodb.keys import claims_pk
    from tests.support import aws

    number = open_web_case()
    pipeline.run()
    items = boto3.client("dynamodb", region_name=aws.REGION).query(
        TableName=os.environ["CIVICDESK_CASES_TABLE"], KeyConditionExpression="PK = :pk",
        ExpressionAttributeValues={":pk": {"S": f"CASE#{number}"}})["Items"]
    assert [i for i in items if i["entity"]["S"] == "notification"] == []
    trail = [i["SK"]["S"] for i in items if i["SK"]["S"].startswith("TRAIL#")]
    assert len(trail) == 2  # the requester's confirmation and the department's mail
    [entry] = [i for i in items if i["entity"]["S"] == "event" and i["kind"]["S"] == "case_opened"]
    event_id = f"{number}/{entry['event_id']['S']}"
    assert {claim.recipient: claim.state for claim in NotificationItem.query(claims_pk(event_id))} == {
        "requester": "sent", "department:roads_traffic": "sent"}


def test_a_claim_in_its_own_partition_left_sending_is_recorded_uncertain_and_not_resent(pipeline, supervisor):
    from civicdesk.adapters.dynamodb.items import NotificationItem
    from civicdesk.adapters.dynamodb.keys import claims_pk
    from tests.functional.test_notifications import notifications

    number = open_web_case()
    pipeline.run()
    case = supervisor.get(f"/v1/admin/cases/{number}").body
    supervisor.post(f"/v1/admin/cases/{number}/status",
                    {"status": "in_progress", "reason": "Radovi", "version": case["version"]})
    records = pipeline.new_stream_records()
    [change] = [r for r in records if r["dynamodb"]["NewImage"]["kind"]["S"] == "status_changed"]
    event_id = f"{number}/{change['dynamodb']['NewImage']['event_id']['S']}"
    long_ago = datetime.now(timezone.utc) - timedelta(minutes=10)
    NotificationItem(PK=claims_pk(event_id), SK="requester", number=number, event_id=event_id,
                     recipient="requester", state="sending",
                     claimed_at=long_ago.isoformat().replace("+00:00", "Z")).save()
    before = len(mails_to("petar@example.rs"))
    pipeline.publish(records)
    pipeline.notify()
    assert len(mails_to("petar@example.rs")) == before
    [recorded] = [n for n in notifications(number) if n["kind"] == "status_changed"]
    assert recorded["outcome"] == "uncertain"


def test_notifications_recorded_before_the_trail_existed_are_still_shown(supervisor):
    from civicdesk.adapters.dynamodb.mappers import event_to_item
    from civicdesk.domain.cases import EventKind, TimelineEvent

    # GIVEN a notification entry written before 2026-12-01, under the history's key
    number = open_web_case()
    old = TimelineEvent(number, datetime.now(timezone.utc), EventKind.NOTIFICATION, "system:notify",
                        False, {"audience": "requester", "outcome": "sent"}, event_id="before")
    item = event_to_item(old)
    item.SK = old.sort_key
    item.save()
    assert item.SK.startswith("EVT#")
    # WHEN / THEN the staff see it where it always was
    view = supervisor.get(f"/v1/admin/cases/{number}").body
    assert [e["id"] for e in view["timeline"] if e["kind"] == "notification"] == ["before"]
    assert view["trail_complete"] is True
