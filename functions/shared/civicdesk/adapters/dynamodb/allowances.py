"""Counters with a ceiling: how many of a kind of thing one subject got in a window (the opt-in
mails to one mailbox in a day), each one conditional ``UpdateItem`` that counts only below the
limit, forgotten by the table's TTL."""

from __future__ import annotations

from datetime import datetime

from .conditions import updated_if
from .items import RateItem
from .keys import RATE_SK, allowance_pk


class DynamoAllowances:
    def take(self, kind: str, subject: str, window: str, limit: int, expires_at: datetime) -> bool:
        """One more ``kind`` for ``subject`` in ``window``, if fewer than ``limit`` so far."""
        return updated_if(RateItem(PK=allowance_pk(kind, subject, window), SK=RATE_SK),
                          [RateItem.sent.add(1), RateItem.expires_at.set(expires_at)],
                          RateItem.sent.does_not_exist() | (RateItem.sent < limit))
