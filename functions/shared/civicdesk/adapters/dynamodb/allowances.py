"""Counters with a ceiling: how many of a kind of thing one subject got in a UTC day (the opt-in
mails to one mailbox), each one conditional ``UpdateItem`` that counts only below the limit,
forgotten by the table's TTL the day after."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone

from .conditions import updated_if
from .keys import RATE_SK, allowance_pk
from .mail_items import RateItem

#: How long a day's counter outlives its day.
KEPT = timedelta(days=2)


class DynamoAllowances:
    def take(self, kind: str, subject: str, day: date, limit: int) -> bool:
        """One more ``kind`` for ``subject`` on ``day``, if fewer than ``limit`` so far."""
        expires_at = datetime.combine(day, time(), timezone.utc) + KEPT
        return updated_if(RateItem(PK=allowance_pk(kind, subject, day), SK=RATE_SK),
                          [RateItem.sent.add(1), RateItem.expires_at.set(expires_at)],
                          RateItem.sent.does_not_exist() | (RateItem.sent < limit))
