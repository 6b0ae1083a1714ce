"""What the public may see of a case: the report on the public map, in "nearby reports" and in
Open311's ``GET requests`` (issue 16).

A ``PublicReport`` is built from a public case only (``Case.public`` and a type that is not always
private) and carries no personal data: no requester, no contact, no street address, no assignee;
the description and the official answers are redacted (``domain/redaction``); the point is
coarsened to the category's precision. Everything that shows a case to the public reads this
shape, so the rule lives in one place.
"""

from __future__ import annotations

from datetime import datetime

from msgspec import Struct

from .cases import PublicAnswer

__all__ = ["PUBLIC_MAP_DAYS", "BoundingBox", "PublicAnswer", "PublicReport", "ReportQuery"]

#: How long a report stays on the public map.
PUBLIC_MAP_DAYS = 30


class PublicReport(Struct, frozen=True):
    """One public case as anyone may see it."""

    number: str
    type: str  # CaseType value (signal, question, ...): never a letter, complaint or FOI request
    category: str  # category id
    department: str  # department id (the agency responsible)
    status: str  # Status value
    open: bool  # the case's state is open
    requested_at: datetime  # when the contact came in (received_at, else created_at)
    updated_at: datetime
    description: str  # redacted
    #: (lat, lon), already coarsened to the category's precision; None without a point.
    point: tuple[float, float] | None = None
    precision_m: int = 0  # 0: exact; else the point stands for a cell about this wide
    area: str | None = None  # the name of the municipality's area it lies in, never an address
    answers: tuple[PublicAnswer, ...] = ()
    #: paths of the published (staff-approved, EXIF-free) photos, relative to the public media
    #: base URL (``PublicMedia``); empty until staff approved one.
    photos: tuple[str, ...] = ()
    expected_at: datetime | None = None  # the resolution target, when one is set
    #: The id of the area ``area`` names (added by the map part: views name it in the reader's
    #: language from the configuration; ``area`` is its name in the default language).
    area_id: str | None = None


class BoundingBox(Struct, frozen=True):
    south: float
    west: float
    north: float
    east: float

    def contains(self, lat: float, lon: float) -> bool:
        return self.south <= lat <= self.north and self.west <= lon <= self.east


class ReportQuery(Struct, frozen=True):
    """Which public reports a reader asks for; every filter is optional and they combine (AND)."""

    since: datetime | None = None  # requested at or after
    until: datetime | None = None  # requested before
    updated_after: datetime | None = None
    bbox: BoundingBox | None = None
    categories: frozenset[str] = frozenset()
    statuses: frozenset[str] = frozenset()  # Status values
    open: bool | None = None  # only open (True) or only closed (False) ones
    numbers: tuple[str, ...] = ()  # exactly these cases (Open311's service_request_id list)
