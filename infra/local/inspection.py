"""Read-only views of the local data, until the admin API exists: a case with its whole timeline
(``GET /_local/cases/<number>``) and the mail quarantine (``GET /_local/quarantine``).

They read through the application's own repositories (``civicdesk.wiring``),
so what they show is what the functions see. Local only: the runtime listens on 127.0.0.1.
"""

from __future__ import annotations

import base64
import re
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from typing import Any

from msgspec import Struct

CASE_NUMBER = re.compile(r"^\d{4}-\d{6,}$")


def to_json(value: Any) -> Any:
    """The application's records (msgspec ``Struct``), enums, datetimes (ISO 8601), tuples,
    sets, bytes and Decimals as JSON values.

    Examples
    --------
    >>> from datetime import timezone
    >>> class Item(Struct):
    ...     at: datetime
    ...     tags: tuple = ("a",)
    >>> to_json(Item(datetime(2026, 1, 2, 3, 4, 5, tzinfo=timezone.utc)))
    {'at': '2026-01-02T03:04:05+00:00', 'tags': ['a']}
    """
    if isinstance(value, Struct):
        return {name: to_json(getattr(value, name)) for name in value.__struct_fields__}
    if isinstance(value, Enum):
        return to_json(value.value)
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(k): to_json(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [to_json(v) for v in value]
    if isinstance(value, (bytes, bytearray)):
        return {"base64": base64.b64encode(bytes(value)).decode("ascii")}
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    return value


def case_with_timeline(number: str) -> dict | None:
    """``{"case": ..., "timeline": [...]}`` of case ``number``, or ``None``."""
    from civicdesk import wiring

    if not CASE_NUMBER.match(number):
        return None
    found = wiring.case_repository().get_with_timeline(number)
    if found is None:
        return None
    case, events = found
    return {"case": to_json(case), "timeline": [to_json(event) for event in events]}


def quarantine(limit: int = 50, cursor: str | None = None) -> dict:
    """``{"items": [...], "next": cursor or null}``, newest first."""
    from civicdesk import wiring

    entries, next_cursor = wiring.quarantine_repository().quarantined(limit=limit, cursor=cursor)
    items = []
    for entry in entries:
        item = to_json(entry)
        item["quarantine_id"] = entry.quarantine_id
        items.append(item)
    return {"items": items, "next": next_cursor}
