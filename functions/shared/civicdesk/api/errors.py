"""Domain errors as HTTP answers: the one table of status codes, the error bodies in the
caller's language, and the codes of the errors Chalice answers by itself."""

from __future__ import annotations

from ..domain import errors
from ..rendering import translate

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

def status_of(error: errors.CivicDeskError) -> int:
    """The HTTP status of ``error``: its class's in ``STATUS_BY_ERROR``, or its nearest base's."""
    for cls in type(error).__mro__:
        if cls in STATUS_BY_ERROR:
            return STATUS_BY_ERROR[cls]
    return 500


def error_body(error: errors.CivicDeskError, language: str) -> dict:
    """``{"error": {"code", "message", "fields"?}}`` in ``language``."""
    body: dict = {"code": error.code, "message": translate(language, error.message_id, **error.params)}
    if isinstance(error, errors.ValidationError):
        body["fields"] = [{"field": e.field, "code": e.code, "message": field_message(e, language)}
                          for e in error.errors]
    if isinstance(error, errors.ConflictError) and error.current_version is not None:
        body["current_version"] = error.current_version
    return {"error": body}


def field_message(error: errors.FieldError, language: str) -> str:
    """The message of one invalid field in ``language``. A text too short or too long says
    both numbers with their plural forms: "Potrebno je najmanje 10 znakova, a napisali ste 3
    znaka." (``field.too_short_counted``, ``field.characters.*``)."""
    limit = error.params.get("min" if error.code == "too_short" else "max")
    length = error.params.get("length")
    if error.code in ("too_short", "too_long") and isinstance(limit, int) and isinstance(length, int):
        from ..rendering.plurals import translate_count

        return translate(language, f"field.{error.code}_counted",
                         limit=translate_count(language, "field.characters", limit),
                         length=translate_count(language, "field.characters", length))
    return translate(language, _field_message_id(error), **error.params)


def _field_message_id(error: errors.FieldError) -> str:
    if error.code == "type":
        return f"field.type.{error.params.get('expected', 'string')}"
    return f"field.{error.code}"


def generic_error_body(code: str, language: str, message_id: str | None = None) -> dict:
    """The error shape for an error that is no domain error (Chalice's own, an unhandled one)."""
    return {"error": {"code": code, "message": translate(language, message_id or f"error.{code}")}}
