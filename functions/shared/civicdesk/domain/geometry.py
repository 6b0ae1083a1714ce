"""Points in polygons, in pure Python: where a case's location lies among the municipality's
areas, and whether it lies in the municipality at all.

A :class:`Region` is built from a GeoJSON ``Polygon`` or ``MultiPolygon`` (WGS 84, longitude
first; a polygon's first ring is its shell, the others its holes) and answers
:meth:`Region.covers`. The rules, the same as shapely's ``intersects``/``covers`` (the
seed step validates the geometry with shapely; the functions need only this module):

- a point inside a shell and in none of its holes is in the region;
- a point **on** any ring, a shell's or a hole's, is in it: borders are inclusive, so a point on
  the border of two districts is in both, and a point on a park's edge is in the estate around
  the park (the region is closed: its boundary belongs to it);
- a point in a hole is not.

The answers are exact for the coordinates as the floats they are: the one predicate used, the
orientation of three points, is computed in floating point with Shewchuk's error bound and, when
the bound does not decide its sign, again with ``fractions.Fraction`` (exact). A point that is
on an edge in float arithmetic's eyes but not exactly is therefore never "on" it, and a point
exactly on an edge always is.

Speed: a region keeps the bounding box of each polygon and ring, and splits each ring with more
than a few dozen edges into horizontal bands, so a lookup reads only the edges whose latitude
span holds the point's (a few, for a ring of thousands of positions).
"""

from __future__ import annotations

import math
from fractions import Fraction
from typing import Iterable, Mapping, Sequence

from msgspec import Struct

#: Shewchuk's ``ccwerrboundA`` for doubles: |det| above this times the magnitudes is exact in sign.
_ORIENT_BOUND = (3.0 + 16.0 * 2.0 ** -53) * 2.0 ** -53
#: Rings with more edges than this are split into bands of about this many edges.
_BAND_EDGES = 16

Point = tuple[float, float]
Edge = tuple[float, float, float, float]  # x1, y1, x2, y2


def _orientation(ax: float, ay: float, bx: float, by: float, px: float, py: float) -> int:
    """The sign of the turn a -> b -> p: 1 left (counter-clockwise), -1 right, 0 collinear."""
    left = (ax - px) * (by - py)
    right = (ay - py) * (bx - px)
    det = left - right
    if abs(det) > _ORIENT_BOUND * (abs(left) + abs(right)):
        return 1 if det > 0 else -1
    exact = ((Fraction(ax) - Fraction(px)) * (Fraction(by) - Fraction(py))
             - (Fraction(ay) - Fraction(py)) * (Fraction(bx) - Fraction(px)))
    return (exact > 0) - (exact < 0)


INSIDE, ON_BORDER, OUTSIDE = 1, 0, -1


class Ring:
    """A closed ring of positions, with its bounding box and (when long) its edges in bands."""

    __slots__ = ("first", "west", "south", "east", "north", "_edges", "_bands", "_band_height")

    def __init__(self, positions: Sequence[Sequence[float]]) -> None:
        points = [(float(p[0]), float(p[1])) for p in positions]
        if len(points) < 4 or points[0] != points[-1]:
            raise ValueError("a ring needs at least 4 positions, the last one repeating the first")
        self.first = points[0]
        xs, ys = [x for x, _ in points], [y for _, y in points]
        self.west, self.east, self.south, self.north = min(xs), max(xs), min(ys), max(ys)
        self._edges: list[Edge] = [(x1, y1, x2, y2) for (x1, y1), (x2, y2)
                                   in zip(points, points[1:], strict=False)
                                   if (x1, y1) != (x2, y2)]
        self._bands: list[list[Edge]] | None = None
        self._band_height = 0.0
        if len(self._edges) > 2 * _BAND_EDGES and self.north > self.south:
            count = len(self._edges) // _BAND_EDGES
            south, height, last = self.south, (self.north - self.south) / count, count - 1
            bands: list[list[Edge]] = [[] for _ in range(count)]
            for edge in self._edges:
                low, high = (edge[1], edge[3]) if edge[1] <= edge[3] else (edge[3], edge[1])
                # _band, inlined (a ring of thousands of positions is banded on first use)
                for band in range(int((low - south) / height), min(last, int((high - south) / height)) + 1):
                    bands[band].append(edge)
            self._bands, self._band_height = bands, height

    def _band(self, y: float) -> int:
        # Monotonic in y (subtraction and division round monotonically), so an edge whose
        # latitude span holds y is in y's band: the bands' float edges need no care.
        assert self._bands is not None
        return min(len(self._bands) - 1, max(0, int((y - self.south) / self._band_height)))

    def locate(self, x: float, y: float) -> int:
        """``INSIDE``, ``ON_BORDER`` or ``OUTSIDE`` of the ring (even-odd crossings)."""
        if not (self.west <= x <= self.east and self.south <= y <= self.north):
            return OUTSIDE
        edges = self._edges if self._bands is None else self._bands[self._band(y)]
        inside = False
        for x1, y1, x2, y2 in edges:
            if (y1 > y) != (y2 > y):
                # The edge spans the point's latitude (half-open, so a vertex counts once).
                turn = _orientation(x1, y1, x2, y2, x, y)
                if turn == 0:
                    return ON_BORDER
                if (turn > 0) == (y2 > y1):
                    inside = not inside  # the edge passes east of the point
            elif (y1 == y == y2 and min(x1, x2) <= x <= max(x1, x2)) or (x, y) in ((x1, y1), (x2, y2)):
                return ON_BORDER  # on a horizontal edge, or on a vertex the rule above skips
        return INSIDE if inside else OUTSIDE

    def crossings(self, y: float) -> list[float]:
        """Longitudes where the parallel at ``y`` crosses the ring (half-open, as ``locate``)."""
        return [x1 + (y - y1) * (x2 - x1) / (y2 - y1) for x1, y1, x2, y2 in self._edges
                if (y1 > y) != (y2 > y)]


class _Polygon:
    __slots__ = ("shell", "holes")

    def __init__(self, rings: Sequence[Sequence[Sequence[float]]]) -> None:
        if not rings:
            raise ValueError("a polygon needs a shell")
        self.shell = Ring(rings[0])
        self.holes = tuple(Ring(ring) for ring in rings[1:])

    def covers(self, x: float, y: float) -> bool:
        where = self.shell.locate(x, y)
        if where == OUTSIDE:
            return False
        return where == ON_BORDER or all(hole.locate(x, y) != INSIDE for hole in self.holes)


class Bounds(Struct, frozen=True):
    """A bounding box in degrees."""

    west: float
    south: float
    east: float
    north: float

    def holds(self, lon: float, lat: float) -> bool:
        return self.west <= lon <= self.east and self.south <= lat <= self.north


class Region:
    """A GeoJSON ``Polygon`` or ``MultiPolygon`` that answers whether it covers a point.

    Examples
    --------
    A square with a square hole (the outer ring counter-clockwise, the hole clockwise):

    >>> shell = [[20.0, 44.0], [20.1, 44.0], [20.1, 44.1], [20.0, 44.1], [20.0, 44.0]]
    >>> hole = [[20.04, 44.04], [20.04, 44.06], [20.06, 44.06], [20.06, 44.04], [20.04, 44.04]]
    >>> region = Region.from_geojson({"type": "Polygon", "coordinates": [shell, hole]})
    >>> region.covers(44.02, 20.02), region.covers(44.05, 20.05), region.covers(44.2, 20.05)
    (True, False, False)

    Borders belong to the region, the hole's too:

    >>> region.covers(44.0, 20.05), region.covers(44.04, 20.05)
    (True, True)
    """

    __slots__ = ("bounds", "_polygons")

    def __init__(self, polygons: Iterable[Sequence[Sequence[Sequence[float]]]]) -> None:
        self._polygons = tuple(_Polygon(rings) for rings in polygons)
        if not self._polygons:
            raise ValueError("a region needs at least one polygon")
        shells = [p.shell for p in self._polygons]
        self.bounds = Bounds(min(s.west for s in shells), min(s.south for s in shells),
                             max(s.east for s in shells), max(s.north for s in shells))

    @classmethod
    def from_geojson(cls, geometry: Mapping) -> Region:
        """The region of a GeoJSON ``Polygon`` or ``MultiPolygon`` mapping (``ValueError``
        for anything else)."""
        kind, coordinates = geometry.get("type"), geometry.get("coordinates")
        if kind == "Polygon":
            return cls([coordinates])  # type: ignore[list-item]  # checked by _Polygon
        if kind == "MultiPolygon":
            return cls(coordinates)  # type: ignore[arg-type]  # as above
        raise ValueError(f"not a Polygon or MultiPolygon: {kind!r}")

    @classmethod
    def union(cls, regions: Iterable[Region]) -> Region:
        """One region of the others' polygons (covers a point when one of them does)."""
        union = cls.__new__(cls)
        union._polygons = tuple(p for region in regions for p in region._polygons)
        if not union._polygons:
            raise ValueError("a region needs at least one polygon")
        union.bounds = Bounds(min(p.shell.west for p in union._polygons),
                              min(p.shell.south for p in union._polygons),
                              max(p.shell.east for p in union._polygons),
                              max(p.shell.north for p in union._polygons))
        return union

    def covers(self, lat: float, lon: float) -> bool:
        """Whether the point (WGS 84 degrees, latitude first, as on a map pin) is in the region
        or on its border. Not a finite number: never."""
        if not (math.isfinite(lat) and math.isfinite(lon)) or not self.bounds.holds(lon, lat):
            return False
        return any(polygon.covers(lon, lat) for polygon in self._polygons)

    def representative_point(self) -> Point:
        """A point ``(lat, lon)`` well inside the region, for an example on a form: the middle
        of the widest span of the parallel through the middle of the largest polygon's bounding
        box (a centroid may lie outside a concave region; this may not).

        >>> ring = [[20.0, 44.0], [20.1, 44.0], [20.1, 44.1], [20.0, 44.1], [20.0, 44.0]]
        >>> Region.from_geojson({"type": "Polygon", "coordinates": [ring]}).representative_point()
        (44.05, 20.05)
        """
        polygon = max(self._polygons, key=lambda p: (p.shell.east - p.shell.west)
                      * (p.shell.north - p.shell.south))
        y = (polygon.shell.south + polygon.shell.north) / 2
        xs = sorted(x for ring in (polygon.shell, *polygon.holes) for x in ring.crossings(y))
        spans = [(xs[i], xs[i + 1]) for i in range(0, len(xs) - 1, 2)]
        if spans:
            west, east = max(spans, key=lambda span: span[1] - span[0])
            if east > west and self.covers(y, (west + east) / 2):
                return (y, (west + east) / 2)
        # A degenerate shell (no area): its first vertex, on its border, which is inside.
        x, y = polygon.shell.first
        return (y, x)
