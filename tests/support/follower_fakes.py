"""In-memory fakes of the follower service's ports (``civicdesk.services.followers``), with
assertion helpers.

``InMemorySubscriptions`` keeps the conditions ``adapters/subscriptions.py`` writes with:
following claims the opt-in mail only for a new, an ended, or a pending subscription whose last
mail is older than the window; a stored subscription keeps its token, address and role; a
pending one past its expiry reads as none; confirming needs the pending subscription with its
token before its expiry; ending needs an active one with its token.
"""

from __future__ import annotations

from datetime import date, datetime

from msgspec import Struct
from msgspec.structs import replace

from civicdesk.domain.cases import Case
from civicdesk.domain.subscriptions import Subscription, SubscriptionState, subscription_id


class InMemoryCases:
    """The cases the follower service reads (``get_case``)."""

    def __init__(self, *cases: Case):
        self.cases = {case.number: case for case in cases}

    def add(self, case: Case) -> Case:
        self.cases[case.number] = case
        return case

    def get_case(self, number: str) -> Case | None:
        return self.cases.get(number)


class _Stored(Struct):
    subscription: Subscription
    opt_in_sent_at: datetime | None = None
    expires_at: datetime | None = None


class InMemorySubscriptions:
    """A case's subscriptions by address, as the table keeps them."""

    def __init__(self):
        self.stored: dict[tuple[str, str], _Stored] = {}
        self.fail_next_request: Exception | None = None

    # -- the port ----------------------------------------------------------------------------

    def get(self, number: str, subscription_id: str, now: datetime) -> Subscription | None:
        stored = self.stored.get((number, subscription_id))
        if stored is None or self._expired(stored, now):
            return None
        return stored.subscription

    def request_opt_in(self, subscription: Subscription, *, now: datetime, resend_after: datetime,
                       expires_at: datetime) -> Subscription | None:
        if self.fail_next_request:
            error, self.fail_next_request = self.fail_next_request, None
            raise error
        key = (subscription.case_number, subscription.id)
        stored = self.stored.get(key)
        if stored is not None:
            state = stored.subscription.state
            quiet = (state is SubscriptionState.PENDING
                     and (stored.opt_in_sent_at is None or stored.opt_in_sent_at <= resend_after))
            if state is not SubscriptionState.UNSUBSCRIBED and not quiet:
                return None
            kept = stored.subscription
            subscription = replace(subscription, email=kept.email, role=kept.role,
                                   token=kept.token, created_at=kept.created_at)
        pending = replace(subscription, state=SubscriptionState.PENDING, confirmed_at=None,
                          unsubscribed_at=None)
        self.stored[key] = _Stored(pending, opt_in_sent_at=now, expires_at=expires_at)
        return pending

    def release_opt_in(self, number: str, subscription_id: str, sent_at: datetime) -> None:
        stored = self.stored.get((number, subscription_id))
        if stored is not None and stored.opt_in_sent_at == sent_at:
            stored.opt_in_sent_at = None

    def confirm(self, subscription: Subscription, at: datetime) -> Subscription | None:
        stored = self.stored.get((subscription.case_number, subscription.id))
        if (stored is None or stored.subscription.state is not SubscriptionState.PENDING
                or stored.subscription.token != subscription.token
                or stored.expires_at is None or stored.expires_at <= at):
            return None
        stored.subscription = stored.subscription.confirmed(at)
        stored.expires_at = None
        return stored.subscription

    def unsubscribe(self, subscription: Subscription, at: datetime) -> Subscription | None:
        stored = self.stored.get((subscription.case_number, subscription.id))
        if (stored is None or stored.subscription.state is SubscriptionState.UNSUBSCRIBED
                or stored.subscription.token != subscription.token):
            return None
        stored.subscription = stored.subscription.unsubscribed(at)
        stored.expires_at = None
        return stored.subscription

    # -- arranging and asserting --------------------------------------------------------------

    def put(self, subscription: Subscription, *, opt_in_sent_at: datetime | None = None,
            expires_at: datetime | None = None) -> Subscription:
        """Store ``subscription`` as if an earlier request had written it."""
        self.stored[(subscription.case_number, subscription.id)] = _Stored(
            subscription, opt_in_sent_at, expires_at)
        return subscription

    def of(self, number: str, email: str) -> Subscription | None:
        """The stored subscription of ``email`` to case ``number``, expired or not."""
        stored = self.stored.get((number, subscription_id(email)))
        return stored.subscription if stored else None

    def expiry_of(self, number: str, email: str) -> datetime | None:
        stored = self.stored.get((number, subscription_id(email)))
        return stored.expires_at if stored else None

    def assert_state(self, number: str, email: str, state: SubscriptionState) -> None:
        subscription = self.of(number, email)
        assert subscription is not None, f"{email} has no subscription to {number}"
        assert subscription.state is state, f"{email}: {subscription.state.value}, not {state.value}"

    def assert_none(self, number: str) -> None:
        held = [s.subscription.email for key, s in self.stored.items() if key[0] == number]
        assert not held, f"case {number} has subscriptions: {held}"

    @staticmethod
    def _expired(stored: _Stored, now: datetime) -> bool:
        return (stored.subscription.state is SubscriptionState.PENDING
                and stored.expires_at is not None and stored.expires_at <= now)


class InMemoryAllowances:
    """``Allowances``: counters by kind, subject and day."""

    def __init__(self):
        self.counts: dict[tuple[str, str, date], int] = {}

    def take(self, kind: str, subject: str, day: date, limit: int) -> bool:
        key = (kind, subject, day)
        if self.counts.get(key, 0) >= limit:
            return False
        self.counts[key] = self.counts.get(key, 0) + 1
        return True
