"""The HTTP edge of the public map (issue 16): the query strings of ``GET /v1/public/reports``,
``/v1/public/reports/nearby`` and ``/v1/public/reports/{number}``, and their answers as GeoJSON
(RFC 7946) of the public projection only (``domain.public_reports.PublicReport``)."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Mapping

from ..domain.errors import FieldError
from ..domain.municipality import localised as tr_text
from ..domain.public_reports import PUBLIC_MAP_DAYS, BoundingBox
from ..rendering import translate
from ..services.public_map import (
    DEFAULT_PAGE,
    MAX_NEARBY_RADIUS_M,
    MAX_PAGE,
    NEARBY_LIMIT,
    NEARBY_RADIUS_M,
    MapQuery,
    NearbyQuery,
)
from .validation import Arr, Bool, Int, Num, Obj, Str

if TYPE_CHECKING:
    from ..domain.municipality import Municipality
    from ..domain.public_reports import PublicReport
    from ..services.public_map import NearbyReport
    from ..services.public_report_ports import ReportPage

_NUMBER = r"-?[0-9]{1,3}(\.[0-9]{1,12})?"
_LANG = Str(max_length=8)
_CATEGORY_LIST = Str(max_length=500, pattern=r"^[a-z0-9_,]+$", description="Comma-separated category ids")

REPORTS_QUERY = Obj({
    "bbox": Str(max_length=120, pattern=rf"^{_NUMBER},{_NUMBER},{_NUMBER},{_NUMBER}$",
                description="minLon,minLat,maxLon,maxLat (WGS 84): only reports whose published "
                            "point is inside; without it, every report (those without a point too)"),
    "category": _CATEGORY_LIST,
    "status": Str(max_length=200, pattern=r"^[a-z_,]+$", description="Comma-separated statuses"),
    "days": Int(minimum=1, maximum=PUBLIC_MAP_DAYS, from_text=True,
                description=f"Requested in the last this many days (default and most {PUBLIC_MAP_DAYS})"),
    "limit": Int(minimum=1, maximum=MAX_PAGE, from_text=True,
                 description=f"Reports per page (default {DEFAULT_PAGE})"),
    "cursor": Str(max_length=400, pattern=r"^[A-Za-z0-9_-]+$", description="`next_cursor` of the previous page"),
    "lang": _LANG,
}, description="The public map (query string)")

NEARBY_QUERY = Obj({
    "lat": Str(required=True, max_length=20, pattern=rf"^{_NUMBER}$", description="Latitude (WGS 84)"),
    "lon": Str(required=True, max_length=20, pattern=rf"^{_NUMBER}$", description="Longitude (WGS 84)"),
    "category": Str(max_length=64, pattern=r"^[a-z0-9_]+$", description="Only reports of this category"),
    "radius_m": Int(minimum=10, maximum=MAX_NEARBY_RADIUS_M, from_text=True,
                    description=f"Metres around the point (default {NEARBY_RADIUS_M})"),
    "limit": Int(minimum=1, maximum=20, from_text=True, description=f"At most this many (default {NEARBY_LIMIT})"),
    "lang": _LANG,
}, description="Open public reports near a point (query string)")

REPORT_QUERY = Obj({"lang": _LANG}, description="One public report (query string)")


def _checked(schema: Obj, params: Mapping[str, str] | None) -> tuple[dict, list[FieldError]]:
    errors: list[FieldError] = []
    cleaned = schema.check(dict(params or {}), "", errors) or {}
    return cleaned, errors


def _csv(value: str | None) -> frozenset[str]:
    return frozenset(p.strip() for p in (value or "").split(",") if p.strip())


def reports_query(params: Mapping[str, str] | None) -> MapQuery:
    cleaned, errors = _checked(REPORTS_QUERY, params)
    box = None
    if cleaned.get("bbox"):
        west, south, east, north = (float(part) for part in cleaned["bbox"].split(","))
        if not (-180 <= west <= east <= 180 and -90 <= south <= north <= 90):
            errors.append(FieldError("bbox", "invalid_format"))
        else:
            box = BoundingBox(south=south, west=west, north=north, east=east)
    return MapQuery(bbox=box, categories=_csv(cleaned.get("category")),
                    statuses=_csv(cleaned.get("status")),
                    days=cleaned.get("days", PUBLIC_MAP_DAYS), limit=cleaned.get("limit", DEFAULT_PAGE),
                    cursor=cleaned.get("cursor"), field_errors=tuple(errors))


def nearby_query(params: Mapping[str, str] | None) -> NearbyQuery:
    cleaned, errors = _checked(NEARBY_QUERY, params)
    lat = float(cleaned["lat"]) if cleaned.get("lat") else None
    lon = float(cleaned["lon"]) if cleaned.get("lon") else None
    if lat is not None and not -90 <= lat <= 90:
        errors.append(FieldError("lat", "out_of_range", {"min": -90, "max": 90}))
    if lon is not None and not -180 <= lon <= 180:
        errors.append(FieldError("lon", "out_of_range", {"min": -180, "max": 180}))
    return NearbyQuery(lat=lat, lon=lon, category=cleaned.get("category"),
                       radius_m=cleaned.get("radius_m", NEARBY_RADIUS_M),
                       limit=cleaned.get("limit", NEARBY_LIMIT), field_errors=tuple(errors))


# -- answers ----------------------------------------------------------------------------------

def _z(moment: datetime | None) -> str | None:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ") if moment else None


def report_feature(report: PublicReport, municipality: Municipality, language: str, **extra) -> dict:
    """One report as a GeoJSON Feature (``geometry`` null without a point)."""
    category = municipality.categories.get(report.category)
    area = municipality.areas.get(report.area_id) if report.area_id else None
    answers = []
    for answer in report.answers:
        entry: dict = {"at": _z(answer.at), "text": answer.text}
        if answer.status:
            entry["status"] = answer.status
            entry["status_name"] = translate(language, f"status.{answer.status}")
        answers.append(entry)
    properties = {
        "number": report.number, "type": report.type,
        "type_name": translate(language, f"type.{report.type}"),
        "category": report.category,
        "category_name": tr_text(category.name, language) if category else report.category,
        "status": report.status, "status_name": translate(language, f"status.{report.status}"),
        "open": report.open, "requested_at": _z(report.requested_at),
        "updated_at": _z(report.updated_at), "description": report.description,
        "area": tr_text(area.name, language) if area else report.area,
        "precision_m": report.precision_m, "answers": answers, "photos": list(report.photos),
        "expected_at": _z(report.expected_at), **extra,
    }
    geometry = ({"type": "Point", "coordinates": [report.point[1], report.point[0]]}
                if report.point else None)
    return {"type": "Feature", "id": report.number, "geometry": geometry, "properties": properties}


def reports_page(page: ReportPage, municipality: Municipality, language: str) -> dict:
    return {"type": "FeatureCollection",
            "features": [report_feature(r, municipality, language) for r in page.reports],
            "next_cursor": page.cursor, "count": len(page.reports)}


def nearby_page(found: list[NearbyReport], municipality: Municipality, language: str) -> dict:
    return {"type": "FeatureCollection",
            "features": [report_feature(n.report, municipality, language, distance_m=n.distance_m)
                         for n in found],
            "count": len(found)}


# -- the answers' schemas (OpenAPI) -------------------------------------------------------------

_TEXT = Str(description="Translated into the request's language")
_MOMENT = Str(format="date-time")
_ANSWER = Obj({"at": _MOMENT, "text": Str(description="Redacted of personal data"),
               "status": Str(description="The status this answer set, when it set one"),
               "status_name": _TEXT})
FEATURE = Obj({
    "type": Str(required=True, enum=("Feature",)), "id": Str(required=True),
    "geometry": Obj({"type": Str(enum=("Point",)),
                     "coordinates": Arr(Num(), description="[longitude, latitude], coarsened to "
                                                           "the category's precision")},
                    description="null when the report has no point"),
    "properties": Obj({
        "number": Str(required=True), "type": Str(), "type_name": _TEXT,
        "category": Str(), "category_name": _TEXT, "status": Str(), "status_name": _TEXT,
        "open": Bool(), "requested_at": _MOMENT, "updated_at": _MOMENT,
        "description": Str(description="Redacted of personal data"),
        "area": Str(description="The district it lies in, never an address"),
        "precision_m": Int(description="0: the exact point; else the point stands for a cell about this wide"),
        "answers": Arr(_ANSWER, description="The municipality's official public answers, oldest first"),
        "photos": Arr(Str(), description="Published photos (staff-approved, without EXIF): paths "
                                         "under the public media URL"),
        "expected_at": Str(format="date-time", description="When it should be resolved (open reports)"),
        "distance_m": Num(description="Metres from the point to the published point (nearby only)"),
    }, required=True),
})
REPORTS = Obj({"type": Str(enum=("FeatureCollection",)), "features": Arr(FEATURE, max_items=MAX_PAGE),
               "next_cursor": Str(description="null on the last page"), "count": Int()},
              description="GeoJSON (RFC 7946), newest request first")
NEARBY = Obj({"type": Str(enum=("FeatureCollection",)), "features": Arr(FEATURE), "count": Int()},
             description="GeoJSON, nearest first")
