"""Who receives a case's news by e-mail besides the staff: its requester and its followers.

A *subscription* belongs to one case and one e-mail address. Followers (anyone, for a public
case) start ``pending`` and become ``confirmed`` only through the link mailed to them (double
opt-in); the requester's subscription is created ``confirmed`` the first time a progress mail
goes out, so that it has a token for its unsubscribe link. Either can end with ``unsubscribed``.

The token is random and stored as it is: it only ever confirms or ends this one subscription, and
every mail needs it again for its unsubscribe link (``docs/decisions.md``).
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime
from enum import Enum
from urllib.parse import quote, urlencode

from msgspec import Struct
from msgspec.structs import replace


class SubscriptionRole(str, Enum):
    REQUESTER = "requester"
    FOLLOWER = "follower"


class SubscriptionState(str, Enum):
    PENDING = "pending"
    CONFIRMED = "confirmed"
    UNSUBSCRIBED = "unsubscribed"


def subscription_id(email: str) -> str:
    """Stable per case and address (an address follows a case at most once).

    >>> subscription_id("Ana@Example.org") == subscription_id("ana@example.org")
    True
    >>> len(subscription_id("ana@example.org"))
    24
    """
    return hashlib.sha256(email.strip().lower().encode("utf-8")).hexdigest()[:24]


def new_subscription_token() -> str:
    return secrets.token_urlsafe(24)


class Subscription(Struct, frozen=True):
    case_number: str
    email: str
    role: SubscriptionRole
    language: str
    state: SubscriptionState
    token: str
    created_at: datetime
    confirmed_at: datetime | None = None
    unsubscribed_at: datetime | None = None

    @property
    def id(self) -> str:
        return subscription_id(self.email)

    @property
    def active(self) -> bool:
        return self.state is SubscriptionState.CONFIRMED

    def confirmed(self, at: datetime) -> "Subscription":
        return replace(self, state=SubscriptionState.CONFIRMED, confirmed_at=at)

    def unsubscribed(self, at: datetime) -> "Subscription":
        return replace(self, state=SubscriptionState.UNSUBSCRIBED, unsubscribed_at=at)


def _link(public_url: str, page: str, subscription: Subscription, action: str | None = None) -> str:
    params = {"case": subscription.case_number, "id": subscription.id, "token": subscription.token,
              "lang": subscription.language}
    if action:
        params = {"action": action, **params}
    return f"{public_url.rstrip('/')}/{page}?{urlencode(params, quote_via=quote)}"


def confirm_url(public_url: str, subscription: Subscription) -> str:
    """The page a new follower opens to confirm (it asks before it confirms, so a mail scanner
    that follows links confirms nothing)."""
    return _link(public_url, "subscription.html", subscription, "confirm")


def unsubscribe_url(public_url: str, subscription: Subscription) -> str:
    """The page behind the unsubscribe link in a mail's footer (it asks before it ends)."""
    return _link(public_url, "subscription.html", subscription, "unsubscribe")


def one_click_unsubscribe_url(public_url: str, subscription: Subscription) -> str:
    """RFC 8058 one-click endpoint for the ``List-Unsubscribe`` header (mail clients POST
    ``List-Unsubscribe=One-Click`` to it).

    >>> from datetime import datetime, timezone
    >>> s = Subscription("2026-000007", "ana@example.org", SubscriptionRole.FOLLOWER, "en",
    ...                  SubscriptionState.CONFIRMED, "tok", datetime(2026, 11, 22, tzinfo=timezone.utc))
    >>> one_click_unsubscribe_url("https://prijave.demo.rs/", s)  # doctest: +ELLIPSIS
    'https://prijave.demo.rs/v1/public/cases/2026-000007/subscriptions/.../unsubscribe?token=tok'
    """
    query = urlencode({"token": subscription.token}, quote_via=quote)
    return (f"{public_url.rstrip('/')}/v1/public/cases/{quote(subscription.case_number)}"
            f"/subscriptions/{subscription.id}/unsubscribe?{query}")
