"""Subscriptions to a case's news (``SUB#<id>`` items on the case's partition).

Every state change is one conditional ``UpdateItem``, so two requests racing over the same
subscription (a double click, a mail client's one-click POST beside the page) never both win:
at most one opt-in mail is sent per window, and confirming or ending twice changes nothing.
A pending subscription carries ``expires_at`` (the table's TTL); DynamoDB deletes expired items
only eventually, so one that is past it is treated here as gone already.
"""

from __future__ import annotations

from datetime import datetime

from ...domain.cases import iso
from ...domain.subscriptions import Subscription, SubscriptionState
from .conditions import saved_if, updated_if
from .items import SubscriptionItem
from .keys import case_pk, subscription_sk
from .mappers import item_to_subscription, subscription_to_item

PENDING = SubscriptionState.PENDING.value
CONFIRMED = SubscriptionState.CONFIRMED.value
UNSUBSCRIBED = SubscriptionState.UNSUBSCRIBED.value


def _key(number: str, subscription_id: str) -> SubscriptionItem:
    return SubscriptionItem(PK=case_pk(number), SK=subscription_sk(subscription_id))


def _expired(item: SubscriptionItem, now: datetime) -> bool:
    return item.state == PENDING and item.expires_at is not None and item.expires_at <= now


def _transition(subscription: Subscription, actions: list, condition) -> Subscription | None:
    """Apply ``actions`` to the stored ``subscription`` if ``condition`` holds: the stored
    subscription as updated, or ``None`` when the condition failed."""
    item = _key(subscription.case_number, subscription.id)
    return item_to_subscription(item) if updated_if(item, actions, condition) else None


class DynamoSubscriptionRepository:
    """``SubscriptionRepository`` (and the notify function's ``add_subscription``)."""

    def get(self, number: str, subscription_id: str, now: datetime) -> Subscription | None:
        """The subscription (one strongly consistent ``GetItem``), ``None`` when there is none
        or it is a pending one past its expiry."""
        try:
            item = SubscriptionItem.get(case_pk(number), subscription_sk(subscription_id),
                                        consistent_read=True)
        except SubscriptionItem.DoesNotExist:
            return None
        return None if _expired(item, now) else item_to_subscription(item)

    def add_subscription(self, subscription: Subscription) -> Subscription:
        """Store ``subscription`` unless the address has one for this case; return the stored."""
        if saved_if(subscription_to_item(subscription), SubscriptionItem.PK.does_not_exist()):
            return subscription
        stored = SubscriptionItem.get(case_pk(subscription.case_number),
                                      subscription_sk(subscription.id), consistent_read=True)
        return item_to_subscription(stored)

    def request_opt_in(self, subscription: Subscription, *, now: datetime, resend_after: datetime,
                       expires_at: datetime) -> Subscription | None:
        """Make ``subscription`` (a new pending follower) pending, and claim the sending of its
        opt-in mail, in one conditional ``UpdateItem``.

        It succeeds when there is no subscription yet, the stored one was ended (only the
        address's owner can end it, with a mail's token, so nobody else can cycle it), or it is
        pending and its last opt-in mail went out at or before ``resend_after``. A stored
        subscription keeps its token (the link of an earlier mail stays good), address and role
        (a requester who follows stays the requester); the language is the latest asked for.
        Returns the stored subscription when the caller is to send the mail, else ``None``
        (confirmed already, or a mail went out within the window)."""
        S = SubscriptionItem
        actions = [
            S.entity.set(SubscriptionItem),
            S.number.set(subscription.case_number),
            S.email.set(S.email | subscription.email),
            S.role.set(S.role | subscription.role.value),
            S.token.set(S.token | subscription.token),
            S.created_at.set(S.created_at | iso(subscription.created_at)),
            S.language.set(subscription.language),
            S.state.set(PENDING),
            S.opt_in_sent_at.set(iso(now)),
            S.expires_at.set(expires_at),
            S.confirmed_at.remove(),
            S.unsubscribed_at.remove(),
        ]
        quiet_pending = ((S.state == PENDING)
                         & (S.opt_in_sent_at.does_not_exist()
                            | (S.opt_in_sent_at <= iso(resend_after))))
        return _transition(subscription, actions,
                           S.PK.does_not_exist() | (S.state == UNSUBSCRIBED) | quiet_pending)

    def release_opt_in(self, number: str, subscription_id: str, sent_at: datetime) -> None:
        """Give back a claim whose mail could not be sent, so that asking again sends at once
        (only if no later request claimed it meanwhile)."""
        updated_if(_key(number, subscription_id), [SubscriptionItem.opt_in_sent_at.remove()],
                   SubscriptionItem.opt_in_sent_at == iso(sent_at))

    def confirm(self, subscription: Subscription, at: datetime) -> Subscription | None:
        """Pending -> confirmed (the expiry goes: a confirmed subscription stays). ``None`` when
        the stored one is not that pending subscription any more (the caller reads it again)."""
        S = SubscriptionItem
        return _transition(subscription,
                           [S.state.set(CONFIRMED), S.confirmed_at.set(iso(at)),
                            S.expires_at.remove()],
                           (S.state == PENDING) & (S.token == subscription.token)
                           & (S.expires_at > at))

    def unsubscribe(self, subscription: Subscription, at: datetime) -> Subscription | None:
        """Pending or confirmed -> unsubscribed, kept without expiry (the opt-out is remembered:
        nobody re-subscribes the requester, and the link in an old mail still answers).
        ``None`` when the stored one is not that active subscription any more."""
        S = SubscriptionItem
        return _transition(subscription,
                           [S.state.set(UNSUBSCRIBED), S.unsubscribed_at.set(iso(at)),
                            S.expires_at.remove()],
                           S.state.is_in(PENDING, CONFIRMED) & (S.token == subscription.token))
