"""The keys of Open311's items (issue 16, ``docs/data-model.md`` patterns 100-106): part of
``keys.py``, which re-exports every name here."""

from __future__ import annotations

from hashlib import sha256

OPEN311_KEYS_PK = "OPEN311KEYS"
OPEN311_KEY_PREFIX = "KEY#"
OPEN311_TOKEN_SK = "#O311TOKEN"


def open311_key_sk(key_id: str) -> str:
    """An app's API key: ``OPEN311KEYS`` / ``KEY#<key id>`` (the secret is never in the table)."""
    return f"{OPEN311_KEY_PREFIX}{key_id}"


def open311_token_pk(token: str) -> str:
    """A submission token: ``O311TOKEN#<sha-256 of the token>`` / ``#O311TOKEN``."""
    return f"O311TOKEN#{sha256(token.encode('utf-8')).hexdigest()[:40]}"
