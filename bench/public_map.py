"""The public map's reads (part of ``make bench``, issue 16): calls and items read per page of
``GET /v1/public/reports`` (the whole last 30 days, a box of the town centre, one category) and
per "nearby reports" question, on ``CASES`` located cases of which some are private, letters or
older than the map's 30 days (those are not in the index at all: GSI8 is sparse).

moto in-process (``bench.__main__.in_process_aws``); items read as DynamoDB charges them (a
``Query``'s ``ScannedCount``, the items a ``BatchGetItem`` returned; ``tests.support.aws.DynamoReads``).
Run alone: ``PYTHONPATH=functions/shared .venv/bin/python -m bench.public_map``.
"""

from __future__ import annotations

import json
import sys
from datetime import datetime, timedelta, timezone

CASES = 150
#: One in this many is private (not public), one in ``LETTER_EVERY`` a complaint (never
#: public), one in ``OLD_EVERY`` requested 45 days ago (public, but past the map's 30 days).
PRIVATE_EVERY, LETTER_EVERY, OLD_EVERY = 7, 11, 5
CATEGORIES = ("street_lighting", "road_damage", "noise", "illegal_dumping", "trees")


def _case(index: int, now: datetime):
    from civicdesk.domain.cases import Case, CaseType, Channel, Contact, Location, Status

    at = now - timedelta(days=45 if index % OLD_EVERY == 0 else index % 29, minutes=index)
    return Case(
        number=f"2026-{index + 1:06d}",
        type=CaseType.COMPLAINT if index % LETTER_EVERY == 0 else CaseType.SIGNAL,
        channel=Channel.WEB, category=CATEGORIES[index % len(CATEGORIES)],
        department="public_utilities", language="sr-Cyrl",
        status=Status.RESOLVED if index % 4 == 0 else Status.NEW,
        public=index % PRIVATE_EVERY != 0, created_at=at, updated_at=at, token_hash="x" * 64,
        description=f"Пријава {index}: јавља Петар Петровић, 064 123 {index:04d}.",
        location=Location(lat=44.005 + (index % 15) * 0.002, lon=20.880 + (index // 15) * 0.009,
                          address=f"Београдска {index}"),
        contact=Contact(name="Петар Петровић", email=f"p{index}@example.rs"), received_at=at)


def public_map_reads() -> dict:
    from bench.__main__ import in_process_aws

    with in_process_aws():
        from civicdesk import wiring
        from civicdesk.api import public_map_views as pv
        from civicdesk.domain.cases import EventKind, TimelineEvent
        from tests.support.aws import dynamodb_reads

        now = datetime.now(timezone.utc)
        repository = wiring.case_repository()
        for index in range(CASES):
            case = _case(index, now)
            repository.create(case, [TimelineEvent(case.number, case.created_at, EventKind.CASE_OPENED,
                                                   "citizen:web", True, {})])
        service = wiring.public_map_service()
        figures: dict = {"public_map_shape": (
            f"{CASES} located cases: 1 in {PRIVATE_EVERY} private, 1 in {LETTER_EVERY} a complaint, "
            f"1 in {OLD_EVERY} older than 30 days")}
        for label, run in (
                ("public_map_page", lambda: service.map(pv.reports_query({"limit": "200"}))),
                ("public_map_box_page", lambda: service.map(pv.reports_query(
                    {"bbox": "20.90,44.00,20.935,44.03", "limit": "200"}))),
                ("public_map_category_page", lambda: service.map(pv.reports_query(
                    {"category": "noise", "limit": "200"}))),
                ("public_nearby", lambda: service.nearby(pv.nearby_query(
                    {"lat": "44.0071", "lon": "20.9071", "category": "road_damage"})))):
            reads = dynamodb_reads()
            answer = run()
            found = answer if isinstance(answer, list) else answer.reports
            figures[f"{label}_calls"] = len(reads.calls)
            figures[f"{label}_call_log"] = list(reads.calls)
            figures[f"{label}_items_read"] = reads.items
            figures[f"{label}_returned"] = len(found)
    return figures


def describe(f: dict) -> list[str]:
    lines = []
    for key, label in (("public_map_page", "30 days"), ("public_map_box_page", "a box"),
                       ("public_map_category_page", "one category"), ("public_nearby", "nearby")):
        lines.append(f"  public map, {label + ':':<13} {f[key + '_calls']} AWS call(s) {f[key + '_call_log']}, "
                     f"{f[key + '_items_read']} items read, {f[key + '_returned']} reports"
                     + (" (target <= 1 call)" if key != "public_nearby" else ""))
    lines.append(f"    ({f['public_map_shape']})")
    return lines


if __name__ == "__main__":
    json.dump(public_map_reads(), sys.stdout, indent=2, ensure_ascii=False)
    print()
    sys.exit(0)
