"""The HTTP edge of finding cases: the query strings of search, requester lookup, map and
nearby cases (checked against their schemas), and their answers (cases shaped as in a queue,
the map as GeoJSON)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Mapping

from ..domain.errors import FieldError
from ..domain.geohash import Box
from ..domain.municipality import localised as tr_text
from ..rendering import translate
from ..services.search import MAX_RADIUS_M, MapQuery, NearbyQuery, RequesterQuery, SearchQuery
from . import schemas
from .case_views import _z, summary
from .validation import Arr, Bool, DateTime, Int, Num, Obj, Str

if TYPE_CHECKING:  # annotations only
    from ..domain.municipality import Municipality
    from ..services.search import MapPage, NearbyCase, RequesterPage, SearchPage
    from ..services.search_ports import CasePoint

_NUMBER = r"-?[0-9]{1,3}(\.[0-9]{1,12})?"
_CURSOR = Str(max_length=400, pattern=r"^[A-Za-z0-9_-]+$",
              description="`next_cursor` of the previous page")
_LANG = Str(max_length=8)

SEARCH_QUERY = Obj({
    "q": Str(required=True, min_length=1, max_length=200,
             description="A case number (`2026-000123`, `2026-123`, `000123`), a phone number "
                         "in any usual writing, an e-mail address, or words (of the requester's "
                         "name, the subject, the address, the description; any script, "
                         "diacritics optional, word prefixes match)"),
    "limit": Int(minimum=1, maximum=100, from_text=True, description="Page size (default 25)"),
    "cursor": _CURSOR,
    "lang": _LANG,
}, description="Search (query string)")

REQUESTER_QUERY = Obj({
    "phone": Str(max_length=40, description="In any usual writing; read as E.164"),
    "email": Str(max_length=254, format="email"),
    "limit": Int(minimum=1, maximum=50, from_text=True, description="Cases per page (default 10)"),
    "cursor": _CURSOR,
    "lang": _LANG,
}, description="Requester lookup (query string): phone or email")

MAP_QUERY = Obj({
    "bbox": Str(required=True, max_length=120,
                pattern=rf"^{_NUMBER},{_NUMBER},{_NUMBER},{_NUMBER}$",
                description="minLon,minLat,maxLon,maxLat (WGS 84; at most 16 cells of about "
                            "39 km x 19.5 km)"),
    "status": Str(max_length=200, description="Comma-separated statuses"),
    "category": Str(max_length=500, description="Comma-separated category ids"),
    "department": Str(max_length=64, pattern=schemas.DEPARTMENT_PATTERN),
    "assignee": Str(max_length=128, pattern=schemas.USERNAME_PATTERN, description="A username, or `me`"),
    "from": DateTime(description="Received at or after (RFC 3339)"),
    "to": DateTime(description="Received at or before (RFC 3339)"),
    "limit": Int(minimum=1, maximum=1000, from_text=True, description="Markers per page (default 500)"),
    "cursor": _CURSOR,
    "lang": _LANG,
}, description="Map of cases (query string)")

NEARBY_QUERY = Obj({
    "lat": Str(required=True, max_length=20, pattern=rf"^{_NUMBER}$", description="Latitude (WGS 84)"),
    "lon": Str(required=True, max_length=20, pattern=rf"^{_NUMBER}$", description="Longitude (WGS 84)"),
    "category": Str(max_length=64, description="Only cases of this category"),
    "radius_m": Int(minimum=10, maximum=MAX_RADIUS_M, from_text=True,
                    description="Metres around the point (default 300)"),
    "limit": Int(minimum=1, maximum=50, from_text=True, description="At most this many (default 10)"),
    "lang": _LANG,
}, description="Open cases near a point (query string)")


def _checked(schema: Obj, params: Mapping[str, str] | None) -> tuple[dict, list[FieldError]]:
    errors: list[FieldError] = []
    cleaned = schema.check(dict(params or {}), "", errors) or {}
    return cleaned, errors


def _csv(value: str | None) -> tuple[str, ...]:
    return tuple(dict.fromkeys(p.strip() for p in (value or "").split(",") if p.strip()))


def search_query(params: Mapping[str, str] | None) -> SearchQuery:
    cleaned, errors = _checked(SEARCH_QUERY, params)
    return SearchQuery(q=cleaned.get("q", ""), limit=cleaned.get("limit", 25),
                       cursor=cleaned.get("cursor"), field_errors=tuple(errors))


def requester_query(params: Mapping[str, str] | None) -> RequesterQuery:
    cleaned, errors = _checked(REQUESTER_QUERY, params)
    return RequesterQuery(phone=cleaned.get("phone"), email=cleaned.get("email"),
                          limit=cleaned.get("limit", 10), cursor=cleaned.get("cursor"),
                          field_errors=tuple(errors))


def map_query(params: Mapping[str, str] | None) -> MapQuery:
    cleaned, errors = _checked(MAP_QUERY, params)
    box = None
    if cleaned.get("bbox"):
        box = Box(*(float(part) for part in cleaned["bbox"].split(",")))
        if not box.valid:
            errors.append(FieldError("bbox", "invalid_format"))
            box = None
    statuses = _csv(cleaned.get("status"))
    if any(v not in schemas.STATUSES for v in statuses):
        errors.append(FieldError("status", "not_allowed", {"allowed": ", ".join(schemas.STATUSES)}))
    return MapQuery(bbox=box, statuses=statuses, categories=_csv(cleaned.get("category")),
                    department=cleaned.get("department"), assignee=cleaned.get("assignee"),
                    received_from=cleaned.get("from"), received_to=cleaned.get("to"),
                    limit=cleaned.get("limit", 500), cursor=cleaned.get("cursor"),
                    field_errors=tuple(errors))


def nearby_query(params: Mapping[str, str] | None) -> NearbyQuery:
    cleaned, errors = _checked(NEARBY_QUERY, params)
    lat = float(cleaned["lat"]) if cleaned.get("lat") else None
    lon = float(cleaned["lon"]) if cleaned.get("lon") else None
    if lat is not None and not -90 <= lat <= 90:
        errors.append(FieldError("lat", "out_of_range", {"min": -90, "max": 90}))
    if lon is not None and not -180 <= lon <= 180:
        errors.append(FieldError("lon", "out_of_range", {"min": -180, "max": 180}))
    return NearbyQuery(lat=lat, lon=lon, category=cleaned.get("category"),
                       radius_m=cleaned.get("radius_m", 300), limit=cleaned.get("limit", 10),
                       field_errors=tuple(errors))


# -- answers ----------------------------------------------------------------------------------

def search_page(page: SearchPage, municipality: Municipality, language: str) -> dict:
    return {"items": [summary(case, municipality, language) for case in page.cases],
            "next_cursor": page.next_cursor, "count": len(page.cases),
            "matched_by": page.matched_by, "truncated": page.truncated}


def requester_page(page: RequesterPage, municipality: Municipality, language: str) -> dict:
    known = bool(page.cases)
    return {"requester": {"name": page.name, "email": page.email, "phone": page.phone} if known else None,
            "items": [summary(case, municipality, language) for case in page.cases],
            "next_cursor": page.next_cursor, "count": len(page.cases)}


def _properties(point: CasePoint, municipality: Municipality, language: str) -> dict[str, Any]:
    category = municipality.categories.get(point.category)
    department = municipality.departments.get(point.department)
    return {
        "number": point.number, "type": point.type,
        "type_name": translate(language, f"type.{point.type}"),
        "status": point.status, "status_name": translate(language, f"status.{point.status}"),
        "category": point.category,
        "category_name": tr_text(category.name, language) if category else point.category,
        "department": point.department,
        "department_name": tr_text(department.name, language) if department else point.department,
        "assignee": point.assignee, "received_at": _z(point.received_at or point.created_at),
        "created_at": _z(point.created_at),
    }


def _feature(point: CasePoint, municipality: Municipality, language: str, **extra) -> dict:
    return {"type": "Feature", "id": point.number,
            "geometry": {"type": "Point", "coordinates": [point.lon, point.lat]},
            "properties": {**_properties(point, municipality, language), **extra}}


def map_page(page: MapPage, municipality: Municipality, language: str) -> dict:
    """A GeoJSON FeatureCollection (RFC 7946), with the page's cursor beside it."""
    return {"type": "FeatureCollection",
            "features": [_feature(p, municipality, language) for p in page.points],
            "next_cursor": page.next_cursor, "count": len(page.points)}


def nearby_page(found: list[NearbyCase], municipality: Municipality, language: str) -> dict:
    return {"type": "FeatureCollection",
            "features": [_feature(n.point, municipality, language,
                                  distance_m=round(n.distance_m, 1)) for n in found],
            "count": len(found)}


# -- the answers' schemas (OpenAPI) -------------------------------------------------------------

_TEXT = Str(description="Translated into the request's language")
_MARKER = Obj({
    "type": Str(required=True, enum=("Feature",)), "id": Str(required=True),
    "geometry": Obj({"type": Str(enum=("Point",)),
                     "coordinates": Arr(Num(), description="[longitude, latitude]")}, required=True),
    "properties": Obj({
        "number": Str(required=True), "type": Str(), "type_name": _TEXT, "status": Str(),
        "status_name": _TEXT, "category": Str(), "category_name": _TEXT, "department": Str(),
        "department_name": _TEXT, "assignee": Str(), "received_at": Str(format="date-time"),
        "created_at": Str(format="date-time"),
        "distance_m": Num(description="Metres from the point (nearby cases only)"),
    }, required=True),
})


def response_schemas() -> dict[str, Obj]:
    from .response_schemas import CASE_SUMMARY as summary_schema

    return {
        "search": Obj({
            "items": Arr(summary_schema, required=True), "next_cursor": Str(), "count": Int(),
            "matched_by": Str(enum=("number", "registry", "phone", "email", "words")),
            "truncated": Bool(description="A word matched more than 1,000 index entries: some "
                                           "matches may be missing; add a word"),
        }),
        "requester": Obj({
            "requester": Obj({"name": Str(), "email": Str(), "phone": Str()},
                             description="As the newest case you may see names them; null when "
                                         "no such case"),
            "items": Arr(summary_schema, required=True, description="Their cases, newest first"),
            "next_cursor": Str(), "count": Int(),
        }),
        "map": Obj({"type": Str(enum=("FeatureCollection",)), "features": Arr(_MARKER, max_items=1000),
                    "next_cursor": Str(), "count": Int()}, description="GeoJSON (RFC 7946)"),
        "nearby": Obj({"type": Str(enum=("FeatureCollection",)), "features": Arr(_MARKER),
                       "count": Int()}, description="GeoJSON, nearest first"),
    }
