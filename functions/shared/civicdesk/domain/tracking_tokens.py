"""The tokens of the citizens' tracking links: a random one shown once (only its hash is kept),
and the links every later message carries, derived from the case number with a key."""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets
from typing import Iterable
from urllib.parse import quote, urlencode

from msgspec import Struct


def new_tracking_token() -> str:
    """An unguessable token for public links: 192 random bits, URL-safe."""
    return secrets.token_urlsafe(24)


def hash_token(token: str) -> str:
    """Only this hash is stored; the token itself is shown once to the citizen."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def token_matches(token: str | None, token_hash: str | None) -> bool:
    if not token or not token_hash or len(token) > 200:
        return False
    return hmac.compare_digest(hash_token(token), token_hash)


class LinkKey(Struct, frozen=True):
    """A key of the tracking links that every later message to the requester carries.

    Such a link's token is derived from the case number with the key (an HMAC), so it is never
    stored and any function that holds the key can write it again; the case's stored hash
    still answers for the first token (the random one of the confirmation). ``id`` names the
    key inside the token, so that a rotated key's links are checked with that key.
    """

    secret: bytes

    def __post_init__(self) -> None:
        if len(self.secret) < 32:
            raise ValueError("a tracking link key needs at least 32 bytes (256 bits)")

    @property
    def id(self) -> str:
        """Four hex digits: which key made a token (they say nothing of the key itself)."""
        return hashlib.sha256(b"civicdesk/link-key-id\0" + self.secret).hexdigest()[:4]


#: ``<key id>.<22 URL-safe base64 characters of 128 bits>``: a random token
#: (``secrets.token_urlsafe``) never has a dot, so the two kinds cannot be mistaken.
_DERIVED_TOKEN = re.compile(r"([0-9a-f]{4})\.([A-Za-z0-9_-]{22})")


def derive_tracking_token(number: str, key: LinkKey) -> str:
    """The tracking token of case ``number`` under ``key``: 128 bits of HMAC-SHA-256 of the
    number, with the key's id in front.

    Examples
    --------
    >>> key = LinkKey(b"k" * 32)
    >>> token = derive_tracking_token("2026-000123", key)
    >>> token == derive_tracking_token("2026-000123", key), len(token), token[4]
    (True, 27, '.')
    >>> token == derive_tracking_token("2026-000124", key)
    False
    """
    mac = hmac.new(key.secret, f"civicdesk/tracking/v1\0{number}".encode("utf-8"),
                   hashlib.sha256).digest()[:16]
    return f"{key.id}.{base64.urlsafe_b64encode(mac).decode('ascii').rstrip('=')}"


def derived_token_key_id(token: str | None) -> str | None:
    """The key id of a derived token, ``None`` for any other string (a random token).

    Examples
    --------
    >>> derived_token_key_id(derive_tracking_token("2026-000123", LinkKey(b"k" * 32)))
    '7c6c'
    >>> derived_token_key_id("Xq3vN8s0bT1kLmP4wZ7yR2cD5fG9hJ6a") is None
    True
    """
    match = _DERIVED_TOKEN.fullmatch(token or "")
    return match.group(1) if match else None


def derived_token_matches(number: str, token: str | None, keys: Iterable[LinkKey]) -> bool:
    """Whether ``token`` is case ``number``'s derived token under one of ``keys`` (compared
    in constant time).

    Examples
    --------
    >>> old, new = LinkKey(b"o" * 32), LinkKey(b"n" * 32)
    >>> derived_token_matches("2026-000123", derive_tracking_token("2026-000123", old), [new, old])
    True
    >>> derived_token_matches("2026-000124", derive_tracking_token("2026-000123", old), [new, old])
    False
    >>> derived_token_matches("2026-000123", derive_tracking_token("2026-000123", old), [new])
    False
    """
    key_id = derived_token_key_id(token)
    if key_id is None or token is None:
        return False
    return any(hmac.compare_digest(derive_tracking_token(number, key), token)
               for key in keys if key.id == key_id)


def tracking_url(public_url: str, number: str, token: str | None, language: str) -> str:
    """The citizen's private link to a case on the portal; without a token, the case's public
    page (what anyone may see of a public case).

    Examples
    --------
    >>> tracking_url("https://prijave.demo.rs/", "2026-000001", "t0k", "sr-Latn")
    'https://prijave.demo.rs/track.html?number=2026-000001&token=t0k&lang=sr-Latn'
    >>> tracking_url("https://prijave.demo.rs/", "2026-000001", None, "en")
    'https://prijave.demo.rs/track.html?number=2026-000001&lang=en'
    """
    params = {"number": number, "token": token, "lang": language}
    query = urlencode({k: v for k, v in params.items() if v is not None}, quote_via=quote)
    return f"{public_url.rstrip('/')}/track.html?{query}"
