"""Open311 GeoReport v2 (``docs/open311.md``): the municipality's categories as services, apps'
requests opened as cases through the public case service (channel ``open311``), public
reports read through the ``PublicReports`` port (never a case: no personal data can leak), and
the API keys administrators issue to apps.

Every service is ``realtime``: a request's id is known when ``POST requests`` answers. An app's
idempotency key (``Idempotency-Key``, or FixMyStreet's ``attribute[fixmystreet_id]``) makes a
retry return the first answer, and is also the app's submission token: ``GET tokens/{token}``
tells which request a submission became, for an app that lost the answer.
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta
from typing import Callable

from msgspec import Struct, field

from ..domain.cases import CaseType, Channel, Contact, Location, utc_now
from ..domain.errors import FieldError, ForbiddenError, NotFoundError, ValidationError
from ..domain.municipality import Category, Municipality
from ..domain.open311 import (
    APP_TYPES,
    DEFAULT_PAGE_SIZE,
    MAX_RADIUS_M,
    WINDOW_DAYS,
    ApiKey,
    hash_key,
    key_id_of,
    key_matches,
    new_api_key,
)
from ..domain.policy import Action, Principal, allowed
from ..domain.public_reports import BoundingBox, PublicReport, ReportQuery
from .municipality import MunicipalityProvider
from .open311_ports import ApiKeys, SubmissionTokens
from .public_commands import OpenedCase, OpenPublicCase
from .public_report_ports import PublicReports

#: How long a submission token resolves (the case service keeps its idempotency record as long).
TOKEN_DAYS = 30
_EARTH_M = 6_371_000.0


class NewRequest(Struct, frozen=True):
    """``POST requests`` as the edge parsed it; ``invalid``: the edge's findings."""

    api_key: str | None
    service_code: str | None
    lat: float | None = None
    lon: float | None = None
    address: str | None = None
    description: str | None = None
    attributes: dict[str, tuple[str, ...]] = field(default_factory=dict)
    first_name: str | None = None
    last_name: str | None = None
    email: str | None = None
    phone: str | None = None
    media_urls: tuple[str, ...] = ()
    language: str | None = None
    token: str | None = None  # the app's idempotency key
    invalid: tuple[FieldError, ...] = ()


class Created(Struct, frozen=True):
    number: str
    service_notice: str | None  # the category's department, as the notice says who acts


class RequestFilter(Struct, frozen=True):
    """``GET requests`` as the edge parsed it (the service applies the spec's defaults)."""

    numbers: tuple[str, ...] = ()
    services: frozenset[str] = frozenset()
    start: datetime | None = None
    end: datetime | None = None
    open: bool | None = None
    updated_after: datetime | None = None
    updated_before: datetime | None = None
    agencies: frozenset[str] = frozenset()
    point: tuple[float, float] | None = None
    radius_m: int | None = None
    page_size: int = DEFAULT_PAGE_SIZE
    cursor: str | None = None


class RequestPage(Struct, frozen=True):
    reports: tuple[PublicReport, ...]
    cursor: str | None


class IssuedKey(Struct, frozen=True):
    key: ApiKey
    secret: str  # shown once


def offered_types(municipality: Municipality, category: Category) -> tuple[CaseType, ...]:
    """The case types an app may file in ``category``: public ones of the public form."""
    return tuple(t for t in category.types if t in APP_TYPES and t in municipality.public_form_types
                 and municipality.is_public(t))


def distance_m(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Great-circle distance in metres (haversine)."""
    lat1, lon1, lat2, lon2 = map(math.radians, (*a, *b))
    h = (math.sin((lat2 - lat1) / 2) ** 2
         + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2)
    return 2 * _EARTH_M * math.asin(min(1.0, math.sqrt(h)))


def bounding_box(point: tuple[float, float], radius_m: int) -> BoundingBox:
    lat, lon = point
    dlat = math.degrees(radius_m / _EARTH_M)
    dlon = math.degrees(radius_m / (_EARTH_M * max(0.01, math.cos(math.radians(lat)))))
    return BoundingBox(south=lat - dlat, west=lon - dlon, north=lat + dlat, east=lon + dlon)


class Open311Service:
    def __init__(self, municipality: MunicipalityProvider, reports: PublicReports,
                 open_case: Callable[[OpenPublicCase], OpenedCase], keys: ApiKeys,
                 tokens: SubmissionTokens, *, clock: Callable[[], datetime] = utc_now):
        self._municipality = municipality
        self._reports = reports
        self._open_case = open_case
        self._keys = keys
        self._tokens = tokens
        self._clock = clock

    def municipality(self) -> Municipality:
        return self._municipality.get()

    # -- services ------------------------------------------------------------------------------

    def services(self) -> list[tuple[Category, tuple[CaseType, ...]]]:
        """The categories an app may file in, with their case types, in configuration order."""
        municipality = self._municipality.get()
        found = []
        for category in municipality.categories.values():
            types = offered_types(municipality, category)
            if types:
                found.append((category, types))
        return found

    def service(self, code: str) -> tuple[Category, tuple[CaseType, ...]]:
        for category, types in self.services():
            if category.id == code:
                return category, types
        raise NotFoundError("open311_error.unknown_service")

    # -- POST requests -------------------------------------------------------------------------

    def create(self, request: NewRequest) -> Created:
        """Check the app's key, then open the case as the public form would (the same checks:
        the territory, the category's types); the requester's contact is the case's."""
        key = self._checked_key(request.api_key)
        municipality = self._municipality.get()
        errors = list(request.invalid)
        category, case_type = None, None
        types: tuple[CaseType, ...] = ()
        if request.service_code:
            category = municipality.categories.get(request.service_code)
            types = offered_types(municipality, category) if category else ()
            if not types:
                raise NotFoundError("open311_error.unknown_service")
            chosen = request.attributes.get("type", ())
            if chosen:
                if chosen[0] in {t.value for t in types}:
                    case_type = chosen[0]
                else:
                    errors.append(FieldError("attribute[type]", "not_allowed",
                                             {"allowed": ", ".join(t.value for t in types)}))
            elif len(types) == 1:
                case_type = types[0].value
            else:
                errors.append(FieldError("attribute[type]", "required"))
        located = any(e.field in ("lat", "long") for e in errors)  # the edge named it already
        if request.lat is None and request.lon is None and not request.address and not located:
            errors.append(FieldError("lat", "required"))
        location = Location(lat=request.lat, lon=request.lon, address=request.address)
        if errors:
            raise ValidationError(errors)
        assert category is not None
        description = (request.description or "").strip() or category.name.get(
            municipality.default_language, category.id)
        title = (request.attributes.get("title") or ("",))[0]
        subject = " ".join(part for part in (title, *request.media_urls) if part)[:2000] or None
        name = " ".join(part for part in (request.first_name, request.last_name) if part) or None
        contact = Contact(name=name, email=request.email, phone=request.phone)
        idempotency = f"open311.{key.key_id}.{request.token}" if request.token else None
        opened = self._open_case(OpenPublicCase(
            type=case_type, category=category.id, description=description,
            language=request.language, channel=Channel.OPEN311,
            location=location if (location.has_point or location.address) else None,
            contact=None if contact.is_empty else contact, language_hint=request.language,
            idempotency_key=idempotency, subject=subject))
        if request.token:
            self._tokens.remember(request.token, opened.number,
                                  self._clock() + timedelta(days=TOKEN_DAYS))
        return Created(number=opened.number, service_notice=category.department)

    def _checked_key(self, secret: str | None) -> ApiKey:
        key_id = key_id_of(secret)
        stored = self._keys.key(key_id) if key_id else None
        if secret is None or not key_matches(secret, stored):
            raise ForbiddenError("open311_error.api_key")
        assert stored is not None
        return stored

    def token(self, token: str) -> str:
        """The request a submission token became (``GET tokens``): the token an app sent as its
        idempotency key. Unknown or expired: not found."""
        number = self._tokens.number(token)
        if number is None:
            raise NotFoundError("open311_error.unknown_token")
        return number

    # -- GET requests --------------------------------------------------------------------------

    def request(self, number: str) -> PublicReport:
        """One public report (one ``GetItem`` behind the port); a private case is not found."""
        report = self._reports.report(number)
        if report is None:
            raise NotFoundError("open311_error.unknown_request")
        return report

    def requests(self, wanted: RequestFilter) -> RequestPage:
        """One page: exactly one ``PublicReports.page`` call (one ``Query``). The filters the
        index cannot apply (agency, ``updated_before``, the exact radius) are applied to the
        page, which then holds fewer than ``page_size``; the cursor still leads on."""
        if wanted.numbers:  # the spec: the ids override every other filter
            page = self._reports.page(ReportQuery(numbers=wanted.numbers), limit=len(wanted.numbers))
            return RequestPage(page.reports, None)
        start, end = self._window(wanted)
        bbox = None
        if wanted.point is not None:
            bbox = bounding_box(wanted.point, wanted.radius_m or MAX_RADIUS_M)
        query = ReportQuery(since=start, until=end, updated_after=wanted.updated_after, bbox=bbox,
                            categories=wanted.services, open=wanted.open)
        page = self._reports.page(query, limit=wanted.page_size, cursor=wanted.cursor)
        return RequestPage(tuple(r for r in page.reports if self._keeps(wanted, r)), page.cursor)

    def _window(self, wanted: RequestFilter) -> tuple[datetime | None, datetime | None]:
        """The spec's range: at most 90 days, the last 90 without one. A sync client asking
        for changes (``updated_after``) may reach older requests."""
        now = self._clock()
        start, end = wanted.start, wanted.end
        if start and end and end - start > timedelta(days=WINDOW_DAYS):
            raise ValidationError([FieldError("end_date", "period_too_long", {"days": WINDOW_DAYS})])
        if start and end and end < start:
            raise ValidationError([FieldError("end_date", "before_from")])
        if wanted.updated_after is not None and start is None and end is None:
            return None, None
        if start is None:
            start = (end or now) - timedelta(days=WINDOW_DAYS)
        return start, end

    @staticmethod
    def _keeps(wanted: RequestFilter, report: PublicReport) -> bool:
        if wanted.agencies and report.department not in wanted.agencies:
            return False
        if wanted.updated_before is not None and report.updated_at >= wanted.updated_before:
            return False
        if wanted.point is not None:
            if report.point is None:
                return False
            return distance_m(wanted.point, report.point) <= (wanted.radius_m or MAX_RADIUS_M)
        return True

    def updates(self, start: datetime | None, end: datetime | None,
                page_size: int, cursor: str | None) -> RequestPage:
        """FixMyStreet's ``servicerequestupdates``: the reports changed in the range (one
        ``Query``); each public answer in it is one update."""
        now = self._clock()
        if (start is None) != (end is None):
            raise ValidationError([FieldError("end_date" if start else "start_date", "required")])
        since = start or now - timedelta(days=1)
        if end is not None and end < since:
            raise ValidationError([FieldError("end_date", "before_from")])
        page = self._reports.page(ReportQuery(updated_after=since), limit=page_size, cursor=cursor)
        kept = tuple(r for r in page.reports if end is None or r.updated_at < end)
        return RequestPage(kept, page.cursor)


def ensure_key(keys: ApiKeys, secret: str, name: str, contact: str, actor: str,
               now: datetime) -> ApiKey:
    """A key with a known secret (the local runtime's demo app key, ``make run``): stored
    once, kept across restarts; the same secret always maps to the same key."""
    key_id = key_id_of(secret)
    if key_id is None:
        raise ValueError("not an Open311 API key")
    existing = keys.key(key_id)
    if existing is not None:
        return existing
    key = ApiKey(key_id=key_id, name=name, contact=contact, key_hash=hash_key(secret),
                 created_at=now, created_by=actor)
    keys.add_key(key)
    return key


class ApiKeyService:
    """The API keys administrators issue to apps (``/v1/admin/open311/keys``): the admin API's
    side, which needs no public reports."""

    def __init__(self, keys: ApiKeys, *, clock: Callable[[], datetime] = utc_now):
        self._keys = keys
        self._clock = clock

    def issue_key(self, principal: Principal | None, name: str, contact: str) -> IssuedKey:
        caller = allowed(principal, Action.MANAGE_OPEN311_KEYS)
        for _ in range(3):
            key_id, secret = new_api_key()
            key = ApiKey(key_id=key_id, name=name, contact=contact, key_hash=hash_key(secret),
                         created_at=self._clock(), created_by=caller.actor)
            if self._keys.add_key(key):
                return IssuedKey(key, secret)
        raise RuntimeError("three key ids in a row were taken")  # 36^8 ids: never in practice

    def list_keys(self, principal: Principal | None) -> list[ApiKey]:
        allowed(principal, Action.MANAGE_OPEN311_KEYS)
        return self._keys.keys()

    def revoke_key(self, principal: Principal | None, key_id: str) -> ApiKey:
        allowed(principal, Action.MANAGE_OPEN311_KEYS)
        revoked = self._keys.revoke_key(key_id, self._clock())
        if revoked is None:
            raise NotFoundError("open311_error.unknown_key")
        return revoked
