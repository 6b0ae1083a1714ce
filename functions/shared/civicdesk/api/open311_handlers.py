"""Open311 GeoReport v2 under ``/open311/v2/`` (``functions/open311/app.py`` hands every request
here): the format from the path's suffix, the arguments parsed and checked (every bad one
named in the spec's error list), one service call, the document in JSON or XML.
"""

from __future__ import annotations

import re
from datetime import datetime, timezone
from typing import Any, Callable, Mapping
from urllib.parse import parse_qsl

from msgspec import Struct, field

from ..domain.cases import parse_number
from ..domain.errors import (
    CivicDeskError,
    ConflictError,
    FieldError,
    ForbiddenError,
    NotFoundError,
    ValidationError,
)
from ..domain.open311 import DEFAULT_PAGE_SIZE, MAX_DESCRIPTION, MAX_PAGE_SIZE, MAX_RADIUS_M, parse_w3c
from ..rendering.i18n import normalise_language, pick_language, translate
from . import open311_format as fmt
from . import open311_views as views

#: The largest form an app may post (the spec's 4,000-character description and a few fields).
MAX_FORM_BYTES = 64 * 1024
_TOKEN = re.compile(r"^[A-Za-z0-9._:-]{8,100}$")
_ATTRIBUTE = re.compile(r"^attribute\[([A-Za-z0-9_.-]{1,64})\](\[\])?$")
_EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]{1,255}\.[^@\s]{2,}$")
_PHONE = re.compile(r"^\+?[0-9 ()/.-]{6,20}$")
_URL = re.compile(r"^https?://[^\s<>\"]{1,2000}$")
_CODE = re.compile(r"^[A-Za-z0-9_.-]{1,64}$")
_NO_STORE = {"Cache-Control": "no-store"}
_CACHE = {"Cache-Control": "public, max-age=300", "Vary": "Accept-Language"}
_SHORT_CACHE = {"Cache-Control": "public, max-age=30", "Vary": "Accept-Language"}


class Open311Call(Struct, frozen=True):
    """One request as the function received it."""

    method: str
    resource: str  # the first segment after /open311/v2/ (with its suffix when it is the last)
    item: str | None = None  # the second segment (``services/{code}.json``), with its suffix
    params: Mapping[str, str] = field(default_factory=dict)
    body: bytes | None = None
    headers: Mapping[str, str] = field(default_factory=dict)
    base_url: str = ""  # the public ``.../open311/v2`` of this endpoint


class Answer(Struct, frozen=True):
    status: int
    body: bytes
    content_type: str
    headers: dict[str, str]


def handle(call: Open311Call, service: Any, media_base: str,
           clock: Callable[[], datetime] = lambda: datetime.now(timezone.utc)) -> Answer:
    """Dispatch, with every failure as the spec's error list in the request's format."""
    segment = call.item if call.item is not None else call.resource
    name, suffix = fmt.split_format(segment)
    document = call.resource if call.item is not None else name
    shape = suffix or "json"
    language = "en"
    try:
        municipality = service.municipality()
        language = _language(call, municipality)
        if suffix is None:
            raise _Open311Error(400, translate(language, "open311_error.format"))
        return _route(call, service, municipality, document, name if call.item is not None else None,
                      shape, language, media_base, clock)
    except _Open311Error as error:
        return _errors(shape, [(error.status, error.description)], error.status)
    except ValidationError as error:
        return _errors(shape, [(400, _field_text(language, e)) for e in error.errors], 400)
    except ForbiddenError:
        return _errors(shape, [(403, translate(language, "open311_error.api_key"))], 403)
    except NotFoundError as error:
        return _errors(shape, [(404, translate(language, str(error)))], 404)
    except ConflictError:
        return _errors(shape, [(400, translate(language, "open311_error.token_reused"))], 400)
    except CivicDeskError as error:
        return _errors(shape, [(400, translate(language, str(error)))], 400)


class _Open311Error(Exception):
    def __init__(self, status: int, description: str):
        super().__init__(description)
        self.status, self.description = status, description


def _errors(shape: str, errors: list[tuple[int, str]], status: int) -> Answer:
    body, content_type = fmt.render_errors(shape, errors)
    return Answer(status, body, content_type, dict(_NO_STORE))


def _field_text(language: str, error: FieldError) -> str:
    return f"{error.field}: {translate(language, f'field.{error.code}', **error.params)}"


def _language(call: Open311Call, municipality) -> str:
    """``locale`` (sr-Cyrl, sr-Latn, bg, cs, en; aliases as ``?lang=`` takes them), then
    ``Accept-Language``, then the municipality's default."""
    asked = normalise_language(call.params.get("locale") or call.params.get("lang"))
    if asked is not None and asked in municipality.languages:
        return asked
    return pick_language((call.headers or {}).get("accept-language"), municipality.languages,
                         municipality.default_language)


def _answer(shape: str, root: str, entry: str | None, body: Any, status: int = 200,
            headers: dict[str, str] | None = None) -> Answer:
    data, content_type = fmt.render(shape, root, entry, body)
    return Answer(status, data, content_type, dict(headers or _NO_STORE))


def _route(call: Open311Call, service, municipality, document: str, item: str | None, shape: str,
           language: str, media_base: str, clock) -> Answer:
    method = call.method.upper()
    if method == "POST" and document == "requests" and item is None:
        request = _new_request(call, language)
        created = service.create(request)
        return _answer(shape, "service_requests", "request",
                       [views.created(created.number, created.service_notice, municipality, language)])
    if method != "GET":
        raise _Open311Error(400, translate(language, "open311_error.method"))
    if document == "discovery" and item is None:
        return _answer(shape, "discovery", None,
                       views.discovery(municipality, call.base_url, _changeset(municipality, clock), language),
                       headers=_CACHE)
    if document == "services" and item is None:
        return _answer(shape, "services", "service",
                       [views.service(municipality, c, t, language) for c, t in service.services()],
                       headers=_CACHE)
    if document == "services":
        category, types = service.service(_checked_code(item, "service_code"))
        return _answer(shape, "service_definition", None, views.definition(category, types, language),
                       headers=_CACHE)
    if document == "requests" and item is None:
        wanted = _request_filter(call.params)
        if wanted is None:  # ids were asked for, none of them well-formed: none can exist
            return _answer(shape, "service_requests", "request", [], headers=_SHORT_CACHE)
        page = service.requests(wanted)
        headers = dict(_SHORT_CACHE)
        if page.cursor:
            headers["Link"] = f'<{call.base_url}/requests.{shape}?cursor={page.cursor}>; rel="next"'
            headers["X-Next-Cursor"] = page.cursor
        return _answer(shape, "service_requests", "request",
                       [views.request(r, municipality, language, media_base) for r in page.reports],
                       headers=headers)
    if document == "requests":
        if parse_number(item or "") is None:
            raise NotFoundError("open311_error.unknown_request")
        report = service.request(item)
        return _answer(shape, "service_requests", "request",
                       [views.request(report, municipality, language, media_base)], headers=_SHORT_CACHE)
    if document == "tokens" and item is not None:
        if not _TOKEN.match(item):
            raise NotFoundError("open311_error.unknown_token")
        number = service.token(item)
        return _answer(shape, "service_requests", "request",
                       [{"service_request_id": number, "token": item}])
    if document == "servicerequestupdates" and item is None:
        start, end = _date(call.params, "start_date"), _date(call.params, "end_date")
        page = service.updates(start, end, _page_size(call.params), call.params.get("cursor") or None)
        entries = [u for r in page.reports for u in views.updates(r, municipality, media_base, start)]
        headers = dict(_SHORT_CACHE)
        if page.cursor:
            headers["X-Next-Cursor"] = page.cursor
        return _answer(shape, "service_requests_updates", "request_update", entries, headers=headers)
    raise NotFoundError("open311_error.not_found")


def _changeset(municipality, clock) -> datetime:
    """The start of today (UTC): the configuration is read with a short cache and carries no
    version, so the discovery tells clients to look again daily (``docs/open311.md``)."""
    return clock().replace(hour=0, minute=0, second=0, microsecond=0)


def _checked_code(value: str | None, name: str) -> str:
    if not value or not _CODE.match(value):
        raise NotFoundError("open311_error.unknown_service")
    return value


# -- POST requests -------------------------------------------------------------------------------

def parse_form(body: bytes | None) -> list[tuple[str, str]]:
    """``application/x-www-form-urlencoded`` as UTF-8, blank values kept (the spec: an empty
    argument is an absent one, which the caller applies)."""
    if body and len(body) > MAX_FORM_BYTES:
        raise ValidationError([FieldError("body", "too_long", {"max": MAX_FORM_BYTES})])
    try:
        text = (body or b"").decode("utf-8")
    except UnicodeDecodeError:
        raise ValidationError([FieldError("body", "invalid_characters")]) from None
    return parse_qsl(text, keep_blank_values=True)


def _new_request(call: Open311Call, language: str):
    from ..services.open311 import NewRequest

    pairs = parse_form(call.body)
    form: dict[str, str] = {}
    attributes: dict[str, list[str]] = {}
    media: list[str] = []
    for key, value in pairs:
        value = value.strip()
        matched = _ATTRIBUTE.match(key)
        if matched:
            if value:
                attributes.setdefault(matched.group(1), []).append(value)
        elif key == "media_url":
            if value:
                media.append(value)
        elif value:
            form[key] = value
    for key in ("api_key", "locale", "jurisdiction_id"):  # may come in the query string too
        if key not in form and call.params.get(key):
            form[key] = call.params[key]
    errors: list[FieldError] = []
    lat, lon = _coordinate(form, "lat", -90, 90, errors), _coordinate(form, "long", -180, 180, errors)
    if (lat is None) != (lon is None) and not any(e.field in ("lat", "long") for e in errors):
        errors.append(FieldError("long" if lat is not None else "lat", "required_with",
                                 {"other": "lat" if lat is not None else "long"}))
        lat = lon = None
    if not form.get("service_code"):
        errors.append(FieldError("service_code", "required"))
    elif not _CODE.match(form["service_code"]):
        raise NotFoundError("open311_error.unknown_service")
    description = form.get("description")
    if description and len(description) > MAX_DESCRIPTION:
        errors.append(FieldError("description", "too_long", {"max": MAX_DESCRIPTION}))
    address = form.get("address_string")
    if address and len(address) > 500:
        errors.append(FieldError("address_string", "too_long", {"max": 500}))
    email, phone = form.get("email"), form.get("phone")
    if email and not _EMAIL.match(email):
        errors.append(FieldError("email", "invalid_email"))
    if phone and not _PHONE.match(phone):
        errors.append(FieldError("phone", "invalid_phone"))
    for name in ("first_name", "last_name"):
        if form.get(name) and len(form[name]) > 100:
            errors.append(FieldError(name, "too_long", {"max": 100}))
    if len(media) > 10:
        errors.append(FieldError("media_url", "too_many", {"max": 10}))
    for url in media:
        if not _URL.match(url):
            errors.append(FieldError("media_url", "invalid_format"))
            break
    token = (call.headers or {}).get("idempotency-key")
    if token is None and attributes.get("fixmystreet_id"):
        token = f"fms-{attributes['fixmystreet_id'][0]}"
    if token is not None and not _TOKEN.match(token):
        errors.append(FieldError("Idempotency-Key", "invalid_format"))
        token = None
    return NewRequest(
        api_key=form.get("api_key"), service_code=form.get("service_code"), lat=lat, lon=lon,
        address=address, description=description,
        attributes={k: tuple(v) for k, v in attributes.items()},
        first_name=form.get("first_name"), last_name=form.get("last_name"), email=email,
        phone=phone, media_urls=tuple(media), language=language, token=token,
        invalid=tuple(errors))


def _coordinate(form: dict[str, str], name: str, low: float, high: float,
                errors: list[FieldError]) -> float | None:
    raw = form.get(name)
    if raw is None:
        return None
    try:
        value = float(raw)
    except ValueError:
        errors.append(FieldError(name, "type.number"))
        return None
    if not low <= value <= high:
        errors.append(FieldError(name, "out_of_range", {"min": low, "max": high}))
        return None
    return value


# -- GET requests --------------------------------------------------------------------------------

def _date(params: Mapping[str, str], name: str) -> datetime | None:
    raw = params.get(name)
    if not raw:
        return None
    parsed = parse_w3c(raw)
    if parsed is None:
        raise ValidationError([FieldError(name, "invalid_datetime")])
    return parsed


def _page_size(params: Mapping[str, str]) -> int:
    raw = params.get("page_size") or params.get("max_requests")
    if not raw:
        return DEFAULT_PAGE_SIZE
    if not raw.isdigit() or not 1 <= int(raw) <= MAX_PAGE_SIZE:
        raise ValidationError([FieldError("page_size", "out_of_range", {"min": 1, "max": MAX_PAGE_SIZE})])
    return int(raw)


def _list(params: Mapping[str, str], name: str, separator: str = ",") -> list[str]:
    return [part.strip() for part in (params.get(name) or "").split(separator) if part.strip()]


def _request_filter(params: Mapping[str, str]):  # -> RequestFilter | None
    from ..services.open311 import RequestFilter

    errors: list[FieldError] = []
    numbers = _list(params, "service_request_id")
    if len(numbers) > MAX_PAGE_SIZE:
        errors.append(FieldError("service_request_id", "too_many", {"max": MAX_PAGE_SIZE}))
    asked_ids = bool(numbers)
    numbers = [n for n in numbers if parse_number(n) is not None]  # others cannot exist
    statuses = {s.lower() for s in _list(params, "status")}
    if statuses - {"open", "closed"}:
        errors.append(FieldError("status", "not_allowed", {"allowed": "open, closed"}))
    is_open = None if len(statuses) != 1 or statuses - {"open", "closed"} else "open" in statuses
    codes = _list(params, "service_code")
    if any(not _CODE.match(c) for c in codes):
        errors.append(FieldError("service_code", "invalid_format"))
    page_size, dates = DEFAULT_PAGE_SIZE, {}
    for name in ("start_date", "end_date", "updated_after", "updated_before"):
        try:
            dates[name] = _date(params, name)
        except ValidationError as error:
            errors.extend(error.errors)
    try:
        page_size = _page_size(params)
    except ValidationError as error:
        errors.extend(error.errors)
    if params.get("page") and params["page"] != "1":
        errors.append(FieldError("page", "not_allowed", {"allowed": "1 (then: cursor)"}))
    point, radius = _point(params, errors)
    if errors:
        raise ValidationError(errors)
    if asked_ids and not numbers:
        return None
    return RequestFilter(
        numbers=tuple(numbers), services=frozenset(codes), start=dates["start_date"],
        end=dates["end_date"], open=is_open, updated_after=dates["updated_after"],
        updated_before=dates["updated_before"],
        agencies=frozenset(_list(params, "agency_responsible", "|")), point=point, radius_m=radius,
        page_size=page_size, cursor=params.get("cursor") or None)


def _point(params: Mapping[str, str], errors: list[FieldError]) -> tuple[tuple[float, float] | None, int | None]:
    found: dict[str, float] = {}
    for name, low, high in (("lat", -90, 90), ("long", -180, 180)):
        value = _coordinate(dict(params), name, low, high, errors) if params.get(name) else None
        if value is not None:
            found[name] = value
    radius = None
    if params.get("radius"):
        raw = params["radius"]
        if not raw.isdigit() or not 1 <= int(raw) <= MAX_RADIUS_M:
            errors.append(FieldError("radius", "out_of_range", {"min": 1, "max": MAX_RADIUS_M}))
        else:
            radius = int(raw)
    if len(found) == 1:
        errors.append(FieldError("long" if "lat" in found else "lat", "required_with",
                                 {"other": "lat" if "lat" in found else "long"}))
        return None, None
    if not found:
        if radius is not None:
            errors.append(FieldError("lat", "required_with", {"other": "radius"}))
        return None, None
    return (found["lat"], found["long"]), radius
