"""The municipality's configuration files (``infra/config/``) -> one configuration document."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Iterable, Sequence

from ..domain.cases import Location
from ..domain.errors import ConfigurationError
from ..domain.municipality import Area, Municipality
from ..domain.municipality_config import parse_municipality


def load_config_dir(directory: str | Path) -> dict:
    """Merge ``municipality.json``, ``departments.json``, ``services.json``,
    ``categories.json`` and, when present, ``areas.geojson``, ``boundary.geojson``,
    ``external_bodies.json``, ``service_levels.json`` and ``legal_deadlines.json`` into the
    document ``parse_municipality`` validates (and validate it).

    The areas' and the boundary's geometries are also checked with a geometry engine here (no
    self-intersections, holes inside their shells, every area within the boundary, ...): that
    needs shapely, which only the seed step has (``requirements-dev.txt``); the functions answer
    point lookups in pure Python (``civicdesk.domain.geometry``) on geometry valid when stored.
    Raises ``ConfigurationError`` naming the first problem found.
    """
    directory = Path(directory)

    def read(name: str) -> dict:
        with (directory / name).open(encoding="utf-8") as handle:
            return json.load(handle)

    document = read("municipality.json")
    document["departments"] = read("departments.json")["departments"]
    document["services"] = read("services.json")["services"]
    categories = read("categories.json")
    document["groups"] = categories["groups"]
    document["categories"] = categories["categories"]
    if (directory / "areas.geojson").exists():
        document["areas"] = read("areas.geojson")
    if (directory / "boundary.geojson").exists():
        document["boundary"] = boundary_geometry(read("boundary.geojson"))
    if (directory / "external_bodies.json").exists():
        document["external_bodies"] = read("external_bodies.json")["external_bodies"]
    if (directory / "service_levels.json").exists():
        document["service_levels"] = read("service_levels.json")
    if (directory / "legal_deadlines.json").exists():
        document["legal_deadlines"] = read("legal_deadlines.json")
    document["holidays"] = public_holidays(document["country"], extra=document.get("extra_holidays", []))
    municipality = parse_municipality(document)  # fail here, before anything is stored
    check_area_geometries(municipality.areas.values(), municipality.boundary)
    check_location_example(municipality)
    return document


def check_location_example(municipality: Municipality) -> None:
    """Refuse a ``location_example`` outside the territory. Checked when seeding, not by every
    container's parse: it builds the territory's region, which a function that locates nothing
    never needs (``_geometry`` has already checked all that building it takes)."""
    example = municipality.configured_example
    if example is not None and not municipality.covers(Location(lat=example[0], lon=example[1])):
        raise ConfigurationError(
            "error.configuration",
            detail=f"location_example: {example[0]}, {example[1]} is outside the municipality")


def boundary_geometry(raw: object) -> object:
    """The geometry of ``boundary.geojson``: a GeoJSON ``Polygon`` or ``MultiPolygon``, or a
    ``Feature`` of one, or a ``FeatureCollection`` of exactly one such feature (what a GIS
    exports). Anything else is passed on for ``parse_municipality`` to refuse with the reason."""
    if isinstance(raw, dict) and raw.get("type") == "FeatureCollection":
        features = raw.get("features") or []
        if len(features) != 1:
            raise ConfigurationError(
                "error.configuration",
                detail=f"boundary: expected one feature (the territory), not {len(features)}")
        raw = features[0]
    if isinstance(raw, dict) and raw.get("type") == "Feature":
        return raw.get("geometry")
    return raw


#: How far (degrees, about 1 m) an area may stick out of the boundary: digitising noise.
BOUNDARY_TOLERANCE = 1e-5


def check_area_geometries(areas: Iterable[Area], boundary: dict | None = None) -> None:
    """Refuse an area or a boundary whose (structurally correct) geometry is not a valid
    polygon, and an area reaching outside the boundary (no case located there could be taken)."""
    from shapely.geometry import shape

    territory = None
    if boundary is not None:
        territory = _valid(shape(boundary), "boundary")
    for area in areas:
        geometry = _valid(shape(area.geometry), f"area {area.id}")
        if territory is not None and not territory.buffer(BOUNDARY_TOLERANCE).covers(geometry):
            outside = geometry.difference(territory).representative_point()
            raise ConfigurationError(
                "error.configuration",
                detail=f"area {area.id}: reaches outside the boundary "
                       f"(at {outside.x:.5f} {outside.y:.5f})")


def _valid(geometry, where: str):
    from shapely.validation import explain_validity

    if not geometry.is_valid:
        raise ConfigurationError("error.configuration",
                                 detail=f"{where}: invalid geometry: {explain_validity(geometry)}")
    if geometry.is_empty or geometry.area == 0:
        raise ConfigurationError("error.configuration", detail=f"{where}: the geometry has no area")
    return geometry


def public_holidays(country: str, *, extra: Sequence[str] = (), today: date | None = None,
                    years_ahead: int = 4) -> list[str]:
    """The country's public holidays (ISO dates) from last year to ``years_ahead`` years on,
    plus the municipality's own days off (``extra_holidays`` in ``municipality.json``).

    Computed when the configuration is seeded, so that the functions need neither the
    ``holidays`` package nor its import time; re-seed at least once a year.
    """
    import holidays  # an operations dependency, not a runtime one

    year = (today or date.today()).year
    days = holidays.country_holidays(country, years=range(year - 1, year + years_ahead + 1))
    return sorted({day.isoformat() for day in days} | set(extra))
