"""At most one message per (event, recipient): ``NOTIFY#<event id>#<recipient key>`` items on
the case's partition (``NotificationItem``), claimed with a conditional put before the message is
sent and completed after it, together with its timeline entry, in one transaction. The notify
function's messages and the delivery feedback function's SMS after a hard bounce share them.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from pynamodb.exceptions import PutError, TransactWriteError
from pynamodb.transactions import TransactWrite

from ..domain.cases import Case, TimelineEvent, iso
from .dynamodb import (PENDING_LINK_SK, MessageIdItem, NotificationItem, PendingLinkItem,
                       TableItem, TimelineItem, case_pk, event_to_item, feed_facts,
                       notification_sk)

#: Claims are kept long enough to outlive every redelivery (SQS keeps a message 4 days at most,
#: the stream 24 hours), then expire.
CLAIM_DAYS = 30


def condition_failed(exc: Exception) -> bool:
    """Whether a PynamoDB write failed on its condition (and on nothing else)."""
    cause = getattr(exc, "cause_response_code", None)
    return cause == "ConditionalCheckFailedException"


class DynamoNotificationClaims:
    """``claim``, ``release`` and ``complete`` (``civicdesk.services.ports.NotificationClaims``)
    for the repositories of the functions that send."""

    def claim(self, number: str, event_id: str, key: str, at: datetime) -> bool:
        """Claim sending one message (``sending``); ``False`` when it is claimed or done
        already. A claim whose send failed (``failed``) may be taken again."""
        item = NotificationItem(PK=case_pk(number), SK=notification_sk(event_id, key),
                                number=number, event_id=event_id, recipient=key, state="sending",
                                claimed_at=iso(at), expires_at=at + timedelta(days=CLAIM_DAYS))
        try:
            item.save(condition=NotificationItem.PK.does_not_exist() | (NotificationItem.state == "failed"))
        except PutError as exc:
            if condition_failed(exc):
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
        actions = [NotificationItem.state.set(state), NotificationItem.error.remove()]
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
