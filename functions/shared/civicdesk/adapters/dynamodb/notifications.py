"""What the notify function reads and writes on a case's partition, and the claims every sender
makes: at most one message per (event, recipient).

A notification reads two ranges, neither of which grows with the notifications already sent:
the case's partition from ``#CASE`` through ``SUB#~`` (the case, its history, the pending
tracking link, its subscriptions; never the delivery trail) and the partition of the event's
own claims. Each message is claimed (``NOTIFY#<event id>`` / ``<recipient key>``, state
``sending``) with a conditional put before it is sent and completed after it, together with its
timeline entry (on the delivery trail), in one transaction.
The notify function's messages and the delivery feedback function's SMS after a hard bounce
share these claims.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from pynamodb.exceptions import TransactWriteError
from pynamodb.expressions.update import Action
from pynamodb.transactions import TransactWrite

from ...domain.cases import Case, TimelineEvent, iso
from ...services.notification_records import Claim, NotificationContext
from .conditions import failed_conditions, in_sent_order, saved_if
from .items import NotificationItem, PendingLinkItem, TimelineItem
from .keys import PENDING_LINK_SK, case_pk, claims_pk, notification_sk
from .mappers import event_to_item, feed_facts, item_to_subscription, message_id_item, parse_time
from .partition import SUB_RANGE_END, read_partition
from .session import table_connection

#: Claims are kept long enough to outlive every redelivery (SQS keeps a message 4 days at most,
#: the stream 24 hours), then expire.
CLAIM_DAYS = 30


class DynamoNotificationRepository:
    """``NotificationContexts`` and ``NotificationClaims`` on the cases table."""

    def context(self, number: str, event_id: str) -> NotificationContext | None:
        found = read_partition(number, SUB_RANGE_END)
        if found is None:
            return None
        claims: dict[str, Claim] = {}
        # Claims made before they had a partition of their own (they expire within 30 days).
        prefix = notification_sk(event_id, "")
        for item in found.legacy_claims:
            if item.SK.startswith(prefix):
                claims[item.recipient] = Claim(item.state, parse_time(item.claimed_at))
        for item in NotificationItem.query(claims_pk(event_id), consistent_read=True):
            claims[item.recipient] = Claim(item.state, parse_time(item.claimed_at))
        return NotificationContext(found.case, found.entries,
                                   [item_to_subscription(s) for s in found.subscriptions], claims,
                                   found.pending_link.link if found.pending_link else None)

    def claim(self, number: str, event_id: str, key: str, at: datetime) -> bool:
        """Claim sending one message (``sending``); ``False`` when it is claimed or done
        already. A claim whose send failed (``failed``) may be taken again."""
        item = NotificationItem(PK=claims_pk(event_id), SK=key,
                                number=number, event_id=event_id, recipient=key, state="sending",
                                claimed_at=iso(at), expires_at=at + timedelta(days=CLAIM_DAYS))
        return saved_if(item, NotificationItem.PK.does_not_exist()
                        | (NotificationItem.state == "failed"))

    def release(self, number: str, event_id: str, key: str, error: str) -> None:
        item = NotificationItem(PK=claims_pk(event_id), SK=key)
        item.update(actions=[NotificationItem.state.set("failed"),
                             NotificationItem.error.set(error[:500])])

    def complete(self, number: str, event_id: str, key: str, *, state: str, channel: str | None,
                 message_id: str | None, entry: TimelineEvent,
                 consume_pending_link: bool = False, case: Case | None = None,
                 message_kind: str | None = None, to: str | None = None) -> None:
        """Mark the claim done and record the notification on the timeline, atomically; the
        Message-ID is kept so that replies thread and delivery reports find the case."""
        claim = NotificationItem(PK=claims_pk(event_id), SK=key)
        actions: list[Action] = [NotificationItem.state.set(state), NotificationItem.error.remove()]
        if channel:
            actions.append(NotificationItem.channel.set(channel))
        if message_id:
            actions.append(NotificationItem.message_id.set(message_id))
        try:
            with TransactWrite(connection=table_connection().connection) as tx:
                tx.update(claim, actions=actions)
                tx.save(event_to_item(entry, **(feed_facts(case) if case else {})),
                        condition=TimelineItem.PK.does_not_exist())
                if message_id and channel == "email":
                    tx.save(message_id_item(message_id, number, kind=message_kind, to=to))
                if consume_pending_link:
                    tx.delete(PendingLinkItem(PK=case_pk(number), SK=PENDING_LINK_SK))
        except TransactWriteError as exc:
            sent = in_sent_order(deletes=["pending_link"] if consume_pending_link else [],
                                 puts=["entry"], updates=["claim"])
            if sent.index("entry") in failed_conditions(exc):
                return  # completed before (a retry after the transaction went through)
            raise
