"""Audiences and contact lists (issue 15): the saved audiences, their resolution into members
(``audience_members``, the port campaigns and surveys read) and the contact lists."""

from __future__ import annotations

from functools import lru_cache

from .core import _deferred, _tables_configured, municipality_provider, phone_numbers, recipient_repository


@lru_cache(maxsize=1)
def audience_service():
    """Saved audiences, their previews and their members (``AudienceMembers``)."""
    from ..adapters.dynamodb.audiences import DynamoAudiences, DynamoCaseContacts, DynamoContactLists
    from ..services.audiences import AudienceService

    _tables_configured()
    return AudienceService(DynamoAudiences(), DynamoContactLists(), DynamoCaseContacts(),
                           _deferred(_alert_subscribers), recipient_repository(),
                           _deferred(phone_numbers), municipality_provider())


def audience_members():
    """The ``AudienceMembers`` port of campaigns and surveys: ``audience_service().members``."""
    return audience_service()


@lru_cache(maxsize=1)
def contact_list_service():
    from ..adapters.dynamodb.audiences import DynamoAudiences, DynamoContactLists
    from ..services.contact_lists import ContactListService

    _tables_configured()
    return ContactListService(DynamoContactLists(), DynamoAudiences(), _deferred(phone_numbers),
                              municipality_provider())


def _alert_subscribers():
    """The residents' confirmed alert subscriptions (``AlertSubscribers``), built when an
    audience of subscribers is first resolved."""
    from .alerts import alert_subscribers

    return alert_subscribers()
