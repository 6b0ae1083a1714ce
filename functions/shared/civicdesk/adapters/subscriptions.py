"""Subscriptions to a case's news (``SUB#<id>`` items on the case's partition) through PynamoDB.

Every state change is one conditional ``UpdateItem``, so two requests racing over the same
subscription (a double click, a mail client's one-click POST beside the page) never both win:
at most one opt-in mail is sent per window, and confirming or ending twice changes nothing.
A pending subscription carries ``expires_at`` (the table's TTL); DynamoDB deletes expired items
only eventually, so one that is past it is treated here as gone already.
"""

from __future__ import annotations

from datetime import datetime

from pynamodb.exceptions import UpdateError

from ..domain.cases import iso
from ..domain.subscriptions import Subscription, SubscriptionState
from .dynamodb import SubscriptionItem, case_pk, item_to_subscription, subscription_sk

_CONDITION_FAILED = "ConditionalCheckFailedException"


def _key(number: str, subscription_id: str) -> SubscriptionItem:
    return SubscriptionItem(PK=case_pk(number), SK=subscription_sk(subscription_id))


def _expired(item: SubscriptionItem, now: datetime) -> bool:
    return (item.state == SubscriptionState.PENDING.value and item.expires_at is not None
            and item.expires_at <= now)


class DynamoSubscriptionRepository:
    """``SubscriptionRepository`` on the cases table."""

    def get(self, number: str, subscription_id: str, now: datetime) -> Subscription | None:
        """The subscription (one strongly consistent ``GetItem``), ``None`` when there is none
        or it is a pending one past its expiry."""
        try:
            item = SubscriptionItem.get(case_pk(number), subscription_sk(subscription_id),
                                        consistent_read=True)
        except SubscriptionItem.DoesNotExist:
            return None
        return None if _expired(item, now) else item_to_subscription(item)

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
        item = _key(subscription.case_number, subscription.id)
        actions = [
            SubscriptionItem.entity.set(SubscriptionItem),
            SubscriptionItem.number.set(subscription.case_number),
            SubscriptionItem.email.set(SubscriptionItem.email | subscription.email),
            SubscriptionItem.role.set(SubscriptionItem.role | subscription.role.value),
            SubscriptionItem.token.set(SubscriptionItem.token | subscription.token),
            SubscriptionItem.created_at.set(SubscriptionItem.created_at | iso(subscription.created_at)),
            SubscriptionItem.language.set(subscription.language),
            SubscriptionItem.state.set(SubscriptionState.PENDING.value),
            SubscriptionItem.opt_in_sent_at.set(iso(now)),
            SubscriptionItem.expires_at.set(expires_at),
            SubscriptionItem.confirmed_at.remove(),
            SubscriptionItem.unsubscribed_at.remove(),
        ]
        ended = SubscriptionItem.state == SubscriptionState.UNSUBSCRIBED.value
        quiet_pending = ((SubscriptionItem.state == SubscriptionState.PENDING.value)
                         & (SubscriptionItem.opt_in_sent_at.does_not_exist()
                            | (SubscriptionItem.opt_in_sent_at <= iso(resend_after))))
        try:
            item.update(actions=actions, add_version_condition=False,
                        condition=SubscriptionItem.PK.does_not_exist() | ended | quiet_pending)
        except UpdateError as error:
            if error.cause_response_code == _CONDITION_FAILED:
                return None
            raise
        return item_to_subscription(item)

    def release_opt_in(self, number: str, subscription_id: str, sent_at: datetime) -> None:
        """Give back a claim whose mail could not be sent, so that asking again sends at once
        (only if no later request claimed it meanwhile)."""
        try:
            _key(number, subscription_id).update(
                actions=[SubscriptionItem.opt_in_sent_at.remove()], add_version_condition=False,
                condition=SubscriptionItem.opt_in_sent_at == iso(sent_at))
        except UpdateError as error:
            if error.cause_response_code != _CONDITION_FAILED:
                raise

    def confirm(self, subscription: Subscription, at: datetime) -> Subscription | None:
        """Pending -> confirmed (the expiry goes: a confirmed subscription stays). ``None`` when
        the stored one is not that pending subscription any more (the caller reads it again)."""
        item = _key(subscription.case_number, subscription.id)
        try:
            item.update(actions=[SubscriptionItem.state.set(SubscriptionState.CONFIRMED.value),
                                 SubscriptionItem.confirmed_at.set(iso(at)),
                                 SubscriptionItem.expires_at.remove()],
                        condition=((SubscriptionItem.state == SubscriptionState.PENDING.value)
                                   & (SubscriptionItem.token == subscription.token)
                                   & (SubscriptionItem.expires_at > at)),
                        add_version_condition=False)
        except UpdateError as error:
            if error.cause_response_code == _CONDITION_FAILED:
                return None
            raise
        return item_to_subscription(item)

    def unsubscribe(self, subscription: Subscription, at: datetime) -> Subscription | None:
        """Pending or confirmed -> unsubscribed, kept without expiry (the opt-out is remembered:
        nobody re-subscribes the requester, and the link in an old mail still answers).
        ``None`` when the stored one is not that active subscription any more."""
        item = _key(subscription.case_number, subscription.id)
        try:
            item.update(actions=[SubscriptionItem.state.set(SubscriptionState.UNSUBSCRIBED.value),
                                 SubscriptionItem.unsubscribed_at.set(iso(at)),
                                 SubscriptionItem.expires_at.remove()],
                        condition=(SubscriptionItem.state.is_in(SubscriptionState.PENDING.value,
                                                                SubscriptionState.CONFIRMED.value)
                                   & (SubscriptionItem.token == subscription.token)),
                        add_version_condition=False)
        except UpdateError as error:
            if error.cause_response_code == _CONDITION_FAILED:
                return None
            raise
        return item_to_subscription(item)

