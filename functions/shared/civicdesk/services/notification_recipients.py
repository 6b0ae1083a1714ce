"""Who is told: each of the rules' intents becomes the deliveries that carry it, with the
recipient's address, channel and language (staff from the directory, the requester's e-mail or
mobile, a department's mailbox)."""

from __future__ import annotations

from datetime import datetime
from typing import Callable, Iterable

from ..domain.cases import Channel
from ..domain.municipality import Municipality
from ..domain.municipality import localised as tr_text
from ..domain.notifications import Audience, Intent, opted_out
from ..domain.subscriptions import (
    Subscription,
    SubscriptionRole,
    SubscriptionState,
    new_subscription_token,
    subscription_id,
)
from .notification_records import Delivery, NotificationContext, NotificationOutcome
from .ports import PhoneNumbers, StaffDirectory, SubscriptionWriter

#: Channels where whoever submits types the requester's address and number: until the
#: requester proves them theirs, they may be anyone's.
UNVERIFIED_CHANNELS = frozenset({Channel.WEB, Channel.APP, Channel.OPEN311})


class NotificationRecipients:
    def __init__(self, subscriptions: SubscriptionWriter, directory: StaffDirectory,
                 phones: PhoneNumbers, clock: Callable[[], datetime]):
        self._subscriptions = subscriptions
        self._directory = directory
        self._phones = phones
        self._clock = clock

    def deliveries(self, intent: Intent, context: NotificationContext,
                   municipality: Municipality,
                   outcomes: list[NotificationOutcome]) -> Iterable[Delivery]:
        """The deliveries of ``intent``; a recipient who cannot or will not be told is added to
        ``outcomes`` (``unsubscribed``, ``no_address``) instead."""
        case = context.case
        if intent.audience is Audience.REQUESTER:
            contact = case.contact
            phone = contact.phone if contact and contact.phone and self._phones.can_receive_sms(contact.phone) else None
            if contact and contact.email:
                subscription = self._requester_subscription(intent, context)
                if subscription is not None and not intent.required and opted_out(subscription):
                    outcomes.append(NotificationOutcome(intent.key, "unsubscribed"))
                    return
                yield Delivery(intent.key, intent, "email", contact.email, case.language,
                               contact.name, subscription, phone_fallback=phone,
                               verified=case.channel not in UNVERIFIED_CHANNELS)
            elif phone:
                yield Delivery(intent.key, intent, "sms", phone, case.language, contact.name,  # type: ignore[union-attr]
                               verified=case.channel not in UNVERIFIED_CHANNELS)
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
        email = context.case.contact.email if context.case.contact else None
        if not email:  # only a requester with an address is mailed
            return None
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
