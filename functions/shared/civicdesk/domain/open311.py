"""Open311 GeoReport v2 (issue 16, ``docs/open311.md``): the rules that do not depend on HTTP.

The API keys administrators issue to apps (only a hash is kept), the mapping of our statuses to
Open311's ``open``/``closed``, the W3C date-times the spec uses and the limits of ``GET
requests``. Standard library only.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from datetime import datetime, timedelta, timezone

from msgspec import Struct

from .cases import CaseType

SPECIFICATION = "http://wiki.open311.org/GeoReport_v2"
#: The spec's default window of ``GET requests`` and the longest one a client may ask for.
WINDOW_DAYS = 90
#: The spec's cap of one ``GET requests`` answer; our pages are smaller (``page_size``).
MAX_REQUESTS = 1000
DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 200
#: ``description`` of a request: the spec's maximum.
MAX_DESCRIPTION = 4000
#: How far ``lat``/``long``/``radius`` may reach (metres).
MAX_RADIUS_M = 5000
#: Case types an app may file: public ones only (letters, complaints and FOI requests need a
#: citizen account and stay private, issue 16 item 4).
APP_TYPES = (CaseType.SIGNAL, CaseType.REQUEST, CaseType.SUGGESTION, CaseType.INFORMATION)

_KEY_PREFIX = "o311_"
_KEY = re.compile(r"^o311_([a-z0-9]{8})_[A-Za-z0-9_-]{32,64}$")
_W3C = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?(Z|[+-]\d{2}:\d{2})$")


class ApiKey(Struct, frozen=True):
    """An app's key, as stored: the secret itself is never kept, only its SHA-256."""

    key_id: str
    name: str  # the app ("FixMyStreet Srbija")
    contact: str  # who answers for it (an address or a name the administrator wrote down)
    key_hash: str
    created_at: datetime
    created_by: str
    revoked_at: datetime | None = None

    @property
    def active(self) -> bool:
        return self.revoked_at is None


def new_api_key() -> tuple[str, str]:
    """``(key_id, secret key)``: the key carries its id (``o311_<id>_<random>``), so that a
    lookup is one ``GetItem`` and a revoked or unknown key costs the same.

    Examples
    --------
    >>> key_id, key = new_api_key()
    >>> key_id_of(key) == key_id and key.startswith("o311_")
    True
    """
    key_id = "".join(secrets.choice("abcdefghijklmnopqrstuvwxyz0123456789") for _ in range(8))
    return key_id, f"{_KEY_PREFIX}{key_id}_{secrets.token_urlsafe(32)}"


def key_id_of(key: str | None) -> str | None:
    """The id a well-formed key carries, else ``None``.

    >>> key_id_of("o311_ab12cd34_" + "x" * 43)
    'ab12cd34'
    >>> key_id_of("secret") is None
    True
    """
    found = _KEY.match(key or "")
    return found.group(1) if found else None


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def key_matches(key: str, stored: ApiKey | None) -> bool:
    """Whether ``key`` is ``stored``'s, and ``stored`` is not revoked (constant-time compare)."""
    return (stored is not None and stored.active
            and secrets.compare_digest(hash_key(key), stored.key_hash))


def open311_status(open_: bool) -> str:
    """Open311 knows two states: every open status of ours is ``open``, resolved, closed and
    cancelled ones are ``closed``."""
    return "open" if open_ else "closed"


def parse_w3c(value: str) -> datetime | None:
    """A W3C date-time with its time zone (the spec's format), as UTC; else ``None``.

    >>> parse_w3c("2026-11-21T09:30:00+01:00").isoformat()
    '2026-11-21T08:30:00+00:00'
    >>> parse_w3c("2026-11-21") is None
    True
    """
    if not _W3C.match(value or ""):
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed.astimezone(timezone.utc)


def w3c(moment: datetime, zone=timezone.utc) -> str:
    """The spec's format, to the second, in ``zone`` with its offset.

    >>> w3c(datetime(2026, 11, 21, 8, 30, tzinfo=timezone.utc))
    '2026-11-21T08:30:00Z'
    """
    text = moment.astimezone(zone).replace(microsecond=0).isoformat()
    return text.replace("+00:00", "Z")


def default_window(now: datetime) -> tuple[datetime, datetime]:
    """The spec's default range of ``GET requests``: the last 90 days."""
    return now - timedelta(days=WINDOW_DAYS), now
