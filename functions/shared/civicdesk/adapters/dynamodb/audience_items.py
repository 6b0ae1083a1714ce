"""The item kinds of audiences and contact lists (issue 15), in the cases table: their keys are
in ``keys`` (its audiences section), their access patterns 62-68 in ``docs/data-model.md``."""

from __future__ import annotations

from pynamodb.attributes import BooleanAttribute, NumberAttribute, UnicodeAttribute

from .table import TableItem


class AudienceItem(TableItem, discriminator="audience"):
    """``AUDIENCES`` / ``AUD#<id>``: a saved audience; ``rule`` its JSON (``docs/audiences.md``)."""

    audience_id = UnicodeAttribute()
    name = UnicodeAttribute()
    description = UnicodeAttribute(null=True)
    rule = UnicodeAttribute()
    audience_version = NumberAttribute()
    created_at = UnicodeAttribute()
    created_by = UnicodeAttribute()
    updated_at = UnicodeAttribute()
    updated_by = UnicodeAttribute()


class ContactListItem(TableItem, discriminator="contact_list"):
    """``CONTACT_LISTS`` / ``LIST#<id>``: a list's record; ``last_import`` its JSON summary."""

    list_id = UnicodeAttribute()
    name = UnicodeAttribute()
    description = UnicodeAttribute(null=True)
    contacts = NumberAttribute(default=0)
    opted_out = NumberAttribute(default=0)
    list_version = NumberAttribute()
    created_at = UnicodeAttribute()
    created_by = UnicodeAttribute()
    updated_at = UnicodeAttribute()
    updated_by = UnicodeAttribute()
    last_import = UnicodeAttribute(null=True)


class ContactItem(TableItem, discriminator="contact"):
    """``CLIST#<list id>`` / ``C#<member key>``: one contact of a list."""

    list_id = UnicodeAttribute()
    key = UnicodeAttribute()
    name = UnicodeAttribute(null=True)
    email = UnicodeAttribute(null=True)
    phone = UnicodeAttribute(null=True)
    language = UnicodeAttribute()
    area = UnicodeAttribute(null=True)
    token = UnicodeAttribute()
    updated_at = UnicodeAttribute()
    opted_out_at = UnicodeAttribute(null=True)
    mobile = BooleanAttribute(null=True)  # whether ``phone`` takes SMS (judged at import)


class ContactTokenItem(TableItem, discriminator="contact_token"):
    """``CLTOKEN#<token hash>`` / ``#CLTOKEN``: which contact an unsubscribe token names."""

    list_id = UnicodeAttribute()
    key = UnicodeAttribute()


KINDS = (AudienceItem, ContactListItem, ContactItem, ContactTokenItem)


def share_connection() -> None:
    """Give these kinds the table's one connection when ``session.configure`` ran before this
    module was imported (it hands the connection to the kinds it finds)."""
    shared = TableItem._connection
    if shared is None:
        return
    for kind in KINDS:
        kind._connection = shared
