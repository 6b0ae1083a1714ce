"""The composition root's part for residents' alert subscriptions: their repository (which is
also the ``AlertSubscribers`` port the audiences read) and their service."""

from __future__ import annotations

from functools import lru_cache

from ..config import settings
from .core import _tables_configured, mailer, municipality_provider, phone_numbers, recipient_repository, sms_sender

__all__ = ["alert_subscribers", "alert_subscription_repository", "alert_subscription_service"]


@lru_cache(maxsize=1)
def alert_subscription_repository():
    from ..adapters.dynamodb.alerts import DynamoAlertSubscriptions

    _tables_configured()
    return DynamoAlertSubscriptions()


def alert_subscribers():
    """``services.audience_ports.AlertSubscribers``: the confirmed subscriptions, for the
    audiences service."""
    return alert_subscription_repository()


@lru_cache(maxsize=1)
def alert_subscription_service():
    from ..adapters.dynamodb.allowances import DynamoAllowances
    from ..services.alerts import AlertSubscriptionService

    return AlertSubscriptionService(alert_subscription_repository(), municipality_provider(),
                                    mailer(), sms_sender(), phone_numbers(), recipient_repository(),
                                    DynamoAllowances(), settings().public_url)
