"""The supervisors' live feed: every timeline entry of the municipality in time order, read by
polling a changes endpoint with an opaque cursor (``docs/decisions.md``: why not a WebSocket).

Every timeline entry is also written to a feed index: one partition per UTC day, sorted by its
*position* ``<at>#<case number>#<entry id>``. A console polls with the cursor of its previous
answer and gets the entries after it.

An entry's ``at`` is stamped by its writer before the write (the mail intake stamps it when it
starts on a message, and may take its whole timeout before it writes), and the index is
eventually consistent, so an entry can appear *behind* entries the console has already seen. The
cursor therefore does not simply point after the last entry read: it keeps a watermark at most
``LATE_WINDOW`` old, and the ids of the entries already returned above the watermark. Each poll
re-reads from the watermark and leaves those ids out; an entry that shows up late within the
window is returned once, and nothing is returned twice.

Examples
--------
>>> from datetime import datetime, timezone
>>> at = datetime(2026, 11, 21, 23, 59, 59, tzinfo=timezone.utc)
>>> feed_day(at), position_of(at, "2026-000123", "a1b2c3d4e5f6")
('2026-11-21', '2026-11-21T23:59:59.000000Z#2026-000123#a1b2c3d4e5f6')
>>> cursor = FeedCursor("2026-11-21T23:59:00.000000Z", ("a1b2c3d4e5f6",))
>>> FeedCursor.decode(cursor.encode()) == cursor
True
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from datetime import datetime, timedelta, timezone
from typing import Iterable, Sequence

from msgspec import Struct, field

from .cases import EventKind, TimelineEvent, iso, parse_iso
from .errors import BadRequestError
from .redaction import MARK

#: How far back the feed reaches (``since`` and a cursor's watermark).
FEED_DAYS = 7
#: How long after its ``at`` an entry may still appear in the index (see the module's doc).
LATE_WINDOW = timedelta(seconds=60)
#: At most this many ids of entries above the watermark travel in a cursor; in a burst beyond
#: it the watermark moves up to the newest that fit (an entry arriving late *that* far behind
#: would be missed).
MAX_SEEN = 100
#: Strings the feed keeps of an entry's data are cut to this length.
MAX_TEXT_FIELD = 100

#: The fields of a timeline entry's data that its translated text names (``event.<kind>`` in the
#: catalogues); the feed keeps only these, short, never a message, a note or a staff reason.
TEXT_FIELDS = ("channel", "status", "department", "case", "body_id", "body", "level")
#: Fields that only some kinds may keep (elsewhere they are free text).
KIND_TEXT_FIELDS = {EventKind.ATTACHMENT_REFUSED: ("reason",), EventKind.REFERRED: ("email",),
                    EventKind.NOTIFICATION: ("outcome", "audience"),
                    EventKind.REGISTERED: ("registry_number",)}
#: Fields a kind's text names that the feed never keeps (a recipient's address): the text shows
#: the redaction mark in their place.
KIND_HIDDEN_FIELDS = {EventKind.DELIVERY_REPORT: ("to",)}
#: Kinds whose ``from`` is the status the case had before.
STATUS_FROM_KINDS = frozenset({EventKind.STATUS_CHANGED, EventKind.MERGED})

_ID = r"[A-Za-z0-9_-]{1,64}"
_MOMENT = r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{6}Z"
_WATERMARK = re.compile(rf"^{_MOMENT}(#[0-9]{{4}}-[0-9]{{6,}}#{_ID})?$")
_SEEN_ID = re.compile(rf"^{_ID}$")


def feed_day(moment: datetime) -> str:
    """The UTC day an entry's partition is named by."""
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%d")


def position_of(at: datetime, number: str, event_id: str) -> str:
    """Where an entry sorts in its day: ``<at>#<case number>#<entry id>``."""
    return f"{iso(at)}#{number}#{event_id}"


def feed_record(event: TimelineEvent, *, department: str | None = None, status: str | None = None,
                assignee: str | None = None) -> dict:
    """What the feed keeps of a timeline entry besides its kind, actor and time: the case's
    department, status and assignee after the entry, the status before it, and the short data
    fields its text names. Bounded in size whatever the entry holds.

    Examples
    --------
    >>> from datetime import datetime, timezone
    >>> at = datetime(2026, 11, 21, 9, 0, tzinfo=timezone.utc)
    >>> entry = TimelineEvent("2026-000001", at, EventKind.STATUS_CHANGED, "staff:ana", True,
    ...                       {"status": "resolved", "from": "new", "reason": "Popravljeno.",
    ...                        "public_text": "Popravljeno je." * 1000})
    >>> feed_record(entry, department="roads_traffic", status="resolved")
    {'department': 'roads_traffic', 'status': 'resolved', 'previous_status': 'new', 'params': {'status': 'resolved'}}
    """
    data = event.data or {}
    names = TEXT_FIELDS + KIND_TEXT_FIELDS.get(event.kind, ())
    params: dict[str, object] = {}
    for name in names:
        value = data.get(name)
        if isinstance(value, bool) or value is None:
            continue
        if isinstance(value, str):
            params[name] = value[:MAX_TEXT_FIELD]
        elif isinstance(value, (int, float)):
            params[name] = value
    for name in KIND_HIDDEN_FIELDS.get(event.kind, ()):
        if name in data:
            params[name] = MARK
    previous = data.get("from") if event.kind in STATUS_FROM_KINDS else None
    record = {"department": department, "status": status,
              "previous_status": previous[:MAX_TEXT_FIELD] if isinstance(previous, str) else None,
              "assignee": assignee, "params": params}
    return {key: value for key, value in record.items() if value}


class FeedEntry(Struct, frozen=True):
    """One timeline entry as the feed index holds it."""

    position: str
    case_number: str
    at: datetime
    kind: str
    actor: str
    public: bool
    event_id: str
    department: str | None = None
    status: str | None = None
    previous_status: str | None = None
    assignee: str | None = None
    params: dict = field(default_factory=dict)

    def matches(self, kinds: Iterable[str] = (), departments: Iterable[str] = ()) -> bool:
        kinds, departments = set(kinds), set(departments)
        return ((not kinds or self.kind in kinds)
                and (not departments or self.department in departments))


class FeedCursor(Struct, frozen=True):
    """Where a console is in the feed: everything up to ``after`` (a watermark: a moment or a
    position) has been returned, and so have the entries ``seen`` above it."""

    after: str
    seen: tuple[str, ...] = ()

    @classmethod
    def starting(cls, since: datetime) -> "FeedCursor":
        return cls(iso(since))

    @property
    def day(self) -> str:
        return self.after[:10]

    @property
    def moment(self) -> datetime:
        return parse_iso(self.after[:27])

    def encode(self) -> str:
        """Opaque to the console: URL-safe base64 of a small JSON list."""
        raw = json.dumps(["feed", self.after, ".".join(self.seen)], separators=(",", ":"))
        return base64.urlsafe_b64encode(raw.encode("utf-8")).decode("ascii").rstrip("=")

    @classmethod
    def decode(cls, text: str) -> "FeedCursor":
        """The inverse of ``encode``; ``BadRequestError`` for anything ``encode`` did not make.

        Only a well-formed moment or position is accepted as the watermark, and the partition
        read is always the feed partition of its day: a forged cursor cannot reach other items.
        """
        try:
            raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
            tag, after, seen = json.loads(raw.decode("utf-8"))
            if tag == "feed" and isinstance(after, str) and isinstance(seen, str) \
                    and _WATERMARK.match(after):
                ids = tuple(seen.split(".")) if seen else ()
                if len(ids) <= MAX_SEEN and all(_SEEN_ID.match(i) for i in ids):
                    cursor = cls(after, ids)
                    if cursor.moment.year >= 2000:  # a real date and time (else ValueError)
                        return cursor
        except (ValueError, TypeError, binascii.Error, UnicodeDecodeError):
            pass
        raise BadRequestError("error.invalid_cursor")


class FeedStep(Struct, frozen=True):
    """The outcome of one poll: the new entries (oldest first), the cursor to poll with next,
    and whether more were left unread (poll again at once)."""

    entries: list[FeedEntry]
    cursor: FeedCursor
    more: bool


def advance(cursor: FeedCursor, read: Sequence[FeedEntry], stopped_at: str | None, *,
            horizon: str, limit: int) -> FeedStep:
    """One poll's outcome from what it read.

    ``read`` are the entries after ``cursor.after`` in position order; ``stopped_at`` the last
    position read when the read stopped before today's end (``None``: read through to now);
    ``horizon`` the oldest moment an entry may still arrive at (now - ``LATE_WINDOW``). At most
    ``limit`` new entries are returned.

    Examples
    --------
    >>> from datetime import datetime, timezone
    >>> def entry(second, eid):
    ...     at = datetime(2026, 11, 21, 9, 0, second, tzinfo=timezone.utc)
    ...     return FeedEntry(position_of(at, "2026-000001", eid), "2026-000001", at,
    ...                      "note", "staff:ana", False, eid)
    >>> start = FeedCursor("2026-11-21T09:00:00.000000Z")
    >>> first = advance(start, [entry(10, "b"), entry(20, "c")], None,
    ...                 horizon="2026-11-21T08:59:30.000000Z", limit=50)
    >>> [e.event_id for e in first.entries], first.cursor.seen
    (['b', 'c'], ('b', 'c'))
    >>> late = advance(first.cursor, [entry(5, "a"), entry(10, "b"), entry(20, "c")], None,
    ...                horizon="2026-11-21T09:00:15.000000Z", limit=50)
    >>> [e.event_id for e in late.entries], late.cursor
    (['a'], FeedCursor(after='2026-11-21T09:00:15.000000Z', seen=('c',)))
    """
    already = set(cursor.seen)
    fresh = [e for e in read if e.event_id not in already]
    if len(fresh) > limit:
        stopped_at = fresh[limit - 1].position
        read = [e for e in read if e.position <= stopped_at]
        fresh = fresh[:limit]
    reached = horizon if stopped_at is None else min(stopped_at, horizon)
    after = max(cursor.after, reached)
    read_ids = {e.event_id for e in read}
    # Entries above the watermark stay in the cursor; ids it carried that this read did not
    # reach (it stopped before them) stay too.
    above = [e for e in read if e.position > after]
    carried = [i for i in cursor.seen if i not in read_ids]
    excess = len(above) + len(carried) - MAX_SEEN
    if excess > 0:
        after = above[excess - 1].position
        above = above[excess:]
    return FeedStep(fresh, FeedCursor(after, (*carried, *(e.event_id for e in above))),
                    more=stopped_at is not None)


def window_start(now: datetime) -> datetime:
    """The oldest moment the feed reaches back to."""
    return now - timedelta(days=FEED_DAYS)
