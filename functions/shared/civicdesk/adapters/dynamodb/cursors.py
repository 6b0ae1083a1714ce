"""The page cursors of the table's paged reads: opaque to clients, checked when they return.

A cursor carries the sort key and the item identity of the last item read, never a partition:
the partition always comes from the request, so a forged cursor cannot reach another queue or
another index partition.
"""

from __future__ import annotations

import base64
import binascii
import json
import re

from ...domain.errors import BadRequestError

_QUEUE_SORT_KEY = re.compile(r"^(1open|2closed)#[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:.]{15}Z#[0-9]{4}-[0-9]{6,}$")
_SUPPRESSION_SORT_KEY = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:.]{15}Z#[0-9a-f]{32}$")


def encode_cursor(sort_value: str, number: str) -> str:
    """An opaque queue page cursor: the sort key and case number of the last case read.

    Examples
    --------
    >>> c = encode_cursor("1open#2026-11-21T08:00:00.000000Z#2026-000001", "2026-000001")
    >>> decode_cursor(c)
    ('1open#2026-11-21T08:00:00.000000Z#2026-000001', '2026-000001')
    """
    return _encode(sort_value, number)


def decode_cursor(cursor: str) -> tuple[str, str]:
    """The inverse of ``encode_cursor``; ``BadRequestError`` for anything it did not make."""
    return _decode(cursor, _QUEUE_SORT_KEY)


def encode_suppression_cursor(sort_value: str, key: str) -> str:
    """An opaque cursor of the suppression list: the last sort key and address key read.

    Examples
    --------
    >>> c = encode_suppression_cursor("2026-11-21T09:00:00.000000Z#" + "a" * 32, "a" * 32)
    >>> decode_suppression_cursor(c)[1] == "a" * 32
    True
    >>> decode_suppression_cursor("bm9wZQ")
    Traceback (most recent call last):
    ...
    civicdesk.domain.errors.BadRequestError: error.invalid_cursor
    """
    return _encode(sort_value, key)


def decode_suppression_cursor(cursor: str) -> tuple[str, str]:
    """The inverse of ``encode_suppression_cursor``; ``BadRequestError`` for anything else."""
    return _decode(cursor, _SUPPRESSION_SORT_KEY)


def _encode(sort_value: str, identity: str) -> str:
    raw = json.dumps([sort_value, identity], separators=(",", ":")).encode("utf-8")
    return base64.urlsafe_b64encode(raw).decode("ascii").rstrip("=")


def _decode(cursor: str, sort_key: re.Pattern) -> tuple[str, str]:
    """``(sort value, identity)`` when ``cursor`` is one ``_encode`` made of a well-formed sort
    key that ends with the identity; ``BadRequestError`` otherwise."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        sort_value, identity = json.loads(raw.decode("utf-8"))
        if (isinstance(sort_value, str) and isinstance(identity, str)
                and sort_key.match(sort_value) and sort_value.endswith(f"#{identity}")):
            return sort_value, identity
    except (ValueError, TypeError, binascii.Error, UnicodeDecodeError):
        pass
    raise BadRequestError("error.invalid_cursor")
