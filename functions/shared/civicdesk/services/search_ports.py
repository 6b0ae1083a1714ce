"""The port of finding cases (``services/search.py``): the word, requester and geo indexes."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Protocol, Sequence

from msgspec import Struct

if TYPE_CHECKING:

    from ..domain.cases import Case


# -- finding cases (services/search.py) -----------------------------------------------------------

class CasePoint(Struct, frozen=True):
    """A case on the map, as the geo index holds it (what a marker and a suggestion show)."""

    number: str
    type: str
    status: str
    category: str
    department: str
    assignee: str | None
    created_at: datetime
    received_at: datetime | None
    lat: float
    lon: float
    #: The index key the point was read at (a page's cursor resumes after it).
    position: str = ""


class SearchIndex(Protocol):
    """The indexes that find cases: words, requesters' contacts, places; and cases by number."""

    def cases(self, numbers: Sequence[str]) -> dict[str, Case]:
        """The cases of ``numbers`` that exist, by number (one ``BatchGetItem`` per 100)."""

    def word_cases(self, term: str, limit: int) -> tuple[set[str], bool]:
        """The numbers of the cases with a word that starts with the folded ``term`` (one
        ``Query``, at most ``limit`` entries), and whether more entries were left unread."""

    def requester_cases(self, kind: str, value: str, before: str | None,
                        limit: int) -> tuple[list[str], bool]:
        """Numbers of the requester's cases (``kind`` ``phone`` or ``email``), newest first,
        those below ``before`` when given (one ``Query`` of at most ``limit``), and whether
        more follow."""

    def points(self, cell: str, after: str | None, limit: int) -> tuple[list[CasePoint], bool]:
        """The cases in geohash ``cell`` in key order, after the position ``after`` (one
        ``Query`` of at most ``limit``), and whether the cell holds more."""
