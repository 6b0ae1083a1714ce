"""The JSON the API answers about cases: the services' results with translated names."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from ..domain.cases import EventKind, allowed_transitions, utc_now
from ..domain.texts import localised as tr_text
from ..rendering import translate
from .views import timeline_text

if TYPE_CHECKING:  # annotations only
    from ..domain.cases import Case, TimelineEvent
    from ..domain.municipality import Municipality
    from ..services.case_attachments import AttachmentLink
    from ..services.case_commands import CaseChanged, CaseFile, MessageSent, OpenedCase, QueuePage, TrackedCase

EXCERPT = 200


def _z(moment: datetime | None) -> str | None:
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ") if moment else None


def _z_seconds(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


# -- opening -------------------------------------------------------------------------------------

def opened_public(opened: OpenedCase) -> dict:
    """What a citizen learns of their new case."""
    return {"number": opened.number, "token": opened.token, "tracking_url": opened.tracking_url,
            "status": opened.status, "language": opened.language}


def opened_staff(opened: OpenedCase) -> dict:
    """What an operator learns of the case they registered, with how it was routed."""
    return {"number": opened.number, "token": opened.token, "tracking_url": opened.tracking_url,
            "status": opened.status, "department": opened.department,
            "routing": opened.routing, "public": opened.public, "version": opened.version,
            "language": opened.language, "confirmation": opened.confirmation}


# -- staff views ---------------------------------------------------------------------------------

def due(case: Case, municipality: Municipality, now: datetime | None = None) -> dict:
    """The case's due times (``domain.service_levels``) as of ``now``: each clock's due time,
    the first reaction, since when the clock stands still, which clocks run, the nearest due
    time and how many working minutes are left to it (negative: overdue by), which clocks are
    overdue and which breaches were recorded, and whether the legal deadline was or can be
    extended."""
    from ..domain.service_levels import breached_clocks, legal_extendable, next_due, overdue_clocks, running_clocks
    from ..domain.working_time import working_minutes_between

    now = now or utc_now()
    clock, levels = case.clock, municipality.service_levels
    running = running_clocks(case)
    nearest = next_due(case)
    left = None
    if nearest is not None and levels is not None:
        left = (working_minutes_between(levels.calendar, now, nearest) if nearest > now
                else -working_minutes_between(levels.calendar, nearest, now))
    return {"first_reaction": _z(clock.first_reaction_due), "resolution": _z(clock.resolution_due),
            "legal": _z(clock.legal_due), "referral": _z(clock.referral_due),
            "first_reaction_at": _z(case.first_reaction_at), "paused_since": _z(clock.paused_since),
            "running": [which.value for which in running],
            "next": _z(nearest),
            "next_clock": next((which.value for which, at in running.items() if at == nearest), None),
            "working_minutes_left": left,
            "overdue": [which.value for which in overdue_clocks(case, now)],
            "breached": [which.value for which in breached_clocks(case)],
            "legal_extended": bool(clock.legal_extension_days),
            "legal_extendable": legal_extendable(case, levels),
            "as_of": _z(now)}


def summary(case: Case, municipality: Municipality, language: str,
            now: datetime | None = None) -> dict:
    """A case in a queue."""
    category = municipality.categories.get(case.category)
    department = municipality.departments.get(case.department)
    return {
        "number": case.number, "version": case.version, "type": case.type.value,
        "type_name": translate(language, f"type.{case.type.value}"),
        "channel": case.channel.value, "channel_name": translate(language, f"channel.{case.channel.value}"),
        "category": case.category,
        "category_name": tr_text(category.name, language) if category else case.category,
        "department": case.department,
        "department_name": tr_text(department.name, language) if department else case.department,
        "status": case.status.value, "status_name": translate(language, f"status.{case.status.value}"),
        "state": case.state, "public": case.public, "language": case.language,
        "assignee": case.assignee, "created_at": _z(case.created_at),
        "updated_at": _z(case.updated_at), "received_at": _z(case.received_at),
        "requester_name": case.contact.name if case.contact else None,
        "location": case.location.to_dict() if case.location else None,
        "excerpt": case.description[:EXCERPT],
        "deleted": case.deleted,
        "escalation_level": case.escalation_level,
        "due": due(case, municipality, now),
    }


def queue_page(page: QueuePage, municipality: Municipality, language: str) -> dict:
    now = utc_now()
    return {"items": [summary(case, municipality, language, now) for case in page.cases],
            "next_cursor": page.next_cursor, "count": len(page.cases)}


def timeline_entry(event: TimelineEvent, municipality: Municipality, language: str) -> dict:
    from ..domain.attachments import LISTING_KINDS, attachment_id

    data = event.data or {}
    files = data.get("attachments")
    if event.kind in LISTING_KINDS and isinstance(files, list):
        # Each kept file with the id that opens it (GET .../attachments/{id}).
        data = {**data, "attachments": [
            {**file, "id": attachment_id(event.event_id, index)}
            if isinstance(file, dict) and file.get("key") and not file.get("refused") else file
            for index, file in enumerate(files)]}
    return {"id": event.event_id, "at": _z(event.at), "kind": event.kind.value,
            "actor": event.actor, "public": event.public,
            "text": timeline_text(event.kind.value, data, municipality, language), "data": data}


def case_file(found: CaseFile, municipality: Municipality, language: str) -> dict:
    """A case with everything staff may see of it, its whole timeline included."""
    case = found.case
    view = summary(case, municipality, language)
    view.pop("excerpt", None)
    view.update({
        "description": case.description, "subject": case.subject,
        "requester": case.contact.to_dict() if case.contact else None,
        "mailbox": case.mailbox, "participants": list(case.participants),
        "linked_cases": list(case.linked_cases), "merged_into": case.merged_into,
        "published_photos": list(case.published_photos),
        "routing": case.routing, "deleted_at": _z(case.deleted_at), "deleted_by": case.deleted_by,
        "source_page": case.source_page, "registry_number": case.registry_number,
        "timeline": [timeline_entry(e, municipality, language) for e in found.timeline],
        "followers": found.followers, "trail_complete": found.trail_complete,
        "allowed_transitions": [] if case.deleted or case.merged_into else [
            {"status": status.value, "status_name": translate(language, f"status.{status.value}")}
            for status in allowed_transitions(case.status)],
    })
    return view


def attachment_link(link: AttachmentLink) -> dict:
    """Where the browser opens an attachment, until when, and how (in the page or saved)."""
    file = link.attachment
    return {"id": file.attachment_id, "url": link.url, "expires_at": _z_seconds(link.expires_at),
            "filename": file.filename, "content_type": file.content_type, "size": file.size,
            "disposition": "inline" if file.inline else "attachment"}


def organisation(municipality: Municipality, language: str) -> dict:
    """The departments a case can be routed to and the outside bodies it can be referred to."""
    return {"language": language,
            "departments": [{"id": d.id, "name": tr_text(d.name, language), "external": d.external}
                            for d in municipality.departments.values()],
            "external_bodies": [{"id": b.id, "kind": b.kind, "name": tr_text(b.name, language),
                                 "email": b.email}
                                for b in municipality.external_bodies.values()]}


def changed(result: CaseChanged, language: str | None = None, **extra: object) -> dict:
    """The answer to a change: the case's new version and state, the entries written, and
    ``warnings`` on what it published (``publication_warnings``)."""
    case = result.case
    return {"number": case.number, "version": case.version, "status": case.status.value,
            "department": case.department, "assignee": case.assignee,
            "events": [e.event_id for e in result.entries], **extra,
            "warnings": publication_warnings(result, language or case.language)}


#: The request field each published text comes from, by the kind of entry it is on.
_PUBLISHED_FIELD = {EventKind.STATUS_CHANGED: "message_to_citizen", EventKind.MESSAGE_OUT: "text"}


def publication_warnings(result: CaseChanged, language: str) -> list[dict]:
    """What staff should know of the texts a change put on the tracking page: a text that
    names the requester (in any spelling or form ``redact`` knows: it is published redacted
    to strangers, but a form it does not know would show) is ``names_person``."""
    from ..domain.redaction import names_person, personal_data

    names, _ = personal_data(result.case)
    warnings = []
    for entry in result.entries:
        field = _PUBLISHED_FIELD.get(entry.kind)
        text = (entry.data or {}).get("public_text")
        if (field and entry.public and entry.case_number == result.case.number
                and isinstance(text, str) and names_person(text, names)):
            warnings.append({"field": field, "code": "names_person",
                             "text": translate(language, "warning.names_person")})
    return warnings


def replied(result: MessageSent, language: str | None = None) -> dict:
    return changed(result, language, channel=result.channel, delivery=result.delivery,
                   message_id=result.message_id)


def referred(result: MessageSent, language: str | None = None) -> dict:
    return changed(result, language, delivery=result.delivery, message_id=result.message_id)


def merged(result: CaseChanged, language: str | None = None) -> dict:
    return changed(result, language, merged_into=result.case.merged_into)


def escalated(result: CaseChanged, language: str | None = None) -> dict:
    return changed(result, language, escalation_level=result.case.escalation_level)


def deleted(result: CaseChanged, language: str | None = None) -> dict:
    return changed(result, language, deleted=True)


# -- the public tracking page --------------------------------------------------------------------

def tracked(found: TrackedCase, municipality: Municipality, language: str | None) -> dict:
    """The public view of a case: with the token, everything but contact data; without it, the
    description and messages redacted and no address."""
    case, authorised = found.case, found.authorised
    language = municipality.language_or_default(language or case.language)
    category = municipality.categories.get(case.category)
    # The requester's name and the addresses, hidden from strangers (the redaction is imported
    # for them only: the requester's own view, the usual cold start, shows everything).
    hidden: tuple[tuple[str, ...], tuple[str, ...]] = ((), ())
    if not authorised:
        from ..domain.redaction import personal_data

        hidden = personal_data(case)
    view: dict = {
        "number": case.number, "type": case.type.value,
        "type_name": translate(language, f"type.{case.type.value}"),
        "category": case.category,
        "category_name": tr_text(category.name, language) if category else case.category,
        "status": case.status.value,
        "status_name": translate(language, f"status.{case.status.value}"),
        "public": case.public, "created_at": _z_seconds(case.created_at),
        "updated_at": _z_seconds(case.updated_at), "language": case.language,
        "description": case.description if authorised else _redacted(case.description, hidden),
        "history": [_history_entry(event, municipality, language, authorised, hidden)
                    for event in found.timeline],
    }
    answers = found.answers
    view["may_reply"] = bool(answers and answers.may_reply)
    view["may_reopen"] = bool(answers and answers.may_reopen)
    view["reopen_until"] = _z_seconds(answers.reopen_until) if answers and answers.reopen_until else None
    if case.location:
        location = case.location.to_dict()
        if not authorised:
            location.pop("address", None)
        if location:
            view["location"] = location
    return view


def _history_entry(event: TimelineEvent, municipality: Municipality, language: str,
                   authorised: bool, hidden: tuple[tuple[str, ...], tuple[str, ...]] = ((), ())
                   ) -> dict:
    data = event.data or {}
    params = {key: value for key, value in data.items() if isinstance(value, (str, int, float))}
    if "channel" in data:
        params["channel"] = translate(language, f"channel.{data['channel']}")
    if "department" in data and data["department"] in municipality.departments:
        params["department"] = tr_text(municipality.departments[data["department"]].name, language)
    bodies = getattr(municipality, "external_bodies", None) or {}
    if data.get("body_id") in bodies:
        params["body"] = tr_text(bodies[data["body_id"]].name, language)
    elif event.kind is EventKind.REFERRED:
        # An address typed by hand is personal data as far as the public page is concerned.
        params["body"] = translate(language, "event.referred.external_body")
    entry: dict[str, str | bool] = {"at": _z_seconds(event.at), "kind": event.kind.value}
    if "status" in data:
        entry["status"] = data["status"]
        entry["status_name"] = params["status"] = translate(language, f"status.{data['status']}")
    entry["text"] = translate(language, f"event.{event.kind.value}", **params)
    public_text = data.get("public_text")
    if isinstance(public_text, str):
        entry["message"] = public_text if authorised else _redacted(public_text, hidden)
    if authorised and not event.public and event.kind is EventKind.MESSAGE_IN:
        # the requester's own answer from the tracking page (only they see it, with the token)
        entry["message"] = str(data.get("text") or "")
        entry["by_requester"] = True
        if data.get("kind") == "reopening":
            entry["reopening"] = True
    return entry


def _redacted(text: str, hidden: tuple[tuple[str, ...], tuple[str, ...]]) -> str:
    from ..domain.redaction import redact

    return redact(text, *hidden)
