"""Notifying people of a change: one domain event from the notify queue -> its messages.

For each event (``docs/events.md``) the service reads the case's partition once, asks the rules
(``civicdesk.domain.notifications.plan``) whom to tell, finds each recipient's address and
channel, and sends each message **at most once per (event, recipient)**:

1. the recipient is *claimed* with a conditional put (a second delivery of the same event, from a
   repeated stream record or an SQS redelivery, finds the claim and sends nothing);
2. the message is sent;
3. the claim is completed together with a ``notification`` entry on the case's timeline (one
   transaction); the Message-ID is kept for threading and delivery reports.

A send that raises releases its claim and the event is retried (other recipients already done
stay done). A claim left ``sending`` by an invocation that died mid-send is *in doubt*: the
message may or may not have left, so it is not sent again; it is recorded as ``uncertain``.
"""

from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Callable, Iterable, Mapping

from ..domain.cases import Case, EventKind, Status, TimelineEvent, tracking_url, utc_now
from ..domain.events import SCHEMA_VERSION, EventType
from ..domain.mail import OutgoingMail, subject_tag
from ..domain.municipality import Municipality, localised as tr_text
from ..domain.notifications import NOTIFIED_TYPES, Audience, Intent, plan
from ..domain.redaction import redact
from ..domain.subscriptions import (Subscription, SubscriptionRole, SubscriptionState,
                                    new_subscription_token, one_click_unsubscribe_url,
                                    subscription_id, unsubscribe_url)
from ..domain.threading import case_reply_address
from ..rendering import case_context, case_mailbox, thread_headers, translate
from .municipality import MunicipalityProvider
from .ports import (Mailer, MetricsSink, NotificationClaims, NotificationContexts, PhoneNumbers,
                    RecipientSuppressed, SmsSender, StaffDirectory, SubscriptionWriter)

logger = logging.getLogger(__name__)

#: A claim younger than this may belong to an invocation still sending: retry later instead.
CLAIM_LEASE = timedelta(minutes=5)
EXCERPT = 300
ACTOR = "system:notify"


class NotificationFailed(Exception):
    """Some recipients could not be told; the event is retried (the others are done)."""


class InvalidEvent(ValueError):
    """The message is not a domain event this version understands; retrying cannot help."""


@dataclass(frozen=True)
class Claim:
    state: str  # sending | sent | failed | suppressed | uncertain
    claimed_at: datetime


@dataclass(frozen=True)
class NotificationContext:
    case: Case
    timeline: list[TimelineEvent]
    subscriptions: list[Subscription]
    claims: dict[str, Claim] = field(default_factory=dict)  # recipient key -> claim (this event)
    pending_link: str | None = None
    #: Staff names looked up for this event's texts: one directory read per actor, however
    #: many recipients (every supervisor of an escalation) name them.
    names: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class IncomingEvent:
    id: str
    type: EventType
    case_number: str
    entry_id: str


@dataclass(frozen=True)
class Delivery:
    """One message to one recipient."""

    key: str
    intent: Intent
    channel: str  # email | sms
    address: str
    language: str
    name: str | None = None
    subscription: Subscription | None = None
    phone_fallback: str | None = None  # the requester's mobile, if mail is refused


@dataclass(frozen=True)
class NotificationOutcome:
    key: str
    state: str  # sent | suppressed | duplicate | uncertain | unsubscribed | no_address
    channel: str | None = None
    message_id: str | None = None


def parse_event(body: str | Mapping) -> IncomingEvent:
    """The domain event in an SQS message body (raw SNS delivery, or the SNS envelope)."""
    try:
        document = json.loads(body) if isinstance(body, str) else dict(body)
        if "Message" in document and "Type" in document:  # SNS envelope (raw delivery off)
            document = json.loads(document["Message"])
        if str(document.get("schema_version", "")).split(".")[0] != SCHEMA_VERSION:
            raise InvalidEvent(f"unsupported schema_version {document.get('schema_version')!r}")
        event_id = str(document["id"])
        number, _, entry_id = event_id.partition("/")
        if not number or not entry_id or document["case"]["number"] != number:
            raise InvalidEvent(f"malformed event id {event_id!r}")
        return IncomingEvent(id=event_id, type=EventType(document["type"]), case_number=number,
                             entry_id=entry_id)
    except InvalidEvent:
        raise
    except (ValueError, KeyError, TypeError) as exc:
        raise InvalidEvent(f"not a domain event: {exc}") from None


def _excerpt(text: str | None, limit: int = EXCERPT) -> str:
    text = " ".join((text or "").split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


class NotificationService:
    def __init__(self, contexts: NotificationContexts, claims: NotificationClaims,
                 subscriptions: SubscriptionWriter, municipality: MunicipalityProvider,
                 mailer: Mailer, sms: SmsSender, directory: StaffDirectory, metrics: MetricsSink,
                 public_url: str, *, phones: PhoneNumbers,
                 clock: Callable[[], datetime] = utc_now):
        self._contexts = contexts
        self._claims = claims
        self._subscriptions = subscriptions
        self._municipality = municipality
        self._mailer = mailer
        self._sms = sms
        self._phones = phones
        self._directory = directory
        self._metrics = metrics
        self._public_url = public_url.rstrip("/")
        self._clock = clock

    # -- entry point -------------------------------------------------------------------------

    def handle(self, body: str | Mapping) -> list[NotificationOutcome]:
        """Tell everyone the event concerns; raise ``NotificationFailed`` if a send failed."""
        event = parse_event(body)
        if event.type not in NOTIFIED_TYPES:
            return []
        context = self._contexts.context(event.case_number, event.id)
        if context is None:
            logger.warning("event of an unknown case", extra={"event_id": event.id})
            return []
        entry = next((e for e in context.timeline if e.event_id == event.entry_id), None)
        if entry is None:
            logger.warning("event of an unknown timeline entry", extra={"event_id": event.id})
            return []
        municipality = self._municipality.get()
        outcomes: list[NotificationOutcome] = []
        failures: list[str] = []
        for intent in plan(event.type, entry, context.case, context.subscriptions):
            for delivery in self._recipients(intent, context, municipality, outcomes):
                try:
                    outcomes.append(self._deliver(event, entry, delivery, context, municipality))
                except Exception as exc:  # noqa: BLE001 - the others still go; this one retries
                    logger.exception("notification failed", extra={
                        "event_id": event.id, "recipient": delivery.key})
                    self._metrics.mail_failed(f"notify_{delivery.intent.template}")
                    failures.append(f"{delivery.key}: {type(exc).__name__}")
        logger.info("event notified", extra={"event_id": event.id, "outcomes": [
            f"{o.key}={o.state}" for o in outcomes]})
        if failures:
            raise NotificationFailed("; ".join(failures))
        return outcomes

    # -- recipients --------------------------------------------------------------------------

    def _recipients(self, intent: Intent, context: NotificationContext,
                    municipality: Municipality,
                    outcomes: list[NotificationOutcome]) -> Iterable[Delivery]:
        case = context.case
        if intent.audience is Audience.REQUESTER:
            contact = case.contact
            phone = contact.phone if contact and contact.phone and self._phones.can_receive_sms(contact.phone) else None
            if contact and contact.email:
                subscription = self._requester_subscription(intent, context)
                if subscription is not None and not intent.required and _opted_out(subscription):
                    outcomes.append(NotificationOutcome(intent.key, "unsubscribed"))
                    return
                yield Delivery(intent.key, intent, "email", contact.email, case.language,
                               contact.name, subscription, phone_fallback=phone)
            elif phone:
                yield Delivery(intent.key, intent, "sms", phone, case.language, contact.name)  # type: ignore[union-attr]
            else:
                outcomes.append(NotificationOutcome(intent.key, "no_address"))
        elif intent.audience is Audience.FOLLOWER and intent.subscription is not None:
            yield Delivery(intent.key, intent, "email", intent.subscription.email,
                           municipality.language_or_default(intent.subscription.language),
                           subscription=intent.subscription)
        elif intent.audience is Audience.ASSIGNEE and intent.staff:
            member = self._directory.get(intent.staff)
            if member is None or not member.enabled or not member.email:
                outcomes.append(NotificationOutcome(intent.key, "no_address"))
                return
            yield Delivery(intent.key, intent, "email", member.email,
                           municipality.language_or_default(member.language), member.name)
        elif intent.audience is Audience.DEPARTMENT and intent.department:
            department = municipality.departments.get(intent.department)
            if department is None or not department.email:
                outcomes.append(NotificationOutcome(intent.key, "no_address"))
                return
            yield Delivery(intent.key, intent, "email", department.email,
                           municipality.default_language,
                           tr_text(department.name, municipality.default_language))
        elif intent.audience is Audience.SUPERVISORS:
            for member in self._directory.list("supervisor"):
                if member.enabled and member.email:
                    yield Delivery(f"staff:{member.username}", intent, "email", member.email,
                                   municipality.language_or_default(member.language), member.name)

    def _requester_subscription(self, intent: Intent,
                                context: NotificationContext) -> Subscription | None:
        """The requester's subscription; created with the first mail they may unsubscribe from,
        so that the mail can carry its unsubscribe link."""
        email = context.case.contact.email  # type: ignore[union-attr]
        wanted = subscription_id(email)
        for subscription in context.subscriptions:
            if subscription.id == wanted:
                return subscription
        if intent.required:
            return None
        return self._subscriptions.add_subscription(Subscription(
            case_number=context.case.number, email=email.lower(), role=SubscriptionRole.REQUESTER,
            language=context.case.language, state=SubscriptionState.CONFIRMED,
            token=new_subscription_token(), created_at=self._clock(), confirmed_at=self._clock()))

    # -- one message ---------------------------------------------------------------------------

    def _deliver(self, event: IncomingEvent, entry: TimelineEvent, delivery: Delivery,
                 context: NotificationContext, municipality: Municipality) -> NotificationOutcome:
        number = context.case.number
        now = self._clock()
        earlier = context.claims.get(delivery.key)
        if earlier is not None and earlier.state != "failed":
            if earlier.state != "sending":
                return NotificationOutcome(delivery.key, "duplicate")
            if now - earlier.claimed_at < CLAIM_LEASE:
                raise NotificationFailed(f"{delivery.key} is being sent by another invocation")
            # The invocation that claimed it died while sending: the message may have left.
            self._complete(event, delivery, context, state="uncertain", channel=delivery.channel,
                           message_id=None)
            return NotificationOutcome(delivery.key, "uncertain", delivery.channel)
        if not self._claims.claim(number, event.id, delivery.key, now):
            return NotificationOutcome(delivery.key, "duplicate")
        try:
            channel, message_id, state = self._send(delivery, entry, context, municipality)
        except BaseException as exc:
            self._claims.release(number, event.id, delivery.key, type(exc).__name__)
            raise
        self._complete(event, delivery, context, state=state, channel=channel,
                       message_id=message_id)
        return NotificationOutcome(delivery.key, state, channel, message_id)

    def _send(self, delivery: Delivery, entry: TimelineEvent, context: NotificationContext,
              municipality: Municipality) -> tuple[str, str | None, str]:
        """Send by the delivery's channel; a suppressed address falls back to SMS if it can."""
        if delivery.channel == "sms":
            return "sms", self._send_sms(delivery.address, delivery, entry, context, municipality), "sent"
        mail = self._mail(delivery, entry, context, municipality)
        try:
            return "email", self._mailer.send(mail), "sent"
        except RecipientSuppressed:
            if delivery.phone_fallback:
                return ("sms", self._send_sms(delivery.phone_fallback, delivery, entry, context,
                                              municipality), "sent")
            return "email", None, "suppressed"

    def _complete(self, event: IncomingEvent, delivery: Delivery, context: NotificationContext,
                  *, state: str, channel: str | None, message_id: str | None) -> None:
        audience = delivery.intent.audience
        data = {"kind": delivery.intent.template, "audience": audience.value,
                "channel": channel or delivery.channel, "outcome": state, "event": event.id}
        # A follower's address is a third party's personal data: the timeline names the
        # subscription, never the address.
        if audience is Audience.FOLLOWER:
            data["recipient"] = f"follower {delivery.subscription.id[:8]}"  # type: ignore[union-attr]
        else:
            data["recipient"] = delivery.key.split(":", 1)[-1] if audience in (
                Audience.ASSIGNEE, Audience.SUPERVISORS, Audience.DEPARTMENT) else (
                delivery.phone_fallback if channel == "sms" and delivery.channel == "email"
                else delivery.address)
        if message_id:
            data["message_id"] = message_id
        entry = TimelineEvent(context.case.number, self._clock(), EventKind.NOTIFICATION, ACTOR,
                              False, data, event_id=notification_entry_id(event.id, delivery.key))
        consume = (delivery.intent.template == "confirmation" and state == "sent"
                   and context.pending_link is not None)
        self._claims.complete(context.case.number, event.id, delivery.key, state=state,
                            channel=channel, message_id=message_id, entry=entry,
                            consume_pending_link=consume, case=context.case,
                            message_kind=f"notify_{delivery.intent.template}",
                            to=delivery.address if channel == "email" else None)

    # -- texts ---------------------------------------------------------------------------------

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
            "name": delivery.name if audience is not Audience.FOLLOWER else None,
            "tracking_url": self._tracking_link(delivery, context),
            "unsubscribe_url": (unsubscribe_url(self._public_url, delivery.subscription)
                                if delivery.subscription is not None and not delivery.intent.required
                                else None),
        }
        message = data.get("public_text") if entry.public else None
        template = delivery.intent.template
        if template == "confirmation":
            values["description_excerpt"] = _excerpt(case.description)
        elif template == "status_changed":
            previous = data.get("from")
            values["previous_status_name"] = (translate(language, f"status.{previous}")
                                              if previous in Status._value2member_map_ else None)
            values["message"] = message
        elif template in ("resolved", "reopened"):
            values["message"] = message
        elif template == "merged":
            into = str(data.get("into") or case.merged_into or "")
            values["into_number"] = into
            values["into_tracking_url"] = self._public_link(into, language) if into else None
        elif template == "referred":
            bodies = getattr(municipality, "external_bodies", None) or {}
            body = bodies.get(data.get("body_id"))
            values["body_name"] = (tr_text(body.name, language) if body else
                                   translate(language, "event.referred.external_body"))
        elif template == "follower_update":
            values["change"] = ("resolved" if data.get("status") == "resolved" else
                                "reopened" if data.get("from") in ("resolved", "closed", "cancelled")
                                else "status_changed")
            # To a stranger: nobody's address or number, and not the requester's name.
            names = (case.contact.name,) if case.contact else ()
            values["message"] = redact(message, names) if message else None
        elif template in ("assigned", "routed", "escalated"):
            values["excerpt"] = _excerpt(case.description)
            values["address"] = case.location.address if case.location else None
            values["received_at"] = _format_time(case.received_at or case.created_at,
                                                 municipality)
            if template == "assigned":
                values["assignee_name"] = delivery.name or delivery.key.split(":", 1)[-1]
                values["assigned_by"] = _actor_name(entry.actor, self._directory, context.names)
            if template == "escalated":
                values["reason"] = str(data.get("reason") or "")
                values["escalated_by"] = _actor_name(entry.actor, self._directory, context.names)
                values["level"] = int(data.get("level") or 1)
        if not citizen:
            values["tracking_url"] = None
        return values

    def _tracking_link(self, delivery: Delivery, context: NotificationContext) -> str | None:
        """The requester's confirmation carries the private link (with the token, kept only
        until it is sent); later mails the public page of a public case."""
        case = context.case
        if delivery.intent.template == "confirmation":
            # Only the private link: the confirmation tells the citizen to keep it to themselves.
            return context.pending_link
        if case.public:
            return self._public_link(case.number, delivery.language)
        return None

    def _public_link(self, number: str, language: str) -> str:
        """The tracking page without a token: the public view of a public case (a private one
        asks for the token from the confirmation)."""
        return tracking_url(self._public_url, number, None, language)

    def _mail(self, delivery: Delivery, entry: TimelineEvent, context: NotificationContext,
              municipality: Municipality) -> OutgoingMail:
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

    def _send_sms(self, phone: str, delivery: Delivery, entry: TimelineEvent,
                  context: NotificationContext, municipality: Municipality) -> str:
        from ..domain.sms import OutgoingSms, fit
        from ..rendering import render_sms

        case = context.case
        values = self._template_context(delivery, entry, context, municipality)
        values["unsubscribe_url"] = None
        text = render_sms(delivery.intent.template, case.language, values)
        return self._sms.send(OutgoingSms(to=phone, text=fit(text), case_number=case.number,
                                          kind=f"notify_{delivery.intent.template}",
                                          language=case.language))


def _opted_out(subscription: Subscription) -> bool:
    """Whether the requester declined progress mails. A requester's subscription that is not
    ``confirmed`` was ended by them (a follow request for their address, which anyone can make,
    only makes it ``pending`` again and must not undo that)."""
    if subscription.state is SubscriptionState.UNSUBSCRIBED:
        return True
    return (subscription.role is SubscriptionRole.REQUESTER
            and subscription.state is not SubscriptionState.CONFIRMED)


def _actor_name(actor: str, directory: StaffDirectory, known: dict[str, str]) -> str:
    if actor not in known:
        name = actor.split(":", 1)[-1]
        if actor.startswith("staff:"):
            member = directory.get(name)
            name = (member.name or name) if member else name
        known[actor] = name
    return known[actor]


def _format_time(moment: datetime, municipality: Municipality) -> str:
    from zoneinfo import ZoneInfo

    return moment.astimezone(ZoneInfo(municipality.time_zone)).strftime("%d.%m.%Y %H:%M")


def notification_entry_id(event_id: str, key: str) -> str:
    """The timeline entry of one (event, recipient) has a stable id."""
    return hashlib.sha256(f"{event_id}|{key}".encode("utf-8")).hexdigest()[:12]
