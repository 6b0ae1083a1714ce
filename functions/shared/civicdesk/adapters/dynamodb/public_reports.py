"""The public reports (``services.public_report_ports.PublicReports``) on the public map's index
(GSI8, ``public_map_items``): a page is one ``Query`` of the index's one partition, the period a
range of its sort key, the categories, statuses and ``updated_after`` a filter expression, the
box a check of each report's published (coarsened) point (``docs/decisions.md``, 2026-12-01).

A report is built with the configuration as it is when it is read (``domain.public_projection
.build_report``): a changed precision or area applies to every report at once.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from typing import TYPE_CHECKING, Any, Callable, Sequence

from pynamodb.expressions.condition import Condition

from ...domain.cases import OPEN_STATUSES, iso
from ...domain.errors import BadRequestError
from ...domain.public_projection import build_report, public_report_of
from ...services.public_report_ports import ReportPage
from .items import CaseItem
from .keys import CASE_SK, PUBLIC_MAP_PK, case_pk, public_map_sk
from .mappers import item_to_case, map_to_clock, parse_time
from .public_entries import answers_of
from .public_map_items import PublicMapIndex
from .session import table_connection

if TYPE_CHECKING:
    from ...domain.municipality import Municipality
    from ...domain.public_reports import PublicReport, ReportQuery

#: Index items one page's ``Query`` reads at most for each report asked for (the box is checked
#: after the read: a page of a small box reads more to fill itself), and in all.
READ_FACTOR = 4
MAX_READ = 1000
#: DynamoDB's most keys in one ``BatchGetItem``.
BATCH_KEYS = 100
_CURSOR_SORT_KEY = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:.]{15}Z#[0-9]{4}-[0-9]{6,}$")
_OPEN = frozenset(s.value for s in OPEN_STATUSES)


class DynamoPublicReports:
    """``PublicReports`` (and the nearby reports of ``services.public_map``) on the cases table."""

    def __init__(self, municipality: Callable[[], Municipality]):
        self._municipality = municipality

    # -- PublicReports -----------------------------------------------------------------------

    def page(self, query: ReportQuery, *, limit: int, cursor: str | None = None) -> ReportPage:
        """Newest request first; one ``Query`` (``numbers``: one ``BatchGetItem`` instead)."""
        if query.numbers:
            found = [r for r in self.reports(query.numbers) if _wanted(r, query)]
            return ReportPage(tuple(found[:limit]), None)
        statuses = _statuses(query)
        if statuses is not None and not statuses:
            return ReportPage((), None)  # e.g. only closed ones among open statuses
        low = iso(query.since) if query.since else "0"
        high = iso(query.until) if query.until else "~"  # "<until>#n" sorts after "<until>"
        start_key = _start_key(cursor) if cursor else None
        answer = table_connection().query(
            PUBLIC_MAP_PK, range_key_condition=PublicMapIndex.GSI8SK.between(low, high),
            filter_condition=_filter(query, statuses), index_name=PublicMapIndex.Meta.index_name,
            limit=min(MAX_READ, max(limit, limit * READ_FACTOR)), scan_index_forward=False,
            exclusive_start_key=start_key)
        municipality = self._municipality()
        items, last_key = answer.get("Items", []), answer.get("LastEvaluatedKey")
        reports: list[PublicReport] = []
        next_cursor = _cursor(last_key["GSI8SK"]["S"]) if last_key else None
        for position, raw in enumerate(items):
            report = _report(raw, municipality)
            if query.bbox is not None and (report.point is None
                                           or not query.bbox.contains(*report.point)):
                continue
            reports.append(report)
            if len(reports) == limit:
                more = position + 1 < len(items) or last_key
                next_cursor = _cursor(raw["GSI8SK"]["S"]) if more else None
                break
        return ReportPage(tuple(reports), next_cursor)

    def report(self, number: str) -> PublicReport | None:
        """One ``GetItem`` of the case; ``None`` unless the public may see it."""
        try:
            item = CaseItem.get(case_pk(number), CASE_SK)
        except CaseItem.DoesNotExist:
            return None
        return public_report_of(item_to_case(item), self._municipality())

    # -- nearby ------------------------------------------------------------------------------

    def reports(self, numbers: Sequence[str]) -> list[PublicReport]:
        """The public reports of these cases, in the order given, the others left out: one
        ``BatchGetItem`` per 100 cases."""
        wanted = list(dict.fromkeys(numbers))
        municipality = self._municipality()
        found: dict[str, PublicReport] = {}
        for start in range(0, len(wanted), BATCH_KEYS):
            keys = [(case_pk(number), CASE_SK) for number in wanted[start:start + BATCH_KEYS]]
            for item in CaseItem.batch_get(keys):
                report = public_report_of(item_to_case(item), municipality)
                if report is not None:
                    found[report.number] = report
        return [found[number] for number in wanted if number in found]


def _statuses(query: ReportQuery) -> frozenset[str] | None:
    """The statuses a page may hold (``None``: any): ``statuses`` and ``open`` together."""
    statuses = set(query.statuses) if query.statuses else None
    if query.open is not None:
        allowed = {s for s in _all_statuses() if (s in _OPEN) == query.open}
        statuses = allowed if statuses is None else statuses & allowed
    return frozenset(statuses) if statuses is not None else None


def _all_statuses() -> set[str]:
    from ...domain.cases import Status

    return {s.value for s in Status}


def _filter(query: ReportQuery, statuses: frozenset[str] | None) -> Condition | None:
    conditions: list[Condition] = []
    if query.categories:
        conditions.append(CaseItem.category.is_in(*sorted(query.categories)))
    if statuses is not None:
        conditions.append(CaseItem.status.is_in(*sorted(statuses)))
    if query.updated_after is not None:
        conditions.append(CaseItem.updated_at > iso(query.updated_after))
    if not conditions:
        return None
    combined = conditions[0]
    for condition in conditions[1:]:
        combined &= condition
    return combined


def _wanted(report: PublicReport, query: ReportQuery) -> bool:
    """Whether a report read by number passes the query's other filters."""
    statuses = _statuses(query)
    return ((query.since is None or report.requested_at >= query.since)
            and (query.until is None or report.requested_at < query.until)
            and (query.updated_after is None or report.updated_at > query.updated_after)
            and (not query.categories or report.category in query.categories)
            and (statuses is None or report.status in statuses)
            and (query.bbox is None or (report.point is not None
                                        and query.bbox.contains(*report.point))))


def _report(raw: dict[str, Any], municipality: Municipality) -> PublicReport:
    """A report from an index item (only the projected, public attributes are there)."""
    item = CaseItem.from_raw_data(raw)
    pub = item.pub.as_dict() if item.pub else {}
    point = (float(pub["lat"]), float(pub["lon"])) if "lat" in pub and "lon" in pub else None
    clock = map_to_clock(item.clock.as_dict() if item.clock else None)
    return build_report(
        number=item.number, type=item.type, category=item.category, department=item.department,
        status=item.status, requested_at=parse_time(item.received_at or item.created_at),
        updated_at=parse_time(item.updated_at), description=pub.get("description") or "",
        exact_point=point, municipality=municipality, answers=answers_of(pub),
        photos=tuple(p for p in pub.get("photos") or () if isinstance(p, str)),
        resolution_due=clock.resolution_due)


def _cursor(sort_key: str) -> str:
    """``<requested at>#<number>`` of the last report read, opaque (base64url, no padding)."""
    raw = json.dumps([sort_key], separators=(",", ":")).encode("utf-8")
    return base64.urlsafe_b64encode(raw).decode("ascii").rstrip("=")


def _start_key(cursor: str) -> dict[str, dict[str, str]]:
    """The index position a cursor stands for; ``BadRequestError`` for anything ``_cursor`` did
    not make (the partition is always the index's one: a cursor cannot reach other items)."""
    try:
        (sort_key,) = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        if isinstance(sort_key, str) and _CURSOR_SORT_KEY.match(sort_key):
            number = sort_key.rsplit("#", 1)[1]
            return {"PK": {"S": case_pk(number)}, "SK": {"S": CASE_SK},
                    "GSI8PK": {"S": PUBLIC_MAP_PK},
                    "GSI8SK": {"S": public_map_sk(sort_key.rsplit("#", 1)[0], number)}}
    except (ValueError, TypeError, binascii.Error, UnicodeDecodeError):
        pass
    raise BadRequestError("error.invalid_cursor")
