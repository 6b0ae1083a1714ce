"""The port through which the public map, "nearby reports" and Open311 read public reports."""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

from msgspec import Struct

if TYPE_CHECKING:
    from ..domain.public_reports import PublicReport, ReportQuery


class ReportPage(Struct, frozen=True):
    reports: tuple[PublicReport, ...]
    cursor: str | None  # opaque; None on the last page


class PublicReports(Protocol):
    """Public reports, newest request first (``adapters/dynamodb/public_reports.py``)."""

    def page(self, query: ReportQuery, *, limit: int, cursor: str | None = None) -> ReportPage:
        """One page of the reports the query selects: at most ``limit``, one DynamoDB ``Query``
        (a page may hold fewer than ``limit`` when the index's filter removed some; the cursor
        then still leads on)."""
        ...

    def report(self, number: str) -> PublicReport | None:
        """The public report of one case; None when it does not exist or is not public."""
        ...
