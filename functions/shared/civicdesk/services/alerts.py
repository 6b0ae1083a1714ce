"""Residents' alert subscriptions: subscribe on the portal (areas and/or a point, topics, e-mail
and/or SMS), confirm each channel (the mailed link; the SMS code), see, change, end.

Subscribing answers the same whatever the address or number is: a new subscription of its own
(its id is random), pending, and the confirmations go out unless the address or number is on
the suppression list (bounced, complained, answered STOP) or had its confirmations for the day
(``CONFIRMATIONS_PER_DAY``, per mailbox as ``domain.delivery.mailbox_of`` tells it and per
number): a stranger cannot make the municipality mail or text anyone more often than that, and
the answer never tells what became of the address. A subscription's token (the link in every
alert) is the only key to see, change or end it; a wrong token answers like an unknown one.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Callable

from msgspec import Struct
from msgspec.structs import replace

from ..domain.alerts import (
    CODE_ATTEMPTS,
    CODE_LIFETIME,
    ENDED_RETENTION,
    MAX_AREAS,
    MAX_TOPICS,
    PENDING_LIFETIME,
    AlertState,
    AlertSubscription,
    ChannelState,
    CodeCheck,
    code_hash,
    is_code,
    is_subscription_id,
    new_code,
    new_subscription_id,
    new_token,
    token_subscription,
    tokens_match,
)
from ..domain.audiences import Channel
from ..domain.cases import Location, utc_now
from ..domain.errors import ConflictError, FieldError, NotFoundError, TooManyRequestsError, ValidationError
from ..domain.intake import idempotency_expiry, request_hash
from ..domain.municipality import Municipality
from .alert_messages import AlertConfirmations
from .alert_ports import AlertSubscriptionRepository
from .municipality import MunicipalityProvider
from .ports import (
    Allowances,
    DuplicateSubmission,
    InvalidPhoneNumber,
    Mailer,
    PhoneNumbers,
    SmsSender,
    SuppressionList,
)

logger = logging.getLogger(__name__)

#: A new SMS code at most this often for one subscription.
CODE_RESEND_INTERVAL = timedelta(seconds=60)

NOT_FOUND = "alerts_error.not_found"


class Choices(Struct, frozen=True):
    """What a resident subscribes to: topic ids, area ids and/or a point ``(lat, lon)``."""

    topics: tuple[str, ...]
    areas: tuple[str, ...] = ()
    point: tuple[float, float] | None = None


class Subscribe(Struct, frozen=True):
    choices: Choices
    email: str | None = None
    phone: str | None = None  # as typed; normalised with the municipality's country
    language: str | None = None
    language_hint: str | None = None  # the request's language, when it asked for one
    name: str = ""
    idempotency_key: str | None = None

    def request(self) -> dict:
        """What the idempotency key fingerprints."""
        return {"topics": list(self.choices.topics), "areas": list(self.choices.areas),
                "point": list(self.choices.point) if self.choices.point else None,
                "email": self.email, "phone": self.phone, "language": self.language,
                "name": self.name}


class ConfirmCode(Struct, frozen=True):
    subscription_id: str
    code: str


class ResendCode(Struct, frozen=True):
    subscription_id: str


class Change(Struct, frozen=True):
    """New choices for the subscription ``token`` names; ``channels`` those to keep (a subset
    of its own; the others are dropped with their address); ``language`` ``None``: unchanged."""

    token: str
    choices: Choices
    channels: tuple[Channel, ...]
    language: str | None = None


class Subscribed(Struct, frozen=True):
    """The answer to subscribing: the new subscription's id (to enter the SMS code with) and
    the channels waiting for their confirmation."""

    subscription_id: str
    awaiting: tuple[Channel, ...]

    def record(self) -> dict:
        return {"id": self.subscription_id, "status": AlertState.PENDING.value,
                "awaiting": [channel.value for channel in self.awaiting]}


class AlertSubscriptionService:
    def __init__(self, repository: AlertSubscriptionRepository, municipality: MunicipalityProvider,
                 mailer: Mailer, sms: SmsSender, phones: PhoneNumbers,
                 suppressions: SuppressionList, allowances: Allowances, public_url: str,
                 clock: Callable[[], datetime] = utc_now):
        self._repo = repository
        self._municipality = municipality
        self._messages = AlertConfirmations(mailer, sms, suppressions, allowances, public_url)
        self._phones = phones
        self._clock = clock

    # -- subscribing ---------------------------------------------------------------------------

    def subscribe(self, command: Subscribe) -> dict:
        """A new pending subscription and its confirmations; the answer's record
        (``Subscribed.record``), the first one again for a repeated ``Idempotency-Key``."""
        municipality = self._municipality.get()
        errors = self._choice_errors(command.choices, municipality)
        if command.language and command.language not in municipality.languages:
            errors.append(FieldError("language", "not_allowed",
                                     {"allowed": ", ".join(municipality.languages)}))
        phone = None
        if command.phone:
            phone = self._phone(command.phone, municipality, errors)
        if not command.email and not command.phone:
            errors.append(FieldError("email", "email_or_phone"))
        if errors:
            raise ValidationError(errors)
        now = self._clock()
        subscription_id = new_subscription_id()
        code = new_code() if phone else None
        subscription = AlertSubscription(
            id=subscription_id, token=new_token(subscription_id),
            language=municipality.language_or_default(command.language or command.language_hint),
            topics=command.choices.topics, areas=command.choices.areas,
            point=command.choices.point, created_at=now,
            email=command.email.strip() if command.email else None,
            email_state=ChannelState.PENDING if command.email else None,
            phone=phone, phone_state=ChannelState.PENDING if phone else None,
            name=command.name.strip(),
            code_hash=code_hash(subscription_id, code) if code else None,
            code_expires_at=now + CODE_LIFETIME if code else None,
            code_attempts_left=CODE_ATTEMPTS if code else 0,
            code_sent_at=now if code else None)
        answer = Subscribed(subscription_id, subscription.pending_channels).record()
        idempotency = None
        if command.idempotency_key:
            idempotency = (command.idempotency_key, request_hash(command.request()), answer,
                           idempotency_expiry(now))
        try:
            self._repo.create(subscription, now + PENDING_LIFETIME, idempotency)
        except DuplicateSubmission as duplicate:
            if idempotency and duplicate.request_hash != idempotency[1]:
                raise ConflictError("error.idempotency_mismatch") from None
            return duplicate.response
        if subscription.email and self._messages.mail(subscription, municipality, now):
            self._repo.mark_mail_sent(subscription, now)
        if code is not None and self._messages.code(subscription, code, municipality, now) is False:
            self._repo.release_code(subscription.id, now)
        return answer

    def resend_code(self, command: ResendCode) -> None:
        """A new SMS code for the subscription's pending number (the old one stops)."""
        now = self._clock()
        subscription = self._by_id(command.subscription_id, now)
        if subscription.phone_state is not ChannelState.PENDING:
            raise ValidationError([FieldError("phone", "no_code_pending")])
        municipality = self._municipality.get()
        code = new_code()
        if not self._repo.claim_code(subscription, code_hash=code_hash(subscription.id, code),
                                     expires=now + CODE_LIFETIME, attempts=CODE_ATTEMPTS, now=now,
                                     resend_after=now - CODE_RESEND_INTERVAL):
            raise TooManyRequestsError("alerts_error.code_wait")
        if self._messages.code(subscription, code, municipality, now) is False:
            self._repo.release_code(subscription.id, now)

    def confirm_code(self, command: ConfirmCode) -> tuple[AlertSubscription, str]:
        """The code the resident typed: the number confirmed; the subscription and its token
        (now theirs: the page manages it). Wrong: 400 ``code`` / ``wrong_code`` with the tries
        left; the last wrong try, an expired code: ``code_exhausted`` / ``code_expired``
        (a new code is to be asked for)."""
        if not is_code(command.code):
            raise ValidationError([FieldError("code", "invalid_code")])
        now = self._clock()
        for _ in range(3):  # a concurrent try changed it: read again
            subscription = self._by_id(command.subscription_id, now)
            check = subscription.check_code(command.code, now)
            if check is CodeCheck.CONFIRMED:
                confirmed = self._repo.confirm_phone(subscription, now)
                if confirmed is not None:
                    return confirmed, confirmed.token
                continue
            if check is CodeCheck.NONE:
                raise ValidationError([FieldError("code", "no_code_pending")])
            if check is CodeCheck.EXPIRED:
                raise ValidationError([FieldError("code", "code_expired")])
            if subscription.code_attempts_left <= 0:
                raise ValidationError([FieldError("code", "code_exhausted")])
            if not self._repo.spend_attempt(subscription):
                continue
            left = subscription.code_attempts_left - 1
            if check is CodeCheck.EXHAUSTED or left <= 0:
                raise ValidationError([FieldError("code", "code_exhausted")])
            raise ValidationError([FieldError("code", "wrong_code", {"count": left})])
        raise ConflictError("error.conflict")

    # -- by token ------------------------------------------------------------------------------

    def confirm_email(self, token: str) -> AlertSubscription:
        """The mailed link, confirmed on the page: the address confirmed. Again: the same
        answer; an ended subscription stays ended."""
        now = self._clock()
        for _ in range(3):
            subscription = self._by_token(token, now)
            if subscription.state is AlertState.ENDED or subscription.email_state is not ChannelState.PENDING:
                return subscription
            confirmed = self._repo.confirm_email(subscription, now)
            if confirmed is not None:
                return confirmed
        raise ConflictError("error.conflict")

    def subscription(self, token: str) -> AlertSubscription:
        return self._by_token(token, self._clock())

    def change(self, command: Change) -> AlertSubscription:
        """New topics, areas, point, language; channels dropped. 409 ``alerts_error.ended``
        for an ended subscription."""
        municipality = self._municipality.get()
        errors = self._choice_errors(command.choices, municipality)
        if command.language and command.language not in municipality.languages:
            errors.append(FieldError("language", "not_allowed",
                                     {"allowed": ", ".join(municipality.languages)}))
        now = self._clock()
        subscription = self._by_token(command.token, now)
        if subscription.state is AlertState.ENDED:
            raise ConflictError("alerts_error.ended")
        own = (*subscription.confirmed_channels, *subscription.pending_channels)
        if not command.channels:
            errors.append(FieldError("channels", "required"))
        elif any(channel not in own for channel in command.channels):
            errors.append(FieldError("channels", "not_allowed",
                                     {"allowed": ", ".join(c.value for c in own)}))
        if errors:
            raise ValidationError(errors)
        changed = subscription.with_choices(
            topics=command.choices.topics, areas=command.choices.areas, point=command.choices.point,
            language=command.language or subscription.language, at=now, keep=command.channels)
        if not self._repo.change(subscription, changed):
            raise ConflictError("error.conflict")
        return changed

    def end(self, token: str) -> AlertSubscription:
        """Unsubscribe (the link in every alert): ended, its address and number erased, kept
        ``ENDED_RETENTION`` so that the link still answers. Ending twice answers the same."""
        now = self._clock()
        for _ in range(3):
            subscription = self._by_token(token, now)
            if subscription.state is AlertState.ENDED:
                return subscription
            if self._repo.end(subscription, now, now + ENDED_RETENTION):
                return replace(subscription, ended_at=now, email=None, phone=None, name="",
                               code_hash=None)
        raise ConflictError("error.conflict")

    def stop_sms(self, phone: str) -> int:
        """The number (E.164) answered ``STOP``: no alert goes to it any more. Each subscription
        with it confirmed drops its SMS channel (the number is erased); one left without a
        channel ends. The number of subscriptions changed (``0``: it had none). The two-way SMS
        part calls it, besides putting the number on the suppression list."""
        now = self._clock()
        changed = 0
        for subscription in self._repo.with_phone(phone, now):
            for _ in range(3):
                if subscription.state is AlertState.ENDED or subscription.phone != phone:
                    break
                if any(c is not Channel.SMS for c in subscription.confirmed_channels):
                    keep = tuple(c for c in (*subscription.confirmed_channels,
                                             *subscription.pending_channels) if c is not Channel.SMS)
                    done = self._repo.change(subscription, subscription.with_choices(
                        topics=subscription.topics, areas=subscription.areas,
                        point=subscription.point, language=subscription.language, at=now,
                        keep=keep))
                else:
                    done = self._repo.end(subscription, now, now + ENDED_RETENTION)
                if done:
                    changed += 1
                    break
                again = self._repo.get(subscription.id, now)
                if again is None:
                    break
                subscription = again
        if changed:
            logger.info("SMS alerts stopped for a number", extra={"subscriptions": changed})
        return changed

    # -- helpers -------------------------------------------------------------------------------

    def _by_id(self, subscription_id: str, now: datetime) -> AlertSubscription:
        found = self._repo.get(subscription_id, now) if is_subscription_id(subscription_id) else None
        if found is None or found.state is AlertState.ENDED:
            raise NotFoundError(NOT_FOUND)
        return found

    def _by_token(self, token: str, now: datetime) -> AlertSubscription:
        subscription_id = token_subscription(token)
        stored = self._repo.get(subscription_id, now) if subscription_id else None
        if not tokens_match(stored.token if stored else None, token or "") or stored is None:
            raise NotFoundError(NOT_FOUND)
        return stored

    def _choice_errors(self, choices: Choices, municipality: Municipality) -> list[FieldError]:
        errors: list[FieldError] = []
        if not choices.topics:
            errors.append(FieldError("topics", "required"))
        for index, topic in enumerate(choices.topics):
            if topic not in municipality.alert_topics:
                errors.append(FieldError(f"topics[{index}]", "unknown_topic"))
        if len(set(choices.topics)) != len(choices.topics) or len(set(choices.areas)) != len(choices.areas):
            errors.append(FieldError("topics" if len(set(choices.topics)) != len(choices.topics)
                                     else "areas", "repeated"))
        if len(choices.topics) > MAX_TOPICS:
            errors.append(FieldError("topics", "too_many", {"max": MAX_TOPICS}))
        if len(choices.areas) > MAX_AREAS:
            errors.append(FieldError("areas", "too_many", {"max": MAX_AREAS}))
        for index, area in enumerate(choices.areas):
            if area not in municipality.areas:
                errors.append(FieldError(f"areas[{index}]", "unknown_area"))
        if choices.point is not None:
            lat, lon = choices.point
            if not municipality.covers(Location(lat=lat, lon=lon)):
                errors.append(FieldError("point", "outside_municipality"))
        if not choices.areas and choices.point is None:
            errors.append(FieldError("areas", "area_or_point"))
        return errors

    def _phone(self, raw: str, municipality: Municipality, errors: list[FieldError]) -> str | None:
        try:
            phone = self._phones.normalise(raw, municipality.country)
        except InvalidPhoneNumber as invalid:
            errors.append(FieldError("phone", invalid.code))
            return None
        if not self._phones.can_receive_sms(phone):
            errors.append(FieldError("phone", "not_mobile"))
            return None
        return phone
