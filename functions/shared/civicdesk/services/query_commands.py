"""What reading cases is asked (a queue's filters) and answers (a page, a case file).

In a module of their own, re-exported by ``case_commands``: the admin API's first request
usually reads a queue, and its cold start should not create the classes of every change
(docs/decisions.md, cold starts).
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from msgspec import Struct

if TYPE_CHECKING:
    from ..domain.cases import Case, TimelineEvent
    from ..domain.errors import FieldError


class QueueFilter(Struct, frozen=True):
    """Which cases a queue page lists; ``state`` is ``None`` when the request named none."""

    department: str | None = None
    assignee: str | None = None  # a username, or ``me``
    state: str | None = None
    statuses: tuple[str, ...] = ()
    types: tuple[str, ...] = ()
    channels: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()
    created_from: datetime | None = None
    created_to: datetime | None = None
    descending: bool = False
    limit: int = 25
    cursor: str | None = None
    invalid: tuple[FieldError, ...] = ()
    #: ``overdue``: the open cases with a clock past its due time, most overdue first, from
    #: the due-time index (``None``: the queue by age).
    view: str | None = None


class QueuePage(Struct, frozen=True):
    cases: list[Case]
    next_cursor: str | None


class CaseFile(Struct, frozen=True):
    """A case with its timeline (internal entries included) and its number of followers.

    The timeline holds the whole history and the latest entries of the delivery trail (the
    notifications sent, the delivery reports: one per recipient and message); ``trail_complete``
    is false when earlier trail entries were left out."""

    case: Case
    timeline: list[TimelineEvent]
    followers: int
    trail_complete: bool = True
