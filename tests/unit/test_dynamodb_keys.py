"""Keys of the cases table that items already stored carry: a new spelling would orphan them."""

from datetime import datetime, timedelta, timezone

from civicdesk.adapters.dynamodb import keys


def test_the_auto_reply_counter_of_a_sender_and_hour_keeps_its_key():
    hour = datetime(2026, 11, 25, 9, tzinfo=timezone.utc)

    assert keys.auto_reply_rate_pk("marko@example.rs", hour) == \
        "RATE#autoreply#marko@example.rs#2026112509"
    assert keys.auto_reply_rate_pk("marko@example.rs", hour + timedelta(minutes=59)) == \
        keys.auto_reply_rate_pk("marko@example.rs", hour)


def test_the_ranges_of_a_case_partition_sort_as_the_views_read_them():
    # The views read #CASE..EVT#~ (history), #CASE..SUB#~ (a notification) and #CASE..TRAIL#~
    # (the staff): each range must sort where those reads expect it.
    at = "2026-11-21T08:00:00.000000Z"
    ordered = [keys.CASE_SK, keys.history_sk(at, "e1"), keys.notification_sk("2026-000001/e1", "requester"),
               keys.PENDING_LINK_SK, keys.subscription_sk("a" * 24), keys.trail_sk(at, "n1")]
    assert ordered == sorted(ordered)
    assert keys.history_sk(at, "e1") < keys.HISTORY_PREFIX + keys.RANGE_END
    assert keys.trail_sk("9999-12-31T23:59:59.999999Z", "z" * 30) < keys.TRAIL_PREFIX + keys.RANGE_END


def test_the_delivery_trail_reads_newest_first_and_history_keys_are_the_domain_s():
    from civicdesk.domain.cases import EventKind, TimelineEvent, iso

    earlier = datetime(2026, 11, 21, 8, tzinfo=timezone.utc)
    later = earlier + timedelta(microseconds=1)
    assert keys.trail_sk(iso(later), "x") < keys.trail_sk(iso(earlier), "x")
    assert keys.trail_sk(iso(earlier + timedelta(days=400)), "x") < keys.trail_sk(iso(earlier), "x")
    entry = TimelineEvent("2026-000001", earlier, EventKind.NOTE, "staff:ana", False, {}, event_id="e1")
    assert keys.history_sk(iso(entry.at), entry.event_id) == entry.sort_key


def test_claims_and_queue_entries_have_partitions_of_their_own():
    assert keys.claims_pk("2026-000001/e1") == "NOTIFY#2026-000001/e1"
    assert keys.claims_pk("bounce/0102abc") == "NOTIFY#bounce/0102abc"
    assert keys.queue_entry_pk("2026-000001") == "QENTRY#2026-000001"
    assert keys.queue_entry_sk("department", "category") == "department#category"
    assert keys.filtered_queue_pk(keys.department_queue_pk("roads"), "category", "potholes") == \
        "DEPT#roads#category#potholes"
    assert keys.filtered_queue_pk(keys.ALL_CASES_PK, "status", "new") == "CASES#status#new"


def test_a_case_has_an_entry_per_queue_and_filter_until_it_is_deleted():
    from civicdesk.adapters.dynamodb.mappers import event_to_item
    from civicdesk.adapters.dynamodb.queue_entries import queue_entries
    from civicdesk.domain.cases import Case, CaseType, Channel, EventKind, Status, TimelineEvent

    now = datetime(2026, 11, 21, 8, tzinfo=timezone.utc)
    case = Case(number="2026-000007", type=CaseType.COMPLAINT, channel=Channel.PHONE,
                category="road_damage", department="roads_traffic", description="Rupa",
                language="sr-Latn", status=Status.WAITING_FOR_CITIZEN, public=False,
                created_at=now, updated_at=now, token_hash="0" * 64)
    entries = {(e.SK, e.GSI5PK): e for e in queue_entries(case, 3)}
    assert len(entries) == 8
    assert ("all#status", "CASES#status#waiting_for_citizen") in entries
    assert ("department#type", "DEPT#roads_traffic#type#complaint") in entries
    assert {e.GSI5SK for e in entries.values()} == {"1open#2026-11-21T08:00:00.000000Z#2026-000007"}
    assert {e.case_version for e in entries.values()} == {3}
    assert queue_entries(case.with_changes(deleted_at=now, deleted_by="admin"), 4) == []
    sent = TimelineEvent(case.number, now, EventKind.NOTIFICATION, "system:notify", False, {}, event_id="n")
    note = TimelineEvent(case.number, now, EventKind.NOTE, "staff:ana", False, {}, event_id="e")
    assert event_to_item(sent).SK.startswith("TRAIL#") and event_to_item(note).SK.startswith("EVT#")
