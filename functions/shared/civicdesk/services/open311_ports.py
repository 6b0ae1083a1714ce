"""The ports of the Open311 service (``services/open311.py``): the apps' API keys and the
submission tokens. Public reports are read through ``public_report_ports.PublicReports``."""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from datetime import datetime

    from ..domain.open311 import ApiKey


class ApiKeys(Protocol):
    """The keys administrators issued (``adapters/dynamodb/open311.py``)."""

    def add_key(self, key: ApiKey) -> bool:
        """Store a new key; ``False`` when one with its id exists (nothing written)."""
        ...

    def key(self, key_id: str) -> ApiKey | None: ...

    def keys(self) -> list[ApiKey]:
        """Every key, revoked ones too, oldest first."""
        ...

    def revoke_key(self, key_id: str, at: datetime) -> ApiKey | None:
        """Mark the key revoked (once: a second revoke keeps the first time); ``None`` when
        there is no such key."""
        ...


class SubmissionTokens(Protocol):
    """What an app's submission token (its idempotency key) became: a case number."""

    def remember(self, token: str, number: str, expires_at: datetime) -> None: ...

    def number(self, token: str) -> str | None: ...
