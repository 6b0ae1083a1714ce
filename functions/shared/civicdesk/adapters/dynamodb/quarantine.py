"""Quarantined incoming mail: one ``QUARANTINE`` partition, newest first."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pynamodb.expressions.update import Action

from ...domain.cases import iso
from ...services.ports import QuarantineEntry
from .keys import QUARANTINE_PK
from .mail_items import QuarantineItem
from .mappers import item_to_quarantine, quarantine_to_item


class DynamoQuarantineRepository:
    """What the mail intake holds back, and the staff's release of it."""

    def quarantine(self, entry: QuarantineEntry) -> None:
        quarantine_to_item(entry).save()

    def quarantined(self, limit: int = 50, cursor: str | None = None) -> tuple[list[QuarantineEntry], str | None]:
        """Quarantined messages, newest first (one ``Query`` per page)."""
        kwargs: dict[str, Any] = {"scan_index_forward": False, "limit": limit}
        if cursor:
            kwargs["last_evaluated_key"] = {"PK": {"S": QUARANTINE_PK}, "SK": {"S": cursor}}
        result = QuarantineItem.query(QUARANTINE_PK, **kwargs)
        entries = [item_to_quarantine(item) for item in result]
        last = result.last_evaluated_key
        return entries, (last["SK"]["S"] if last else None)

    def quarantine_entry(self, quarantine_id: str) -> QuarantineEntry | None:
        try:
            return item_to_quarantine(QuarantineItem.get(QUARANTINE_PK, quarantine_id))
        except QuarantineItem.DoesNotExist:
            return None

    def mark_released(self, entry: QuarantineEntry, at: datetime, by: str | None = None) -> None:
        actions: list[Action] = [QuarantineItem.released_at.set(iso(at))]
        if by:
            actions.append(QuarantineItem.released_by.set(by))
        QuarantineItem(PK=QUARANTINE_PK, SK=entry.quarantine_id).update(
            actions=actions, add_version_condition=False)
