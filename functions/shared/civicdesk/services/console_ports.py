"""The ports of the staff console's services: saved views, canned replies, a staff member's
language, the board's counts (each service sees only what it calls)."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Protocol

from msgspec import Struct

from .ports import QueueQuery

if TYPE_CHECKING:

    pass


# -- the staff console (saved views, canned replies, language, board and counts) ----------------

class SavedView(Struct, frozen=True):
    """A staff member's named queue: ``filters`` are the queue's query parameters, as
    ``GET /v1/admin/cases`` takes them (strings, no cursor)."""

    view_id: str
    name: str
    filters: dict
    created_at: datetime
    updated_at: datetime


class SavedViews(Protocol):
    """Each staff member's saved views, under their key (``user_id``: the pool's ``sub``)."""

    def views(self, user_id: str) -> list[SavedView]: ...

    def add_view(self, user_id: str, view: SavedView, *, limit: int) -> bool:
        """Store a new view; ``False`` (nothing written) when the person has ``limit`` already."""
        ...

    def replace_view(self, user_id: str, view: SavedView) -> bool:
        """Overwrite an existing view; ``False`` when there is none with its id."""
        ...

    def remove_view(self, user_id: str, view_id: str) -> bool:
        """Delete a view; ``False`` when there was none."""
        ...


class CannedReply(Struct, frozen=True):
    """A reply text administrators keep for everyone to start an answer from."""

    reply_id: str
    title: str
    text: str
    language: str
    categories: tuple[str, ...]
    version: int
    created_at: datetime
    created_by: str
    updated_at: datetime
    updated_by: str


class CannedReplyStore(Protocol):
    def replies(self, language: str | None) -> list[CannedReply]: ...

    def reply(self, reply_id: str) -> CannedReply | None: ...

    def add_reply(self, reply: CannedReply) -> None: ...

    def replace_reply(self, reply: CannedReply, expected_version: int) -> int | None:
        """Store ``reply`` (its version is ``expected_version + 1``) if the stored one still has
        ``expected_version``: ``None`` then, else the stored version now (``0``: no such reply)."""
        ...

    def remove_reply(self, reply_id: str, expected_version: int) -> int | None:
        """Delete the reply if it still has ``expected_version``; as ``replace_reply``."""
        ...


class Tally(Struct, frozen=True):
    """A count read with ``Select=COUNT``; ``complete`` is ``False`` when the read stopped at its
    bound of calls (there are at least ``count``)."""

    count: int
    complete: bool = True


class OpenCaseBrief(Struct, frozen=True):
    """What the supervisors' board shows of an open case that is assigned or escalated."""

    number: str
    subject: str | None
    excerpt: str
    status: str
    assignee: str | None
    escalation_level: int
    created_at: datetime


class QueueCounts(Protocol):
    def count(self, query: QueueQuery, *, max_calls: int) -> Tally:
        """How many cases the queue ``query`` names (``limit`` and ``cursor`` ignored)."""
        ...

    def status_count(self, department: str, status: str) -> Tally:
        """How many cases of ``department`` have ``status`` (one of the open statuses)."""
        ...

    def attended(self, department: str, *, max_calls: int
                 ) -> tuple[list[OpenCaseBrief], bool]:
        """The department's open cases that are assigned or escalated, oldest first, and
        whether the read got to the end of the department's open queue."""
        ...


class StaffLanguages(Protocol):
    def set_language(self, username: str, language: str) -> None:
        """Set the staff member's ``custom:language`` in the directory."""
        ...
