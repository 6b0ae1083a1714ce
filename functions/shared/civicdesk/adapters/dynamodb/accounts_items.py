"""The citizen accounts' item kinds of the cases table (``docs/data-model.md``, accounts).
Keys in ``accounts_keys``."""

from __future__ import annotations

from pynamodb.attributes import NumberAttribute, UnicodeAttribute

from .table import TableItem


class AccountProfileItem(TableItem, discriminator="account_profile"):
    """``ACCOUNT#<sub>`` / ``#PROFILE``: what prefills the forms."""

    name = UnicodeAttribute(null=True)
    phone = UnicodeAttribute(null=True)
    postal_address = UnicodeAttribute(null=True)
    language = UnicodeAttribute(null=True)
    updated_at = UnicodeAttribute()


class AccountCaseItem(TableItem, discriminator="account_case"):
    """``ACCOUNT#<sub>`` / ``CASE#<number>``: a case the account filed (written only if
    absent), with its registry number (letters, complaints, FOI requests) and date."""

    number = UnicodeAttribute()
    registered_at = UnicodeAttribute()
    registry_number = UnicodeAttribute(null=True)


class AccountFollowItem(TableItem, discriminator="account_follow"):
    """``ACCOUNT#<sub>`` / ``FOLLOW#<number>``: a public case the account follows (the
    subscription itself is the case's ``SUB#`` item)."""

    number = UnicodeAttribute()
    since = UnicodeAttribute()


class RegistryCounterItem(TableItem, discriminator="registry_counter"):
    """``REGISTRY#<year>`` / ``#COUNTER``: the last registry sequence given in the year."""

    value = NumberAttribute(default=0)
