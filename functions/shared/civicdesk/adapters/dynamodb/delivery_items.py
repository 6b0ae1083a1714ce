"""The delivery feedback's item kinds: each address we mailed and the reports SES made about it.

Like every kind, derived from ``table.TableItem``: imported by the adapters that use them, not
at a cold start that does not (``items`` has the case partition's kinds).
"""

from __future__ import annotations

from pynamodb.attributes import (
    NumberAttribute,
    TTLAttribute,
    UnicodeAttribute,
)

from .table import TableItem


class RecipientItem(TableItem, discriminator="recipient"):
    """``RECIPIENT#<address key>`` / ``#RECIPIENT``: one address we mailed, a counter per
    delivery status, the last report, the suppression while there is one (with the ``GSI3``
    keys that put it on the suppression list) and the last lift."""

    address = UnicodeAttribute()
    created_at = UnicodeAttribute(null=True)
    updated_at = UnicodeAttribute(null=True)
    delivered_count = NumberAttribute(null=True)
    bounced_count = NumberAttribute(null=True)
    complained_count = NumberAttribute(null=True)
    rejected_count = NumberAttribute(null=True)
    delayed_count = NumberAttribute(null=True)
    last_status = UnicodeAttribute(null=True)
    last_at = UnicodeAttribute(null=True)
    last_message_id = UnicodeAttribute(null=True)
    last_case = UnicodeAttribute(null=True)
    suppression_reason = UnicodeAttribute(null=True)
    suppressed_at = UnicodeAttribute(null=True)
    suppressed_message_id = UnicodeAttribute(null=True)
    suppressed_case = UnicodeAttribute(null=True)
    lifted_at = UnicodeAttribute(null=True)
    lifted_by = UnicodeAttribute(null=True)
    lift_reason = UnicodeAttribute(null=True)
    lifted_suppression = UnicodeAttribute(null=True)
    GSI3PK = UnicodeAttribute(null=True)
    GSI3SK = UnicodeAttribute(null=True)


class DeliveryReportItem(TableItem, discriminator="delivery_report"):
    """``RECIPIENT#<address key>`` / ``REPORT#<at>#<report id>``: one report SES made about the
    address, kept 400 days."""

    address = UnicodeAttribute()
    message_id = UnicodeAttribute()
    status = UnicodeAttribute()
    event_type = UnicodeAttribute()
    at = UnicodeAttribute()
    number = UnicodeAttribute(null=True)
    mail_kind = UnicodeAttribute(null=True)
    bounce_type = UnicodeAttribute(null=True)
    bounce_subtype = UnicodeAttribute(null=True)
    diagnostic = UnicodeAttribute(null=True)
    smtp_status = UnicodeAttribute(null=True)
    feedback_id = UnicodeAttribute(null=True)
    detail = UnicodeAttribute(null=True)
    expires_at = TTLAttribute()
