"""Saved audiences: what they say about who is reached, and the rules that decide whether one
person is in it (``docs/audiences.md``).

An audience has one *kind*:

- ``subscribers``: residents with a confirmed alert subscription for one of the audience's
  ``topics`` whose chosen areas meet the audience's ``areas`` or whose point lies in one of
  them (no areas: the whole municipality);
- ``contact_list``: the contacts of one or more imported lists;
- ``cases``: the requesters (and, with ``followers``, the followers) of the cases matching a
  filter (categories, areas, statuses, the period they were opened in), where the
  municipality's configuration allows it (``audiences_from_cases``);
- ``polygon``: those of one of the three sources above (``source``) whose point, or whose area
  when no point is known, lies inside a polygon drawn on the console's map.

Resolution (``services/audiences.py``) streams: :class:`Distinct` keeps only short digests of the
keys and addresses already given out, never the members themselves.
"""

from __future__ import annotations

import hashlib
import math
from datetime import date
from enum import Enum
from typing import Iterable, Mapping, Sequence

from msgspec import Struct
from msgspec.structs import replace

from .audiences import AudienceMember, Channel, MemberSource  # noqa: F401  (doctests)
from .geometry import Region


class AudienceKind(str, Enum):
    SUBSCRIBERS = "subscribers"
    CONTACT_LIST = "contact_list"
    CASES = "cases"
    POLYGON = "polygon"


#: The sources a polygon narrows.
POLYGON_SOURCES = (AudienceKind.SUBSCRIBERS, AudienceKind.CONTACT_LIST, AudienceKind.CASES)
#: A drawn polygon's most vertices (a hand-drawn street block has tens).
MAX_POLYGON_VERTICES = 500
MAX_LISTS = 20


class AudienceRule(Struct, frozen=True):
    """Who an audience reaches. Only the fields of its ``kind`` (and, for a polygon, of its
    ``source``) are used; the others stay empty."""

    kind: AudienceKind
    topics: tuple[str, ...] = ()
    areas: tuple[str, ...] = ()
    lists: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()
    statuses: tuple[str, ...] = ()
    opened_from: date | None = None
    opened_to: date | None = None
    followers: bool = True
    polygon: Mapping | None = None  # GeoJSON Polygon, WGS 84, longitude first
    source: AudienceKind | None = None  # for a polygon

    @property
    def base(self) -> AudienceKind:
        """The source the members come from (a polygon's ``source``)."""
        return self.source if self.kind is AudienceKind.POLYGON and self.source else self.kind


def polygon_problem(geometry: object) -> str | None:
    """Why ``geometry`` is no polygon an audience can be drawn with, ``None`` when it is one:
    a GeoJSON ``Polygon`` of one closed ring of 4 to ``MAX_POLYGON_VERTICES`` finite
    positions within WGS 84's range, whose edges do not cross one another.

    >>> polygon_problem({"type": "Polygon", "coordinates": [[[20, 44], [21, 44], [21, 45], [20, 44]]]})
    >>> polygon_problem({"type": "Polygon", "coordinates": [[[0, 0], [1, 1], [1, 0], [0, 1], [0, 0]]]})
    'self_intersecting'
    """
    if not isinstance(geometry, Mapping) or geometry.get("type") != "Polygon":
        return "not_polygon"
    rings = geometry.get("coordinates")
    if not isinstance(rings, list) or len(rings) != 1 or not isinstance(rings[0], list):
        return "not_polygon"
    ring = rings[0]
    if not 4 <= len(ring) <= MAX_POLYGON_VERTICES + 1:
        return "polygon_size"
    points = []
    for position in ring:
        if (not isinstance(position, list) or len(position) < 2
                or not all(isinstance(v, (int, float)) and not isinstance(v, bool)
                           and math.isfinite(v) for v in position[:2])):
            return "not_polygon"
        lon, lat = float(position[0]), float(position[1])
        if not (-180 <= lon <= 180 and -90 <= lat <= 90):
            return "not_polygon"
        points.append((lon, lat))
    if points[0] != points[-1]:
        return "not_closed"
    edges = list(zip(points, points[1:], strict=False))
    for i, first in enumerate(edges):
        for j in range(i + 2, len(edges)):
            if i == 0 and j == len(edges) - 1:
                continue  # the first and the last edge share the ring's first position
            if segments_cross(*first, *edges[j]):
                return "self_intersecting"
    return None


def _turn(a: tuple[float, float], b: tuple[float, float], c: tuple[float, float]) -> int:
    det = (b[0] - a[0]) * (c[1] - a[1]) - (b[1] - a[1]) * (c[0] - a[0])
    return (det > 0) - (det < 0)


def _on(a: tuple[float, float], b: tuple[float, float], p: tuple[float, float]) -> bool:
    return min(a[0], b[0]) <= p[0] <= max(a[0], b[0]) and min(a[1], b[1]) <= p[1] <= max(a[1], b[1])


def segments_cross(a: tuple[float, float], b: tuple[float, float],
                   c: tuple[float, float], d: tuple[float, float]) -> bool:
    """Whether segments ``ab`` and ``cd`` share a point (touching counts).

    >>> segments_cross((0, 0), (2, 2), (0, 2), (2, 0)), segments_cross((0, 0), (1, 0), (0, 1), (1, 1))
    (True, False)
    """
    d1, d2, d3, d4 = _turn(c, d, a), _turn(c, d, b), _turn(a, b, c), _turn(a, b, d)
    if d1 != d2 and d3 != d4 and 0 not in (d1, d2, d3, d4):
        return True
    return ((d1 == 0 and _on(c, d, a)) or (d2 == 0 and _on(c, d, b))
            or (d3 == 0 and _on(a, b, c)) or (d4 == 0 and _on(a, b, d)))


class DrawnArea:
    """A drawn polygon, answering whether a point, or a whole configured area, lies in it."""

    def __init__(self, geometry: Mapping) -> None:
        self.region = Region.from_geojson(geometry)
        ring = geometry["coordinates"][0]
        self._edges = [((float(a[0]), float(a[1])), (float(b[0]), float(b[1])))
                       for a, b in zip(ring, ring[1:], strict=False)]
        self._inside: dict[str, bool] = {}

    def holds_point(self, lat: float, lon: float) -> bool:
        return self.region.covers(lat, lon)

    def holds_area(self, area_id: str, geometry: Mapping) -> bool:
        """Whether the configured area lies wholly inside the polygon (borders inclusive):
        every position of its outer rings covered and no edge of the polygon crossing into it
        (remembered per area: an area is judged once per resolution)."""
        if area_id not in self._inside:
            self._inside[area_id] = self._holds_geometry(geometry)
        return self._inside[area_id]

    def _holds_geometry(self, geometry: Mapping) -> bool:
        kind, coordinates = geometry.get("type"), geometry.get("coordinates") or []
        polygons = [coordinates] if kind == "Polygon" else list(coordinates)
        for rings in polygons:
            shell = [(float(p[0]), float(p[1])) for p in rings[0]]
            if not all(self.region.covers(lat, lon) for lon, lat in shell):
                return False
            for a, b in zip(shell, shell[1:], strict=False):
                for c, d in self._edges:
                    if _proper_cross(a, b, c, d):
                        return False
        return True


def _proper_cross(a, b, c, d) -> bool:
    """Whether ``ab`` and ``cd`` cross at a point inside both (not merely touching)."""
    d1, d2, d3, d4 = _turn(c, d, a), _turn(c, d, b), _turn(a, b, c), _turn(a, b, d)
    return d1 * d2 < 0 and d3 * d4 < 0


def in_areas(areas: Iterable[str], point: tuple[float, float] | None, wanted: Sequence[str],
             regions: Mapping[str, Region]) -> bool:
    """Whether a person of ``areas`` and/or ``point`` lives in one of the ``wanted`` areas
    (no wanted areas: anywhere)."""
    if not wanted:
        return True
    if set(areas) & set(wanted):
        return True
    if point is not None:
        return any(regions[a].covers(point[0], point[1]) for a in wanted if a in regions)
    return False


def _digest(kind: str, value: str) -> bytes:
    return hashlib.blake2b(f"{kind}:{value}".encode(), digest_size=10).digest()


class Distinct:
    """Each person once, each address once: the first member with a key is kept, a later one
    with the same key is left out; a channel whose address (e-mail address, number) an earlier
    member was given on is taken from a later member (left out when it keeps none). Only
    10-byte digests of what was given out are held (about 100 bytes a member with the set's
    overhead), never the members.

    >>> seen = Distinct()
    >>> a = AudienceMember("k1", "en", MemberSource.CONTACT_LIST, (Channel.EMAIL, Channel.SMS),
    ...                    email="a@example.rs", phone="+381641234567")
    >>> b = replace(a, key="k2", email="b@example.rs")
    >>> [m.channels for m in (seen.admit(a), seen.admit(b))], seen.admit(a)
    ([(<Channel.EMAIL: 'email'>, <Channel.SMS: 'sms'>), (<Channel.EMAIL: 'email'>,)], None)
    """

    def __init__(self) -> None:
        self._seen: set[bytes] = set()

    def __len__(self) -> int:
        return len(self._seen)

    def admit(self, member: AudienceMember) -> AudienceMember | None:
        key = _digest("k", member.key)
        if key in self._seen:
            return None
        kept = []
        for channel in member.channels:
            address = member.address_for(channel)
            if not address:
                continue
            kind = "e" if channel is Channel.EMAIL else ("s" if channel is Channel.SMS else "p")
            mark = _digest(kind, address.lower())
            if mark in self._seen:
                continue
            self._seen.add(mark)
            kept.append(channel)
        if not kept:
            return None
        self._seen.add(key)
        return member if len(kept) == len(member.channels) else replace(member, channels=tuple(kept))


def without_suppressed(member: AudienceMember, suppressed: Mapping[str, str]) -> AudienceMember | None:
    """``member`` without the channels whose address is on the suppression list (lower-case
    addresses and E.164 numbers), ``None`` when no channel is left."""
    kept = tuple(c for c in member.channels
                 if (member.address_for(c) or "").lower() not in suppressed)
    if not kept:
        return None
    return member if len(kept) == len(member.channels) else replace(member, channels=kept)


def redact_email(email: str | None) -> str | None:
    """``p***@e***.rs``: enough to tell two members apart, not to write to them.

    >>> redact_email("petar.petrovic@example.rs")
    'p***@e***.rs'
    """
    if not email or "@" not in email:
        return None
    local, _, domain = email.partition("@")
    head, _, tld = domain.rpartition(".")
    return f"{local[:1]}***@{head[:1]}***.{tld}" if head else f"{local[:1]}***@***"


def redact_phone(phone: str | None) -> str | None:
    """The first four characters (``+`` and the country code, or part of it) and the last two
    digits; the rest starred.

    >>> redact_phone("+381641234567")
    '+381*******67'
    """
    if not phone:
        return None
    return f"{phone[:4]}{'*' * max(0, len(phone) - 6)}{phone[-2:]}"


def redact_name(name: str) -> str:
    """Initials only: ``Petar Petrović`` -> ``P. P.``.

    >>> redact_name("Petar Petrović"), redact_name("")
    ('P. P.', '')
    """
    return " ".join(f"{part[0]}." for part in name.split() if part)

