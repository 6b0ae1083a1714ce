"""Notifying people of a change: one domain event from the notify queue -> its messages.

For each event (``docs/events.md``) the service reads the case's partition once, asks the rules
(``civicdesk.domain.notifications.plan``) whom to tell, finds each recipient's address and
channel (``notification_recipients``), and sends each message **at most once per (event,
recipient)** (``notification_sending``: claim, send, complete), in the words of
``notification_texts``.

A send that raises releases its claim and the event is retried (other recipients already done
stay done); a message whose claim is in doubt is not sent again.
"""

from __future__ import annotations

import json
import logging
from datetime import datetime
from typing import Callable, Mapping

from ..domain.cases import Case, utc_now
from ..domain.events import SCHEMA_VERSION, EventType
from ..domain.notifications import NOTIFIED_TYPES, plan
from .municipality import MunicipalityProvider
from .notification_recipients import NotificationRecipients
from .notification_records import IncomingEvent, NotificationFailed, NotificationOutcome
from .notification_sending import NotificationSender
from .notification_texts import NotificationTexts
from .ports import (
    Allowances,
    Mailer,
    MetricsSink,
    NotificationClaims,
    NotificationContexts,
    PhoneNumbers,
    SmsSender,
    StaffDirectory,
    SubscriptionWriter,
)
from .tracking_links import TrackingLinks

__all__ = ["InvalidEvent", "NotificationFailed", "NotificationOutcome", "NotificationService",
           "parse_event"]

logger = logging.getLogger(__name__)


class InvalidEvent(ValueError):
    """The message is not a domain event this version understands; retrying cannot help."""


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


class NotificationService:
    def __init__(self, contexts: NotificationContexts, claims: NotificationClaims,
                 subscriptions: SubscriptionWriter, municipality: MunicipalityProvider,
                 mailer: Mailer, sms: SmsSender, directory: StaffDirectory, metrics: MetricsSink,
                 public_url: str, *, phones: PhoneNumbers, links: TrackingLinks,
                 allowances: Allowances, clock: Callable[[], datetime] = utc_now,
                 satisfaction: Callable[[Case], str | None] | None = None):
        self._contexts = contexts
        self._municipality = municipality
        self._metrics = metrics
        self._recipients = NotificationRecipients(subscriptions, directory, phones, clock)
        texts = NotificationTexts(directory, public_url.rstrip("/"), links, satisfaction)
        self._sender = NotificationSender(claims, mailer, sms, texts, clock, allowances)

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
            for delivery in self._recipients.deliveries(intent, context, municipality, outcomes):
                try:
                    outcomes.append(self._sender.deliver(event, entry, delivery, context,
                                                         municipality))
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
