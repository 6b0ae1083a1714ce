"""What a notification says: the values its template is rendered with (by template and audience),
the links it carries, and the mail or SMS that carries it."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Callable

from ..domain.cases import Case, Status, TimelineEvent, parse_iso
from ..domain.mail import OutgoingMail, subject_tag
from ..domain.municipality import Municipality
from ..domain.municipality import localised as tr_text
from ..domain.notifications import Audience
from ..domain.redaction import personal_data, redact
from ..domain.sms import OutgoingSms, fit
from ..domain.subscriptions import one_click_unsubscribe_url, unsubscribe_url
from ..domain.threading import case_reply_address
from ..domain.working_time import working_minutes_between
from ..rendering import (
    breach_reason,
    case_context,
    case_mailbox,
    local_time,
    thread_headers,
    translate,
    working_duration,
)
from .notification_records import Delivery, NotificationContext
from .ports import StaffDirectory
from .tracking_links import TrackingLinks

EXCERPT = 300
logger = logging.getLogger(__name__)


class NotificationTexts:
    def __init__(self, directory: StaffDirectory, public_url: str, links: TrackingLinks,
                 satisfaction: Callable[[Case], str | None] | None = None):
        self._directory = directory
        self._public_url = public_url
        self._links = links
        #: The satisfaction question's link after a case is resolved (``SurveyService.
        #: satisfaction_link``); ``None``: no surveys.
        self._satisfaction = satisfaction

    def mail(self, delivery: Delivery, entry: TimelineEvent, context: NotificationContext,
             municipality: Municipality) -> OutgoingMail:
        """The mail of ``delivery``: from the case's mailbox, threaded into the case's
        conversation for the requester, with a one-click unsubscribe where it may have one."""
        from ..rendering import render_mail

        case = context.case
        values = self._template_context(delivery, entry, context, municipality)
        rendered = render_mail(delivery.intent.template, delivery.language, values)
        service = case_mailbox(case, municipality)
        municipality_name = tr_text(municipality.name, delivery.language)
        headers = {"Auto-Submitted": "auto-generated", "X-Auto-Response-Suppress": "All",
                   "X-CivicDesk-Case": case.number, "Content-Language": delivery.language}
        reply_to = None
        if delivery.intent.audience is Audience.REQUESTER:
            # Threaded into the case's conversation: an answer lands in the case.
            reply_to = case_reply_address(service.address, case.number, case.token_hash)
            headers.update(thread_headers(context.timeline))
        if values.get("unsubscribe_url") and delivery.subscription is not None:
            headers["List-Unsubscribe"] = f"<{one_click_unsubscribe_url(self._public_url, delivery.subscription)}>"
            headers["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
        return OutgoingMail(sender=service.address,
                            sender_name=f"{municipality_name} – {tr_text(service.name, delivery.language)}",
                            to=(delivery.address,),
                            subject=f"{subject_tag(case.number)} {rendered.subject}",
                            text=rendered.text, reply_to=reply_to, headers=headers,
                            case_number=case.number, kind=f"notify_{delivery.intent.template}")

    def sms(self, phone: str, delivery: Delivery, entry: TimelineEvent,
            context: NotificationContext, municipality: Municipality) -> OutgoingSms:
        """The SMS of ``delivery`` to ``phone``, in the case's language, without links to
        unsubscribe."""
        from ..rendering import render_sms

        case = context.case
        values = self._template_context(delivery, entry, context, municipality)
        values["unsubscribe_url"] = None
        text = render_sms(delivery.intent.template, case.language, values, municipality.sms)
        return OutgoingSms(to=phone, text=fit(text), case_number=case.number,
                           kind=f"notify_{delivery.intent.template}", language=case.language)

    def _template_context(self, delivery: Delivery, entry: TimelineEvent,
                          context: NotificationContext, municipality: Municipality) -> dict:
        case = context.case
        language = delivery.language
        data = entry.data or {}
        audience = delivery.intent.audience
        citizen = audience in (Audience.REQUESTER, Audience.FOLLOWER)
        status = Status(data["status"]) if data.get("status") in Status._value2member_map_ else case.status
        values = {
            **case_context(case, municipality, language, status),
            # A stranger may have typed an unverified requester's name and address: the
            # municipality's mail must not greet or quote what they chose.
            "name": delivery.name if audience is not Audience.FOLLOWER and delivery.verified else None,
            "tracking_url": self._tracking_link(delivery, context),
            "unsubscribe_url": (unsubscribe_url(self._public_url, delivery.subscription)
                                if delivery.subscription is not None and not delivery.intent.required
                                else None),
        }
        message = data.get("public_text") if entry.public else None
        template = delivery.intent.template
        if template == "confirmation":
            values["description_excerpt"] = _excerpt(case.description) if delivery.verified else ""
        elif template == "status_changed":
            previous = data.get("from")
            values["previous_status_name"] = (translate(language, f"status.{previous}")
                                              if previous in Status._value2member_map_ else None)
            values["message"] = message
        elif template in ("resolved", "reopened"):
            values["message"] = message
            if template == "resolved" and audience is Audience.REQUESTER:
                values["survey_url"] = self._survey_link(case)
        elif template == "merged":
            into = str(data.get("into") or case.merged_into or "")
            values["into_number"] = into
            # The target's public page only when it has one (a private target's answers "not
            # found"); the requester's own link opens their case, which says where it went.
            # An entry written before the flag was recorded counts as public, as it did then.
            values["into_tracking_url"] = (self._public_link(into, language)
                                           if into and data.get("into_public", True) else None)
        elif template == "referred":
            bodies = getattr(municipality, "external_bodies", None) or {}
            body = bodies.get(data.get("body_id"))
            values["body_name"] = (tr_text(body.name, language) if body else
                                   translate(language, "event.referred.external_body"))
        elif template == "deadline_extended":
            values["reason"] = str(data.get("reason") or "")
            values["legal_due"] = _last_day(str(data.get("legal_due") or ""), municipality)
        elif template == "follower_update":
            values["change"] = ("resolved" if data.get("status") == "resolved" else
                                "reopened" if data.get("from") in ("resolved", "closed", "cancelled")
                                else "status_changed")
            # To a stranger: nobody's address or number, and not the requester's name.
            values["message"] = redact(message, *personal_data(case)) if message else None
        elif template in ("assigned", "routed", "escalated", "sla_warning"):
            values["excerpt"] = _excerpt(case.description)
            location = case.location
            values["address"] = location.address if location else None
            values["coordinates"] = location.coordinates() if location else None
            values["map_url"] = location.map_url() if location else None
            values["received_at"] = _format_time(case.received_at or case.created_at,
                                                 municipality)
            if template == "assigned":
                values["assignee_name"] = delivery.name or delivery.key.split(":", 1)[-1]
                values["assigned_by"] = _actor_name(entry.actor, self._directory, context.names)
            if template == "escalated":
                values["reason"] = str(data.get("reason") or "")
                if data.get("breaches"):  # the service-level job's: in the reader's language
                    values["reason"] = breach_reason(language, data["breaches"],
                                                     municipality.time_zone)
                values["escalated_by"] = _actor_name(entry.actor, self._directory, context.names)
                values["level"] = int(data.get("level") or 1)
            if template == "sla_warning":
                values.update(_due_soon(entry, municipality, language))
        if not citizen:
            values["tracking_url"] = None
        return values

    def _survey_link(self, case: Case) -> str | None:
        """The satisfaction question's link, if a survey follows the case's category. It is
        an offer: when the surveys cannot answer, the resolved mail goes without it."""
        if self._satisfaction is None:
            return None
        try:
            return self._satisfaction(case)
        except Exception:  # noqa: BLE001 - the mail matters more than the question
            logger.exception("no satisfaction question", extra={"number": case.number})
            return None

    def _tracking_link(self, delivery: Delivery, context: NotificationContext) -> str | None:
        """The requester's private link, in every mail and SMS to them: the confirmation's
        (the random token, kept only until it is sent), then the derived one; a follower's,
        the public page of a public case."""
        case = context.case
        if delivery.intent.audience is Audience.REQUESTER:
            if delivery.intent.template == "confirmation" and context.pending_link:
                return context.pending_link
            return self._links.private_url(case.number, delivery.language)
        if case.public:
            return self._public_link(case.number, delivery.language)
        return None

    def _public_link(self, number: str, language: str) -> str:
        """The tracking page without a token: the public view of a public case."""
        return self._links.public_url(number, language)


def _excerpt(text: str | None, limit: int = EXCERPT) -> str:
    text = " ".join((text or "").split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _actor_name(actor: str, directory: StaffDirectory, known: dict[str, str]) -> str:
    if actor not in known:
        name = actor.split(":", 1)[-1]
        if actor.startswith("staff:"):
            member = directory.get(name)
            name = (member.name or name) if member else name
        known[actor] = name
    return known[actor]


def _last_day(due: str, municipality: Municipality) -> str:
    """The last day of a deadline that expires at ``due`` (midnight after it), as a local date.

    Examples
    --------
    >>> from types import SimpleNamespace
    >>> _last_day("2026-12-14T23:00:00.000000Z", SimpleNamespace(time_zone="Europe/Belgrade"))
    '14.12.2026'
    """
    from zoneinfo import ZoneInfo

    if not due:
        return ""
    moment = parse_iso(due)
    return (moment - timedelta(microseconds=1)).astimezone(ZoneInfo(municipality.time_zone)).strftime("%d.%m.%Y")
def _due_soon(entry: TimelineEvent, municipality: Municipality, language: str) -> dict:
    """What the warning of a near due time says: which clock, when it is due, and how much
    working time was left when the job warned."""
    data = entry.data or {}
    due = datetime.fromisoformat(str(data["due"]).replace("Z", "+00:00"))
    levels = municipality.service_levels
    left = (working_minutes_between(levels.calendar, entry.at, due) if levels is not None
            else int((due - entry.at).total_seconds() // 60))
    return {"clock_name": translate(language, f"clock.{data.get('clock')}"),
            "due_at": local_time(due, municipality.time_zone),
            "time_left": working_duration(language, max(0, left))}


def _format_time(moment: datetime, municipality: Municipality) -> str:
    from zoneinfo import ZoneInfo

    return moment.astimezone(ZoneInfo(municipality.time_zone)).strftime("%d.%m.%Y %H:%M")
