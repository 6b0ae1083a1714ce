"""The public API's commands and results: a citizen opens a case, tracks it
(``services.cases``). The staff's are in ``case_commands``, which re-exports these."""

from __future__ import annotations

from msgspec import Struct

from ..domain.cases import Channel, Contact, Location
from ..domain.errors import FieldError
from .case_tracking import TrackedCase

__all__ = ["OpenPublicCase", "OpenedCase", "TrackedCase"]


def plain(value):
    """A record's fields as ``dataclasses.asdict`` gave them: nested records as dicts, lists,
    tuples and dicts rebuilt, every other value as it is. The idempotency records' fingerprints
    (``request_hash``) and answers stored before the records were Structs stay the same.

    Examples
    --------
    >>> plain(Contact(name="Ana", email=None, phone="+381641234567"))
    {'name': 'Ana', 'email': None, 'phone': '+381641234567', 'address': None}
    >>> plain((Location(44.0, 20.9), [1]))
    ({'lat': 44.0, 'lon': 20.9, 'address': None}, [1])
    """
    if isinstance(value, Struct):
        return {name: plain(getattr(value, name)) for name in value.__struct_fields__}
    if isinstance(value, (list, tuple)):
        return type(value)(plain(item) for item in value)
    if isinstance(value, dict):
        return {plain(key): plain(item) for key, item in value.items()}
    return value


def _request(command, *besides: str) -> dict:
    fields = plain(command)
    for name in ("idempotency_key", "invalid", *besides):
        fields.pop(name)
    return fields


class OpenPublicCase(Struct, frozen=True):
    """A citizen's submission through the web form or an app."""

    type: str | None
    category: str | None
    description: str | None
    language: str | None = None
    channel: Channel = Channel.WEB
    location: Location | None = None
    contact: Contact | None = None
    language_hint: str | None = None  # the request's language, when the client sent one
    source_page: str | None = None  # the service page of the report button (issue 16)
    idempotency_key: str | None = None
    invalid: tuple[FieldError, ...] = ()
    #: Filed by a signed-in citizen (``services.accounts``): letters, complaints and FOI
    #: requests are accepted only then (``domain.accounts.ACCOUNT_ONLY_TYPES``).
    account: bool = False
    attachments: tuple[str, ...] = ()  # upload ids (POST /v1/public/uploads, docs/photos.md)
    #: staff-only, never public (an Open311 app's title and media URLs, ``services/open311.py``)
    subject: str | None = None

    def request(self) -> dict:
        """The submitted fields, as the idempotency record fingerprints them (without an
        empty ``attachments``: a record made before there were uploads still matches)."""
        fields = _request(self, "language_hint")
        if not fields["attachments"]:
            fields.pop("attachments")
        return fields



class OpenedCase(Struct, frozen=True):
    """A new case as its opener learns it: the number, the tracking token (shown once) and link.

    Also the idempotency record of the submission (``record``), so defaults cover the fields a
    citizen's answer never had."""

    number: str
    token: str
    tracking_url: str
    status: str
    language: str
    department: str = ""
    routing: dict | None = None
    public: bool = False
    version: int = 1
    confirmation: str = "none"  # how the opener is told the number: email | sms | none

    def record(self) -> dict:
        return plain(self)
