"""The SMS channel's item kinds (keys in ``keys``, "the SMS channel"; ``docs/data-model.md``)."""

from __future__ import annotations

from pynamodb.attributes import BooleanAttribute, NumberAttribute, TTLAttribute, UnicodeAttribute

from .table import TableItem


class SmsMarkerItem(TableItem, discriminator="sms_inbound"):
    """``SMSIN#<inboundMessageId>`` / ``#SMSIN``: what was done with one incoming SMS, written
    with its effect; the reply to send until it is sent; expires 30 days after."""

    message_id = UnicodeAttribute()
    outcome = UnicodeAttribute()
    sender = UnicodeAttribute()
    number = UnicodeAttribute(null=True)
    reply_to = UnicodeAttribute(null=True)
    reply_from = UnicodeAttribute(null=True)
    reply_text = UnicodeAttribute(null=True)
    reply_kind = UnicodeAttribute(null=True)
    replied = BooleanAttribute(default=False)
    reply_suppressed = UnicodeAttribute(null=True)
    language = UnicodeAttribute(null=True)
    sms_id = UnicodeAttribute(null=True)  # the id SNS gave the reply
    #: When an invocation took the reply to send it (its lease); ``released`` when that send
    #: failed in a way a retry may help, so the next delivery may take it at once.
    reply_claimed_at = UnicodeAttribute(null=True)
    released = BooleanAttribute(default=False)
    expires_at = TTLAttribute()


class SmsPendingItem(TableItem, discriminator="sms_pending"):
    """``SMSPENDING#<number key>`` / ``#SMSPENDING``: a question "which case?" put to a number:
    the kept messages (JSON), the case numbers offered in order, how many times it was asked;
    expires with the question (``lapses_at``, also checked on read)."""

    phone = UnicodeAttribute()
    messages = UnicodeAttribute()  # JSON: [{"id", "text", "at"}]
    choices = UnicodeAttribute()  # JSON: ["2026-000123", ...]
    asked = NumberAttribute()
    language = UnicodeAttribute()
    lapses_at = UnicodeAttribute()
    expires_at = TTLAttribute()


class SmsQuarantineItem(TableItem, discriminator="sms_quarantine"):
    """``SMSQUARANTINE`` / ``<hash of the record>``: an SMS record that became nothing (unreadable,
    our own number), kept whole with the reason; one ``Query`` lists them."""

    reason = UnicodeAttribute()
    received_at = UnicodeAttribute()
    raw = UnicodeAttribute()
    message_id = UnicodeAttribute(null=True)
    sender = UnicodeAttribute(null=True)
