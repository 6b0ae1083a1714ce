"""Opening a case, whatever the channel: the web form or an app, an operator registering a call,
letter, visit or SMS, or a mail to a support address.

``open_case`` is the one factory: the services decide the values (routing, language, whether
the case is public) and store what it returns. Repeated submissions are recognised by an
idempotency key the client sends, kept ``IDEMPOTENCY_TTL`` with ``request_hash`` of the request.
"""

from __future__ import annotations

import hashlib
import json
from datetime import datetime, timedelta
from typing import Mapping

from msgspec import Struct

from .cases import Case, CaseType, Channel, Contact, EventKind, Location, Status, TimelineEvent
from .service_levels import ServiceLevels, track

#: How long a repeated submission with the same idempotency key gets the first answer.
IDEMPOTENCY_TTL = timedelta(hours=24)


def request_hash(request: Mapping[str, object]) -> str:
    """A fingerprint of a request's fields, so a reused idempotency key with other content is
    told apart from a retry (key order does not matter; times are hashed as text).

    Examples
    --------
    >>> request_hash({"a": 1, "b": "č"}) == request_hash({"b": "č", "a": 1})
    True
    >>> request_hash({"a": 1}) == request_hash({"a": 2})
    False
    """
    return hashlib.sha256(json.dumps(request, sort_keys=True, default=str,
                                     ensure_ascii=False).encode("utf-8")).hexdigest()


def idempotency_expiry(at: datetime) -> int:
    """When (epoch seconds) the record of a submission made ``at`` may be forgotten."""
    return int((at + IDEMPOTENCY_TTL).timestamp())


class NewCase(Struct, frozen=True):
    """What a case is opened with; the channel's service fills it in."""

    number: str
    type: CaseType
    channel: Channel
    category: str
    department: str
    description: str
    language: str
    public: bool
    token_hash: str
    actor: str  # who opened it: ``citizen:web``, ``staff:ana``, ``citizen:email:a@b.rs``
    location: Location | None = None
    contact: Contact | None = None
    subject: str | None = None
    received_at: datetime | None = None  # an operator's contact that came in earlier
    routing: dict | None = None  # how the department was chosen, when not simply by category
    mailbox: str | None = None  # the support address a mail came to
    linked_cases: tuple[str, ...] = ()
    #: files the citizen uploaded with the report (``domain/photos.attachment_entry``)
    attachments: tuple[dict, ...] = ()
    source_page: str | None = None  # the service page whose button opened the form


def open_case(new: NewCase, *, at: datetime,
              levels: ServiceLevels | None) -> tuple[Case, list[TimelineEvent]]:
    """The new case (status ``new``) with its due times on ``levels`` (``None``: the
    municipality has no service levels), and its first entries: ``case_opened`` and, when the
    department was not chosen by the category alone, ``routed`` with how it was chosen.

    Examples
    --------
    >>> from datetime import timezone
    >>> at = datetime(2026, 11, 21, 9, 30, tzinfo=timezone.utc)
    >>> new = NewCase("2026-000123", CaseType.SIGNAL, Channel.PHONE, "road_damage",
    ...               "roads_traffic", "Рупа на коловозу.", "sr-Cyrl", True, "hash", "staff:ana",
    ...               routing={"rule": "area", "department": "roads_traffic", "area": "centar"})
    >>> case, entries = open_case(new, at=at, levels=None)
    >>> case.status.value, case.version, [e.kind.value for e in entries]
    ('new', 0, ['case_opened', 'routed'])
    >>> entries[0].data
    {'channel': 'phone', 'department': 'roads_traffic', 'status': 'new', 'area': 'centar'}
    >>> web = NewCase("2026-000124", CaseType.SIGNAL, Channel.WEB, "road_damage", "roads_traffic",
    ...               "Рупа на коловозу.", "sr-Cyrl", True, "hash", "citizen:web")
    >>> [e.actor for e in open_case(web, at=at, levels=None)[1]]
    ['citizen:web']
    """
    case = Case(number=new.number, type=new.type, channel=new.channel, category=new.category,
                department=new.department, description=new.description, language=new.language,
                status=Status.NEW, public=new.public, created_at=at, updated_at=at,
                token_hash=new.token_hash, location=new.location, contact=new.contact,
                subject=new.subject, received_at=new.received_at, routing=new.routing,
                mailbox=new.mailbox, linked_cases=new.linked_cases, source_page=new.source_page)
    data: dict = {"channel": new.channel.value, "department": new.department,
                  "status": Status.NEW.value}
    if new.received_at:
        data["received_at"] = new.received_at.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    if new.mailbox:
        data["mailbox"] = new.mailbox
    if new.routing and new.routing.get("area"):
        # The area the case was routed by, in the entry that opens it: the statistics count the
        # opening in its area (a later move to another department keeps the location's area).
        data["area"] = new.routing["area"]
    if new.attachments:
        data["attachments"] = [dict(file) for file in new.attachments]
    entries = [TimelineEvent(new.number, at, EventKind.CASE_OPENED, new.actor, True, data)]
    if new.routing and new.routing.get("rule") != "category":
        entries.append(TimelineEvent(new.number, at + timedelta(microseconds=1), EventKind.ROUTED,
                                     new.actor, True, dict(new.routing)))
    return track(case, entries, levels, at=at), entries
