"""What the public map's service needs besides ``public_report_ports.PublicReports``: the points of
the geo index (GSI6, for nearby reports) and public reports by number."""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol, Sequence

if TYPE_CHECKING:
    from ..domain.public_reports import PublicReport
    from .search_ports import CasePoint


class CasePoints(Protocol):
    """``search_ports.SearchIndex.points``: the cases in one geohash cell (one ``Query``)."""

    def points(self, cell: str, after: str | None, limit: int) -> tuple[list[CasePoint], bool]: ...


class ReportsByNumber(Protocol):
    def reports(self, numbers: Sequence[str]) -> list[PublicReport]:
        """The public reports of these cases, in the order given; the others left out."""
        ...
