"""Requests about cases, checked against their schemas and turned into the services' commands.

A change's request is refused here (400) with every bad field. A request to open a case or
read a queue is not: what is wrong with it travels in the command's ``invalid``, because the
service adds what only the municipality can tell (an unknown category, say) and one answer
lists both.
"""

from __future__ import annotations

from ..domain.cases import CaseType, Channel, Contact, Location, Status
from ..domain.errors import FieldError, ValidationError
from ..services.case_commands import (
    AddNote,
    Assign,
    ChangeStatus,
    Delete,
    Escalate,
    ExtendDeadline,
    Link,
    Merge,
    OpenPublicCase,
    OpenStaffCase,
    Refer,
    Reply,
    Reroute,
)
from . import schemas
from .queue_filters import queue_filter as queue_filter  # re-exported: its home is queue_filters


def _location(value: dict | None) -> Location | None:
    return Location(**value) if value else None


def _contact(value: dict | None) -> Contact | None:
    return Contact(**value) if value else None


def open_public_case(payload: object, *, language_hint: str | None = None,
                     idempotency_key: str | None = None) -> OpenPublicCase:
    """A citizen's submission; ``language_hint``: the request's language, if it named one."""
    errors: list[FieldError] = []
    cleaned = schemas.PUBLIC_CASE.check(payload, "", errors) or {}
    return OpenPublicCase(
        type=cleaned.get("type"), category=cleaned.get("category"),
        description=cleaned.get("description"), language=cleaned.get("language"),
        channel=Channel(cleaned.get("channel", "web")), location=_location(cleaned.get("location")),
        contact=_contact(cleaned.get("contact")), language_hint=language_hint,
        source_page=_page(cleaned.get("source_page")),
        idempotency_key=idempotency_key, invalid=tuple(errors),
        attachments=tuple(cleaned.get("attachments") or ()))


def _page(url: str | None) -> str | None:
    """The service page without its query string and fragment (which may carry a session or
    someone's data): ``https://uprava.demo.rs/usluge/rasveta``."""
    if not url:
        return None
    from urllib.parse import urlsplit, urlunsplit

    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, parts.path, "", "")) or None


def open_staff_case(payload: object, *, idempotency_key: str | None = None) -> OpenStaffCase:
    """A contact an operator registers."""
    errors: list[FieldError] = []
    cleaned = schemas.STAFF_CASE.check(payload, "", errors) or {}
    return OpenStaffCase(
        type=CaseType(cleaned["type"]) if "type" in cleaned else None,
        channel=Channel(cleaned["channel"]) if "channel" in cleaned else None,
        category=cleaned.get("category"), description=cleaned.get("description"),
        subject=cleaned.get("subject"), language=cleaned.get("language"),
        location=_location(cleaned.get("location")), requester=_contact(cleaned.get("requester")),
        received_at=cleaned.get("received_at"), department=cleaned.get("department"),
        routing_reason=cleaned.get("routing_reason"), public=cleaned.get("public"),
        idempotency_key=idempotency_key, invalid=tuple(errors))


# -- changes -------------------------------------------------------------------------------------

def assign(number: str, payload: object) -> Assign:
    cleaned = schemas.ASSIGNMENT.validate(payload)
    if not isinstance(payload, dict) or "assignee" not in payload:  # null unassigns: say it
        raise ValidationError([FieldError("assignee", "required")])
    return Assign(number, cleaned["version"], cleaned.get("assignee"))


def change_status(number: str, payload: object) -> ChangeStatus:
    cleaned = schemas.STATUS_CHANGE.validate(payload)
    return ChangeStatus(number, cleaned["version"], Status(cleaned["status"]), cleaned["reason"],
                        cleaned.get("message_to_citizen"))


def reroute(number: str, payload: object) -> Reroute:
    cleaned = schemas.ROUTING.validate(payload)
    return Reroute(number, cleaned["version"], cleaned["department"], cleaned["reason"])


def add_note(number: str, payload: object) -> AddNote:
    cleaned = schemas.NOTE.validate(payload)
    return AddNote(number, cleaned["text"], cleaned.get("version"))


def reply(number: str, payload: object) -> Reply:
    cleaned = schemas.REPLY.validate(payload)
    status = Status(cleaned["status"]) if cleaned.get("status") else None
    return Reply(number, cleaned["version"], cleaned["text"], cleaned.get("channel", "auto"),
                 status)


def refer(number: str, payload: object) -> Refer:
    cleaned = schemas.REFERRAL.validate(payload)
    if bool(cleaned.get("body")) == bool(cleaned.get("email")):
        raise ValidationError([FieldError("body", "one_of", {"other": "email"})])
    return Refer(number, cleaned["version"], cleaned["message"], body=cleaned.get("body"),
                 email=cleaned.get("email"), include_contact=bool(cleaned.get("include_contact")))


def merge(number: str, payload: object) -> Merge:
    cleaned = schemas.MERGE.validate(payload)
    return Merge(number, cleaned["version"], cleaned["into"], cleaned.get("reason") or "")


def link(number: str, payload: object) -> Link:
    cleaned = schemas.LINK.validate(payload)
    return Link(number, cleaned["case"], cleaned.get("version"))


def extend_deadline(number: str, payload: object) -> ExtendDeadline:
    cleaned = schemas.DEADLINE_EXTENSION.validate(payload)
    return ExtendDeadline(number, cleaned["version"], cleaned["reason"])


def escalate(number: str, payload: object) -> Escalate:
    cleaned = schemas.ESCALATION.validate(payload)
    return Escalate(number, cleaned["version"], cleaned["reason"])


def delete(number: str, payload: object) -> Delete:
    cleaned = schemas.DELETION.validate(payload)
    return Delete(number, cleaned["version"], cleaned["reason"])
