"""Point-in-area lookups against the municipality's district and utility boundaries.

shapely (with numpy under it) costs about a tenth of a second to import, so it is imported only
when a located case is first routed in a container, never at module import: requests that carry
no location do not pay for it. The spatial index is built once per ``Municipality`` object; the
provider builds a new object when the configuration changes, and the index of the old one goes
with it.
"""

from __future__ import annotations

import functools
import math
import weakref
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ..domain.municipality import Municipality

# id(municipality) -> (weak reference to it, its index). The weak reference's callback drops the
# entry when the object is collected, so an id that Python reuses never meets a stale index.
_indexes: dict[int, tuple[weakref.ref, "_AreaIndex"]] = {}


class _AreaIndex:
    """An STRtree over the areas' prepared geometries, in configuration order."""

    def __init__(self, municipality: Municipality) -> None:
        import shapely
        from shapely.geometry import shape

        self.ids = tuple(municipality.areas)
        self.geometries = [shape(area.geometry) for area in municipality.areas.values()]
        shapely.prepare(self.geometries)
        self.tree = shapely.STRtree(self.geometries)

    def containing(self, lat: float, lon: float) -> tuple[str, ...]:
        import shapely

        point = shapely.Point(lon, lat)
        # The tree narrows by bounding box; the prepared geometries answer exactly. A point on a
        # boundary (or a hole's boundary) intersects the polygon without being within it.
        candidates = sorted(int(i) for i in self.tree.query(point))
        return tuple(self.ids[i] for i in candidates
                     if shapely.intersects(self.geometries[i], point))


def _index_for(municipality: Municipality) -> _AreaIndex:
    key = id(municipality)
    entry = _indexes.get(key)
    if entry is not None and entry[0]() is municipality:
        return entry[1]
    index = _AreaIndex(municipality)
    _indexes[key] = (weakref.ref(municipality, functools.partial(_forget, key)), index)
    return index


def _forget(key: int, ref: Any) -> None:
    entry = _indexes.get(key)
    if entry is not None and entry[0] is ref:
        del _indexes[key]


def areas_containing(municipality: Municipality, lat: float, lon: float) -> tuple[str, ...]:
    """Ids of the areas whose geometry contains or touches the point, in configuration order.

    A point in a hole of an area is outside it; a point on a shared border is in both areas.
    Feed the result to ``civicdesk.domain.routing.route``; this is the casework service's
    ``AreaLocator`` (wired in ``civicdesk.wiring``).

    Parameters
    ----------
    municipality
        The parsed configuration; its areas' geometries are indexed on the first call.
    lat, lon
        WGS 84 degrees (note the order: latitude first, as on a map pin; GeoJSON is lon/lat).

    Examples
    --------
    >>> from civicdesk.domain.municipality import Area, Municipality
    >>> ring = [[20.90, 44.00], [20.93, 44.00], [20.93, 44.03], [20.90, 44.03], [20.90, 44.00]]
    >>> town = Municipality(
    ...     id="demo", name={}, country="RS", time_zone="Europe/Belgrade", languages=("en",),
    ...     default_language="en", mail_domain="demo.example", general_address="a@demo.example",
    ...     working_hours={}, public_types=frozenset(), public_form_types=(),
    ...     reopen_window_days=30, auto_reply_limit_per_hour=5, departments={}, services={},
    ...     groups={}, categories={},
    ...     areas={"centre": Area("centre", "district", {}, {"type": "Polygon",
    ...                                                      "coordinates": [ring]})})
    >>> areas_containing(town, 44.01, 20.91)
    ('centre',)
    >>> areas_containing(town, 44.05, 20.91)
    ()
    """
    if not municipality.areas or not (math.isfinite(lat) and math.isfinite(lon)):
        return ()
    return _index_for(municipality).containing(lat, lon)
