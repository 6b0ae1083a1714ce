"""Open311's item kinds (issue 16): the API keys administrators issue to apps and the apps'
submission tokens; the repository is ``open311.py``. Imported by ``session``."""

from __future__ import annotations

from pynamodb.attributes import TTLAttribute, UnicodeAttribute

from .table import TableItem


class Open311KeyItem(TableItem, discriminator="open311_key"):
    """``OPEN311KEYS`` / ``KEY#<id>``: one app's key, by its SHA-256 only."""

    key_id = UnicodeAttribute()
    name = UnicodeAttribute()
    contact = UnicodeAttribute()
    key_hash = UnicodeAttribute()
    created_at = UnicodeAttribute()
    created_by = UnicodeAttribute()
    revoked_at = UnicodeAttribute(null=True)


class Open311TokenItem(TableItem, discriminator="open311_token"):
    """``O311TOKEN#<hash>`` / ``#O311TOKEN``: the request a submission token became; it expires
    with the case service's idempotency record."""

    number = UnicodeAttribute()
    expires_at = TTLAttribute()
