"""The routes of the public map (``functions/api/app.py`` registers them from
``route_tables.PUBLIC_MAP``): parse, one service call, shape the answer as GeoJSON."""

from __future__ import annotations

import re

from ..domain.errors import NotFoundError
from . import public_map_views as pv
from .console_handlers import Answer, Call

#: The public map changes with every case: a minute in a cache (a CDN's, the browser's) is
#: what one page of it may be behind, and what spares the index a flood of the same query.
_MAP_CACHE = {"Cache-Control": "public, max-age=60"}
_NEARBY_CACHE = {"Cache-Control": "public, max-age=30"}
_CASE_NUMBER = re.compile(r"^[0-9]{4}-[0-9]{6,}$")


def _municipality(call: Call):
    return call.services.municipality_provider().get()


def public_reports(call: Call) -> Answer:
    page = call.services.public_map_service().map(pv.reports_query(call.params))
    return pv.reports_page(page, _municipality(call), call.language()), 200, _MAP_CACHE


def public_reports_nearby(call: Call) -> Answer:
    found = call.services.public_map_service().nearby(pv.nearby_query(call.params))
    return pv.nearby_page(found, _municipality(call), call.language()), 200, _NEARBY_CACHE


def public_report(call: Call) -> Answer:
    number = call.path.get("number") or ""
    if not _CASE_NUMBER.match(number):
        raise NotFoundError("error.not_found")
    report = call.services.public_map_service().report(number)
    return pv.report_feature(report, _municipality(call), call.language()), 200, _MAP_CACHE
