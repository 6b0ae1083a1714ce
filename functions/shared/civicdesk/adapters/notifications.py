"""What the notify function reads and writes in the cases table.

One ``Query`` of the case's partition gives everything a notification needs (the case, its
timeline, its subscriptions, the claims already made, the pending tracking link). Each message is
claimed with a conditional put before it is sent and completed after, together with its timeline
entry, in one transaction (``civicdesk.adapters.claims``).
"""

from __future__ import annotations

from pynamodb.exceptions import PutError

from ..domain.cases import TimelineEvent
from ..domain.subscriptions import Subscription
from ..services.notifications import Claim, NotificationContext
from .claims import DynamoNotificationClaims, condition_failed
from .dynamodb import (CaseItem, NotificationItem, PendingLinkItem, SubscriptionItem, TableItem,
                       TimelineItem, _dt, case_pk, item_to_case, item_to_event,
                       item_to_subscription, notification_sk, subscription_sk,
                       subscription_to_item)


class DynamoNotificationRepository(DynamoNotificationClaims):
    def context(self, number: str, event_id: str) -> NotificationContext | None:
        case = None
        timeline: list[TimelineEvent] = []
        subscriptions: list[Subscription] = []
        claims: dict[str, Claim] = {}
        pending_link = None
        prefix = notification_sk(event_id, "")
        for item in TableItem.query(case_pk(number)):
            if isinstance(item, CaseItem):
                case = item_to_case(item)
            elif isinstance(item, TimelineItem):
                timeline.append(item_to_event(item))
            elif isinstance(item, SubscriptionItem):
                subscriptions.append(item_to_subscription(item))
            elif isinstance(item, NotificationItem) and item.SK.startswith(prefix):
                claims[item.recipient] = Claim(item.state, _dt(item.claimed_at))
            elif isinstance(item, PendingLinkItem):
                pending_link = item.link
        if case is None:
            return None
        return NotificationContext(case, timeline, subscriptions, claims, pending_link)

    def add_subscription(self, subscription: Subscription) -> Subscription:
        """Store ``subscription`` unless the address has one for this case; return the stored."""
        try:
            subscription_to_item(subscription).save(condition=SubscriptionItem.PK.does_not_exist())
        except PutError as exc:
            if not condition_failed(exc):
                raise
            stored = SubscriptionItem.get(case_pk(subscription.case_number),
                                          subscription_sk(subscription.id), consistent_read=True)
            return item_to_subscription(stored)
        return subscription

