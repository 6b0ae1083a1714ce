"""A municipality's configuration document (seeded from ``infra/config/``): validated here once,
when it is loaded, and turned into the typed :class:`~civicdesk.domain.municipality.Municipality`.
"""

from __future__ import annotations

import math
import re
from datetime import date
from typing import Mapping, Sequence

from .cases import LANGUAGES, CaseType
from .errors import ConfigurationError
from .municipality import (
    SECTIONS,
    Area,
    Category,
    CategoryGroup,
    Department,
    ExternalBody,
    MapTiles,
    Municipality,
    Service,
)
from .municipality_sections import section_builders

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
AREA_KINDS = ("district", "utility_area")
EXTERNAL_BODY_KINDS = ("municipality", "inspectorate", "utility", "other")

_ID_RE = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]*$")
_EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s.]+(\.[^@\s.]+)+$")
_EARTH_RADIUS_KM = 6371.0088


def _text(value: object, where: str, languages: tuple[str, ...]) -> dict[str, str]:
    if not isinstance(value, Mapping):
        raise ConfigurationError("error.configuration", detail=f"{where}: expected a text object")
    missing = [lang for lang in languages if not str(value.get(lang) or "").strip()]
    if missing:
        raise ConfigurationError("error.configuration",
                                 detail=f"{where}: missing translation(s) {', '.join(missing)}")
    return {str(k): str(v) for k, v in value.items()}


def _hours(raw: object) -> dict[str, tuple[tuple[str, str], ...]]:
    if not isinstance(raw, Mapping):
        raise ConfigurationError("error.configuration", detail="working_hours: expected an object")
    hours: dict[str, tuple[tuple[str, str], ...]] = {}
    for day in WEEKDAYS:
        spans = raw.get(day, [])
        parsed = []
        for span in spans:
            if (not isinstance(span, (list, tuple)) or len(span) != 2
                    or not all(_is_hhmm(part) for part in span) or span[0] >= span[1]):
                raise ConfigurationError("error.configuration",
                                         detail=f"working_hours.{day}: bad span {span!r}")
            parsed.append((span[0], span[1]))
        hours[day] = tuple(parsed)
    return hours


def _is_hhmm(value: object) -> bool:
    return (isinstance(value, str) and len(value) == 5 and value[2] == ":"
            and value[:2].isdigit() and value[3:].isdigit()
            and int(value[:2]) < 24 and int(value[3:]) < 60)


def _types(values: object, where: str) -> tuple[CaseType, ...]:
    try:
        return tuple(CaseType(v) for v in values)  # type: ignore[attr-defined]  # TypeError is the check
    except (TypeError, ValueError) as exc:
        raise ConfigurationError("error.configuration", detail=f"{where}: {exc}") from None


def _dates(values: object) -> frozenset[date]:
    try:
        return frozenset(date.fromisoformat(v) for v in values)  # type: ignore[attr-defined]  # as above
    except (TypeError, ValueError) as exc:
        raise ConfigurationError("error.configuration", detail=f"holidays: {exc}") from None


def _fail(detail: str) -> ConfigurationError:
    return ConfigurationError("error.configuration", detail=detail)


def _identifier(value: object, where: str) -> str:
    if not isinstance(value, str) or not value.isascii() or not _ID_RE.match(value):
        raise _fail(f"{where}: id must be an ASCII identifier, not {value!r}")
    return value


def _is_number(value: object) -> bool:
    return (isinstance(value, (int, float)) and not isinstance(value, bool)
            and math.isfinite(value))


def _ring(raw: object, where: str) -> list[tuple[float, float]]:
    if not isinstance(raw, Sequence) or isinstance(raw, str) or len(raw) < 4:
        raise _fail(f"{where}: a linear ring needs at least 4 positions")
    ring = []
    for position in raw:
        if (not isinstance(position, Sequence) or isinstance(position, str)
                or len(position) not in (2, 3) or not all(_is_number(v) for v in position)):
            raise _fail(f"{where}: bad position {position!r}")
        lon, lat = position[0], position[1]
        if not (-180 <= lon <= 180 and -90 <= lat <= 90):
            raise _fail(f"{where}: position {position!r} is out of range (longitude first)")
        ring.append((float(lon), float(lat)))
    if ring[0] != ring[-1]:
        raise _fail(f"{where}: the ring is not closed (first and last positions differ)")
    return ring


def _polygon(raw: object, where: str) -> list[list[tuple[float, float]]]:
    if not isinstance(raw, Sequence) or isinstance(raw, str) or not raw:
        raise _fail(f"{where}: a polygon needs an exterior ring")
    return [_ring(ring, f"{where}, ring {i}") for i, ring in enumerate(raw)]


def _ring_km2(ring: list[tuple[float, float]]) -> float:
    """Area of a ring on a local equirectangular projection: good to a few per mille at a
    municipality's scale, which is all that breaking ties between overlapping areas needs."""
    mean_lat = math.radians(sum(lat for _, lat in ring) / len(ring))
    k = math.radians(1) * _EARTH_RADIUS_KM
    points = [(lon * k * math.cos(mean_lat), lat * k) for lon, lat in ring]
    return abs(sum(x1 * y2 - x2 * y1 for (x1, y1), (x2, y2) in zip(points, points[1:], strict=False))) / 2


def _geometry(raw: object, where: str) -> tuple[dict, float]:
    """Check a GeoJSON Polygon/MultiPolygon's structure; return it and its approximate area.

    Validity (no self-intersections, holes inside their shell, ...) needs a geometry engine and
    is checked when the configuration is seeded (``adapters.config_files``).
    """
    if not isinstance(raw, Mapping):
        raise _fail(f"{where}: geometry must be a GeoJSON object")
    kind, coordinates = raw.get("type"), raw.get("coordinates")
    if kind == "Polygon":
        polygons = [_polygon(coordinates, where)]
    elif kind == "MultiPolygon":
        if not isinstance(coordinates, Sequence) or isinstance(coordinates, str) or not coordinates:
            raise _fail(f"{where}: a MultiPolygon needs at least one polygon")
        polygons = [_polygon(part, f"{where}, polygon {i}") for i, part in enumerate(coordinates)]
    else:
        raise _fail(f"{where}: geometry type must be Polygon or MultiPolygon, not {kind!r}")
    size = sum(_ring_km2(rings[0]) - sum(_ring_km2(hole) for hole in rings[1:])
               for rings in polygons)
    return dict(raw), size


def _areas(raw: object, languages: tuple[str, ...], departments: Mapping[str, Department],
           categories: Mapping[str, Category],
           groups: Mapping[str, CategoryGroup]) -> dict[str, Area]:
    if raw is None:
        return {}
    if not isinstance(raw, Mapping) or raw.get("type") != "FeatureCollection":
        raise _fail("areas: expected a GeoJSON FeatureCollection")
    areas: dict[str, Area] = {}
    for index, feature in enumerate(raw.get("features") or ()):
        if not isinstance(feature, Mapping) or feature.get("type") != "Feature":
            raise _fail(f"areas: feature {index} is not a GeoJSON Feature")
        properties = feature.get("properties")
        if not isinstance(properties, Mapping):
            raise _fail(f"areas: feature {index} has no properties")
        area_id = _identifier(properties.get("id"), f"areas: feature {index}")
        where = f"area {area_id}"
        if area_id in areas:
            raise _fail(f"{where}: duplicate id")
        kind = properties.get("kind")
        if kind not in AREA_KINDS:
            raise _fail(f"{where}: kind must be one of {', '.join(AREA_KINDS)}")
        routes = properties.get("routes") or {}
        if not isinstance(routes, Mapping):
            raise _fail(f"{where}: routes must be an object")
        for target, department in routes.items():
            if target not in categories and target not in groups:
                raise _fail(f"{where}: routes name an unknown category or group {target}")
            if department not in departments:
                raise _fail(f"{where}: routes {target} to an unknown department {department}")
        priority = properties.get("priority", 0)
        if not isinstance(priority, int) or isinstance(priority, bool):
            raise _fail(f"{where}: priority must be an integer")
        geometry, size = _geometry(feature.get("geometry"), where)
        areas[area_id] = Area(id=area_id, kind=kind,
                              name=_text(properties.get("name"), where, languages),
                              geometry=geometry, routes={str(k): str(v) for k, v in routes.items()},
                              priority=priority, size_km2=size)
    return areas


def _boundary(raw: object) -> dict | None:
    if raw is None:
        return None
    geometry, _ = _geometry(raw, "boundary")
    return geometry


def _map_tiles(raw: object) -> MapTiles | None:
    """``map_tiles``: ``{"url": "https://…/{z}/{x}/{y}.png", "attribution": "…", "max_zoom": 19,
    "subdomains": "abc"}``; ``null`` or absent for maps without tiles.

    Examples
    --------
    >>> _map_tiles({"url": "https://tiles.example.rs/{z}/{x}/{y}.png", "attribution": "© OSM"}).max_zoom
    19
    >>> _map_tiles({"url": "ftp://x/{z}", "attribution": "a"})
    Traceback (most recent call last):
    ...
    civicdesk.domain.errors.ConfigurationError: error.configuration
    """
    if raw is None:
        return None
    if not isinstance(raw, Mapping):
        raise _fail("map_tiles: expected {\"url\": ..., \"attribution\": ...} or null")
    url, attribution = raw.get("url"), raw.get("attribution")
    if (not isinstance(url, str) or not url.startswith(("https://", "http://"))
            or any(part not in url for part in ("{z}", "{x}", "{y}"))):
        raise _fail("map_tiles.url: expected an http(s) URL template with {z}, {x} and {y}")
    if not isinstance(attribution, str) or not attribution.strip():
        raise _fail("map_tiles.attribution: the tile provider's attribution is required")
    max_zoom = raw.get("max_zoom", 19)
    if not isinstance(max_zoom, int) or isinstance(max_zoom, bool) or not 1 <= max_zoom <= 22:
        raise _fail("map_tiles.max_zoom: expected a whole number from 1 to 22")
    subdomains = raw.get("subdomains", "")
    if not isinstance(subdomains, str):
        raise _fail("map_tiles.subdomains: expected letters, e.g. \"abc\"")
    return MapTiles(url=url, attribution=attribution.strip(), max_zoom=max_zoom, subdomains=subdomains)


def _example(raw: object) -> tuple[float, float] | None:
    """``location_example``: ``{"lat": .., "lon": ..}`` in range."""
    if raw is None:
        return None
    if (not isinstance(raw, Mapping) or not _is_number(raw.get("lat"))
            or not _is_number(raw.get("lon"))):
        raise _fail("location_example: expected {\"lat\": <degrees>, \"lon\": <degrees>}")
    lat, lon = float(raw["lat"]), float(raw["lon"])
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        raise _fail(f"location_example: {lat}, {lon} is out of range (latitude first)")
    return lat, lon


def _external_bodies(raw: object, languages: tuple[str, ...],
                     departments: Mapping[str, Department],
                     services: Mapping[str, Service]) -> dict[str, ExternalBody]:
    if raw is None:
        return {}
    if isinstance(raw, (str, Mapping)) or not isinstance(raw, Sequence):
        raise _fail("external_bodies: expected a list")
    support_addresses = {service.address for service in services.values()}
    bodies: dict[str, ExternalBody] = {}
    for index, entry in enumerate(raw):
        if not isinstance(entry, Mapping):
            raise _fail(f"external_bodies: entry {index} is not an object")
        body_id = _identifier(entry.get("id"), f"external_bodies: entry {index}")
        where = f"external body {body_id}"
        if body_id in bodies or body_id in departments:
            raise _fail(f"{where}: id is already used by another external body or a department")
        kind = entry.get("kind")
        if kind not in EXTERNAL_BODY_KINDS:
            raise _fail(f"{where}: kind must be one of {', '.join(EXTERNAL_BODY_KINDS)}")
        email = entry.get("email")
        if not isinstance(email, str) or not _EMAIL_RE.match(email.strip()):
            raise _fail(f"{where}: {email!r} is not an e-mail address")
        email = email.strip().lower()
        if email in support_addresses:
            # A referral sent there would come straight back in as a new case.
            raise _fail(f"{where}: {email} is one of the municipality's own support addresses")
        bodies[body_id] = ExternalBody(id=body_id, kind=kind,
                                       name=_text(entry.get("name"), where, languages),
                                       email=email)
    return bodies


def _head(value, where: str) -> str | None:
    """A department's head: an e-mail address (lower case), or nobody."""
    if value is None:
        return None
    if not isinstance(value, str) or not _EMAIL_RE.match(value.strip()):
        raise ConfigurationError("error.configuration",
                                 detail=f"{where}: head {value!r} is not an e-mail address")
    return value.strip().lower()


def parse_municipality(doc: Mapping, *, deferred: bool = False) -> Municipality:
    """Validate the configuration document and build the typed model.

    ``doc`` has the keys of ``infra/config/municipality.json`` plus ``departments``,
    ``services``, ``groups`` and ``categories`` (the lists of the other files), and optionally
    ``areas`` (the GeoJSON FeatureCollection of ``areas.geojson``), ``boundary`` (the territory's
    GeoJSON Polygon or MultiPolygon, from ``boundary.geojson``), ``location_example`` and
    ``external_bodies``. Raises ``ConfigurationError`` naming the first problem found.

    ``deferred``: the parts only some requests need (``municipality.SECTIONS``: the SMS
    script, service levels, alert topics, public map precision, the portal's facts) are parsed
    on their first use, not now. For a document that was checked whole when it was stored
    (``adapters.config_files``, the seed step): the functions' configuration per container
    (``services.municipality``), so that a cold start imports and parses only what it uses.
    """
    try:
        languages = tuple(doc["languages"])
        if not languages or any(lang not in LANGUAGES for lang in languages):
            raise ConfigurationError("error.configuration",
                                     detail=f"languages must be a subset of {LANGUAGES}")
        default_language = doc["default_language"]
        if default_language not in languages:
            raise ConfigurationError("error.configuration",
                                     detail="default_language is not one of languages")
        departments = {}
        for raw in doc["departments"]:
            dep = Department(id=raw["id"], name=_text(raw["name"], f"department {raw['id']}", languages),
                             email=raw.get("email"), external=bool(raw.get("external", False)),
                             head=_head(raw.get("head"), f"department {raw['id']}"))
            departments[dep.id] = dep
        groups = {raw["id"]: CategoryGroup(raw["id"], _text(raw["name"], f"group {raw['id']}", languages))
                  for raw in doc["groups"]}
        categories = {}
        for raw in doc["categories"]:
            where = f"category {raw['id']}"
            if raw["department"] not in departments:
                raise ConfigurationError("error.configuration",
                                         detail=f"{where}: unknown department {raw['department']}")
            if raw["group"] not in groups:
                raise ConfigurationError("error.configuration",
                                         detail=f"{where}: unknown group {raw['group']}")
            categories[raw["id"]] = Category(
                id=raw["id"], group=raw["group"], name=_text(raw["name"], where, languages),
                description=_text(raw["description"], where, languages),
                department=raw["department"], types=_types(raw["types"], where),
                keywords=dict(raw.get("keywords") or {}))
        services = {}
        for raw in doc["services"]:
            where = f"service {raw['id']}"
            if raw["department"] not in departments:
                raise ConfigurationError("error.configuration",
                                         detail=f"{where}: unknown department {raw['department']}")
            if raw["default_category"] not in categories:
                raise ConfigurationError("error.configuration",
                                         detail=f"{where}: unknown category {raw['default_category']}")
            if raw["language"] not in languages:
                raise ConfigurationError("error.configuration",
                                         detail=f"{where}: unknown language {raw['language']}")
            services[raw["id"]] = Service(
                id=raw["id"], address=raw["address"].strip().lower(),
                name=_text(raw["name"], where, languages), department=raw["department"],
                default_category=raw["default_category"], language=raw["language"])
        general_address = doc["general_address"].strip().lower()
        if general_address not in {s.address for s in services.values()}:
            raise ConfigurationError("error.configuration",
                                     detail="general_address is not one of the services")
        new_cases_per_day = doc.get("new_cases_per_sender_per_day", 10)
        if not isinstance(new_cases_per_day, int) or isinstance(new_cases_per_day, bool) \
                or new_cases_per_day < 1:
            raise ConfigurationError("error.configuration",
                                     detail="new_cases_per_sender_per_day must be a whole number of at least 1")
        to_heads = doc.get("weekly_report_to_heads", False)
        if not isinstance(to_heads, bool):
            raise ConfigurationError("error.configuration",
                                     detail="weekly_report_to_heads must be true or false")
        from_cases = doc.get("audiences_from_cases", False)
        if not isinstance(from_cases, bool):
            raise ConfigurationError("error.configuration",
                                     detail="audiences_from_cases must be true or false")
        hours = _hours(doc["working_hours"])
        holidays = _dates(doc.get("holidays", []))
        external_bodies = _external_bodies(doc.get("external_bodies"), languages, departments,
                                           services)
        municipality = Municipality(
            id=doc["id"], name=_text(doc["name"], "name", languages), country=doc["country"],
            time_zone=doc["time_zone"], languages=languages, default_language=default_language,
            mail_domain=doc["mail_domain"].lower(), general_address=general_address,
            working_hours=hours,
            public_types=frozenset(_types(doc.get("public_types", ["signal"]), "public_types")),
            public_form_types=_types(doc.get("public_form_types", ["signal"]), "public_form_types"),
            reopen_window_days=int(doc.get("reopen_window_days", 30)),
            auto_reply_limit_per_hour=int(doc.get("auto_reply_limit_per_hour", 5)),
            departments=departments, services=services, groups=groups, categories=categories,
            holidays=holidays,
            areas=_areas(doc.get("areas"), languages, departments, categories, groups),
            external_bodies=external_bodies,
            boundary=_boundary(doc.get("boundary")),
            configured_example=_example(doc.get("location_example")),
            new_cases_per_sender_per_day=new_cases_per_day,
            map_tiles=_map_tiles(doc.get("map_tiles")),
            weekly_report_to_heads=to_heads, audiences_from_cases=from_cases,
            sections=section_builders(doc, languages=languages, categories=categories,
                                      departments=departments, external_bodies=external_bodies,
                                      hours=hours, holidays=holidays, parse_hours=_hours))
        if not deferred:
            for name in SECTIONS:
                getattr(municipality, name)  # each part checked now, and kept
        return municipality
    except KeyError as exc:
        raise ConfigurationError("error.configuration", detail=f"missing key {exc}") from None
