"""The reports' routes (``functions/api/app.py`` registers them from ``route_tables.REPORTS``,
like the console's): parse, one service call, shape; a CSV answer is text, not JSON."""

from __future__ import annotations

from datetime import datetime

from . import stats_views as sv
from .console_handlers import Answer, Call

#: Open data changes slowly; an hour in every cache keeps the cells' reads rare.
_PUBLIC_CACHE = {"Cache-Control": "public, max-age=3600"}


def admin_stats(call: Call) -> tuple[dict | str, int, dict]:
    principal = call.principal()
    municipality = call.services.municipality_provider().get()
    query, answer_format = sv.stats_query(call.params, municipality)
    report = call.services.statistics_reports().report(principal, query)
    language = call.language()
    if answer_format == "csv":
        return sv.stats_csv(report, municipality, language), 200, sv.csv_headers(query)
    return sv.stats_view(report, municipality, language), 200, {}


def public_stats(call: Call) -> Answer:
    municipality = call.services.municipality_provider().get()
    today = datetime.now(municipality_zone(municipality)).date()
    start, end = sv.public_stats_period(call.params, today)
    public_types = frozenset(t.value for t in municipality.public_types
                             if municipality.is_public(t))
    found = call.services.public_statistics().public(start, end, public_types)
    return sv.public_stats_view(found, municipality, call.language()), 200, _PUBLIC_CACHE


def municipality_zone(municipality):
    from zoneinfo import ZoneInfo

    return ZoneInfo(municipality.time_zone)
