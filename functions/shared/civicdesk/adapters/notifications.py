"""What the notify function reads and writes in the cases table.

One ``Query`` of the case's partition gives everything a notification needs (the case, its
timeline, its subscriptions, the claims already made, the pending tracking link). Each message is
claimed with a conditional put before it is sent and completed after, together with its timeline
entry, in one transaction.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from pynamodb.exceptions import PutError, TransactWriteError
from pynamodb.transactions import TransactWrite

from ..domain.cases import Case, TimelineEvent, iso
from ..domain.subscriptions import Subscription
from ..services.notifications import Claim, NotificationContext
from .dynamodb import (PENDING_LINK_SK, CaseItem, MessageIdItem, NotificationItem,
                       PendingLinkItem, SubscriptionItem, TableItem, TimelineItem, _dt, case_pk,
                       event_to_item, feed_facts, item_to_case, item_to_event, item_to_subscription,
                       notification_sk, subscription_to_item)

#: Claims are kept long enough to outlive every redelivery (SQS keeps a message 4 days at most,
#: the stream 24 hours), then expire.
CLAIM_DAYS = 30


def _conditional_failure(exc: Exception) -> bool:
    cause = getattr(exc, "cause_response_code", None)
    return cause == "ConditionalCheckFailedException"


class DynamoNotificationRepository:
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

    def claim(self, number: str, event_id: str, key: str, at: datetime) -> bool:
        item = NotificationItem(PK=case_pk(number), SK=notification_sk(event_id, key),
                                number=number, event_id=event_id, recipient=key, state="sending",
                                claimed_at=iso(at), expires_at=at + timedelta(days=CLAIM_DAYS))
        try:
            item.save(condition=NotificationItem.PK.does_not_exist() | (NotificationItem.state == "failed"))
        except PutError as exc:
            if _conditional_failure(exc):
                return False
            raise
        return True

    def release(self, number: str, event_id: str, key: str, error: str) -> None:
        item = NotificationItem(PK=case_pk(number), SK=notification_sk(event_id, key))
        item.update(actions=[NotificationItem.state.set("failed"),
                             NotificationItem.error.set(error[:500])])

    def complete(self, number: str, event_id: str, key: str, *, state: str, channel: str | None,
                 message_id: str | None, entry: TimelineEvent,
                 consume_pending_link: bool = False, case: Case | None = None,
                 message_kind: str | None = None, to: str | None = None) -> None:
        """Mark the claim done and record the notification on the timeline, atomically; the
        Message-ID is kept so that replies thread and delivery reports find the case."""
        claim = NotificationItem(PK=case_pk(number), SK=notification_sk(event_id, key))
        actions = [NotificationItem.state.set(state)]
        if channel:
            actions.append(NotificationItem.channel.set(channel))
        if message_id:
            actions.append(NotificationItem.message_id.set(message_id))
        try:
            with TransactWrite(connection=TableItem._get_connection().connection) as tx:
                tx.update(claim, actions=actions)
                tx.save(event_to_item(entry, **(feed_facts(case) if case else {})),
                        condition=TimelineItem.PK.does_not_exist())
                if message_id and channel == "email":
                    tx.save(MessageIdItem(PK=f"MSGID#{message_id}", SK="#MSGID", number=number,
                                          kind=message_kind, to=to.lower() if to else None))
                if consume_pending_link:
                    tx.delete(PendingLinkItem(PK=case_pk(number), SK=PENDING_LINK_SK))
        except TransactWriteError as exc:
            reasons = [r.code if r else None for r in exc.cancellation_reasons or []]
            if len(reasons) > 1 and reasons[1] == "ConditionalCheckFailed":
                return  # completed before (a retry after the transaction went through)
            raise

    def add_subscription(self, subscription: Subscription) -> Subscription:
        """Store ``subscription`` unless the address has one for this case; return the stored."""
        try:
            subscription_to_item(subscription).save(condition=SubscriptionItem.PK.does_not_exist())
        except PutError as exc:
            if not _conditional_failure(exc):
                raise
            stored = SubscriptionItem.get(case_pk(subscription.case_number),
                                          f"SUB#{subscription.id}", consistent_read=True)
            return item_to_subscription(stored)
        return subscription

