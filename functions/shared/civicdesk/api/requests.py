"""What the API reads from a request before any service runs: the JSON body and the language."""

from __future__ import annotations

import json
import re
from typing import Mapping

from ..domain import errors
from ..rendering import normalise_language, pick_language

_SURROGATE = re.compile(r"[\ud800-\udfff]")


def parse_json_body(raw: bytes | None, max_bytes: int) -> object:
    """The decoded JSON body; 413 when too large, 400 when not JSON."""
    if raw is None or raw == b"":
        raise errors.BadRequestError("error.body_not_json")
    if len(raw) > max_bytes:
        raise errors.PayloadTooLargeError("error.payload_too_large", max=max_bytes)
    try:
        body = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise errors.BadRequestError("error.body_not_json") from None
    if _names_a_lone_surrogate(body):
        raise errors.BadRequestError("error.body_not_json")
    return body


def _names_a_lone_surrogate(value: object) -> bool:
    """Whether a member name anywhere in ``value`` holds a lone UTF-16 surrogate (``"\\ud800"``
    decodes to one): no field has such a name, and the answer naming it could not be encoded.
    Values are the validation's: a string field refuses the character with its own name.

    >>> _names_a_lone_surrogate({"a": [{"b\\ud800": 1}]}), _names_a_lone_surrogate({"a": "\\ud800"})
    (True, False)
    """
    pending = [value]
    while pending:
        item = pending.pop()
        if isinstance(item, dict):
            if any(_SURROGATE.search(name) for name in item):
                return True
            pending.extend(item.values())
        elif isinstance(item, list):
            pending.extend(item)
    return False


def request_language(query: Mapping[str, str] | None, headers: Mapping[str, str] | None,
                     available: tuple[str, ...], default: str, own: str | None = None) -> str:
    """The language of the answer, the first of these that names an available language:
    ``?lang=``, the caller's own language (a signed-in staff member's ``custom:language``),
    ``Accept-Language``, else ``default``.

    Examples
    --------
    >>> languages = ("sr-Cyrl", "sr-Latn", "en")
    >>> request_language({}, {"accept-language": "sr-Latn"}, languages, "sr-Cyrl", own="en")
    'en'
    >>> request_language({"lang": "sr-Latn"}, {}, languages, "sr-Cyrl", own="en")
    'sr-Latn'
    >>> request_language({}, {"accept-language": "en"}, languages, "sr-Cyrl", own="de")
    'en'
    """
    for candidate in ((query or {}).get("lang"), own):
        language = normalise_language(candidate)
        if language in available:
            return language
    return pick_language((headers or {}).get("accept-language"), available, default)
