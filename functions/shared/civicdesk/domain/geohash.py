"""Geohashes: a point as a string whose prefixes are ever smaller cells around it (Niemeyer's
public-domain scheme, base 32), and the few cells that cover a box or a circle.

The map and the duplicate suggestions read cases by cell (``docs/data-model.md``, the geo
index): a box is covered by at most ``MAX_CELLS`` cells of the finest precision that needs no
more, and each cell is one ``Query``.

Examples
--------
>>> encode(44.8176, 20.4569, 7)
'srywcwb'
>>> box = cell_box("srywcwb")
>>> box.min_lat <= 44.8176 <= box.max_lat and box.min_lon <= 20.4569 <= box.max_lon
True
>>> cover(Box(20.45, 44.81, 20.47, 44.82), max_cells=16)
['srywcm', 'srywcq', 'srywcr', 'srywct', 'srywcv', 'srywcw', 'srywcx', 'srywcy', 'srywcz']
"""

from __future__ import annotations

import math

from msgspec import Struct

_BASE32 = "0123456789bcdefghjkmnpqrstuvwxyz"
_INDEX = {ch: i for i, ch in enumerate(_BASE32)}

#: The precision every case is indexed at (about 4.8 m x 4.8 m).
FULL_PRECISION = 9
#: The most cells a box may take (each one ``Query``).
MAX_CELLS = 16
#: The mean Earth radius (IUGG), metres.
EARTH_RADIUS_M = 6_371_008.8


class Box(Struct, frozen=True):
    """A box in degrees: west, south, east, north (GeoJSON's ``bbox`` order)."""

    min_lon: float
    min_lat: float
    max_lon: float
    max_lat: float

    def contains(self, lat: float, lon: float) -> bool:
        return self.min_lat <= lat <= self.max_lat and self.min_lon <= lon <= self.max_lon

    @property
    def valid(self) -> bool:
        """West of east, south of north, and on the Earth (the antimeridian is not crossed).

        >>> Box(20.4, 44.8, 20.5, 44.9).valid, Box(20.5, 44.8, 20.4, 44.9).valid
        (True, False)
        """
        return (-180.0 <= self.min_lon <= self.max_lon <= 180.0
                and -90.0 <= self.min_lat <= self.max_lat <= 90.0)


def encode(lat: float, lon: float, precision: int = FULL_PRECISION) -> str:
    """The geohash of a point, ``precision`` characters long.

    >>> encode(57.64911, 10.40744, 11)
    'u4pruydqqvj'
    >>> encode(-90, -180, 3), encode(90, 180, 3)
    ('000', 'zzz')
    """
    lat_range, lon_range = [-90.0, 90.0], [-180.0, 180.0]
    chars: list[str] = []
    bits, value, even = 0, 0, True
    while len(chars) < precision:
        span, coordinate = (lon_range, lon) if even else (lat_range, lat)
        middle = (span[0] + span[1]) / 2
        if coordinate >= middle:
            value = value * 2 + 1
            span[0] = middle
        else:
            value *= 2
            span[1] = middle
        even = not even
        bits += 1
        if bits == 5:
            chars.append(_BASE32[value])
            bits, value = 0, 0
    return "".join(chars)


def cell_box(geohash: str) -> Box:
    """The box a geohash names.

    >>> cell_box("u4pruydqqvj").min_lat < 57.64911 < cell_box("u4pruydqqvj").max_lat
    True
    """
    lat_range, lon_range = [-90.0, 90.0], [-180.0, 180.0]
    even = True
    for ch in geohash:
        value = _INDEX[ch]
        for shift in range(4, -1, -1):
            span = lon_range if even else lat_range
            middle = (span[0] + span[1]) / 2
            if value >> shift & 1:
                span[0] = middle
            else:
                span[1] = middle
            even = not even
    return Box(lon_range[0], lat_range[0], lon_range[1], lat_range[1])


def cell_size(precision: int) -> tuple[float, float]:
    """A cell's (width, height) in degrees at ``precision``.

    >>> cell_size(1)
    (45.0, 45.0)
    >>> cell_size(2)
    (11.25, 5.625)
    """
    bits = 5 * precision
    lon_bits = (bits + 1) // 2
    lat_bits = bits // 2
    return 360.0 / 2 ** lon_bits, 180.0 / 2 ** lat_bits


def _cells_at(box: Box, precision: int, max_cells: int) -> list[str] | None:
    width, height = cell_size(precision)
    columns = math.floor(box.max_lon / width) - math.floor(box.min_lon / width) + 1
    rows = math.floor(box.max_lat / height) - math.floor(box.min_lat / height) + 1
    if columns * rows > max_cells:
        return None
    cells = set()
    for row in range(rows):
        lat = min(box.min_lat + row * height, box.max_lat)
        for column in range(columns):
            lon = min(box.min_lon + column * width, box.max_lon)
            cells.add(encode(lat, lon, precision))
    # the far edges (a box's last row and column fall on their own cells)
    for lat in (box.min_lat, box.max_lat):
        for lon in (box.min_lon, box.max_lon):
            cells.add(encode(lat, lon, precision))
    return sorted(cells)


def cover(box: Box, *, max_cells: int = MAX_CELLS, coarsest: int = 1,
          finest: int = FULL_PRECISION) -> list[str] | None:
    """The cells of the finest precision (between ``coarsest`` and ``finest``) that cover ``box``
    with at most ``max_cells`` cells, in key order; ``None`` when even ``coarsest`` needs more.

    >>> cover(Box(20.0, 44.0, 21.0, 45.0), max_cells=4, coarsest=4) is None
    True
    >>> cover(Box(20.45, 44.81, 20.45, 44.81), max_cells=1)
    ['srywcm7jp']
    """
    for precision in range(finest, coarsest - 1, -1):
        cells = _cells_at(box, precision, max_cells)
        if cells is not None:
            return cells
    return None


def distance_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """The great-circle distance in metres (haversine, on the mean Earth radius).

    >>> round(distance_m(44.8176, 20.4569, 44.8176, 20.4569))
    0
    >>> round(distance_m(44.8125, 20.4612, 43.3209, 21.8958) / 1000)
    202
    """
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(a)))


def around(lat: float, lon: float, radius_m: float) -> Box:
    """The box that holds the circle of ``radius_m`` around a point (not across a pole).

    >>> b = around(44.8176, 20.4569, 500)
    >>> round((b.max_lat - b.min_lat) * 111_195)
    1000
    """
    dlat = math.degrees(radius_m / EARTH_RADIUS_M)
    dlon = math.degrees(radius_m / (EARTH_RADIUS_M * max(math.cos(math.radians(lat)), 1e-6)))
    return Box(max(-180.0, lon - dlon), max(-90.0, lat - dlat),
               min(180.0, lon + dlon), min(90.0, lat + dlat))
