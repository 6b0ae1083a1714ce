"""Resolving an audience of 100,000 members in process (part of ``make bench``): the service's
own time (``services/audiences.py``: sources merged by person, every address once, the
suppression list asked 100 addresses at a time), the DynamoDB reads it makes, and the memory it
holds while streaming.

moto cannot hold 100,000 contacts in reasonable time (its serialiser takes about 5 ms an item),
so the stores are in memory behind the services' ports, paged and counted exactly as the
DynamoDB adapters page (``adapters/dynamodb/audiences.py``: one ``Query`` per 1,000 contacts;
``recipients.suppressed``: one ``BatchGetItem`` per 100 addresses): the time is the service's,
without DynamoDB's latency (add about 10 ms a read call in AWS: ``read_calls x 10 ms``); the
calls are what AWS would be asked. Peak memory is traced with ``tracemalloc`` in a second,
separate pass. Run alone: ``PYTHONPATH=functions/shared .venv/bin/python -m bench.audiences``.
"""

from __future__ import annotations

import json
import sys
import time
import tracemalloc
import zlib
from collections import Counter
from datetime import datetime, timezone

MEMBERS = 100_000
#: One in this many addresses is on the suppression list.
SUPPRESSED_EVERY = 97
NOW = datetime(2026, 12, 1, tzinfo=timezone.utc)


class _Counted:
    def __init__(self):
        self.calls: Counter[str] = Counter()


class _Lists(_Counted):
    """One list of ``MEMBERS`` contacts, read 1,000 a page like the adapter (made as they are
    read, so that the peak memory is the resolver's; one list needs no key order)."""

    def __init__(self, count: int):
        super().__init__()
        self._count = count

    def contact_list(self, list_id):
        return object()

    def entries(self, list_id):
        from civicdesk.adapters.dynamodb.audiences import CONTACT_PAGE
        from civicdesk.domain.audiences import member_key
        from civicdesk.services.audience_store_ports import ContactEntry

        for n in range(self._count):
            if n % CONTACT_PAGE == 0:
                self.calls["Query"] += 1
            email = f"resident{n}@example.rs"
            phone = f"+3816{n % 7 + 1}{n:07d}" if n % 3 else None
            yield ContactEntry(list_id, member_key(email, phone), f"Resident {n}", email, phone,
                               "sr-Latn", "centar" if n % 2 else "breza", f"cl.token{n}", NOW,
                               mobile=True if phone else None)


class _Subscribers:
    def __init__(self, count: int, point: tuple[float, float]):
        self._count, self._point = count, point

    def confirmed(self):
        from civicdesk.domain.audiences import AlertSubscriber, Channel

        for n in range(self._count):
            yield AlertSubscriber(f"s{n}", "sr-Cyrl", (Channel.EMAIL, Channel.SMS), ("water",), f"t{n}",
                                  ("centar",) if n % 2 else (), None if n % 2 else self._point,
                                  f"subscriber{n}@example.rs", f"+3816{n % 7 + 1}{n:07d}")


class _Suppression(_Counted):
    def suppressed(self, addresses):
        addresses = list(addresses)
        self.calls["BatchGetItem"] += -(-len(addresses) // 100)  # pynamodb's batch_get: 100 keys a call
        return {a: "bounce" for a in addresses if zlib.crc32(a.encode()) % SUPPRESSED_EVERY == 0}


class _Store:
    def __init__(self, audience):
        self._audience = audience

    def audience(self, audience_id):
        return self._audience


def _service(lists, subscribers, suppression):
    from civicdesk.services.audiences import AudienceService
    from tests.unit.audience_fakes import FakeCases, Phones, demo_municipality

    return AudienceService(_Store(None), lists, FakeCases([], {}), subscribers, suppression, Phones(),
                           demo_municipality(), clock=lambda: NOW)


def _measure(rule, make) -> dict:
    lists, suppression, subscribers = make()
    service = _service(lists, subscribers, suppression)
    started = time.perf_counter()
    channels: Counter[str] = Counter()
    members = 0
    for member in service.resolve(rule):
        members += 1
        for channel in member.channels:
            channels[channel.value] += 1
    seconds = time.perf_counter() - started
    reads = {**lists.calls, **suppression.calls}
    lists, suppression, subscribers = make()
    service = _service(lists, subscribers, suppression)
    tracemalloc.start()
    for _ in service.resolve(rule):
        pass
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return {"members": members, "seconds": round(seconds, 2), "read_calls": sum(reads.values()),
            "read_call_log": dict(reads), "channels": dict(channels),
            "peak_resolver_mb": round(peak / 2**20, 1)}


def audience_figures() -> dict:
    from civicdesk.domain.audience_rules import AudienceKind, AudienceRule
    from tests.unit.audience_fakes import point_in

    point = point_in("centar")
    contact_rule = AudienceRule(AudienceKind.CONTACT_LIST, lists=("all",))
    subscriber_rule = AudienceRule(AudienceKind.SUBSCRIBERS, topics=("water",), areas=("centar",))
    figures = {}
    for name, rule, make in (
            ("contact_list", contact_rule, lambda: (_Lists(MEMBERS), _Suppression(), _Subscribers(0, point))),
            ("subscribers", subscriber_rule, lambda: (_Lists(0), _Suppression(), _Subscribers(MEMBERS, point)))):
        for key, value in _measure(rule, make).items():
            figures[f"audience_{name}_{key}_100k"] = value
    figures["audience_shape"] = (f"{MEMBERS:,} members, one address in {SUPPRESSED_EVERY} suppressed; "
                                 "stores in memory, paged and counted like the DynamoDB adapters")
    return figures


def describe(f: dict) -> list[str]:
    lines = []
    for name in ("contact_list", "subscribers"):
        lines.append(
            f"  audience ({name}): {f[f'audience_{name}_members_100k']:,} members resolved in "
            f"{f[f'audience_{name}_seconds_100k']} s in process, "
            f"{f[f'audience_{name}_read_calls_100k']} DynamoDB reads {f[f'audience_{name}_read_call_log_100k']}, "
            f"peak {f[f'audience_{name}_peak_resolver_mb_100k']} MB held while streaming")
    return lines


if __name__ == "__main__":
    figures = audience_figures()
    json.dump(figures, sys.stdout, indent=2, ensure_ascii=False)
    print()
    print("\n".join(describe(figures)))
    sys.exit(0)
