"""The municipality's configuration files (``infra/config/``) -> one configuration document."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Iterable, Sequence

from ..domain.errors import ConfigurationError
from ..domain.municipality import Area
from ..domain.municipality_config import parse_municipality


def load_config_dir(directory: str | Path) -> dict:
    """Merge ``municipality.json``, ``departments.json``, ``services.json``,
    ``categories.json`` and, when present, ``areas.geojson`` and ``external_bodies.json`` into
    the document ``parse_municipality`` validates (and validate it).

    The areas' geometries are also checked with a geometry engine here (no self-intersections,
    holes inside their shells, ...): that needs shapely, which the seed step has anyway and which
    the functions should not load merely to re-read a configuration that was valid when stored.
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
    if (directory / "external_bodies.json").exists():
        document["external_bodies"] = read("external_bodies.json")["external_bodies"]
    document["holidays"] = public_holidays(document["country"], extra=document.get("extra_holidays", []))
    municipality = parse_municipality(document)  # fail here, before anything is stored
    check_area_geometries(municipality.areas.values())
    return document


def check_area_geometries(areas: Iterable[Area]) -> None:
    """Refuse an area whose (structurally correct) geometry is not a valid polygon."""
    from shapely.geometry import shape
    from shapely.validation import explain_validity

    for area in areas:
        geometry = shape(area.geometry)
        if not geometry.is_valid:
            raise ConfigurationError(
                "error.configuration",
                detail=f"area {area.id}: invalid geometry: {explain_validity(geometry)}")
        if geometry.is_empty or geometry.area == 0:
            raise ConfigurationError("error.configuration",
                                     detail=f"area {area.id}: the geometry has no area")


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
