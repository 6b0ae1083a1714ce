"""The public map (issue 16): the public reports of a box and a period, one report, and the open
reports near a point ("is it one of these?" on the report form). Only the public projection
(``domain.public_reports.PublicReport``) ever leaves: no personal data, the points coarsened."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Callable

from msgspec import Struct, field

from ..domain.cases import OPEN_STATUSES, Status, utc_now
from ..domain.errors import FieldError, NotFoundError, ValidationError
from ..domain.geohash import around, cover, distance_m
from ..domain.public_reports import PUBLIC_MAP_DAYS, BoundingBox, PublicReport, ReportQuery
from .municipality import MunicipalityProvider
from .public_map_ports import CasePoints, ReportsByNumber
from .public_report_ports import PublicReports, ReportPage
from .search import COARSEST_CELL, MAP_READ, MAX_CELLS

#: Reports a page of the map holds at most (and by default).
MAX_PAGE = 500
DEFAULT_PAGE = 200
#: Nearby reports: the circle around the point (default and most), and how many.
NEARBY_RADIUS_M = 250
MAX_NEARBY_RADIUS_M = 1000
NEARBY_LIMIT = 5
#: Candidates of the geo index read for one nearby question at most.
MAX_NEARBY_CANDIDATES = 100
_STATUSES = frozenset(s.value for s in Status)


class MapQuery(Struct, frozen=True):
    """``GET /v1/public/reports``: every filter optional; ``days`` at most ``PUBLIC_MAP_DAYS``."""

    bbox: BoundingBox | None = None
    categories: frozenset[str] = frozenset()
    statuses: frozenset[str] = frozenset()
    days: int = PUBLIC_MAP_DAYS
    limit: int = DEFAULT_PAGE
    cursor: str | None = None
    field_errors: tuple[FieldError, ...] = ()


class NearbyQuery(Struct, frozen=True):
    lat: float | None = None
    lon: float | None = None
    category: str | None = None
    radius_m: int = NEARBY_RADIUS_M
    limit: int = NEARBY_LIMIT
    field_errors: tuple[FieldError, ...] = field(default_factory=tuple)


class NearbyReport(Struct, frozen=True):
    report: PublicReport
    distance_m: float  # from the asked point to the report's published (coarsened) point


class PublicMapService:
    def __init__(self, reports: PublicReports, by_number: ReportsByNumber, points: CasePoints,
                 municipality: MunicipalityProvider, clock: Callable[[], datetime] = utc_now):
        self._reports = reports
        self._by_number = by_number
        self._points = points
        self._municipality = municipality
        self._clock = clock

    def map(self, query: MapQuery) -> ReportPage:
        """One page (one ``Query``) of the public reports requested in the last ``days`` days,
        newest first."""
        errors = list(query.field_errors)
        municipality = self._municipality.get()
        unknown = sorted(c for c in query.categories if c not in municipality.categories)
        if unknown:
            errors.append(FieldError("category", "unknown_category", {"value": unknown[0]}))
        if any(s not in _STATUSES for s in query.statuses):
            errors.append(FieldError("status", "not_allowed", {"allowed": ", ".join(sorted(_STATUSES))}))
        if not 1 <= query.days <= PUBLIC_MAP_DAYS:
            errors.append(FieldError("days", "out_of_range", {"min": 1, "max": PUBLIC_MAP_DAYS}))
        if errors:
            raise ValidationError(errors)
        since = self._clock() - timedelta(days=query.days)
        return self._reports.page(
            ReportQuery(since=since, bbox=query.bbox, categories=query.categories,
                        statuses=query.statuses),
            limit=query.limit, cursor=query.cursor)

    def report(self, number: str) -> PublicReport:
        """One public report, of any age (a link to it keeps working)."""
        found = self._reports.report(number)
        if found is None:
            raise NotFoundError("error.not_found")
        return found

    def nearby(self, query: NearbyQuery) -> list[NearbyReport]:
        """The open public reports (of ``category``, when given) whose published point is within
        ``radius_m`` of the point, nearest first: one ``Query`` of the geo index per cell of the
        circle's box (at most 16), then one ``BatchGetItem`` of the candidates. The candidates
        are chosen by their exact point within the radius widened by the category's precision,
        the answer by the published point: it tells nothing finer than the map."""
        errors = list(query.field_errors)
        municipality = self._municipality.get()
        if query.category and query.category not in municipality.categories:
            errors.append(FieldError("category", "unknown_category", {"value": query.category}))
        if errors:
            raise ValidationError(errors)
        assert query.lat is not None and query.lon is not None
        precision = municipality.location_precision
        margin = (precision.for_category(query.category) if query.category
                  else max([precision.default_m, *precision.by_category.values()]))
        reach = query.radius_m + margin  # a cell's centre is at most ~0.71 cell from its points
        cells = cover(around(query.lat, query.lon, reach), max_cells=MAX_CELLS,
                      coarsest=COARSEST_CELL) or []
        open_statuses = {s.value for s in OPEN_STATUSES}
        candidates: list[tuple[float, str]] = []
        for cell in cells:
            points, _ = self._points.points(cell, None, MAP_READ)
            for point in points:
                if point.status not in open_statuses:
                    continue
                if query.category and point.category != query.category:
                    continue
                distance = distance_m(query.lat, query.lon, point.lat, point.lon)
                if distance <= reach:
                    candidates.append((distance, point.number))
        candidates.sort()
        numbers = [number for _, number in candidates[:MAX_NEARBY_CANDIDATES]]
        found = []
        for report in self._by_number.reports(numbers) if numbers else []:
            if not report.open or report.point is None:
                continue
            distance = distance_m(query.lat, query.lon, *report.point)
            if distance <= query.radius_m:
                found.append(NearbyReport(report, round(distance)))
        found.sort(key=lambda near: (near.distance_m, near.report.number))
        return found[:query.limit]
