"""The finding index's item kinds: the words of a case and its requester's contacts
(``search_entries``).

Like every kind, derived from ``table.TableItem``: imported by the adapters that use them, not
at a cold start that does not (``items`` has the case partition's kinds).
"""

from __future__ import annotations

from pynamodb.attributes import (
    UnicodeAttribute,
)

from .table import TableItem


class SearchTermItem(TableItem, discriminator="search_term"):
    """``TERM#<first two letters>`` / ``<folded word>#<number>``: one word of a case's requester
    name, subject, address or description (``domain.search_terms``). Written with the case in
    its transaction, removed when the case is deleted."""

    number = UnicodeAttribute()


class RequesterEntryItem(TableItem, discriminator="requester_entry"):
    """``REQUESTER#<contact key>`` / ``<number>``: a case of the requester with this phone number
    (E.164) or e-mail address (lower case); the key is a hash (``keys.requester_key``), the
    contact is never in a key. Written with the case, removed when it is deleted."""

    number = UnicodeAttribute()
    kind = UnicodeAttribute()  # phone or email
