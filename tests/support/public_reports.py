"""An in-memory ``PublicReports`` (``services/public_report_ports.py``) for Open311's tests until
the public map part's DynamoDB adapter is wired: it builds each ``PublicReport`` from the stored
case by the contract's rules (public cases of a public type only, the description redacted, no
contact, no street address) and applies every ``ReportQuery`` filter. ``calls`` counts the
``page`` calls (the adapter's is one ``Query`` each)."""

from __future__ import annotations

from msgspec.structs import replace

from civicdesk.domain.cases import ALWAYS_PRIVATE_TYPES, OPEN_STATUSES
from civicdesk.domain.public_reports import PublicAnswer, PublicReport, ReportQuery
from civicdesk.domain.redaction import personal_data, redact
from civicdesk.services.public_report_ports import ReportPage


def report_of(case, answers: tuple[PublicAnswer, ...] = ()) -> PublicReport | None:
    if case is None or case.deleted or not case.public or case.type in ALWAYS_PRIVATE_TYPES:
        return None
    names, addresses = personal_data(case)
    point = None
    if case.location is not None and case.location.has_point:
        point = (round(case.location.lat, 4), round(case.location.lon, 4))
    return PublicReport(
        number=case.number, type=case.type.value, category=case.category, department=case.department,
        status=case.status.value, open=case.status in OPEN_STATUSES,
        requested_at=case.received_at or case.created_at, updated_at=case.updated_at,
        description=redact(case.description, names, addresses), point=point, precision_m=10,
        area=None, answers=answers)


def selects(query: ReportQuery, report: PublicReport) -> bool:
    if query.numbers:
        return report.number in query.numbers
    if query.since and report.requested_at < query.since:
        return False
    if query.until and report.requested_at >= query.until:
        return False
    if query.updated_after and report.updated_at <= query.updated_after:
        return False
    if query.bbox and (report.point is None or not query.bbox.contains(*report.point)):
        return False
    if query.categories and report.category not in query.categories:
        return False
    if query.statuses and report.status not in query.statuses:
        return False
    return query.open is None or report.open == query.open


class InMemoryPublicReports:
    def __init__(self, cases=None):
        self._cases = cases  # a ``CaseRepository`` (``get_case``), or None: reports only
        self._numbers: list[str] = []
        self._reports: dict[str, PublicReport] = {}
        self.calls = 0

    def track(self, number: str) -> None:
        """A case the index holds (the adapter's index learns cases from the table)."""
        if number not in self._numbers:
            self._numbers.append(number)

    def put(self, report: PublicReport) -> None:
        self._reports[report.number] = report
        self.track(report.number)

    def answer(self, number: str, *answers: PublicAnswer) -> None:
        found = self._current(number)
        assert found is not None
        self._reports[number] = replace(found, answers=found.answers + answers,
                                        updated_at=max(found.updated_at, *(a.at for a in answers)))

    def _current(self, number: str) -> PublicReport | None:
        if number in self._reports:
            return self._reports[number]
        return report_of(self._cases.get_case(number)) if self._cases is not None else None

    def _all(self) -> list[PublicReport]:
        found = [r for r in (self._current(n) for n in self._numbers) if r is not None]
        return sorted(found, key=lambda r: (r.requested_at, r.number), reverse=True)

    def page(self, query: ReportQuery, *, limit: int, cursor: str | None = None) -> ReportPage:
        self.calls += 1
        start = int(cursor) if cursor else 0
        matching = [r for r in self._all() if selects(query, r)]
        chunk = matching[start:start + limit]
        more = start + limit < len(matching)
        return ReportPage(tuple(chunk), str(start + limit) if more else None)

    def report(self, number: str) -> PublicReport | None:
        return self._current(number)
