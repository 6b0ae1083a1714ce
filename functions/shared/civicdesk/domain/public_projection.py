"""The public projection of a case (``domain.public_reports.PublicReport``): which cases the
public sees, the point coarsened to its category's precision, the area it lies in, and the
official public answers, every text redacted (``domain.redaction``).

The texts are redacted when the case is written (the case item keeps them, in ``pub``, for the
public map's index, ``adapters/dynamodb/public_entries.py``); the point is coarsened and its area
named when a report is read, with the configuration as it is then (``build_report``).
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from datetime import datetime
from typing import TYPE_CHECKING

from .cases import ALWAYS_PRIVATE_TYPES, OPEN_STATUSES, Case, EventKind, TimelineEvent
from .public_reports import PublicAnswer, PublicReport
from .texts import localised

if TYPE_CHECKING:
    from .municipality import Municipality

#: The answers a report keeps (the latest): a case that needed more has its tracking page.
MAX_ANSWERS = 20
#: The longest answer text kept; a longer one is cut at a word with an ellipsis.
MAX_ANSWER_CHARS = 2000
#: The longest description kept.
MAX_DESCRIPTION_CHARS = 4000
#: Metres in a degree of latitude (and of longitude at the equator).
_METRES_PER_DEGREE = 111_320.0
#: The entries that are the municipality's official public answers.
ANSWER_KINDS = frozenset({EventKind.MESSAGE_OUT, EventKind.STATUS_CHANGED})


def publishable(case: Case) -> bool:
    """Whether the public may see the case: marked public, of a type that is never private,
    neither deleted nor merged into another case."""
    return (case.public and case.type not in ALWAYS_PRIVATE_TYPES and not case.deleted
            and not case.merged_into)


def coarsen(lat: float, lon: float, precision_m: int) -> tuple[float, float]:
    """The centre of the cell about ``precision_m`` metres wide the point lies in (0: the
    point itself, to 6 decimals). The same point always gives the same centre, so that reading
    a report again and again tells nothing more.

    Examples
    --------
    >>> coarsen(44.0123456, 20.9234567, 0)
    (44.012346, 20.923457)
    >>> coarsen(44.01234, 20.92345, 250) == coarsen(44.01240, 20.92350, 250)
    True
    >>> lat, lon = coarsen(44.01234, 20.92345, 250)
    >>> abs(lat - 44.01234) * 111320 <= 125 and abs(lon - 20.92345) * 111320 * 0.72 <= 125
    True
    """
    if precision_m <= 0:
        return round(lat, 6), round(lon, 6)
    step_lat = precision_m / _METRES_PER_DEGREE
    centre_lat = (math.floor(lat / step_lat) + 0.5) * step_lat
    # The width of a degree of longitude at the band's centre: one grid per band of latitude.
    step_lon = precision_m / (_METRES_PER_DEGREE * max(math.cos(math.radians(centre_lat)), 0.01))
    centre_lon = (math.floor(lon / step_lon) + 0.5) * step_lon
    return round(centre_lat, 6), round(centre_lon, 6)


def _cut(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    head = text[:limit]
    space = head.rfind(" ")
    return (head[:space] if space > limit // 2 else head).rstrip() + "…"


def public_answers(case: Case, entries: Iterable[TimelineEvent]) -> tuple[PublicAnswer, ...]:
    """The official public answers among ``entries`` (of ``case``), in order: a public reply,
    a public status change (its note, when it had one), each text redacted of the case's
    personal data (the requester's names and the addresses)."""
    from .redaction import personal_data, redact  # written with a change, never read

    hidden = personal_data(case)
    answers = []
    for entry in sorted(entries, key=lambda e: e.sort_key):
        if not entry.public or entry.kind not in ANSWER_KINDS or entry.case_number != case.number:
            continue
        data = entry.data or {}
        text = data.get("public_text")
        text = _cut(redact(text, *hidden).strip(), MAX_ANSWER_CHARS) if isinstance(text, str) else ""
        status = data.get("status") if entry.kind is EventKind.STATUS_CHANGED else None
        if not text and not isinstance(status, str):
            continue
        answers.append(PublicAnswer(at=entry.at, text=text,
                                    status=status if isinstance(status, str) else None))
    return tuple(answers)


def published_photos(case: Case) -> tuple[str, ...]:
    """The published photos' paths (``Case.published_photos``, from the photos part: read
    with a default, so that a case without it has none)."""
    published = getattr(case, "published_photos", ()) or ()
    paths = []
    for photo in published:
        path = photo if isinstance(photo, str) else getattr(photo, "path", None)
        if isinstance(path, str) and path:
            paths.append(path)
    return tuple(paths)


def _area(municipality: Municipality, lat: float, lon: float) -> tuple[str | None, str | None]:
    """``(id, name in the default language)`` of the area the point lies in: a district
    before any other kind (a utility's service area), the first in configuration order."""
    found = municipality.areas_at(lat, lon)
    if not found:
        return None, None
    areas = [municipality.areas[area_id] for area_id in found]
    chosen = next((a for a in areas if a.kind == "district"), areas[0])
    return chosen.id, localised(chosen.name, municipality.default_language) or None


def public_description(case: Case) -> str:
    """The case's description as the public reads it: redacted of its personal data, cut."""
    from .redaction import personal_data, redact  # written with a change, never read

    return _cut(redact(case.description or "", *personal_data(case)).strip(), MAX_DESCRIPTION_CHARS)


def build_report(*, number: str, type: str, category: str, department: str, status: str,
                 requested_at: datetime, updated_at: datetime, description: str,
                 exact_point: tuple[float, float] | None, municipality: Municipality,
                 answers: Iterable[PublicAnswer] = (), photos: Iterable[str] = (),
                 resolution_due: datetime | None = None) -> PublicReport:
    """A public report from what its index item keeps (``description`` and ``answers`` already
    redacted): the point coarsened and its area found with the configuration as it is now."""
    precision = municipality.location_precision.for_category(category)
    point = area_id = area = None
    if exact_point is not None:
        point = coarsen(exact_point[0], exact_point[1], precision)
        area_id, area = _area(municipality, *exact_point)
    is_open = status in {s.value for s in OPEN_STATUSES}
    return PublicReport(
        number=number, type=type, category=category, department=department, status=status,
        open=is_open, requested_at=requested_at, updated_at=updated_at, description=description,
        point=point, precision_m=precision if point else 0, area=area, area_id=area_id,
        answers=tuple(answers)[-MAX_ANSWERS:], photos=tuple(photos),
        expected_at=resolution_due if is_open else None)


def public_report_of(case: Case, municipality: Municipality) -> PublicReport | None:
    """The public report of ``case``, ``None`` when the public may not see it; its answers are
    the ones the case keeps (``Case.public_answers``, ``with_public_answers``)."""
    if not publishable(case):
        return None
    location = case.location
    point = ((location.lat, location.lon) if location is not None and location.lat is not None
             and location.lon is not None else None)
    return build_report(
        number=case.number, type=case.type.value, category=case.category,
        department=case.department, status=case.status.value,
        requested_at=case.received_at or case.created_at, updated_at=case.updated_at,
        description=public_description(case), exact_point=point, municipality=municipality,
        answers=case.public_answers, photos=published_photos(case),
        resolution_due=case.clock.resolution_due)


def with_public_answers(case: Case, entries: Iterable[TimelineEvent]) -> Case:
    """``case`` keeping, besides its answers so far, the official public answers among
    ``entries`` (the latest ``MAX_ANSWERS``): what the repository does on every write, so the
    public map's index has them without reading the timeline."""
    added = public_answers(case, entries)
    if not added:
        return case
    known = {(a.at, a.text, a.status) for a in case.public_answers}
    kept = (*case.public_answers, *(a for a in added if (a.at, a.text, a.status) not in known))
    return case.with_changes(public_answers=tuple(kept[-MAX_ANSWERS:]))
