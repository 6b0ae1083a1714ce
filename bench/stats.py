"""What keeping and reading the statistics costs (part of ``make bench``).

A month of changes (``DAYS`` days, ``CASES_PER_DAY`` cases a day over the demo's categories,
five channels, three agents a department; each case opened, assigned, taken into work,
answered, resolved a few days later, some closed) is counted by the statistics keeper into the
real cells (``adapters.dynamodb.statistics`` on moto in-process); the case facts come from
memory, so that only the statistics' own calls are counted. Figures:

* calls and DynamoDB write units per counted entry (units estimated from the items' sizes as
  DynamoDB sizes them: attribute names and values; a transaction writes each item twice), and
  how they grow from the month's first day to its last (cells fill up; the cases held do not
  matter);
* the largest day and month cell (KB);
* ``Query`` calls of ``GET /v1/admin/stats`` for a week, a month, a quarter and a calendar year.

Run alone: ``PYTHONPATH=functions/shared .venv/bin/python -m bench.stats``.
"""

from __future__ import annotations

import json
import math
import random
import statistics as stats_math
import sys
from datetime import date, datetime, timedelta, timezone

DAYS = 30
CASES_PER_DAY = 12
CHANNELS = ("web", "phone", "email", "letter", "sms")
START = datetime(2026, 11, 2, 7, 0, tzinfo=timezone.utc)  # a Monday, 08:00 in Belgrade


def _size(item: dict) -> int:
    """An item's size as DynamoDB counts it: names plus values (numbers about a byte per two
    digits, plus one)."""
    total = 0
    for name, value in item.items():
        total += len(name.encode("utf-8"))
        if "S" in value:
            total += len(value["S"].encode("utf-8"))
        elif "N" in value:
            total += math.ceil(len(value["N"].lstrip("-")) / 2) + 1
        elif "BOOL" in value:
            total += 1
    return total


def _units(size: int) -> int:
    return max(1, math.ceil(size / 1024))


def _history(rng: random.Random, number: str, category: str, department: str, at: datetime):
    from civicdesk.domain import case_changes
    from civicdesk.domain.cases import CaseType, Channel, Status
    from civicdesk.domain.intake import NewCase, open_case

    channel = Channel(rng.choice(CHANNELS))
    case, entries = open_case(NewCase(number, CaseType.SIGNAL, channel, category, department,
                                      "Опис.", "sr-Cyrl", True, "hash", "citizen:web"), at=at, levels=None)
    agent = f"agent{rng.randrange(3)}.{department}"
    at += timedelta(minutes=rng.randrange(10, 240))
    case, assigned = case_changes.assign(case, at=at, actor=f"staff:{agent}", assignee=agent)
    entries += [assigned] if assigned else []
    at += timedelta(minutes=rng.randrange(5, 600))
    case, taken = case_changes.change_status(case, at=at, actor=f"staff:{agent}",
                                             status=Status.IN_PROGRESS, reason="r")
    entries.append(taken)
    at += timedelta(hours=rng.randrange(1, 120))
    case, answered = case_changes.reply(case, at=at, actor=f"staff:{agent}", channel="email",
                                        to="a@example.rs", text="Одговор.", status=Status.RESOLVED)
    entries += answered
    if rng.random() < 0.3:
        at += timedelta(days=rng.randrange(1, 10))
        case, closed = case_changes.change_status(case, at=at, actor="staff:" + agent,
                                                  status=Status.CLOSED, reason="r")
        entries.append(closed)
    return case, entries


def keeping_and_reading() -> dict:
    from bench.__main__ import SUPERVISOR_CLAIMS, in_process_aws
    from civicdesk import wiring
    from civicdesk.adapters.dynamodb import session
    from civicdesk.adapters.dynamodb.keys import STATS_STATE_SK, stats_day_sk, stats_month_sk, stats_pk, stats_state_pk
    from civicdesk.domain.events import CaseFacts
    from civicdesk.domain.policy import principal_from_claims
    from civicdesk.domain.statistics import local_day, month_of
    from civicdesk.services.statistics import StatisticsKeeper, StatsQuery

    rng = random.Random(14)
    with in_process_aws():
        municipality = wiring.municipality_provider().get()
        categories = sorted(municipality.categories.values(), key=lambda c: c.id)
        facts: dict[str, CaseFacts] = {}
        entries = []
        for day in range(DAYS):
            for index in range(CASES_PER_DAY):
                number = f"2026-{day * CASES_PER_DAY + index + 1:06d}"
                category = rng.choice(categories)
                at = START + timedelta(days=day, minutes=rng.randrange(0, 8 * 60))
                case, history = _history(rng, number, category.id, category.department, at)
                facts[number] = CaseFacts(department=case.department, category=case.category,
                                          case_type=case.type.value, status=case.status.value,
                                          public=True, language="sr-Cyrl",
                                          channel=case.channel.value, opened_at=case.created_at)
                entries += history
        entries.sort(key=lambda e: e.at)

        class Facts:
            def case_facts(self, numbers):
                return {n: facts[n] for n in numbers if n in facts}

        store = wiring.statistics_store()
        keeper = StatisticsKeeper(store, Facts(), wiring.office_calendar)
        client = session.connection_client()
        calls: list[str] = []
        client.meta.events.register("before-call.dynamodb", lambda model, **_: calls.append(model.name))
        calendar = wiring.office_calendar()
        table = store.table

        def item(pk: str, sk: str) -> dict:
            return client.get_item(TableName=table, Key={"PK": {"S": pk}, "SK": {"S": sk}}).get("Item", {})

        units_by_day: dict[int, list[int]] = {}
        calls_per_entry: list[int] = []
        largest_day = largest_month = 0
        for position, entry in enumerate(entries):
            keeper.prepare([entry])
            calls.clear()
            keeper.keep(entry)
            if "TransactWriteItems" not in calls:
                continue  # counted nothing (no write)
            calls_per_entry.append(len(calls))
            if position % 7:  # sizes of a sample of the writes (reading them costs moto time)
                continue
            day = local_day(calendar, entry.at)
            state = keeper._states[entry.case_number][0]  # noqa: SLF001 - the bench looks inside
            department = state.department
            sizes = [_size(item(stats_state_pk(entry.case_number), STATS_STATE_SK)),
                     _size(item(stats_pk(day.year), stats_day_sk(day.isoformat(), department))),
                     _size(item(stats_pk(day.year), stats_month_sk(month_of(day), department,
                                                                   state.category)))]
            largest_day, largest_month = max(largest_day, sizes[1]), max(largest_month, sizes[2])
            claim = 100  # PK, SK, entity, expires_at
            units = 2 * (_units(claim) + sum(_units(s) for s in sizes))
            units_by_day.setdefault((day - START.date()).days, []).append(units)

        month_cells = client.query(
            TableName=table, KeyConditionExpression="PK = :pk AND begins_with(SK, :m)",
            ExpressionAttributeValues={":pk": {"S": stats_pk(2026)}, ":m": {"S": "M#2026-11#"}})
        month_kb = round(sum(_size(raw) for raw in month_cells["Items"]) / 1024, 1)
        reports = wiring.statistics_reports()
        supervisor = principal_from_claims(SUPERVISOR_CLAIMS)
        periods = {"week": (date(2026, 11, 9), date(2026, 11, 15)),
                   "month": (date(2026, 11, 1), date(2026, 11, 30)),
                   "quarter": (date(2026, 10, 15), date(2026, 12, 31)),
                   "year": (date(2026, 1, 1), date(2026, 12, 31)),
                   "400_days_over_new_year": (date(2025, 12, 15), date(2027, 1, 18))}
        query_calls = {}
        for label, (start, end) in periods.items():
            calls.clear()
            reports.report(supervisor, StatsQuery(start=start, end=end,
                                                  group_by=("department", "channel"),
                                                  metrics=("opened", "resolution_median")))
            query_calls[label] = calls.count("Query")
    first_days = [u for d, us in units_by_day.items() if d < 3 for u in us]
    last_days = [u for d, us in units_by_day.items() if d >= DAYS - 3 for u in us]
    return {"stats_shape": f"{DAYS} days x {CASES_PER_DAY} cases, {len(entries)} entries",
            "stats_calls_per_counted_entry_max": max(calls_per_entry),
            "stats_write_units_per_change_first_days_median": stats_math.median(first_days),
            "stats_write_units_per_change_last_days_median": stats_math.median(last_days),
            "stats_write_units_per_change_max": max(u for us in units_by_day.values() for u in us),
            "stats_largest_day_cell_kb": round(largest_day / 1024, 1),
            "stats_largest_month_cell_kb": round(largest_month / 1024, 1),
            "stats_month_cells_kb": month_kb,
            "stats_query_calls": query_calls,
            "stats_query_calls_max_typical": max(query_calls[k] for k in ("week", "month", "quarter", "year"))}


def describe(f: dict) -> list[str]:
    return [f"  statistics:      {f['stats_calls_per_counted_entry_max']} call per counted entry "
            f"(TransactWriteItems; + 2 batch reads per stream batch); write units per change "
            f"{f['stats_write_units_per_change_first_days_median']} (median, first days) -> "
            f"{f['stats_write_units_per_change_last_days_median']} (last days), at most "
            f"{f['stats_write_units_per_change_max']}; largest cells {f['stats_largest_day_cell_kb']} KB "
            f"(day), {f['stats_largest_month_cell_kb']} KB (month), the month's cells "
            f"{f['stats_month_cells_kb']} KB; {f['stats_shape']}",
            f"  stats query:     Query calls {f['stats_query_calls']} (target <= 3 for a week, a "
            f"month, a quarter, a year)"]


if __name__ == "__main__":
    json.dump(keeping_and_reading(), sys.stdout, indent=2, ensure_ascii=False)
    print()
    sys.exit(0)
