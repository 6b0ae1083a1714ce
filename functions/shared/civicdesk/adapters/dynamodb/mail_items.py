"""The mail channel's item kinds: what was done with each SES message, our outgoing mails'
Message-IDs, the per-address rate counters and the quarantine.

Like every kind, derived from ``table.TableItem``: imported by the adapters that use them, not
at a cold start that does not (``items`` has the case partition's kinds).
"""

from __future__ import annotations

from typing import Any

from pynamodb.attributes import (
    BooleanAttribute,
    ListAttribute,
    MapAttribute,
    NumberAttribute,
    TTLAttribute,
    UnicodeAttribute,
)

from .table import TableItem


class InboundItem(TableItem, discriminator="inbound"):
    """What was done with one SES message (exactly-once processing of incoming mail)."""

    ses_message_id = UnicodeAttribute()
    number = UnicodeAttribute(null=True)
    reply_wanted = BooleanAttribute(default=False)
    replied = BooleanAttribute(default=False)
    pending_token = UnicodeAttribute(null=True)
    expires_at = TTLAttribute()


class MessageIdItem(TableItem, discriminator="message_id"):
    """A Message-ID SES gave our outgoing mail -> its case (threading by In-Reply-To), and what
    the mail was and to whom (delivery feedback: was it the requester's mail that bounced?)."""

    number = UnicodeAttribute()
    kind = UnicodeAttribute(null=True)  # reply, referral, auto_reply, a notification template...
    to = UnicodeAttribute(null=True)  # the recipient, lower case
    expires_at = TTLAttribute(null=True)


class RateItem(TableItem, discriminator="rate"):
    # Stored as ``count``; named apart so as not to hide pynamodb's ``Model.count``.
    sent = NumberAttribute(default=0, attr_name="count")
    expires_at = TTLAttribute()


class QuarantineItem(TableItem, discriminator="quarantine"):
    ses_message_id = UnicodeAttribute()
    reason = UnicodeAttribute()
    bucket = UnicodeAttribute()
    key = UnicodeAttribute()
    sender = UnicodeAttribute(null=True)
    subject = UnicodeAttribute(null=True)
    recipients = ListAttribute(of=UnicodeAttribute, null=True)
    received_at = UnicodeAttribute()
    verdicts: MapAttribute[str, Any] = MapAttribute(null=True)
    released_at = UnicodeAttribute(null=True)
    released_by = UnicodeAttribute(null=True)
