"""Domain errors. Each maps to exactly one HTTP status in ``civicdesk.http_errors``."""

from __future__ import annotations

from msgspec import Struct
from msgspec import field as struct_field


class CivicDeskError(Exception):
    """Base of every error the services raise on purpose."""

    code = "internal_error"

    def __init__(self, message_id: str = "", **params: object) -> None:
        super().__init__(message_id or self.code)
        self.message_id = message_id or f"error.{self.code}"
        self.params = params


class FieldError(Struct, frozen=True):
    """One invalid field: a dotted path, a machine code and the parameters of its message."""

    field: str
    code: str
    params: dict = struct_field(default_factory=dict)


class ValidationError(CivicDeskError):
    """Input that does not satisfy its schema; carries every bad field, not just the first."""

    code = "validation_failed"

    def __init__(self, errors: list[FieldError]) -> None:
        super().__init__("error.validation_failed")
        self.errors = list(errors)


class BadRequestError(CivicDeskError):
    code = "bad_request"


class NotFoundError(CivicDeskError):
    code = "not_found"


class ConflictError(CivicDeskError):
    """A concurrent change won; ``current_version`` tells the caller what to reload."""

    code = "conflict"

    def __init__(self, message_id: str = "", current_version: int | None = None, **params: object):
        super().__init__(message_id, **params)
        self.current_version = current_version


class UnauthorizedError(CivicDeskError):
    """No verified staff identity on a staff route (the authorizer normally answers first)."""

    code = "unauthorized"


class ForbiddenError(CivicDeskError):
    """The caller's role may not do this. Raised before anything about the case is revealed."""

    code = "forbidden"


class InvalidTransitionError(CivicDeskError):
    code = "invalid_transition"


class PayloadTooLargeError(CivicDeskError):
    code = "payload_too_large"


class TooManyRequestsError(CivicDeskError):
    code = "too_many_requests"


class ConfigurationError(CivicDeskError):
    """The municipality's configuration is inconsistent (raised when it is loaded, never later)."""

    code = "configuration_error"
