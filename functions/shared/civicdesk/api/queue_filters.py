"""A queue's query string, checked against its schema and turned into the services' filter.

Apart from the other requests about cases (``case_commands``, which re-exports it): reading a
queue, the admin API's usual first request, does not create the commands of every change.
"""

from __future__ import annotations

from typing import Any, Mapping

from ..domain.cases import Channel
from ..domain.errors import FieldError
from ..services.query_commands import QueueFilter
from . import schemas


def _csv(value: str | None) -> tuple[str, ...]:
    return tuple(dict.fromkeys(p.strip() for p in (value or "").split(",") if p.strip()))


def queue_filter(params: Mapping[str, Any] | None) -> QueueFilter:
    """A queue's query string."""
    errors: list[FieldError] = []
    cleaned = schemas.QUEUE_QUERY.check(dict(params or {}), "", errors) or {}
    statuses, types = _csv(cleaned.get("status")), _csv(cleaned.get("type"))
    channels = _csv(cleaned.get("channel"))
    for name, values, allowed in (("status", statuses, schemas.STATUSES),
                                  ("type", types, schemas.CASE_TYPES),
                                  ("channel", channels, tuple(c.value for c in Channel))):
        if any(v not in allowed for v in values):
            errors.append(FieldError(name, "not_allowed", {"allowed": ", ".join(allowed)}))
    return QueueFilter(
        department=cleaned.get("department"), assignee=cleaned.get("assignee"),
        state=cleaned.get("state"), statuses=statuses, types=types, channels=channels,
        categories=_csv(cleaned.get("category")), created_from=cleaned.get("from"),
        created_to=cleaned.get("to"), descending=cleaned.get("order") == "desc",
        limit=cleaned.get("limit", 25), cursor=cleaned.get("cursor"), invalid=tuple(errors),
        view=cleaned.get("view"))
