"""The reports' edge: ``GET /v1/admin/stats`` and ``GET /v1/public/stats`` parsed into the
statistics service's queries, and its reports shaped as JSON or CSV (translated names)."""

from __future__ import annotations

import csv
import io
from datetime import date, timedelta
from typing import Mapping

from ..domain.errors import FieldError, ValidationError
from ..domain.municipality import Municipality, localised
from ..domain.statistics import DIMENSIONS, METRICS, PERIODS
from ..rendering.i18n import translate
from ..services.statistics import MIN_PUBLIC_COUNT, MIN_PUBLIC_MEDIAN, PublicStats, StatsQuery, StatsReport
from .operation import Operation
from .schemas import DEPARTMENT_PATTERN
from .validation import Arr, Bool, DateTime, Int, Num, Obj, Str

STATS_QUERY = Obj({
    "from": DateTime(date_only=True, required=True,
                     description="The first day of the period (the municipality's local days)"),
    "to": DateTime(date_only=True, required=True,
                   description="The last day of the period, included (at most 400 days in all)"),
    "group_by": Str(max_length=40, description="One or two comma-separated dimensions: "
                                               + ", ".join(DIMENSIONS + PERIODS)),
    "metrics": Str(max_length=500, description="Comma-separated metrics (default opened, "
                                               "resolved, first_reaction_median, "
                                               "resolution_median): " + ", ".join(METRICS)),
    "department": Str(max_length=64, pattern=DEPARTMENT_PATTERN,
                      description="Only this department's (an agent: one of their own)"),
    "format": Str(max_length=8, enum=("json", "csv"), description="`csv`: the same as CSV"),
    "lang": Str(max_length=8),
}, description="Statistics (query string)")

PUBLIC_STATS_QUERY = Obj({
    "from": DateTime(date_only=True, description="The first day (default: 12 months back)"),
    "to": DateTime(date_only=True, description="The last day, included (default: today)"),
    "lang": Str(max_length=8),
}, description="Open data statistics (query string)")

DEFAULT_METRICS = ("opened", "resolved", "first_reaction_median", "resolution_median")
_DEFAULT_PUBLIC_DAYS = 365


def _csv_list(value: str | None) -> tuple[str, ...]:
    return tuple(p.strip() for p in (value or "").split(",") if p.strip())


def stats_query(params: Mapping[str, str] | None, municipality: Municipality) -> tuple[StatsQuery, str]:
    """The query and the format (``json`` or ``csv``); 400 with every bad field."""
    errors: list[FieldError] = []
    cleaned = STATS_QUERY.check(dict(params or {}), "", errors) or {}
    department = cleaned.get("department")
    if department is not None and department not in municipality.departments:
        errors.append(FieldError("department", "unknown_department"))
    if errors:
        raise ValidationError(errors)
    query = StatsQuery(start=cleaned["from"], end=cleaned["to"],
                       group_by=_csv_list(cleaned.get("group_by")),
                       metrics=_csv_list(cleaned.get("metrics")) or DEFAULT_METRICS,
                       department=department)
    return query, cleaned.get("format", "json")


def public_stats_period(params: Mapping[str, str] | None, today: date) -> tuple[date, date]:
    cleaned = PUBLIC_STATS_QUERY.validate(dict(params or {}))
    end = cleaned.get("to") or today
    return cleaned.get("from") or end - timedelta(days=_DEFAULT_PUBLIC_DAYS - 1), end


def dimension_name(dimension: str, value: str, municipality: Municipality, language: str) -> str:
    """A dimension value's name in ``language`` (an assignee is their staff id)."""
    if not value:
        return translate(language, f"stats.none.{dimension}")
    if dimension == "department" and value in municipality.departments:
        return localised(municipality.departments[value].name, language)
    if dimension == "category" and value in municipality.categories:
        return localised(municipality.categories[value].name, language)
    if dimension == "area" and value in municipality.areas:
        return localised(municipality.areas[value].name, language)
    if dimension in ("channel", "status", "type"):
        return translate(language, f"{dimension}.{value}")
    return value


def _names(kind: str, ids, language: str) -> list[dict]:
    return [{"id": each, "name": translate(language, f"stats.{kind}.{each}")} for each in ids]


def stats_view(report: StatsReport, municipality: Municipality, language: str) -> dict:
    """``GET /v1/admin/stats`` as JSON."""
    query = report.query
    rows = [{"dimensions": {name: {"id": value,
                                   "name": dimension_name(name, value, municipality, language)}
                            for name, value in zip(query.group_by, row.values, strict=True)},
             "values": row.metrics} for row in report.rows]
    return {"from": query.start.isoformat(), "to": query.end.isoformat(),
            "group_by": _names("dimension", query.group_by, language),
            "metrics": _names("metric", query.metrics, language),
            "departments": list(report.departments) if report.departments is not None else None,
            "rows": rows, "totals": report.totals}


def _cell(value) -> str:
    if value is None:
        return ""
    return str(value)


def stats_csv(report: StatsReport, municipality: Municipality, language: str) -> str:
    """The same report as CSV (RFC 4180, a decimal point), with a byte order mark so that
    spreadsheet programs read it as UTF-8 (Cyrillic names), the header and names translated,
    the totals as the last row."""
    query = report.query
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([translate(language, f"stats.dimension.{name}") for name in query.group_by]
                    + [translate(language, f"stats.metric.{name}") for name in query.metrics])
    for row in report.rows:
        writer.writerow([dimension_name(name, value, municipality, language)
                         for name, value in zip(query.group_by, row.values, strict=True)]
                        + [_cell(row.metrics[m]) for m in query.metrics])
    total_label = [translate(language, "stats.total")] + [""] * (len(query.group_by) - 1)
    writer.writerow((total_label if query.group_by else [])
                    + [_cell(report.totals[m]) for m in query.metrics])
    return "\ufeff" + out.getvalue()


def csv_headers(query: StatsQuery) -> dict[str, str]:
    name = f"civicdesk-stats-{query.start.isoformat()}-{query.end.isoformat()}.csv"
    return {"Content-Type": "text/csv; charset=utf-8",
            "Content-Disposition": f'attachment; filename="{name}"',
            "Cache-Control": "private, no-store"}


def public_stats_view(found: PublicStats, municipality: Municipality, language: str) -> dict:
    """``GET /v1/public/stats``: counts by month and category (opened, resolved), status changes
    by month and status, the median working time to resolve per category; small counts are
    ``null`` with ``suppressed: true``."""

    def counts(rows, dimension: str) -> list[dict]:
        return [{"month": row.month, dimension: {"id": row.key, "name": dimension_name(
                    dimension, row.key, municipality, language)},
                 "count": row.value, **({"suppressed": True} if row.value is None else {})}
                for row in rows]

    return {"from": found.start.isoformat(), "to": found.end.isoformat(),
            "minimum_count": MIN_PUBLIC_COUNT, "minimum_for_median": MIN_PUBLIC_MEDIAN,
            "opened": counts(found.opened, "category"),
            "resolved": counts(found.resolved, "category"),
            "status_changes": counts(found.status_changes, "status"),
            "resolution": [{"category": {"id": row.category, "name": dimension_name(
                                "category", row.category, municipality, language)},
                            "resolved": row.resolved,
                            "median_working_minutes": row.median_working_minutes}
                           for row in found.resolution]}


# -- the OpenAPI document's operations (``openapi.py``) ----------------------------------------

_NAMED = Obj({"id": Str(), "name": Str()})
_VALUES = Obj({}, description="Metric -> value: counts as integers, durations in working "
                              "minutes (null: nothing measured)")
STATS_REPORT = Obj({
    "from": Str(), "to": Str(),
    "group_by": Arr(_NAMED, description="The group-by dimensions, with translated names"),
    "metrics": Arr(_NAMED, description="The metrics, with translated names"),
    "departments": Arr(Str(), nullable=True,
                       description="The departments it is limited to; null: every department"),
    "rows": Arr(Obj({"dimensions": Obj({}, description="Dimension -> {id, name}"),
                     "values": _VALUES})),
    "totals": _VALUES,
})
_PUBLIC_COUNT = Obj({"month": Str(), "category": _NAMED, "status": _NAMED,
                     "count": Int(nullable=True), "suppressed": Bool()})
PUBLIC_STATS = Obj({
    "from": Str(), "to": Str(), "minimum_count": Int(), "minimum_for_median": Int(),
    "opened": Arr(_PUBLIC_COUNT), "resolved": Arr(_PUBLIC_COUNT),
    "status_changes": Arr(_PUBLIC_COUNT),
    "resolution": Arr(Obj({"category": _NAMED, "resolved": Int(nullable=True),
                           "median_working_minutes": Num(nullable=True)})),
})

OPERATIONS = (
    Operation("GET", "/v1/admin/stats", "getStatistics", "staff",
              "Statistics of a period by one or two dimensions: counts and working-time "
              "durations, as JSON or CSV", STATS_REPORT, query=STATS_QUERY, staff=True,
              errors=(400, 401, 403), csv=True,
              description="From the counters kept per local day and department "
                          "(docs/data-model.md, Statistics): at most 3 reads for a period within "
                          "one calendar year. Medians and 90th percentiles are estimated from "
                          "log-spaced buckets (within a factor of about 1.4). Supervisors and "
                          "administrators see every department, agents their own (another "
                          "department: 403). `format=csv` answers the same table as a UTF-8 CSV "
                          "with a byte order mark and a translated header, as an attachment."),
    Operation("GET", "/v1/public/stats", "getOpenStatistics", "public",
              "Open data: public cases by month and category, status changes, median time to "
              "resolve", PUBLIC_STATS, query=PUBLIC_STATS_QUERY, errors=(400,),
              description="Only public case types, no assignee and no personal data; a count "
                          "below `minimum_count` is null (`suppressed`), a median needs "
                          "`minimum_for_median` resolutions. Cached for an hour."),
)
