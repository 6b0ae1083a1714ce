"""Cases: types, channels, statuses and their transitions, numbers, the case and its timeline.

The tokens of the citizens' tracking links are in ``tracking_tokens``."""

from __future__ import annotations

import re
import secrets
from datetime import datetime, timezone
from enum import Enum

from msgspec import Struct, field
from msgspec.structs import replace

from .errors import InvalidTransitionError


class CaseType(str, Enum):
    SIGNAL = "signal"  # a problem in public space
    COMPLAINT = "complaint"
    REQUEST = "request"
    SUGGESTION = "suggestion"
    INFORMATION = "information"  # a question
    LETTER = "letter"
    FOI_REQUEST = "foi_request"


class Channel(str, Enum):
    EMAIL = "email"
    WEB = "web"
    APP = "app"
    OPEN311 = "open311"
    PHONE = "phone"
    LETTER = "letter"
    IN_PERSON = "in_person"
    SMS = "sms"


class Status(str, Enum):
    NEW = "new"
    IN_PROGRESS = "in_progress"
    WAITING_FOR_CITIZEN = "waiting_for_citizen"
    REFERRED = "referred"
    RESOLVED = "resolved"
    CLOSED = "closed"
    CANCELLED = "cancelled"


#: Types that carry personal data by nature and are never public, whatever the configuration says.
ALWAYS_PRIVATE_TYPES = frozenset({CaseType.LETTER, CaseType.COMPLAINT, CaseType.FOI_REQUEST})

#: Default allowed transitions; a municipality may narrow them in its configuration.
DEFAULT_TRANSITIONS: dict[Status, frozenset[Status]] = {
    Status.NEW: frozenset({Status.IN_PROGRESS, Status.WAITING_FOR_CITIZEN, Status.REFERRED,
                           Status.RESOLVED, Status.CANCELLED}),
    Status.IN_PROGRESS: frozenset({Status.WAITING_FOR_CITIZEN, Status.REFERRED, Status.RESOLVED,
                                   Status.CANCELLED}),
    Status.WAITING_FOR_CITIZEN: frozenset({Status.IN_PROGRESS, Status.RESOLVED, Status.CLOSED,
                                           Status.CANCELLED}),
    Status.REFERRED: frozenset({Status.IN_PROGRESS, Status.RESOLVED, Status.CLOSED}),
    Status.RESOLVED: frozenset({Status.CLOSED, Status.IN_PROGRESS}),
    Status.CLOSED: frozenset({Status.IN_PROGRESS}),  # reopen, within the reopen window
    Status.CANCELLED: frozenset({Status.NEW}),
}

OPEN_STATUSES = frozenset({Status.NEW, Status.IN_PROGRESS, Status.WAITING_FOR_CITIZEN,
                           Status.REFERRED})

LANGUAGES = ("sr-Cyrl", "sr-Latn", "bg", "cs", "en")

_NUMBER_RE = re.compile(r"^(\d{4})-(\d{6,})$")


def check_transition(current: Status, target: Status,
                     transitions: dict[Status, frozenset[Status]] | None = None) -> None:
    """Raise ``InvalidTransitionError`` unless ``current -> target`` is allowed.

    Examples
    --------
    >>> check_transition(Status.NEW, Status.IN_PROGRESS)
    >>> check_transition(Status.CLOSED, Status.NEW)
    Traceback (most recent call last):
    ...
    civicdesk.domain.errors.InvalidTransitionError: error.invalid_transition
    """
    allowed = (transitions or DEFAULT_TRANSITIONS).get(current, frozenset())
    if target not in allowed:
        raise InvalidTransitionError("error.invalid_transition", current=current.value,
                                     target=target.value)


def allowed_transitions(current: Status,
                        transitions: dict[Status, frozenset[Status]] | None = None) -> tuple[Status, ...]:
    """The statuses a case in ``current`` may be moved to by staff, in the statuses' order.

    Examples
    --------
    >>> [s.value for s in allowed_transitions(Status.RESOLVED)]
    ['in_progress', 'closed']
    """
    allowed = (transitions or DEFAULT_TRANSITIONS).get(current, frozenset())
    return tuple(status for status in Status if status in allowed)


def format_number(year: int, sequence: int) -> str:
    """The human-readable case number: ``2026-000123``.

    Examples
    --------
    >>> format_number(2026, 123)
    '2026-000123'
    """
    return f"{year:04d}-{sequence:06d}"


def parse_number(number: str) -> tuple[int, int] | None:
    """``(year, sequence)`` of a well-formed number, else ``None``.

    Examples
    --------
    >>> parse_number("2026-000123")
    (2026, 123)
    >>> parse_number("../etc") is None
    True
    """
    match = _NUMBER_RE.match(number or "")
    if not match:
        return None
    return int(match.group(1)), int(match.group(2))


def utc_now() -> datetime:
    return datetime.now(timezone.utc)


def iso(moment: datetime) -> str:
    """UTC timestamp with microseconds, sortable as text: ``2026-11-21T22:30:00.123456Z``."""
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def parse_iso(text: str) -> datetime:
    """The moment ``iso`` wrote, as an aware UTC ``datetime``; any other text is a ``ValueError``.
    (``datetime.strptime`` would import ``_strptime`` and ``locale`` on a cold start, and takes
    about twenty times as long for each of a case's timestamps.)

    Examples
    --------
    >>> parse_iso("2026-11-21T22:30:00.123456Z").isoformat()
    '2026-11-21T22:30:00.123456+00:00'
    >>> parse_iso("2026-11-21 22:30")
    Traceback (most recent call last):
    ...
    ValueError: not a stored moment: '2026-11-21 22:30'
    """
    if len(text) != 27 or text[10] != "T" or text[19] != "." or text[26] != "Z":
        raise ValueError(f"not a stored moment: {text!r}")
    return datetime.fromisoformat(text[:26]).replace(tzinfo=timezone.utc)


class Location(Struct, frozen=True):
    lat: float | None = None
    lon: float | None = None
    address: str | None = None

    def to_dict(self) -> dict:
        return {k: v for k, v in (("lat", self.lat), ("lon", self.lon),
                                  ("address", self.address)) if v is not None}

    @property
    def has_point(self) -> bool:
        return self.lat is not None and self.lon is not None

    def coordinates(self) -> str | None:
        """Latitude and longitude in decimal degrees (WGS 84), six decimals (about 10 cm).

        Examples
        --------
        >>> Location(lat=43.3209, lon=21.8958).coordinates()
        '43.320900, 21.895800'
        >>> Location(address="Trg 1").coordinates() is None
        True
        """
        if not self.has_point:
            return None
        return f"{self.lat:.6f}, {self.lon:.6f}"

    def map_url(self) -> str | None:
        """The point on OpenStreetMap, with a marker, at street level.

        Examples
        --------
        >>> Location(lat=43.3209, lon=21.8958).map_url()
        'https://www.openstreetmap.org/?mlat=43.320900&mlon=21.895800#map=18/43.320900/21.895800'
        """
        if not self.has_point:
            return None
        lat, lon = f"{self.lat:.6f}", f"{self.lon:.6f}"
        return f"https://www.openstreetmap.org/?mlat={lat}&mlon={lon}#map=18/{lat}/{lon}"


class Contact(Struct, frozen=True):
    name: str | None = None
    email: str | None = None
    phone: str | None = None  # E.164 when an operator registered it
    address: str | None = None  # postal address (letters are answered by post)

    def to_dict(self) -> dict:
        return {k: v for k, v in (("name", self.name), ("email", self.email),
                                  ("phone", self.phone), ("address", self.address)) if v}

    @property
    def is_empty(self) -> bool:
        return not (self.name or self.email or self.phone or self.address)


class CaseClock(Struct, frozen=True):
    """The case's service-level and legal clocks (``domain.service_levels`` keeps them).

    Due times are UTC instants; ``None`` where no target applies. ``paused_since`` is set while
    the clock stands still (the case waits for the citizen, is referred, or is resolved, closed
    or cancelled); ``paused_seconds`` is the working time it stood still before, already added
    to the first-reaction and resolution due times. ``referral_due`` runs while the case is
    referred (``referred_at``), from the external body's configured answer time.
    ``legal_extension_days`` is the statutory extension once granted. ``alerts`` are the
    warnings and breaches already recorded, as ``warned:<clock>@<due>`` and
    ``breached:<clock>@<due>`` (so each is recorded once per due time).
    """

    first_reaction_due: datetime | None = None
    resolution_due: datetime | None = None
    legal_due: datetime | None = None
    referral_due: datetime | None = None
    paused_since: datetime | None = None
    paused_seconds: int = 0
    referred_at: datetime | None = None
    legal_extension_days: int = 0
    alerts: tuple[str, ...] = ()


class PublicAnswer(Struct, frozen=True):
    """One official public answer of the municipality (a public reply, or a public status note),
    kept on the case for the public map (``domain.public_reports``)."""

    at: datetime
    text: str  # redacted
    status: str | None = None  # the case's status after this answer, when it changed it


class Case(Struct, frozen=True):
    """A case as the services see it. Stored as one item; its timeline lives beside it."""

    number: str
    type: CaseType
    channel: Channel
    category: str
    department: str
    description: str
    language: str
    status: Status
    public: bool
    created_at: datetime
    updated_at: datetime
    token_hash: str
    location: Location | None = None
    contact: Contact | None = None
    subject: str | None = None
    assignee: str | None = None
    mailbox: str | None = None  # the support address the case's mail goes through
    participants: tuple[str, ...] = ()  # other addresses that may write into the case
    linked_cases: tuple[str, ...] = ()
    version: int = 0
    received_at: datetime | None = None  # when the contact came in, if before it was registered
    routing: dict | None = None  # how the department was chosen: {"rule", "area"?, "by"?}
    merged_into: str | None = None
    deleted_at: datetime | None = None
    deleted_by: str | None = None
    escalation_level: int = 0  # how often the case was escalated to the supervisors
    #: The first reaction by staff (a public reply, or a status change away from ``new``).
    first_reaction_at: datetime | None = None
    clock: CaseClock = field(default_factory=CaseClock)
    #: The official public answers, redacted, oldest first (what the public map shows; kept by
    #: the repository on every write, ``domain.public_projection.with_public_answers``).
    public_answers: tuple[PublicAnswer, ...] = ()
    #: The photos staff published (``domain/photos.py``): paths relative to the public media
    #: base URL, in the order they were published.
    published_photos: tuple[str, ...] = ()
    #: The service page a report came from, through its "Report a problem" button (issue 16).
    source_page: str | None = None
    #: The registry book's number of a letter, complaint or FOI request filed through an
    #: account (``domain.accounts.entered_in_registry``), e.g. ``2026/GA/000042``.
    registry_number: str | None = None

    @property
    def state(self) -> str:
        """``open`` or ``closed``: the first part of every queue's sort key."""
        return "open" if self.status in OPEN_STATUSES else "closed"

    @property
    def deleted(self) -> bool:
        return self.deleted_at is not None

    def may_write(self, address: str | None) -> bool:
        """Whether mail from ``address`` may continue this case by its subject tag."""
        if not address:
            return False
        address = address.lower()
        requester = (self.contact.email or "").lower() if self.contact else ""
        return address == requester or address in self.participants

    def with_changes(self, **changes) -> "Case":
        return replace(self, **changes)


class EventKind(str, Enum):
    """What a timeline entry records. New kinds are added by later channels and features."""

    CASE_OPENED = "case_opened"
    STATUS_CHANGED = "status_changed"
    MESSAGE_IN = "message_in"
    MESSAGE_OUT = "message_out"
    NOTE = "note"
    ASSIGNED = "assigned"
    ROUTED = "routed"
    REFERRED = "referred"
    NOTIFICATION = "notification"
    LINKED = "linked"
    DELIVERY_FAILED = "delivery_failed"
    ATTACHMENT_REFUSED = "attachment_refused"
    MERGED = "merged"  # this case was merged into another (data: into)
    MERGED_FROM = "merged_from"  # another case was merged into this one (data: from)
    DELETED = "deleted"
    ESCALATED = "escalated"  # brought to the supervisors' attention (data: reason, level)
    DELIVERY_REPORT = "delivery_report"  # what SES reported for a message we sent (no event)
    DEADLINE_EXTENDED = "deadline_extended"  # the legal deadline extended (data: days, reason, legal_due)
    SLA_WARNING = "sla_warning"  # a due time is near (data: clock, due, assignee)
    SLA_BREACHED = "sla_breached"  # a due time passed (data: clock, due, overdue_minutes)
    PHOTO_PUBLISHED = "photo_published"  # staff published a photo (data: attachment_id, photo)
    PHOTO_WITHDRAWN = "photo_withdrawn"  # staff withdrew it from public (data: attachment_id, photo)
    REGISTERED = "registered"  # entered in the registry book (data: registry_number)


class TimelineEvent(Struct, frozen=True):
    """One immutable entry of a case's history. Nothing is edited in place."""

    case_number: str
    at: datetime
    kind: EventKind
    actor: str
    public: bool
    data: dict = field(default_factory=dict)
    event_id: str = field(default_factory=lambda: secrets.token_hex(6))

    @property
    def sort_key(self) -> str:
        return f"EVT#{iso(self.at)}#{self.event_id}"
