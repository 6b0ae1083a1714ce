"""The public map's operations of the OpenAPI document (``openapi_operations.OPERATIONS``)."""

from __future__ import annotations

from . import public_map_views as pv
from .operation import Operation

OPERATIONS = (
    Operation("GET", "/v1/public/reports", "listPublicReports", "public",
              "The public map: public reports of the last 30 days as GeoJSON, newest first",
              pv.REPORTS, query=pv.REPORTS_QUERY, errors=(400,),
              refusals=(("bbox", "invalid_format", "west must not exceed east, south north"),
                        ("category", "unknown_category", "the municipality has no such category"),
                        ("status", "not_allowed", "not a status")),
              description="Only public cases (never letters, complaints or FOI requests), without "
                          "personal data: the description and answers redacted, the point "
                          "coarsened to the category's precision, the district instead of the "
                          "address. One index query per page; a page may hold fewer than `limit` "
                          "reports while `next_cursor` still leads on. Cached for a minute."),
    Operation("GET", "/v1/public/reports/nearby", "nearbyPublicReports", "public",
              "Open public reports near a point (\"is it one of these?\"), nearest first",
              pv.NEARBY, query=pv.NEARBY_QUERY, errors=(400,),
              refusals=(("category", "unknown_category", "the municipality has no such category"),),
              description="Distances are to the published (coarsened) point. Any age: a report "
                          "still open after 30 days is still a duplicate."),
    Operation("GET", "/v1/public/reports/{number}", "getPublicReport", "public",
              "One public report as a GeoJSON Feature", pv.FEATURE, query=pv.REPORT_QUERY,
              errors=(404,), description="404 for a case that does not exist or is not public."),
)
