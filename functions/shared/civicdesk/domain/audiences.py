"""Who a campaign or a survey reaches: the members of an audience, whatever their source.

An *audience* is a saved description of people: the residents subscribed to alerts for an area
and a topic, an imported contact list, the requesters and followers of cases matching a filter,
or those inside a polygon drawn on the console's map. Resolving it yields *members*, one per
person after merging (the same address or number from two sources is one member), each with the
channels it may be reached on.

Campaigns (mass notifications) and surveys only ever see members through the
``AudienceMembers`` port (``services/audience_ports.py``): they never read subscriptions, contact
lists or cases themselves.
"""

from __future__ import annotations

import hashlib
from enum import Enum

from msgspec import Struct


class Channel(str, Enum):
    """How a member can be reached; a campaign lists them in its order of preference."""

    EMAIL = "email"
    SMS = "sms"
    PHONE = "phone"  # an operator calls (surveys, and the call list of the unreached)


class MemberSource(str, Enum):
    SUBSCRIPTION = "subscription"  # a resident's confirmed alert subscription
    CONTACT_LIST = "contact_list"  # a row of a list an administrator imported
    CASES = "cases"  # a requester or follower of a case matching the audience's filter
    POLYGON = "polygon"  # anyone of the above whose point lies in the drawn polygon


class AudienceMember(Struct, frozen=True):
    """One person an audience reaches.

    ``key`` is stable across resolutions of the same audience and unique within one: campaigns
    and surveys use it as the recipient's identity (at most one message per channel and key).
    ``channels`` are the channels the member may be reached on, in no particular order: a
    subscriber who asked for SMS only has ``(SMS,)`` although their e-mail address is known.
    ``unsubscribe_token`` ends what put the member in the audience (an alert subscription, a
    contact list entry): every message carries it as its unsubscribe link
    (:func:`unsubscribe_path`); ``None`` where there is nothing to end (a case's requester is
    told about a case, not subscribed).
    """

    key: str
    language: str
    source: MemberSource
    channels: tuple[Channel, ...]
    name: str = ""
    email: str | None = None
    phone: str | None = None  # E.164
    area: str | None = None  # the configuration's area id, where known
    unsubscribe_token: str | None = None

    def address_for(self, channel: Channel) -> str | None:
        """The address or number ``channel`` reaches this member at, ``None`` if it cannot."""
        if channel not in self.channels:
            return None
        if channel is Channel.EMAIL:
            return self.email
        return self.phone


class AlertSubscriber(Struct, frozen=True):
    """A resident's confirmed alert subscription, as an audience reads it (the subscriptions'
    repository yields them; the audience filters by area, point and topic).

    ``areas`` are the configuration's area ids the resident chose; ``point`` a place they chose
    on the map (``(lat, lon)``), either or both; ``topics`` the alert topics (``alert_topics``
    of the municipality's configuration); ``channels`` only those confirmed (a mailed link for
    e-mail, a code for SMS).
    """

    subscription_id: str
    language: str
    channels: tuple[Channel, ...]
    topics: tuple[str, ...]
    unsubscribe_token: str
    areas: tuple[str, ...] = ()
    point: tuple[float, float] | None = None
    email: str | None = None
    phone: str | None = None
    name: str = ""


def member_key(email: str | None, phone: str | None) -> str:
    """The key of a person known by ``email`` and/or ``phone``: the e-mail address when there is
    one (lower case), otherwise the number; hashed, so that a key in a log or an item's sort key
    is no personal data.

    >>> member_key("Petar@Example.RS", None) == member_key("petar@example.rs", "+38163000000")
    True
    >>> member_key(None, "+38163000000") != member_key(None, "+38163000001")
    True
    """
    basis = f"e:{email.strip().lower()}" if email else f"p:{phone or ''}"
    if basis in ("e:", "p:"):
        raise ValueError("a member needs an e-mail address or a phone number")
    return hashlib.sha256(basis.encode()).hexdigest()[:24]


def unsubscribe_path(token: str) -> str:
    """The portal page (relative to the portal's address) that ends what ``token`` names; the
    page asks before it changes anything (mail scanners follow links)."""
    return f"alerts.html#unsubscribe={token}"
