"""Sending one delivery at most once per (event, recipient): claim, send, complete.

1. the recipient is *claimed* with a conditional put (a second delivery of the same event, from a
   repeated stream record or an SQS redelivery, finds the claim and sends nothing);
2. the message is sent;
3. the claim is completed together with a ``notification`` entry on the case's timeline (one
   transaction); the Message-ID is kept for threading and delivery reports.

A send that raises releases its claim and the event is retried. A claim left ``sending`` by an
invocation that died mid-send is *in doubt*: the message may or may not have left, so it is not
sent again; it is recorded as ``uncertain``.
"""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta
from typing import Callable

from ..domain.cases import EventKind, TimelineEvent
from ..domain.delivery import mailbox_of
from ..domain.municipality import Municipality
from ..domain.notifications import Audience
from ..domain.sms import SmsDeliveryError, SmsFailure
from .notification_records import Delivery, IncomingEvent, NotificationContext, NotificationFailed, NotificationOutcome
from .notification_texts import NotificationTexts
from .ports import Allowances, Mailer, NotificationClaims, RecipientSuppressed, SmsSender

#: A claim younger than this may belong to an invocation still sending: retry later instead.
CLAIM_LEASE = timedelta(minutes=5)
ACTOR = "system:notify"
#: Confirmations to one unverified mailbox (``domain.delivery.mailbox_of``) or phone number in a
#: UTC day, across all cases: the public form cannot make the municipality mail (or text) one
#: recipient more often than this. Further cases are kept; their confirmation is ``limited``.
CONFIRMATIONS_PER_RECIPIENT_PER_DAY = 5


class NotificationSender:
    def __init__(self, claims: NotificationClaims, mailer: Mailer, sms: SmsSender,
                 texts: NotificationTexts, clock: Callable[[], datetime], allowances: Allowances):
        self._allowances = allowances
        self._claims = claims
        self._mailer = mailer
        self._sms = sms
        self._texts = texts
        self._clock = clock

    def deliver(self, event: IncomingEvent, entry: TimelineEvent, delivery: Delivery,
                context: NotificationContext, municipality: Municipality) -> NotificationOutcome:
        """Send ``delivery`` unless this event's claim says it was sent (or may have been).

        Raises
        ------
        NotificationFailed
            The claim is still inside another invocation's lease: the event is tried again later.
        """
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
        if not delivery.verified and delivery.intent.template == "confirmation" \
                and not self._allowed(delivery):
            return delivery.channel, None, "limited"
        try:
            if delivery.channel == "sms":
                return "sms", self._send_sms(delivery.address, delivery, entry, context,
                                             municipality), "sent"
            mail = self._texts.mail(delivery, entry, context, municipality)
            try:
                return "email", self._mailer.send(mail), "sent"
            except RecipientSuppressed:
                if delivery.phone_fallback:
                    return ("sms", self._send_sms(delivery.phone_fallback, delivery, entry, context,
                                                  municipality), "sent")
                return "email", None, "suppressed"
        except SmsDeliveryError as refused:
            if refused.reason is not SmsFailure.OPTED_OUT:
                raise
            return "sms", None, "suppressed"  # the number answered STOP: never retried

    def _allowed(self, delivery: Delivery) -> bool:
        recipient = mailbox_of(delivery.address) if delivery.channel == "email" else delivery.address
        return self._allowances.take("confirm", recipient, self._clock().date(),
                                     CONFIRMATIONS_PER_RECIPIENT_PER_DAY)

    def _send_sms(self, phone: str, delivery: Delivery, entry: TimelineEvent,
                  context: NotificationContext, municipality: Municipality) -> str:
        return self._sms.send(self._texts.sms(phone, delivery, entry, context, municipality))

    def _complete(self, event: IncomingEvent, delivery: Delivery, context: NotificationContext,
                  *, state: str, channel: str | None, message_id: str | None) -> None:
        audience = delivery.intent.audience
        data: dict[str, str | None] = {"kind": delivery.intent.template, "audience": audience.value,
                "channel": channel or delivery.channel, "outcome": state, "event": event.id}
        # A follower's address is a third party's personal data: the timeline names the
        # subscription, never the address.
        if audience is Audience.FOLLOWER:
            assert delivery.subscription is not None  # a follower is told through a subscription
            data["recipient"] = f"follower {delivery.subscription.id[:8]}"
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


def notification_entry_id(event_id: str, key: str) -> str:
    """The timeline entry of one (event, recipient) has a stable id."""
    return hashlib.sha256(f"{event_id}|{key}".encode("utf-8")).hexdigest()[:12]
