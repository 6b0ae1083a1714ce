"""The API's answers: the services' typed results as JSON bodies, with every name (statuses,
roles, departments, categories, ...) translated into the caller's language.
(Case answers: ``case_views.py``.)
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..domain.cases import CaseType, EventKind, iso
from ..domain.policy import Role
from ..domain.texts import localised as tr_text
from ..rendering import translate, working_duration

if TYPE_CHECKING:  # annotations only: a route imports the views, not every service they show
    from ..domain.delivery import Recipient
    from ..domain.feed import FeedEntry
    from ..domain.inbound import IntakeResult
    from ..domain.municipality import Municipality
    from ..domain.subscriptions import SubscriptionState
    from ..mailparse.model import ParsedMail
    from ..services.commands import Page
    from ..services.feed import FeedPage
    from ..services.ports import QuarantineEntry, StaffMember
    from ..services.staff import StaffProfile

JSON_HEADERS = {"Content-Type": "application/json; charset=utf-8", "Cache-Control": "no-store"}


def timeline_text(kind: str, data: dict, municipality: Municipality, language: str) -> str:
    """The translated text of a timeline entry (``event.<kind>``), its data's names translated:
    the staff case view's timeline and the feed say the same."""
    params = {k: v for k, v in data.items() if isinstance(v, (str, int, float))}
    if "channel" in data:
        params["channel"] = translate(language, f"channel.{data['channel']}")
    if data.get("department") in municipality.departments:
        params["department"] = tr_text(municipality.departments[data["department"]].name, language)
    if kind == EventKind.DELIVERY_REPORT.value:  # what SES said, not the case's status
        params["status"] = translate(language, f"delivery.{data.get('status')}")
    elif "status" in data:
        params["status"] = translate(language, f"status.{data['status']}")
    bodies = getattr(municipality, "external_bodies", {}) or {}
    if data.get("body_id") in bodies:
        params["body"] = tr_text(bodies[data["body_id"]].name, language)
    if "clock" in data:
        params["clock"] = translate(language, f"clock.{data['clock']}")
    if isinstance(data.get("overdue_minutes"), (int, float)):  # with its plural form
        params["overdue"] = working_duration(language, int(data["overdue_minutes"]))
    params.setdefault("body", data.get("email", ""))
    params.setdefault("case", data.get("case", ""))
    key = f"event.{kind}"
    if kind == EventKind.ESCALATED.value and "clock" in data:  # the service-level job's
        key = "event.escalated.sla"
    if kind == EventKind.NOTIFICATION.value:
        key = f"event.notification.{data.get('outcome', 'sent')}"
        params["audience"] = translate(language, f"audience.{data.get('audience', 'requester')}")
    return translate(language, key, **params)


def _department_name(municipality: Municipality, department: str, language: str) -> str:
    """The department's name, or its id when the configuration no longer knows it."""
    known = municipality.departments.get(department)
    return tr_text(known.name, language) if known else department


# -- public --------------------------------------------------------------------------------------

def municipality_view(m: Municipality, language: str) -> dict:
    """``GET /v1/public/municipality``."""
    return {
        "id": m.id, "name": tr_text(m.name, language), "language": language,
        "languages": list(m.languages), "default_language": m.default_language,
        "country": m.country, "time_zone": m.time_zone,
        "working_hours": {day: [list(span) for span in spans]
                          for day, spans in m.working_hours.items()},
        "general_address": m.general_address,
        "services": [{"id": s.id, "name": tr_text(s.name, language), "address": s.address,
                      "department": s.department, "default_category": s.default_category,
                      "department_name": tr_text(m.departments[s.department].name, language)}
                     for s in m.services.values()],
        "public_form_types": [t.value for t in m.public_form_types],
        "case_types": [{"id": t.value, "name": translate(language, f"type.{t.value}"),
                        "public": m.is_public(t)} for t in CaseType],
        **_territory(m),
        **_portal(m),
    }


def _portal(m: Municipality) -> dict:
    """The phone number, the reopen window, and the facts of the privacy notice and the
    accessibility statement (issue 16): public configuration only."""
    info = m.portal
    privacy, accessibility = info.privacy, info.accessibility
    return {"phone": info.phone, "reopen_window_days": m.reopen_window_days,
            "privacy": {"officer_name": privacy.officer_name, "officer_email": privacy.officer_email,
                        "officer_phone": privacy.officer_phone,
                        "case_retention_years": privacy.case_retention_years,
                        "log_retention_days": privacy.log_retention_days},
            "accessibility": {"status": accessibility.status,
                              "statement_date": accessibility.statement_date.isoformat()
                              if accessibility.statement_date else None,
                              "contact_email": accessibility.contact_email or m.general_address}}


def map_view(m: Municipality, language: str) -> dict:
    """``GET /v1/public/map``: what a map of the municipality draws (the tile server, the
    territory, the districts and service areas with their names), public configuration only."""
    tiles = m.map_tiles
    return {
        "language": language,
        "tiles": None if tiles is None else {"url": tiles.url, "attribution": tiles.attribution,
                                             "max_zoom": tiles.max_zoom, "subdomains": tiles.subdomains},
        **_territory(m),
        "boundary": m.boundary,
        "areas": {"type": "FeatureCollection",
                  "features": [{"type": "Feature", "id": area.id, "geometry": area.geometry,
                                "properties": {"id": area.id, "kind": area.kind,
                                               "name": tr_text(area.name, language)}}
                               for area in m.areas.values()]},
    }


def _territory(m: Municipality) -> dict:
    """Where a location is accepted: an example for the form's hint and the bounding box an
    app's map starts at (none for a municipality without a boundary or districts)."""
    if m.bounds is None or m.location_example is None:
        return {}
    lat, lon = m.location_example
    box = m.bounds
    return {"location_example": {"lat": lat, "lon": lon},
            "bounds": {"west": box.west, "south": box.south, "east": box.east, "north": box.north}}


def categories_view(m: Municipality, language: str) -> dict:
    """``GET /v1/public/categories``."""
    return {
        "language": language,
        "groups": [{"id": g.id, "name": tr_text(g.name, language)} for g in m.groups.values()],
        "categories": [{"id": c.id, "name": tr_text(c.name, language),
                        "description": tr_text(c.description, language), "group": c.group,
                        "group_name": tr_text(m.groups[c.group].name, language),
                        "department": c.department,
                        "department_name": tr_text(m.departments[c.department].name, language),
                        "types": [t.value for t in c.types],
                        "keywords": c.keywords.get(language, "")}
                       for c in m.categories.values()],
    }


def follow_view(state: SubscriptionState) -> dict:
    """``POST .../subscriptions`` (always ``pending``: it never tells what an address is)."""
    return {"status": state.value}


def subscription_view(state: SubscriptionState) -> dict:
    """``POST .../confirm`` and ``POST .../unsubscribe``."""
    return {"state": state.value}


# -- staff ---------------------------------------------------------------------------------------

def me_view(profile: StaffProfile, municipality: Municipality, language: str) -> dict:
    """``GET /v1/admin/me``."""
    principal = profile.principal
    return {
        "user_id": principal.user_id, "username": principal.username, "name": principal.name,
        "email": principal.email, "language": principal.language,
        "roles": [{"id": role.value, "name": translate(language, f"role.{role.value}")}
                  for role in sorted(principal.roles, key=lambda r: r.value)],
        "departments": [{"id": d, "name": _department_name(municipality, d, language)}
                        for d in sorted(principal.departments)],
        "permissions": {action.value: scope.value for action, scope in profile.permissions},
    }


def _role_id(role: Role | str) -> str:
    # The directory may hold a role this version of the code does not know.
    return role.value if isinstance(role, Role) else str(role)


def colleagues_view(members: list[StaffMember], municipality: Municipality, language: str) -> dict:
    """``GET /v1/admin/staff``: the colleagues, each role and department also by its name (in
    the order of ``roles`` and ``departments``), and the municipality's departments to filter
    by."""
    def roles(m: StaffMember) -> list[str]:
        return sorted(_role_id(r) for r in m.roles)

    return {"items": [{"username": m.username, "name": m.name, "email": m.email,
                       "roles": roles(m),
                       "role_names": [translate(language, f"role.{r}") for r in roles(m)],
                       "departments": sorted(m.departments),
                       "department_names": [_department_name(municipality, d, language)
                                            for d in sorted(m.departments)]} for m in members],
            "departments": [{"id": d, "name": tr_text(department.name, language)}
                            for d, department in municipality.departments.items()]}


def feed_view(page: FeedPage, municipality: Municipality, language: str) -> dict:
    """``GET /v1/admin/feed``."""
    return {"changes": [_change(entry, municipality, language) for entry in page.changes],
            "cursor": page.cursor, "more": page.more}


def _change(entry: FeedEntry, municipality: Municipality, language: str) -> dict:
    department = municipality.departments.get(entry.department or "")
    return {
        "id": entry.event_id, "at": iso(entry.at), "number": entry.case_number,
        "kind": entry.kind, "actor": entry.actor, "public": entry.public,
        "status": entry.status,
        "status_name": translate(language, f"status.{entry.status}") if entry.status else None,
        "previous_status": entry.previous_status,
        "department": entry.department,
        "department_name": tr_text(department.name, language) if department else entry.department,
        "assignee": entry.assignee,
        "text": timeline_text(entry.kind, entry.params, municipality, language),
    }


#: The most of a quarantined message's text ``GET /v1/admin/quarantine/{id}`` shows.
QUARANTINED_TEXT_CHARS = 20_000


def _quarantine_entry(e: QuarantineEntry) -> dict:
    return {"id": e.quarantine_id, "reason": e.reason, "sender": e.sender, "subject": e.subject,
            "recipients": list(e.recipients), "received_at": iso(e.received_at),
            "verdicts": e.verdicts, "released_at": iso(e.released_at) if e.released_at else None,
            "released_by": getattr(e, "released_by", None)}


def quarantine_view(page: Page[QuarantineEntry]) -> dict:
    """``GET /v1/admin/quarantine``."""
    return {"items": [_quarantine_entry(e) for e in page.items], "next_cursor": page.next_cursor}


def quarantined_message_view(entry: QuarantineEntry, mail: ParsedMail) -> dict:
    """``GET /v1/admin/quarantine/{id}``: the entry and the message as its headers and its text
    say; attachments are listed, never served (a quarantined file may be the virus)."""
    text = mail.text
    return {**_quarantine_entry(entry), "message": {
        "from_address": mail.from_address, "from_name": mail.from_name,
        "reply_to": list(mail.reply_to), "to": list(mail.to), "cc": list(mail.cc),
        "return_path": mail.return_path, "subject": mail.subject,
        "date": iso(mail.date) if mail.date else None, "message_id": mail.message_id,
        "in_reply_to": list(mail.in_reply_to), "language": mail.language,
        "text": text[:QUARANTINED_TEXT_CHARS], "text_truncated": len(text) > QUARANTINED_TEXT_CHARS,
        "has_html": mail.html is not None,
        "attachments": [{"filename": a.filename, "content_type": a.content_type, "size": a.size,
                         "inline": a.inline, "refused": a.refused} for a in mail.attachments],
        "auto_generated": list(mail.auto_generated), "defects": list(mail.defects),
        "bounce": mail.bounce is not None,
    }}


def release_view(result: IntakeResult) -> dict:
    """``POST /v1/admin/quarantine/{id}/release``: what the intake did with the message."""
    return {"outcome": result.outcome.value, "number": result.number, "replied": result.replied,
            "reason": result.reason}


def suppressions_view(page: Page[Recipient]) -> dict:
    """``GET /v1/admin/suppressions``."""
    return {"items": [suppression_view(r) for r in page.items], "next_cursor": page.next_cursor}


def suppression_view(recipient: Recipient) -> dict:
    """One address of the suppression list (also the answer of lifting it)."""
    suppression = recipient.suppression
    return {
        "address": recipient.address,
        "reason": suppression.reason.value if suppression else None,
        "suppressed_at": iso(suppression.at) if suppression else None,
        "message_id": suppression.message_id if suppression else None,
        "case": suppression.case_number if suppression else None,
        "counts": dict(recipient.counts),
        "last_status": recipient.last_status.value if recipient.last_status else None,
        "last_at": iso(recipient.last_at) if recipient.last_at else None,
        "lifted_at": iso(recipient.lifted_at) if recipient.lifted_at else None,
        "lifted_by": recipient.lifted_by,
        "lift_reason": recipient.lift_reason,
        "lifted_suppression": recipient.lifted_suppression,
    }
