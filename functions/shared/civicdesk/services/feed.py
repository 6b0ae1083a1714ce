"""The supervisors' live feed (``GET /v1/admin/feed``): what changed on any case since the
console's cursor, normally one ``Query`` per poll (``civicdesk.domain.feed``)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Callable, Protocol

from msgspec import Struct

from ..domain.cases import EventKind, iso, utc_now
from ..domain.errors import BadRequestError, FieldError, ForbiddenError, ValidationError
from ..domain.feed import FEED_DAYS, LATE_WINDOW, FeedCursor, FeedEntry, advance, feed_day, window_start
from ..domain.policy import Action, Principal, Scope, authorise
from .commands import StaffCommand
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


class FeedQuery(StaffCommand, frozen=True, kw_only=True):
    """A console's poll: after its ``cursor``, or from ``since`` (at most one of them), at most
    ``limit`` changes (``None``: ``DEFAULT_LIMIT``), only of these timeline ``kinds`` and of
    ``department``'s cases when given."""

    cursor: str | None = None
    since: datetime | None = None
    limit: int | None = None
    kinds: tuple[str, ...] = ()
    department: str | None = None


class FeedPage(Struct, frozen=True):
    """The changes of one poll, oldest first; ``cursor`` is the one to poll with next, and
    ``more`` says the answer was cut at the limit (poll again at once)."""

    changes: list[FeedEntry]
    cursor: str
    more: bool


class FeedService:
    def __init__(self, repository: FeedRepository, municipality: MunicipalityProvider, *,
                 clock: Callable[[], datetime] = utc_now):
        self._repo = repository
        self._municipality = municipality
        self._clock = clock

    def feed(self, principal: Principal | None, query: FeedQuery) -> FeedPage:
        """The changes after the cursor (or from ``since``), oldest first, with the cursor to
        poll with next; ``more`` says the answer was cut at ``limit`` (poll again at once)."""
        scope = authorise(principal, Action.VIEW_FEED)
        assert principal is not None
        municipality = self._municipality.get()
        now = self._clock()
        errors: list[FieldError] = []
        kinds = query.kinds
        if any(kind not in KINDS for kind in kinds):
            errors.append(FieldError("kinds", "not_allowed", {"allowed": ", ".join(KINDS)}))
        department = query.department
        if department and department not in municipality.departments:
            errors.append(FieldError("department", "unknown_department"))
        since = query.since
        if since is not None and query.cursor:
            errors.append(FieldError("since", "one_of", {"other": "cursor"}))
        elif since is not None and since > now + CLOCK_SKEW:
            errors.append(FieldError("since", "in_future"))
        elif since is not None and since < window_start(now):
            errors.append(FieldError("since", "too_old", {"days": FEED_DAYS}))
        query.raise_invalid(errors)
        if query.cursor:
            cursor = FeedCursor.decode(query.cursor)
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
        limit = query.limit if query.limit is not None else DEFAULT_LIMIT
        read, stopped_at = self._repo.feed(cursor.after, feed_day(now), limit + len(cursor.seen))
        step = advance(cursor, read, stopped_at, horizon=iso(now - LATE_WINDOW), limit=limit)
        return FeedPage([entry for entry in step.entries if entry.matches(kinds, departments)],
                        step.cursor.encode(), step.more)
