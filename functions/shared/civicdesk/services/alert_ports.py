"""The port the alert subscriptions' service (``services/alerts.py``) stores through
(``adapters/dynamodb/alerts.py`` implements it, with ``audience_ports.AlertSubscribers``)."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from ..domain.alerts import AlertSubscription


class AlertSubscriptionRepository(Protocol):
    def create(self, subscription: AlertSubscription, expires_at: datetime,
               idempotency: tuple[str, str, dict, int] | None = None) -> None:
        """Store a new pending subscription (``DuplicateSubmission`` for a used key)."""

    def get(self, subscription_id: str, now: datetime) -> AlertSubscription | None: ...

    def mark_mail_sent(self, subscription: AlertSubscription, at: datetime) -> None: ...

    def claim_code(self, subscription: AlertSubscription, *, code_hash: str, expires: datetime,
                   attempts: int, now: datetime, resend_after: datetime) -> bool: ...

    def release_code(self, subscription_id: str, sent_at: datetime) -> None: ...

    def spend_attempt(self, subscription: AlertSubscription) -> bool: ...

    def confirm_phone(self, subscription: AlertSubscription, at: datetime) -> AlertSubscription | None: ...

    def confirm_email(self, subscription: AlertSubscription, at: datetime) -> AlertSubscription | None: ...

    def change(self, before: AlertSubscription, after: AlertSubscription) -> bool: ...

    def end(self, subscription: AlertSubscription, at: datetime, keep_until: datetime) -> bool: ...

    def with_phone(self, phone: str, now: datetime) -> list[AlertSubscription]:
        """The subscriptions whose confirmed number is ``phone``."""
