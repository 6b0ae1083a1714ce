"""In-memory stores behind the audiences' ports (the DynamoDB ones are tested in
``tests/functional/test_audiences_api.py``), the demo municipality, and places in its areas."""

from __future__ import annotations

import functools
from pathlib import Path

from msgspec.structs import replace

from civicdesk.adapters.config_files import load_config_dir
from civicdesk.adapters.phones import can_receive_sms, normalise_phone
from civicdesk.domain.municipality import Municipality
from civicdesk.domain.municipality_config import parse_municipality
from civicdesk.services.ports import InvalidPhoneNumber

CONFIG_DIR = Path(__file__).resolve().parents[2] / "infra" / "config"


@functools.lru_cache(maxsize=1)
def _demo() -> Municipality:
    return parse_municipality(load_config_dir(CONFIG_DIR))


class demo_municipality:  # noqa: N801  (a MunicipalityProvider)
    def __init__(self, **changes):
        self._municipality = replace(_demo(), **changes)

    def get(self) -> Municipality:
        return self._municipality


def area_geometry(area_id: str) -> dict:
    return _demo().areas[area_id].geometry


def point_in(area_id: str) -> tuple[float, float]:
    """A point (lat, lon) well inside the area (shapely's representative point)."""
    from shapely.geometry import shape

    inside = shape(area_geometry(area_id)).representative_point()
    return inside.y, inside.x


def bounding_polygon(geometry: dict, margin: float = 0.0005) -> dict:
    """A rectangle drawn just around an area (as someone would draw it on the map)."""
    from shapely.geometry import shape

    west, south, east, north = shape(geometry).bounds
    west, south, east, north = west - margin, south - margin, east + margin, north + margin
    return {"type": "Polygon", "coordinates": [[[west, south], [east, south], [east, north],
                                                [west, north], [west, south]]]}


class Phones:
    def normalise(self, raw: str, country: str) -> str:
        return normalise_phone(raw, country)

    def normalise_or_none(self, raw: str) -> str | None:
        try:
            return normalise_phone(raw, "RS")
        except InvalidPhoneNumber:
            return None

    def can_receive_sms(self, e164: str) -> bool:
        return can_receive_sms(e164)


class FakeStore:
    """``AudienceStore`` in a dict."""

    def __init__(self):
        self.saved = {}

    def audiences(self):
        return list(self.saved.values())

    def audience(self, audience_id):
        return self.saved.get(audience_id)

    def add_audience(self, audience):
        self.saved[audience.audience_id] = audience

    def replace_audience(self, audience, expected_version):
        current = self.saved.get(audience.audience_id)
        if current is None or current.version != expected_version:
            return current.version if current else 0
        self.saved[audience.audience_id] = audience
        return None

    def remove_audience(self, audience_id, expected_version):
        current = self.saved.get(audience_id)
        if current is None or current.version != expected_version:
            return current.version if current else 0
        del self.saved[audience_id]
        return None


class FakeLists:
    """``ContactListStore``'s reads: each list's entries in key order, as the table keeps them."""

    def __init__(self, entries):
        self._entries = {list_id: sorted(found, key=lambda e: e.key) for list_id, found in entries.items()}

    def contact_list(self, list_id):
        return object() if list_id in self._entries else None

    def entries(self, list_id):
        yield from self._entries.get(list_id, ())


class FakeCases:
    def __init__(self, cases, followers):
        self._cases, self._followers = cases, followers

    def cases(self, opened_from, opened_to, categories, statuses):
        for case in self._cases:
            if categories and case.category not in categories:
                continue
            if statuses and case.status not in statuses:
                continue
            if (opened_from and case.created_at < opened_from) or (opened_to and case.created_at >= opened_to):
                continue
            yield case

    def followers(self, number):
        return list(self._followers.get(number, ()))


class FakeSubscribers:
    def __init__(self, subscribers):
        self._subscribers = subscribers

    def confirmed(self):
        yield from self._subscribers


class FakeSuppression:
    def __init__(self, suppressed):
        self._suppressed = suppressed
        self.calls = 0

    def suppressed(self, addresses):
        self.calls += 1
        return {a.lower(): "bounce" for a in addresses if a.lower() in self._suppressed}
