"""Finding cases: search by number, requester or words; a requester's earlier cases; the map
of cases in a box; open cases near a point (duplicate suggestions).

Every answer respects access as the queues do: a role limited to its departments finds only
their cases, and deleted cases are never found. Every read is a ``Query`` or ``BatchGetItem``
on an index made for it, and each answer makes a bounded number of them
(``docs/data-model.md``, patterns 31-34).
"""

from __future__ import annotations

import base64
from datetime import datetime
from typing import Callable

from msgspec import Struct, field

from ..domain.accounts import registry_query, registry_term
from ..domain.cases import OPEN_STATUSES, Case, utc_now
from ..domain.errors import FieldError, ForbiddenError, ValidationError
from ..domain.geohash import Box, around, cover, distance_m
from ..domain.policy import Action, Principal, Scope, allowed
from ..domain.search_terms import (
    looks_like_email,
    looks_like_phone,
    matches,
    number_forms,
    words,
)
from .municipality import MunicipalityProvider
from .ports import InvalidPhoneNumber, PhoneNumbers
from .search_ports import CasePoint, SearchIndex

#: The most words one search combines (one ``Query`` each).
MAX_TERMS = 5
#: The most index entries one word's ``Query`` reads.
MAX_POSTINGS = 1000
#: The most ``BatchGetItem`` (or requester ``Query``) calls one page makes to fill itself.
MAX_ROUNDS = 3
#: The geo index's coarsest cells (its partitions): a box needing more than ``MAX_CELLS`` of
#: them is refused.
COARSEST_CELL = 4
MAX_CELLS = 16
#: The most index entries one cell's ``Query`` reads for a map page.
MAP_READ = 1000
MAX_RADIUS_M = 2000


class SearchQuery(Struct, frozen=True):
    q: str
    limit: int = 25
    cursor: str | None = None
    field_errors: tuple[FieldError, ...] = ()


class SearchPage(Struct, frozen=True):
    cases: list[Case]
    next_cursor: str | None
    #: How the query was read: ``number``, ``registry``, ``phone``, ``email`` or ``words``.
    matched_by: str
    #: A word matched more entries than one read takes: refine the search to see every match.
    truncated: bool = False


class RequesterQuery(Struct, frozen=True):
    phone: str | None = None
    email: str | None = None
    limit: int = 10
    cursor: str | None = None
    field_errors: tuple[FieldError, ...] = ()


class RequesterPage(Struct, frozen=True):
    """The requester as their newest case the caller may see names them, and their cases."""

    name: str | None
    email: str | None
    phone: str | None
    cases: list[Case]
    next_cursor: str | None


class MapQuery(Struct, frozen=True):
    bbox: Box | None
    statuses: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()
    department: str | None = None
    assignee: str | None = None
    received_from: datetime | None = None
    received_to: datetime | None = None
    limit: int = 500
    cursor: str | None = None
    field_errors: tuple[FieldError, ...] = ()


class MapPage(Struct, frozen=True):
    points: list[CasePoint]
    next_cursor: str | None
    cells: tuple[str, ...] = field(default_factory=tuple)


class NearbyQuery(Struct, frozen=True):
    lat: float | None
    lon: float | None
    category: str | None = None
    radius_m: int = 300
    limit: int = 10
    field_errors: tuple[FieldError, ...] = ()


class NearbyCase(Struct, frozen=True):
    point: CasePoint
    distance_m: float


class SearchService:
    def __init__(self, index: SearchIndex, municipality: MunicipalityProvider,
                 phones: PhoneNumbers, *, clock: Callable[[], datetime] = utc_now):
        self._index = index
        self._municipality = municipality
        self._phones = phones
        self._clock = clock

    # -- access ------------------------------------------------------------------------------

    @staticmethod
    def _caller(principal: Principal | None) -> tuple[Principal, frozenset[str] | None]:
        """The caller and the departments they are limited to (``None``: every department)."""
        caller = allowed(principal, Action.VIEW_CASES)
        scope = caller.scope(Action.VIEW_CASES)
        return caller, (frozenset(caller.departments) if scope is Scope.OWN_DEPARTMENTS else None)

    @staticmethod
    def _visible(case: Case | None, departments: frozenset[str] | None) -> bool:
        return (case is not None and not case.deleted
                and (departments is None or case.department in departments))

    # -- search ------------------------------------------------------------------------------

    def search(self, principal: Principal | None, query: SearchQuery) -> SearchPage:
        """Cases by number, by the requester's phone or e-mail, or by words (of the requester's
        name, the subject, the address, the description), newest first."""
        _, departments = self._caller(principal)
        if query.field_errors:
            raise ValidationError(list(query.field_errors))
        text = query.q.strip()
        found: list[Case] = []
        if not query.cursor:
            numbers = number_forms(text, self._clock().year)
            if numbers:
                cases = self._index.cases(numbers)
                found = [cases[n] for n in numbers if self._visible(cases.get(n), departments)]
                if found or "-" in text:
                    return SearchPage(found[:query.limit], None, "number")
        registry = registry_query(text)
        if registry:
            return self._registry_page(registry, departments, query.limit)
        if looks_like_email(text):
            page = self._requester_page("email", text.lower(), departments, query.limit, query.cursor)
            return SearchPage(page[0], page[1], "email")
        if looks_like_phone(text):
            try:
                phone = self._phones.normalise(text, self._municipality.get().country)
            except InvalidPhoneNumber:
                phone = None
            if phone:
                page = self._requester_page("phone", phone, departments, query.limit, query.cursor)
                return SearchPage(page[0], page[1], "phone")
        return self._words_page(text, departments, query)

    def _registry_page(self, registry: str, departments: frozenset[str] | None,
                       limit: int) -> SearchPage:
        """The case that has the registry number (its one search word: ``registry_term``)."""
        numbers, _ = self._index.word_cases(registry_term(registry), MAX_POSTINGS)
        ordered = sorted(numbers, reverse=True)[:limit]
        cases = self._index.cases(ordered) if ordered else {}
        found = [cases[n] for n in ordered if self._visible(cases.get(n), departments)
                 and cases[n].registry_number == registry]
        return SearchPage(found, None, "registry")

    def _words_page(self, text: str, departments: frozenset[str] | None,
                    query: SearchQuery) -> SearchPage:
        terms = list(dict.fromkeys(words(text)))
        if not terms:
            raise ValidationError([FieldError("q", "no_search_word")])
        if len(terms) > MAX_TERMS:
            raise ValidationError([FieldError("q", "too_many_words", {"max": MAX_TERMS})])
        # The longest word first: it has the fewest entries.
        candidates: set[str] | None = None
        truncated = False
        for term in sorted(terms, key=len, reverse=True):
            numbers, more = self._index.word_cases(term, MAX_POSTINGS)
            truncated = truncated or more
            candidates = numbers if candidates is None else candidates & numbers
            if not candidates:
                break
        ordered = sorted(candidates or (), reverse=True)
        if query.cursor:
            ordered = [n for n in ordered if n < query.cursor]
        kept: list[Case] = []
        position = 0
        for _ in range(MAX_ROUNDS):
            if position >= len(ordered) or len(kept) >= query.limit:
                break
            batch = ordered[position:position + min(100, 2 * (query.limit - len(kept)))]
            cases = self._index.cases(batch)
            for number in batch:
                position += 1
                case = cases.get(number)
                if self._visible(case, departments) and matches(terms, set(_case_words(case))):
                    kept.append(case)  # type: ignore[arg-type]
                    if len(kept) == query.limit:
                        break
        cursor = ordered[position - 1] if position < len(ordered) and position else None
        return SearchPage(kept, cursor, "words", truncated)

    def _requester_page(self, kind: str, value: str, departments: frozenset[str] | None,
                        limit: int, cursor: str | None) -> tuple[list[Case], str | None]:
        kept: list[Case] = []
        before, more = cursor, True
        for _ in range(MAX_ROUNDS):
            numbers, more = self._index.requester_cases(kind, value, before, limit - len(kept))
            if not numbers:
                more = False
                break
            cases = self._index.cases(numbers)
            kept += [cases[n] for n in numbers if self._visible(cases.get(n), departments)
                     and self._has_contact(cases[n], kind, value)]
            before = numbers[-1]
            if len(kept) >= limit or not more:
                break
        return kept, (before if more else None)

    def _has_contact(self, case: Case, kind: str, value: str) -> bool:
        """Whether the case's requester has this contact (the index keys a phone number by its
        last digits only): the address in any case, the number in any writing."""
        contact = case.contact
        if contact is None:
            return False
        if kind == "email":
            return (contact.email or "").strip().lower() == value
        if not contact.phone:
            return False
        try:
            return self._phones.normalise(contact.phone, self._municipality.get().country) == value
        except InvalidPhoneNumber:
            return False

    # -- a requester and their earlier cases ------------------------------------------------

    def requester(self, principal: Principal | None, query: RequesterQuery) -> RequesterPage:
        """The requester with this phone number or e-mail address and their cases, newest
        first (one ``Query`` of their contact's entries and one ``BatchGetItem`` per round)."""
        _, departments = self._caller(principal)
        errors = list(query.field_errors)
        if not errors and bool(query.phone) == bool(query.email):
            errors.append(FieldError("phone", "one_of", {"other": "email"}))
        phone = None
        if not errors and query.phone:
            try:
                phone = self._phones.normalise(query.phone, self._municipality.get().country)
            except InvalidPhoneNumber as exc:
                errors.append(FieldError("phone", exc.code))
        if errors:
            raise ValidationError(errors)
        kind, value = ("phone", phone) if phone else ("email", (query.email or "").strip().lower())
        cases, cursor = self._requester_page(kind, value or "", departments, query.limit, query.cursor)
        contact = next((c.contact for c in cases if c.contact), None)
        return RequesterPage(
            name=contact.name if contact else None,
            email=(contact.email if contact and contact.email else (value if kind == "email" else None)),
            phone=value if kind == "phone" else (contact.phone if contact else None),
            cases=cases, next_cursor=cursor)

    # -- places ------------------------------------------------------------------------------

    def map(self, principal: Principal | None, query: MapQuery) -> MapPage:
        """The cases in a box, cell by cell: one ``Query`` of the geo index per cell, at most
        ``MAX_CELLS``; the cursor resumes at the cell and the case the page ended with."""
        caller, departments = self._caller(principal)
        errors = list(query.field_errors)
        municipality = self._municipality.get()
        if query.department and query.department not in municipality.departments:
            errors.append(FieldError("department", "unknown_department"))
        if any(c not in municipality.categories for c in query.categories):
            errors.append(FieldError("category", "not_allowed",
                                     {"allowed": ", ".join(municipality.categories)}))
        if query.received_from and query.received_to and query.received_from > query.received_to:
            errors.append(FieldError("to", "before_from"))
        cells = None
        if query.bbox is not None and not errors:
            cells = cover(query.bbox, max_cells=MAX_CELLS, coarsest=COARSEST_CELL)
            if cells is None:
                errors.append(FieldError("bbox", "too_large"))
        if errors:
            raise ValidationError(errors)
        assert cells is not None and query.bbox is not None
        if departments is not None and query.department and query.department not in departments:
            raise ForbiddenError("error.forbidden")
        assignee = caller.username if query.assignee == "me" else query.assignee
        start_cell, after = 0, None
        if query.cursor:
            start_cell, after = _decode_map_cursor(query.cursor, cells)
        kept: list[CasePoint] = []
        cursor = None
        for position in range(start_cell, len(cells)):
            cell = cells[position]
            points, more = self._index.points(cell, after, MAP_READ)
            after = None
            for point in points:
                if not (query.bbox.contains(point.lat, point.lon) and _wanted(point, query, assignee)
                        and (departments is None or point.department in departments)):
                    continue
                kept.append(point)
                if len(kept) == query.limit:
                    break
            if len(kept) == query.limit:
                last = kept[-1].position
                if more or last != points[-1].position or position + 1 < len(cells):
                    cursor = _map_cursor(position, last)
                break
            if more:
                cursor = _map_cursor(position, points[-1].position)
                break
        return MapPage(kept, cursor, tuple(cells))

    def nearby(self, principal: Principal | None, query: NearbyQuery) -> list[NearbyCase]:
        """Open cases (of ``category``, when given) within ``radius_m`` of a point, nearest
        first: one ``Query`` of the geo index per cell of the circle's box (at most 16)."""
        _, departments = self._caller(principal)
        errors = list(query.field_errors)
        municipality = self._municipality.get()
        if query.category and query.category not in municipality.categories:
            errors.append(FieldError("category", "unknown_category"))
        if errors:
            raise ValidationError(errors)
        assert query.lat is not None and query.lon is not None
        cells = cover(around(query.lat, query.lon, query.radius_m), max_cells=MAX_CELLS,
                      coarsest=COARSEST_CELL) or []
        open_statuses = {s.value for s in OPEN_STATUSES}
        found: list[NearbyCase] = []
        for cell in cells:
            points, _ = self._index.points(cell, None, MAP_READ)
            for point in points:
                if point.status not in open_statuses:
                    continue
                if query.category and point.category != query.category:
                    continue
                if departments is not None and point.department not in departments:
                    continue
                distance = distance_m(query.lat, query.lon, point.lat, point.lon)
                if distance <= query.radius_m:
                    found.append(NearbyCase(point, distance))
        found.sort(key=lambda near: (near.distance_m, near.point.number))
        return found[:query.limit]


def _case_words(case: Case | None) -> list[str]:
    """Every folded word a case is found by (what its index entries were made from, whole:
    the check of a search's words against the case itself)."""
    if case is None:
        return []
    contact, location = case.contact, case.location
    return [*words(contact.name if contact else None), *words(case.subject),
            *words(location.address if location else None), *words(case.description)]


def _wanted(point: CasePoint, query: MapQuery, assignee: str | None) -> bool:
    if query.statuses and point.status not in query.statuses:
        return False
    if query.categories and point.category not in query.categories:
        return False
    if query.department and point.department != query.department:
        return False
    if assignee and (point.assignee or "").lower() != assignee.lower():
        return False
    received = point.received_at or point.created_at
    if query.received_from and received < query.received_from:
        return False
    if query.received_to and received > query.received_to:
        return False
    return True


def _map_cursor(position: int, after: str) -> str:
    """``<cell position>.<index key>``, base64url without padding (opaque to clients)."""
    return base64.urlsafe_b64encode(f"{position}.{after}".encode()).decode().rstrip("=")


def _decode_map_cursor(cursor: str, cells: list[str]) -> tuple[int, str]:
    """The cell position and index key of ``_map_cursor``; a cursor of another box is refused."""
    try:
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
    except ValueError:
        text = ""
    position, _, after = text.partition(".")
    if not position.isdigit() or int(position) >= len(cells) or not after.startswith(cells[int(position)]):
        raise ValidationError([FieldError("cursor", "invalid_format")])
    return int(position), after

