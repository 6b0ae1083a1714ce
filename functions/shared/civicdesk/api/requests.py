"""What the API reads from a request before any service runs: the JSON body and the language."""

from __future__ import annotations

import json
from typing import Mapping

from ..domain import errors
from ..rendering import normalise_language, pick_language


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
        return requested
    return pick_language((headers or {}).get("accept-language"), available, default)
