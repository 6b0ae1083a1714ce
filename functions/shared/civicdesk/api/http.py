"""HTTP <-> services translation shared by the API: JSON bodies, languages, and the one table
that turns domain errors into status codes."""

from __future__ import annotations

import json
from typing import Mapping

from ..domain import errors
from ..rendering import normalise_language, pick_language, translate

#: The only place where domain errors become HTTP status codes.
STATUS_BY_ERROR: dict[type[errors.CivicDeskError], int] = {
    errors.ValidationError: 400,
    errors.BadRequestError: 400,
    errors.UnauthorizedError: 401,
    errors.ForbiddenError: 403,
    errors.NotFoundError: 404,
    errors.ConflictError: 409,
    errors.InvalidTransitionError: 409,
    errors.PayloadTooLargeError: 413,
    errors.TooManyRequestsError: 429,
    errors.ConfigurationError: 500,
}

#: Chalice's own error codes (raised before a view runs) mapped onto ours.
CHALICE_CODES = {
    "BadRequestError": "bad_request", "BadRequest": "bad_request",
    "UnsupportedMediaType": "unsupported_media_type", "MethodNotAllowedError": "method_not_allowed",
    "NotFoundError": "not_found", "InternalServerError": "internal_error",
    "ForbiddenError": "forbidden", "UnauthorizedError": "unauthorized",
    "TooManyRequestsError": "too_many_requests",
}

JSON_HEADERS = {"Content-Type": "application/json; charset=utf-8", "Cache-Control": "no-store"}


def status_of(error: errors.CivicDeskError) -> int:
    for cls in type(error).__mro__:
        if cls in STATUS_BY_ERROR:
            return STATUS_BY_ERROR[cls]  # type: ignore[index]
    return 500


def error_body(error: errors.CivicDeskError, language: str) -> dict:
    """``{"error": {"code", "message", "fields"?}}`` in ``language``."""
    body: dict = {"code": error.code, "message": translate(language, error.message_id, **error.params)}
    if isinstance(error, errors.ValidationError):
        body["fields"] = [{"field": e.field, "code": e.code,
                           "message": translate(language, _field_message_id(e), **e.params)}
                          for e in error.errors]
    if isinstance(error, errors.ConflictError) and error.current_version is not None:
        body["current_version"] = error.current_version
    return {"error": body}


def _field_message_id(error: errors.FieldError) -> str:
    if error.code == "type":
        return f"field.type.{error.params.get('expected', 'string')}"
    return f"field.{error.code}"


def generic_error_body(code: str, language: str, message_id: str | None = None) -> dict:
    return {"error": {"code": code, "message": translate(language, message_id or f"error.{code}")}}


def parse_json_body(raw: bytes | None, max_bytes: int) -> object:
    """The decoded JSON body; 413 when too large, 400 when not JSON."""
    if raw is None or raw == b"":
        raise errors.BadRequestError("error.body_not_json")
    if len(raw) > max_bytes:
        raise errors.PayloadTooLargeError("error.payload_too_large", max=max_bytes)
    try:
        return json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise errors.BadRequestError("error.body_not_json") from None


def request_language(query: Mapping[str, str] | None, headers: Mapping[str, str] | None,
                     available: tuple[str, ...], default: str) -> str:
    """``?lang=`` if it names an available language, else ``Accept-Language``, else default."""
    requested = normalise_language((query or {}).get("lang"))
    if requested in available:
        return requested  # type: ignore[return-value]
    return pick_language((headers or {}).get("accept-language"), available, default)
