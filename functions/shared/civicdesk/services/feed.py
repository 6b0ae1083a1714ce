"""The supervisors' live feed (``GET /v1/admin/feed``): what changed on any case since the
console's cursor, normally one ``Query`` per poll (``civicdesk.domain.feed``)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Callable, Protocol

from ..api import schemas
from ..domain.cases import EventKind, iso, utc_now
from ..domain.errors import BadRequestError, FieldError, ForbiddenError, ValidationError
from ..domain.feed import (FEED_DAYS, LATE_WINDOW, FeedCursor, FeedEntry, advance, feed_day,
                           window_start)
from ..domain.municipality import Municipality, localised as tr_text
from ..domain.policy import Action, Principal, Scope, authorise
from ..rendering import translate
from .municipality import MunicipalityProvider

#: Without a cursor or ``since``, a console starts with the last quarter of an hour.
DEFAULT_SINCE = timedelta(minutes=15)
DEFAULT_LIMIT = 100
#: How far ahead of this function's clock another writer's clock may be.
CLOCK_SKEW = timedelta(minutes=5)
KINDS = tuple(kind.value for kind in EventKind)


class FeedRepository(Protocol):
    def feed(self, after: str, through_day: str, limit: int) -> tuple[list[FeedEntry], str | None]:
        """Entries after ``after`` in position order, at most ``limit``, through the UTC day
        ``through_day``; and the last position read when it stopped early (else ``None``)."""


def _csv(value: str | None) -> tuple[str, ...]:
    return tuple(dict.fromkeys(p.strip() for p in (value or "").split(",") if p.strip()))


def timeline_text(kind: str, data: dict, municipality: Municipality, language: str) -> str:
    """The translated text of a timeline entry (``event.<kind>``), its data's names translated:
    the staff case view's timeline and the feed say the same."""
    params = {k: v for k, v in data.items() if isinstance(v, (str, int, float))}
    if "channel" in data:
        params["channel"] = translate(language, f"channel.{data['channel']}")
    if data.get("department") in municipality.departments:
        params["department"] = tr_text(municipality.departments[data["department"]].name, language)
    if kind == EventKind.DELIVERY_REPORT.value:  # what SES said, not the case's status
        params["status"] = translate(language, f"delivery.{data.get('status')}")
    elif "status" in data:
        params["status"] = translate(language, f"status.{data['status']}")
    bodies = getattr(municipality, "external_bodies", {}) or {}
    if data.get("body_id") in bodies:
        params["body"] = tr_text(bodies[data["body_id"]].name, language)
    params.setdefault("body", data.get("email", ""))
    params.setdefault("case", data.get("case", ""))
    key = f"event.{kind}"
    if kind == EventKind.NOTIFICATION.value:
        key = f"event.notification.{data.get('outcome', 'sent')}"
        params["audience"] = translate(language, f"audience.{data.get('audience', 'requester')}")
    return translate(language, key, **params)


class FeedService:
    def __init__(self, repository: FeedRepository, municipality: MunicipalityProvider, *,
                 clock: Callable[[], datetime] = utc_now):
        self._repo = repository
        self._municipality = municipality
        self._clock = clock

    def feed(self, principal: Principal | None, params: dict | None, language: str) -> dict:
        """The changes after the cursor (or from ``since``), oldest first, with the cursor to
        poll with next; ``more`` says the answer was cut at ``limit`` (poll again at once)."""
        scope = authorise(principal, Action.VIEW_FEED)
        assert principal is not None
        municipality = self._municipality.get()
        now = self._clock()
        errors: list[FieldError] = []
        cleaned = schemas.FEED_QUERY.check(dict(params or {}), "", errors) or {}
        kinds = _csv(cleaned.get("kinds"))
        if any(kind not in KINDS for kind in kinds):
            errors.append(FieldError("kinds", "not_allowed", {"allowed": ", ".join(KINDS)}))
        department = cleaned.get("department")
        if department and department not in municipality.departments:
            errors.append(FieldError("department", "unknown_department"))
        since = cleaned.get("since")
        if since is not None and cleaned.get("cursor"):
            errors.append(FieldError("since", "one_of", {"other": "cursor"}))
        elif since is not None and since > now + CLOCK_SKEW:
            errors.append(FieldError("since", "in_future"))
        elif since is not None and since < window_start(now):
            errors.append(FieldError("since", "too_old", {"days": FEED_DAYS}))
        if errors:
            raise ValidationError(errors)
        if cleaned.get("cursor"):
            cursor = FeedCursor.decode(cleaned["cursor"])
            if cursor.moment > now + CLOCK_SKEW:
                raise BadRequestError("error.invalid_cursor")
            if cursor.moment < window_start(now):
                raise ValidationError([FieldError("cursor", "cursor_expired", {"days": FEED_DAYS})])
        else:
            cursor = FeedCursor.starting(since if since is not None else now - DEFAULT_SINCE)
        departments: tuple[str, ...] = (department,) if department else ()
        if scope is Scope.OWN_DEPARTMENTS:
            # Not granted by the policy table today; should it ever be, the feed narrows itself.
            if department and department not in principal.departments:
                raise ForbiddenError("error.forbidden")
            departments = departments or tuple(sorted(principal.departments))
        limit = cleaned.get("limit", DEFAULT_LIMIT)
        read, stopped_at = self._repo.feed(cursor.after, feed_day(now), limit + len(cursor.seen))
        step = advance(cursor, read, stopped_at, horizon=iso(now - LATE_WINDOW), limit=limit)
        return {"changes": [self._change(entry, municipality, language) for entry in step.entries
                            if entry.matches(kinds, departments)],
                "cursor": step.cursor.encode(), "more": step.more}

    @staticmethod
    def _change(entry: FeedEntry, municipality: Municipality, language: str) -> dict:
        department = municipality.departments.get(entry.department or "")
        return {
            "id": entry.event_id, "at": iso(entry.at), "number": entry.case_number,
            "kind": entry.kind, "actor": entry.actor, "public": entry.public,
            "status": entry.status,
            "status_name": translate(language, f"status.{entry.status}") if entry.status else None,
            "previous_status": entry.previous_status,
            "department": entry.department,
            "department_name": tr_text(department.name, language) if department else entry.department,
            "assignee": entry.assignee,
            "text": timeline_text(entry.kind, entry.params, municipality, language),
        }
