"""Residents' alert subscriptions: who asked to be told, by e-mail and/or SMS, about the alerts
(water cuts, road closures...) of their area and topics.

A subscription names the configuration's areas a resident chose and/or a point on the map, the
alert topics (``alert_topics`` of the municipality's configuration), the language, and one or two
channels, each with its own state: an e-mail address is confirmed by the link mailed to it, a
phone number by a six-digit code sent to it by SMS. Only confirmed channels ever receive alerts
(``AlertSubscriber``, the record audiences read). Ending the subscription (its unsubscribe token:
every alert carries it) keeps the record without its address and number for
``ENDED_RETENTION``, so that an old link still answers, then the table's TTL deletes it.

The token is random and stored as it is, like a follower's (``docs/decisions.md``): it only
ever manages or ends this one subscription, and every alert needs it again for its link. Its
first part is the subscription's id, so that one ``GetItem`` finds what a token names. The SMS
code is stored only as a hash with the subscription's id, and lives ``CODE_LIFETIME`` for at
most ``CODE_ATTEMPTS`` tries.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from datetime import datetime, timedelta
from enum import Enum

from msgspec import Struct
from msgspec.structs import replace

from .audiences import AlertSubscriber, Channel

#: How long a subscription without any confirmed channel waits (then the TTL ends it).
PENDING_LIFETIME = timedelta(days=7)
#: How long an SMS code is good for, and how many wrong tries end it.
CODE_LIFETIME = timedelta(minutes=15)
CODE_ATTEMPTS = 5
CODE_DIGITS = 6
#: How long an ended subscription is kept (without address or number), then deleted.
ENDED_RETENTION = timedelta(days=30)
#: The most areas and topics one subscription may name.
MAX_AREAS = 50
MAX_TOPICS = 30

_ID = re.compile(r"^[0-9a-f]{24}$")
_TOKEN = re.compile(r"^([0-9a-f]{24})\.([A-Za-z0-9_-]{32})$")
_CODE = re.compile(r"^[0-9]{6}$")


class AlertTopic(Struct, frozen=True):
    """A topic residents subscribe to (``alert_topics`` in ``municipality.json``)."""

    id: str
    name: dict[str, str]


class ChannelState(str, Enum):
    PENDING = "pending"
    CONFIRMED = "confirmed"


class AlertState(str, Enum):
    PENDING = "pending"  # no channel confirmed yet
    ACTIVE = "active"  # at least one channel confirmed
    ENDED = "ended"


def new_subscription_id() -> str:
    return secrets.token_hex(12)


def new_token(subscription_id: str) -> str:
    """``<id>.<32 random URL-safe characters>`` (192 bits).

    >>> token = new_token("0123456789abcdef01234567")
    >>> token_subscription(token)
    '0123456789abcdef01234567'
    """
    return f"{subscription_id}.{secrets.token_urlsafe(24)}"


def token_subscription(token: str | None) -> str | None:
    """The subscription a token names by its form (``None``: it names none; nothing is looked up).

    >>> token_subscription("not a token") is None
    True
    """
    match = _TOKEN.match(token or "")
    return match.group(1) if match else None


def is_subscription_id(value: str | None) -> bool:
    return bool(_ID.match(value or ""))


def tokens_match(stored: str | None, given: str) -> bool:
    """Constant-time comparison, the same cost with nothing stored."""
    expected = stored if stored is not None else "x" * 57
    return hmac.compare_digest(expected.encode(), given.encode()) and stored is not None


def new_code() -> str:
    """Six random digits (leading zeros kept)."""
    return f"{secrets.randbelow(10 ** CODE_DIGITS):0{CODE_DIGITS}d}"


def code_hash(subscription_id: str, code: str) -> str:
    """What is stored of an SMS code: its SHA-256 with the subscription's id.

    >>> code_hash("a" * 24, "123456") == code_hash("a" * 24, "123456")
    True
    >>> code_hash("a" * 24, "123456") == code_hash("b" * 24, "123456")
    False
    """
    return hashlib.sha256(f"civicdesk/alerts/v1\0{subscription_id}\0{code}".encode()).hexdigest()


def is_code(value: str | None) -> bool:
    return bool(_CODE.match(value or ""))


class CodeCheck(str, Enum):
    """What checking an SMS code found."""

    CONFIRMED = "confirmed"
    WRONG = "wrong"  # tries are left
    EXHAUSTED = "exhausted"  # the last try was wrong, or none was left: ask for a new code
    EXPIRED = "expired"
    NONE = "none"  # no code is pending (the number is confirmed already or absent)


class AlertSubscription(Struct, frozen=True):
    """One resident's subscription. ``email``/``phone`` are ``None`` when not given or erased;
    their states are ``None`` without them."""

    id: str
    token: str
    language: str
    topics: tuple[str, ...]
    areas: tuple[str, ...]
    point: tuple[float, float] | None
    created_at: datetime
    email: str | None = None
    email_state: ChannelState | None = None
    phone: str | None = None
    phone_state: ChannelState | None = None
    name: str = ""
    ended_at: datetime | None = None
    #: The pending SMS code: its hash, when it stops and the tries left.
    code_hash: str | None = None
    code_expires_at: datetime | None = None
    code_attempts_left: int = 0
    code_sent_at: datetime | None = None
    mail_sent_at: datetime | None = None
    updated_at: datetime | None = None

    @property
    def state(self) -> AlertState:
        if self.ended_at is not None:
            return AlertState.ENDED
        return AlertState.ACTIVE if self.confirmed_channels else AlertState.PENDING

    @property
    def confirmed_channels(self) -> tuple[Channel, ...]:
        channels = []
        if self.email and self.email_state is ChannelState.CONFIRMED:
            channels.append(Channel.EMAIL)
        if self.phone and self.phone_state is ChannelState.CONFIRMED:
            channels.append(Channel.SMS)
        return tuple(channels)

    @property
    def pending_channels(self) -> tuple[Channel, ...]:
        channels = []
        if self.email and self.email_state is ChannelState.PENDING:
            channels.append(Channel.EMAIL)
        if self.phone and self.phone_state is ChannelState.PENDING:
            channels.append(Channel.SMS)
        return tuple(channels)

    def check_code(self, code: str, now: datetime) -> CodeCheck:
        """What ``code`` does to the pending SMS code (the repository applies it conditionally)."""
        if self.phone_state is not ChannelState.PENDING or self.code_hash is None:
            return CodeCheck.NONE
        if self.code_expires_at is None or self.code_expires_at <= now:
            return CodeCheck.EXPIRED
        if self.code_attempts_left <= 0:
            return CodeCheck.EXHAUSTED
        if hmac.compare_digest(self.code_hash, code_hash(self.id, code)):
            return CodeCheck.CONFIRMED
        return CodeCheck.WRONG if self.code_attempts_left > 1 else CodeCheck.EXHAUSTED

    def subscriber(self) -> AlertSubscriber | None:
        """The record an audience reads: only the confirmed channels and their addresses;
        ``None`` when ended or nothing is confirmed."""
        channels = self.confirmed_channels
        if self.state is not AlertState.ACTIVE:
            return None
        return AlertSubscriber(
            subscription_id=self.id, language=self.language, channels=channels,
            topics=self.topics, unsubscribe_token=self.token, areas=self.areas, point=self.point,
            email=self.email if Channel.EMAIL in channels else None,
            phone=self.phone if Channel.SMS in channels else None, name=self.name)

    def with_choices(self, *, topics: tuple[str, ...], areas: tuple[str, ...],
                     point: tuple[float, float] | None, language: str, at: datetime,
                     keep: tuple[Channel, ...]) -> "AlertSubscription":
        """Changed topics, areas, point and language; the channels not in ``keep`` dropped with
        their address (data kept minimal: a dropped channel is subscribed anew)."""
        email_kept = Channel.EMAIL in keep
        phone_kept = Channel.SMS in keep
        return replace(self, topics=topics, areas=areas, point=point, language=language,
                       updated_at=at,
                       email=self.email if email_kept else None,
                       email_state=self.email_state if email_kept else None,
                       phone=self.phone if phone_kept else None,
                       phone_state=self.phone_state if phone_kept else None,
                       code_hash=self.code_hash if phone_kept else None,
                       code_expires_at=self.code_expires_at if phone_kept else None)


def alert_page_url(public_url: str, fragment: str, language: str | None = None) -> str:
    """A link to the portal's alerts page: the language in the query (the page reads it there),
    the token in the fragment, which no server's log ever sees."""
    query = f"?lang={language}" if language else ""
    return f"{public_url.rstrip('/')}/alerts.html{query}#{fragment}"


def confirm_url(public_url: str, token: str, language: str) -> str:
    """The mailed link: the page asks before it confirms (mail scanners follow links).

    >>> confirm_url("https://p.example/", "t", "cs")
    'https://p.example/alerts.html?lang=cs#confirm=t'
    """
    return alert_page_url(public_url, f"confirm={token}", language)


def manage_url(public_url: str, token: str, language: str) -> str:
    return alert_page_url(public_url, f"manage={token}", language)
