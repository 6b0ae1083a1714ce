"""A case's attachments as staff open them: which stored file an attachment id names, and how
a browser is to show it (in the page or as a download).

Mail attachments are stored by the mail intake under ``cases/<number>/...`` and listed on the
``message_in`` timeline entry (``data.attachments``: filename, content type, size, key, and
``refused`` when it was not kept); the files a citizen uploaded with the web form are listed the
same way on the ``case_opened`` entry (``domain/photos.py``). An attachment's id is
``<entry id>-<index in that list>``.
"""

from __future__ import annotations

import re
import unicodedata
from urllib.parse import quote

from msgspec import Struct

from .cases import EventKind, TimelineEvent

#: Types a browser may show in the page: raster images only (an SVG or an HTML file runs
#: script, a PDF viewer is its own world: those are downloaded).
INLINE_TYPES = frozenset({"image/jpeg", "image/png", "image/gif", "image/webp"})

#: The entries that list attachments: a mail's, and the opening of a case from the web form.
LISTING_KINDS = frozenset({EventKind.MESSAGE_IN, EventKind.CASE_OPENED})

_ID = re.compile(r"([0-9a-f]{6,32})-(\d{1,3})")


class StoredAttachment(Struct, frozen=True):
    """One kept attachment of a message: where it is and what it is."""

    attachment_id: str
    key: str
    filename: str
    content_type: str
    size: int

    @property
    def inline(self) -> bool:
        return self.content_type in INLINE_TYPES


def attachment_id(event_id: str, index: int) -> str:
    """The id of the ``index``-th attachment of timeline entry ``event_id``.

    Examples
    --------
    >>> attachment_id("a1b2c3d4e5f6", 0)
    'a1b2c3d4e5f6-0'
    """
    return f"{event_id}-{index}"


def find_attachment(number: str, events: list[TimelineEvent], wanted: str) -> StoredAttachment | None:
    """The kept attachment ``wanted`` names among case ``number``'s ``events``; ``None`` when the
    id is malformed, names no message of this case, an attachment that was refused, or a file
    stored outside this case's own prefix.

    Examples
    --------
    >>> from datetime import datetime, timezone
    >>> at = datetime(2026, 11, 21, 9, 30, tzinfo=timezone.utc)
    >>> files = [{"filename": "rupa.jpg", "content_type": "image/jpeg", "size": 70,
    ...           "key": "cases/2026-000123/ses1/000-rupa.jpg", "refused": ""},
    ...          {"filename": "a.exe", "content_type": "application/x", "size": 9, "key": "",
    ...           "refused": "dangerous_type"},
    ...          {"filename": "x.pdf", "content_type": "application/pdf", "size": 9,
    ...           "key": "cases/2026-000999/ses1/002-x.pdf", "refused": ""}]
    >>> event = TimelineEvent("2026-000123", at, EventKind.MESSAGE_IN, "citizen:email:a@b.rs",
    ...                       True, {"attachments": files}, event_id="a1b2c3d4e5f6")
    >>> found = find_attachment("2026-000123", [event], "a1b2c3d4e5f6-0")
    >>> found.filename, found.inline
    ('rupa.jpg', True)
    >>> [find_attachment("2026-000123", [event], i) for i in ("a1b2c3d4e5f6-1", "a1b2c3d4e5f6-2",
    ...                                                      "a1b2c3d4e5f6-7", "../x", "ffffff-0")]
    [None, None, None, None, None]
    """
    match = _ID.fullmatch(wanted or "")
    if not match:
        return None
    event_id, index = match.group(1), int(match.group(2))
    for event in events:
        if event.event_id != event_id or event.kind not in LISTING_KINDS:
            continue
        files = (event.data or {}).get("attachments") or []
        if index >= len(files) or not isinstance(files[index], dict):
            return None
        entry = files[index]
        key = str(entry.get("key") or "")
        if entry.get("refused") or not key.startswith(f"cases/{number}/"):
            return None
        return StoredAttachment(wanted, key, str(entry.get("filename") or "attachment"),
                                str(entry.get("content_type") or "application/octet-stream").lower(),
                                int(entry.get("size") or 0))
    return None


def content_disposition(filename: str, inline: bool) -> str:
    """The ``Content-Disposition`` of a download: the name as typed (RFC 5987 ``filename*``),
    with an ASCII fallback for old clients.

    Examples
    --------
    >>> content_disposition("Јаје 1.jpg", True)
    'inline; filename="Jaje 1.jpg"; filename*=UTF-8\\'\\'%D0%88%D0%B0%D1%98%D0%B5%201.jpg'
    >>> content_disposition('a"b\\\\c.pdf', False)
    'attachment; filename="a_b_c.pdf"; filename*=UTF-8\\'\\'a%22b%5Cc.pdf'
    """
    fallback = _ascii(filename) or "attachment"
    kind = "inline" if inline else "attachment"
    return f"{kind}; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename, safe='')}"


#: Serbian and Bulgarian Cyrillic, for the ASCII fallback name only (``filename*`` keeps the
#: name as written).
_CYRILLIC = {"а": "a", "б": "b", "в": "v", "г": "g", "д": "d", "ђ": "dj", "е": "e", "ж": "z",
             "з": "z", "и": "i", "й": "j", "ј": "j", "к": "k", "л": "l", "љ": "lj", "м": "m",
             "н": "n", "њ": "nj", "о": "o", "п": "p", "р": "r", "с": "s", "т": "t", "ћ": "c",
             "у": "u", "ф": "f", "х": "h", "ц": "c", "ч": "c", "џ": "dz", "ш": "s", "щ": "st",
             "ъ": "a", "ь": "", "ю": "ju", "я": "ja"}


def _ascii(name: str) -> str:
    out = []
    for ch in name:
        lower = ch.lower()
        if lower in _CYRILLIC:
            latin = _CYRILLIC[lower]
            out.append(latin.capitalize() if ch != lower else latin)
            continue
        plain = unicodedata.normalize("NFKD", ch).encode("ascii", "ignore").decode("ascii")
        out.append("".join(c if c.isprintable() and c not in '"\\' else "_" for c in plain))
    return "".join(out).strip()
