"""The staff console's item kinds: a staff member's profile and saved views, the canned replies.

Like every kind, derived from ``table.TableItem``: imported by the adapters that use them, not
at a cold start that does not (``items`` has the case partition's kinds).
"""

from __future__ import annotations

from typing import Any

from pynamodb.attributes import (
    ListAttribute,
    MapAttribute,
    NumberAttribute,
    UnicodeAttribute,
)

from .table import TableItem


class StaffProfileItem(TableItem, discriminator="staff_profile"):
    """``STAFF#<sub>`` / ``#STAFF``: what the table keeps about one staff member; ``view_count``
    is kept in the transaction that adds or removes one of their saved views (the limit)."""

    view_count = NumberAttribute(default=0)


class SavedViewItem(TableItem, discriminator="saved_view"):
    """``STAFF#<sub>`` / ``VIEW#<view id>``: one of a staff member's saved queues."""

    view_id = UnicodeAttribute()
    name = UnicodeAttribute()
    filters: MapAttribute[str, Any] = MapAttribute(null=True)
    created_at = UnicodeAttribute()
    updated_at = UnicodeAttribute()


class CannedReplyItem(TableItem, discriminator="canned_reply"):
    """``CANNED_REPLY`` / ``REPLY#<reply id>``: a reply text the administrators keep;
    ``reply_version`` is checked by every change (409 on a stale one)."""

    reply_id = UnicodeAttribute()
    title = UnicodeAttribute()
    text = UnicodeAttribute()
    language = UnicodeAttribute()
    categories = ListAttribute(of=UnicodeAttribute, null=True)
    reply_version = NumberAttribute()
    created_at = UnicodeAttribute()
    created_by = UnicodeAttribute()
    updated_at = UnicodeAttribute()
    updated_by = UnicodeAttribute()
