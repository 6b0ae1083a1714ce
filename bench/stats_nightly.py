"""What the nightly statistics job costs with 1,000 and with 10,000 cases held and the same day's
changes (part of ``make bench``; the issue's target: equal).

Each run provisions the template on moto in-process, writes the held cases (real case items
with their opening entries, through the case repository, opened over the 200 days before the
day, spread over the demo's departments and categories; a third of them resolved before the
day) and counts them with the statistics keeper; then the day's changes, the same in both runs
(40 new cases, 30 of the held ones taken into work, 20 resolved: all among the first 1,000),
written and counted the same way; then runs the job for the next night (01:15) and counts its
DynamoDB calls and units: read units as DynamoDB charges them (a ``Query`` the returned items'
sizes summed and rounded up to 4 KB, a ``GetItem``/``BatchGetItem`` each item rounded up, at
least one per call; strongly consistent), write units per item written (1 KB).

Run alone: ``PYTHONPATH=functions/shared .venv/bin/python -m bench.stats_nightly``.
"""

from __future__ import annotations

import json
import math
import random
import sys
from datetime import datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

from bench.stats import _size

DAY_START = datetime(2026, 11, 30, 7, 0, tzinfo=timezone.utc)  # Monday 08:00 in Belgrade
HELD = (1000, 10000)


def _read_units(operation: str, parsed: dict) -> int:
    if operation == "Query":
        size = sum(_size(item) for item in parsed.get("Items", []))
        return max(1, math.ceil(size / 4096))
    if operation == "GetItem":
        return max(1, math.ceil(_size(parsed.get("Item") or {}) / 4096))
    if operation == "BatchGetItem":
        items = [i for found in (parsed.get("Responses") or {}).values() for i in found]
        return max(1, sum(max(1, math.ceil(_size(i) / 4096)) for i in items))
    return 0


def _one(held: int) -> dict:
    from bench.__main__ import in_process_aws
    from civicdesk import wiring
    from civicdesk.adapters.dynamodb import session
    from civicdesk.domain import case_changes
    from civicdesk.domain.cases import CaseType, Channel, Status
    from civicdesk.domain.events import CaseFacts
    from civicdesk.domain.intake import NewCase, open_case
    from civicdesk.domain.jobs import JobRun
    from civicdesk.services.statistics import StatisticsKeeper

    rng = random.Random(14)
    with in_process_aws():
        municipality = wiring.municipality_provider().get()
        categories = sorted(municipality.categories.values(), key=lambda c: c.id)
        repository = wiring.case_repository()
        cases = {}
        facts: dict[str, CaseFacts] = {}

        class Facts:
            def case_facts(self, numbers):
                return {n: facts[n] for n in numbers if n in facts}

        keeper = StatisticsKeeper(wiring.statistics_store(), Facts(), wiring.office_calendar)

        def remember(case):
            cases[case.number] = case
            facts[case.number] = CaseFacts(department=case.department, category=case.category,
                                           case_type=case.type.value, status=case.status.value,
                                           public=True, language="sr-Cyrl",
                                           channel=case.channel.value, assignee=case.assignee or "",
                                           opened_at=case.received_at or case.created_at)

        def keep(entries):
            keeper.prepare(entries)
            for entry in entries:
                keeper.keep(entry)

        def new(number: str, at: datetime):
            category = categories[int(number[-6:]) % len(categories)]
            case, entries = open_case(NewCase(number, CaseType.SIGNAL, Channel.PHONE, category.id,
                                              category.department, "Опис.", "sr-Cyrl", True, "hash",
                                              "staff:operator"), at=at, levels=None)
            repository.create(case, entries)
            remember(case.with_changes(version=1))  # as stored
            keep(entries)

        def change(number: str, status, at: datetime):
            case = cases[number]
            changed, entry = case_changes.change_status(case, at=at, actor="staff:ana",
                                                        status=status, reason="r")
            repository.save_change(changed, case.version, [entry])
            remember(changed.with_changes(version=case.version + 1))
            keep([entry])

        # the held cases: written in batches (case item and opening entry, as created), counted
        # by the keeper a hundred entries a batch, as the stream hands them over
        from civicdesk.adapters.dynamodb.items import CaseItem
        from civicdesk.adapters.dynamodb.mappers import case_to_item, event_to_item, feed_facts

        batch_entries = []
        with CaseItem.batch_write() as batch:
            for index in range(held):
                number = f"2026-{index + 1:06d}"
                category = categories[index % len(categories)]
                at = DAY_START - timedelta(days=1 + index % 200, minutes=index % 300)
                case, entries = open_case(NewCase(number, CaseType.SIGNAL, Channel.PHONE,
                                                  category.id, category.department, "Опис.",
                                                  "sr-Cyrl", True, "hash", "staff:operator"),
                                          at=at, levels=None)
                if index % 3 == 0:
                    case, resolved = case_changes.change_status(
                        case, at=at + timedelta(hours=2), actor="staff:ana",
                        status=Status.RESOLVED, reason="r")
                    entries.append(resolved)
                batch.save(case_to_item(case.with_changes(version=1)))
                for entry in entries:
                    batch.save(event_to_item(entry, **feed_facts(case)))
                remember(case.with_changes(version=1))
                batch_entries += entries
        batch_entries.sort(key=lambda e: e.at)
        for offset in range(0, len(batch_entries), 100):
            keep(batch_entries[offset:offset + 100])
        # the day's changes, the same whatever is held
        for index in range(40):
            new(f"2026-{900000 + index:06d}", DAY_START + timedelta(minutes=7 * index))
        touched = [f"2026-{n:06d}" for n in rng.sample(range(2, 1000, 3), 30)]
        for position, number in enumerate(touched):
            change(number, Status.IN_PROGRESS, DAY_START + timedelta(hours=1, minutes=position))
            if position < 20:
                change(number, Status.RESOLVED, DAY_START + timedelta(hours=5, minutes=position))

        client = session.connection_client()
        reads: dict[str, int] = {}
        calls: list[str] = []
        written: list[int] = []

        def after(model=None, parsed=None, **_):
            calls.append(model.name)
            reads[model.name] = reads.get(model.name, 0) + _read_units(model.name, parsed or {})

        def before(model=None, params=None, **_):
            if model.name == "PutItem":
                written.append(max(1, math.ceil(_size(params["Item"]) / 1024)))
            elif model.name == "UpdateItem":
                written.append(1)

        client.meta.events.register("after-call.dynamodb", after)
        client.meta.events.register("before-parameter-build.dynamodb", before)
        run_at = datetime.combine(DAY_START.date() + timedelta(days=1), time(1, 15),
                                  tzinfo=ZoneInfo("Europe/Belgrade"))
        result = wiring.job_runner().run(JobRun("stats_nightly", run_at),
                                         wiring.nightly_statistics().run)
        client.meta.events.unregister("after-call.dynamodb", after)
        client.meta.events.unregister("before-parameter-build.dynamodb", before)
    counts: dict[str, int] = {}
    for name in calls:
        counts[name] = counts.get(name, 0) + 1
    return {"calls": counts, "read_units": sum(reads.values()), "read_units_by_call": reads,
            "write_units": sum(written), "outcome": result.outcome}


def nightly_figures() -> dict:
    runs = {held: _one(held) for held in HELD}
    small, large = runs[HELD[0]], runs[HELD[1]]
    return {"nightly_read_units": {str(h): r["read_units"] for h, r in runs.items()},
            "nightly_write_units": {str(h): r["write_units"] for h, r in runs.items()},
            "nightly_calls": {str(h): r["calls"] for h, r in runs.items()},
            "nightly_read_units_by_call": {str(h): r["read_units_by_call"] for h, r in runs.items()},
            "nightly_outcome": {str(h): r["outcome"] for h, r in runs.items()},
            "nightly_units_growth_10k_over_1k": (large["read_units"] + large["write_units"])
            - (small["read_units"] + small["write_units"])}


def describe(f: dict) -> list[str]:
    return [f"  nightly stats:   read units {f['nightly_read_units']}, write units "
            f"{f['nightly_write_units']} with {' and '.join(f'{h:,}' for h in HELD)} cases held and "
            f"the same day's changes (target: equal; difference "
            f"{f['nightly_units_growth_10k_over_1k']}); calls {f['nightly_calls'][str(HELD[0])]}"]


if __name__ == "__main__":
    figures = nightly_figures()
    json.dump(figures, sys.stdout, indent=2, ensure_ascii=False, default=str)
    print()
    print("\n".join(describe(figures)))
    sys.exit(0)
