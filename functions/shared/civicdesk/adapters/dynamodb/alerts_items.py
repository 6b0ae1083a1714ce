"""The item kind of residents' alert subscriptions (``domain.alerts``); the repository is
``alerts.py``. Imported by ``session`` so that the shared connection knows it."""

from __future__ import annotations

from pynamodb.attributes import ListAttribute, NumberAttribute, TTLAttribute, UnicodeAttribute

from .table import TableItem


class AlertSubscriptionItem(TableItem, discriminator="alert_subscription"):
    """``ALERT#<id>`` / ``#ALERT``. While a channel is confirmed and it has not ended, it is on
    the ``GSI3`` partition ``ALERTSUBS``; unconfirmed or ended, it carries ``expires_at``."""

    token = UnicodeAttribute()
    language = UnicodeAttribute()
    topics = ListAttribute(of=UnicodeAttribute, default=list)
    areas = ListAttribute(of=UnicodeAttribute, default=list)
    lat = NumberAttribute(null=True)
    lon = NumberAttribute(null=True)
    email = UnicodeAttribute(null=True)
    email_state = UnicodeAttribute(null=True)
    phone = UnicodeAttribute(null=True)
    phone_state = UnicodeAttribute(null=True)
    name = UnicodeAttribute(null=True)
    created_at = UnicodeAttribute()
    updated_at = UnicodeAttribute(null=True)
    ended_at = UnicodeAttribute(null=True)
    code_hash = UnicodeAttribute(null=True)
    code_expires_at = UnicodeAttribute(null=True)
    code_attempts_left = NumberAttribute(null=True)
    code_sent_at = UnicodeAttribute(null=True)
    mail_sent_at = UnicodeAttribute(null=True)
    expires_at = TTLAttribute(null=True)
    GSI3PK = UnicodeAttribute(null=True)
    GSI3SK = UnicodeAttribute(null=True)


class AlertPhoneItem(TableItem, discriminator="alert_phone"):
    """``ALERTPHONE#<number's key>`` / ``<subscription id>``: a subscription whose number is
    confirmed, to find it when the number answers ``STOP`` (the key is ``address_key`` of the
    number: no number in a key). Written with the confirmation; when the number goes (the
    channel dropped, the end) written again with ``expires_at`` now, for the TTL to delete (the
    public API function may not delete items)."""

    subscription_id = UnicodeAttribute()
    expires_at = TTLAttribute(null=True)
