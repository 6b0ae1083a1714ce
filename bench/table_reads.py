"""What the cases table's reads cost as the data grows (part of ``make bench``): items read per
page returned of a filtered queue, items read by the staff's case view and by one
notification on a case with many notified events and followers, against one with few, and the
calls and items of finding cases (search, requester lookup, map, nearby).

moto in-process (``bench.in_process_aws``); items read as DynamoDB charges them (a ``Query``'s
``ScannedCount``, the items a ``BatchGetItem`` returned; ``tests.support.aws.DynamoReads``).
Run alone: ``PYTHONPATH=functions/shared .venv/bin/python -m bench.table_reads``.
"""

from __future__ import annotations

import json
import sys
from datetime import datetime, timedelta, timezone

#: The filtered queue: a department's open cases, one in ``FILTER_SHARE`` a complaint.
QUEUE_CASES = 48
FILTER_SHARE = 8
PAGE = 5
#: The busy case (events x recipients per event) and the quiet one.
MANY = (50, 20)
FEW = (5, 2)

CALL = {"type": "signal", "channel": "phone", "category": "road_damage",
        "description": "Грађанин јавља да је на коловозу велика рупа.",
        "location": {"address": "Вука Караџића 5"},
        "requester": {"name": "Милан Јовановић", "phone": "064 123 4567"}}


def filtered_queue(supervisor) -> dict:
    """A department's complaints, a page of ``PAGE``: calls and items read per case returned."""
    from civicdesk import wiring
    from civicdesk.api import case_commands
    from tests.support.aws import dynamodb_reads

    casework = wiring.casework_service()
    operator = supervisor  # a supervisor may register calls too
    for index in range(QUEUE_CASES):
        body = dict(CALL, type="complaint" if index % FILTER_SHARE == FILTER_SHARE - 1 else "signal")
        casework.open_case(operator, case_commands.open_staff_case(body))
    reads = dynamodb_reads()
    query = {"department": "roads_traffic", "type": "complaint", "limit": str(PAGE)}
    page = casework.queue(supervisor, case_commands.queue_filter(query))
    returned = len(page.cases)
    return {"filtered_queue_page_calls": len(reads.calls),
            "filtered_queue_page_call_log": list(reads.calls),
            "filtered_queue_page_items_read": reads.items,
            "filtered_queue_page_cases_returned": returned,
            "filtered_queue_items_read_per_case": round(reads.items / max(returned, 1), 2),
            "filtered_queue_shape": f"{QUEUE_CASES} open cases, 1 in {FILTER_SHARE} matches, "
                                    f"page of {PAGE}"}


def _busy_case(events: int, recipients: int) -> tuple[str, str]:
    """A case with ``events`` notified history entries, ``recipients - 1`` confirmed followers
    (and the requester), and per event and recipient what notifying leaves: a claim, a
    notification entry and a delivery report. Returns the case number and its latest event."""
    from civicdesk import wiring
    from civicdesk.adapters.dynamodb.items import NotificationItem, TableItem
    from civicdesk.adapters.dynamodb.keys import claims_pk
    from civicdesk.adapters.dynamodb.mappers import event_to_item
    from civicdesk.api import case_commands
    from civicdesk.domain.cases import EventKind, TimelineEvent, iso
    from civicdesk.domain.subscriptions import Subscription, SubscriptionRole, SubscriptionState

    web = {"type": "signal", "category": "road_damage", "language": "sr-Latn",
           "description": "Velika rupa na kolovozu u Ulici Vuka Karadžića 5.",
           "contact": {"name": "Petar Petrović", "email": "petar@example.rs"}}
    number = wiring.case_service().open_public_case(case_commands.open_public_case(web)).number
    now = datetime.now(timezone.utc)
    for index in range(recipients - 1):
        wiring.subscription_repository().add_subscription(Subscription(
            number, f"komsija{index}@example.rs", SubscriptionRole.FOLLOWER, "sr-Latn",
            SubscriptionState.CONFIRMED, f"token-{index}", now, confirmed_at=now))
    last = ""
    with TableItem.batch_write() as batch:
        for event in range(events):
            at = now + timedelta(minutes=event)
            entry = TimelineEvent(number, at, EventKind.STATUS_CHANGED, "staff:ana", True,
                                  {"status": "in_progress", "from": "new"}, event_id=f"e{event}")
            batch.save(event_to_item(entry))
            last = f"{number}/e{event}"
            for recipient in range(recipients):
                key = "requester" if recipient == 0 else f"follower-{recipient}"
                sent = at + timedelta(seconds=recipient + 1)
                batch.save(event_to_item(TimelineEvent(
                    number, sent, EventKind.NOTIFICATION, "system:notify", False,
                    {"event": f"{number}/e{event}", "outcome": "sent"}, event_id=f"n{event}x{recipient}")))
                batch.save(event_to_item(TimelineEvent(
                    number, sent + timedelta(seconds=30), EventKind.DELIVERY_REPORT, "system:ses",
                    False, {"status": "delivered"}, event_id=f"r{event}x{recipient}")))
                batch.save(NotificationItem(PK=claims_pk(f"{number}/e{event}"), SK=key, number=number,
                                            event_id=f"{number}/e{event}", recipient=key, state="sent",
                                            claimed_at=iso(sent)))
    return number, last


def case_reads(supervisor) -> dict:
    """Items read by the staff's case view and by one notification's read of its case, on a
    busy case (``MANY``) and a quiet one (``FEW``)."""
    from civicdesk import wiring
    from tests.support.aws import dynamodb_reads

    figures: dict = {}
    casework = wiring.casework_service()
    for label, (events, recipients) in (("many", MANY), ("few", FEW)):
        number, event_id = _busy_case(events, recipients)
        reads = dynamodb_reads()
        view = casework.case(supervisor, number)
        figures[f"case_view_items_read_{label}"] = reads.items
        figures[f"case_view_calls_{label}"] = len(reads.calls)
        figures[f"case_view_trail_complete_{label}"] = view.trail_complete
        reads.reset()
        wiring.notification_repository().context(number, f"{number}/next-event")
        figures[f"notification_items_read_{label}"] = reads.items
        figures[f"notification_calls_{label}"] = len(reads.calls)
        figures[f"case_items_{label}"] = 1 + events * (1 + 3 * recipients) + recipients - 1
    figures["case_reads_shape"] = {"many": f"{MANY[0]} events x {MANY[1]} recipients",
                                   "few": f"{FEW[0]} events x {FEW[1]} recipients"}
    return figures


#: Finding cases: this many located cases, one in ``FIND_SHARE`` with the searched street.
FIND_CASES = 120
FIND_SHARE = 10


def finding_reads(supervisor) -> dict:
    """Calls and items read by a search of two words, the requester lookup, a map page of the
    town centre and the duplicate suggestions near a point, on ``FIND_CASES`` located cases;
    and the search entries one case writes."""
    from civicdesk import wiring
    from civicdesk.adapters.dynamodb.search_entries import search_items
    from civicdesk.api import case_commands, search_views
    from tests.support.aws import dynamodb_reads

    casework, search = wiring.casework_service(), wiring.search_service()
    streets = ("Вука Караџића", "Kralja Petra", "Cara Dušana", "Njegoševa", "Милоша Обилића")
    last = None
    for index in range(FIND_CASES):
        street = "Београдска" if index % FIND_SHARE == 0 else streets[index % len(streets)]
        body = dict(CALL, description=f"Рупа на коловозу, улица {street} {index}.",
                    location={"address": f"{street} {index}", "lat": 44.010 + (index % 12) * 0.001,
                              "lon": 20.905 + (index // 12) * 0.002},
                    requester={"name": f"Грађанин {index}", "phone": f"064 100 {index:04d}"})
        last = casework.open_case(supervisor, case_commands.open_staff_case(body))
    figures: dict = {"search_entries_per_case": len(search_items(
        wiring.case_repository().get_case(last.number)))}
    for label, run in (
            ("search_two_words", lambda: search.search(supervisor, search_views.search_query(
                {"q": "beogr rupa", "limit": "25"}))),
            ("requester_lookup", lambda: search.requester(supervisor, search_views.requester_query(
                {"phone": "+381641000050"}))),
            ("map_page", lambda: search.map(supervisor, search_views.map_query(
                {"bbox": "20.90,44.00,20.93,44.03"}))),
            ("nearby", lambda: search.nearby(supervisor, search_views.nearby_query(
                {"lat": "44.015", "lon": "20.91", "category": "road_damage", "radius_m": "300"})))):
        reads = dynamodb_reads()
        answer = run()
        found = answer if isinstance(answer, list) else getattr(answer, "cases", None)
        if found is None:
            found = answer.points
        figures[f"{label}_calls"] = len(reads.calls)
        figures[f"{label}_call_log"] = list(reads.calls)
        figures[f"{label}_items_read"] = reads.items
        figures[f"{label}_returned"] = len(found)
    figures["finding_shape"] = f"{FIND_CASES} located cases, 1 in {FIND_SHARE} in the searched street"
    return figures


def table_reads() -> dict:
    from bench.__main__ import SUPERVISOR_CLAIMS, in_process_aws
    from civicdesk.domain.policy import principal_from_claims

    supervisor = principal_from_claims(SUPERVISOR_CLAIMS)
    with in_process_aws():
        figures = filtered_queue(supervisor)
    with in_process_aws():
        figures.update(case_reads(supervisor))
    with in_process_aws():
        figures.update(finding_reads(supervisor))
    return figures


if __name__ == "__main__":
    json.dump(table_reads(), sys.stdout, indent=2, ensure_ascii=False)
    print()
    sys.exit(0)
