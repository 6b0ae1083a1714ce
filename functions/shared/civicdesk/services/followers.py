"""Following a public case by e-mail: subscribe, confirm (double opt-in), unsubscribe.

What is answered never tells whether an address follows a case: following answers the same
``pending`` whether the address is new, waiting for its confirmation or confirmed long ago, and a
wrong token answers exactly like an unknown subscription. Followers are personal data: they are
never written to the case's timeline, and the notify function sends them public changes only.
"""

from __future__ import annotations

import hmac
import logging
import re
from datetime import datetime, timedelta
from typing import Callable

from msgspec import Struct

from ..domain.cases import Case, parse_number, utc_now
from ..domain.delivery import mailbox_of
from ..domain.errors import FieldError, NotFoundError, ValidationError
from ..domain.mail import OutgoingMail, subject_tag
from ..domain.municipality import Municipality
from ..domain.municipality import localised as tr_text
from ..domain.subscriptions import (
    Subscription,
    SubscriptionRole,
    SubscriptionState,
    confirm_url,
    new_subscription_token,
)
from ..domain.tracking_tokens import tracking_url
from ..rendering import case_context, case_mailbox
from .municipality import MunicipalityProvider
from .ports import Allowances, CaseReader, Mailer, RecipientSuppressed, SubscriptionRepository

logger = logging.getLogger(__name__)

#: At most one opt-in mail per subscription in this window, however often someone asks.
OPT_IN_INTERVAL = timedelta(minutes=10)
#: How long an unconfirmed subscription waits for its confirmation (then the table's TTL ends it).
PENDING_LIFETIME = timedelta(days=7)
#: Opt-in mails to one mailbox (``domain.delivery.mailbox_of``: ``+tags`` and Gmail's dots are
#: one mailbox) in a UTC day, across all cases: a stranger cannot make the municipality's
#: address mail anyone more often than this, however many cases or spellings they use.
OPT_IN_MAILS_PER_MAILBOX_PER_DAY = 3

NOT_FOUND = "error.subscription_not_found"
#: The form of ``domain.subscriptions.subscription_id``: anything else names no subscription
#: and is not looked up.
_SUBSCRIPTION_ID = re.compile(r"^[0-9a-f]{24}$")
#: Compared against when there is no stored token, so that an unknown subscription and a wrong
#: token cost the same comparison.
_NO_TOKEN = new_subscription_token()


class FollowCase(Struct, frozen=True):
    """Follow the public case ``number`` at ``email`` (a valid address): the mails in
    ``language`` if given (checked against the municipality's), else in ``language_hint`` (the
    request's), else the municipality's default."""

    number: str
    email: str
    language: str | None = None
    language_hint: str | None = None


class ConfirmSubscription(Struct, frozen=True):
    """The opt-in mail's link: the subscription ``subscription_id`` of case ``number``, with the
    token the link carries."""

    number: str
    subscription_id: str
    token: str


class Unsubscribe(Struct, frozen=True):
    """End the subscription ``subscription_id`` of case ``number``, with the token of the link."""

    number: str
    subscription_id: str
    token: str


class FollowerService:
    def __init__(self, cases: CaseReader, subscriptions: SubscriptionRepository,
                 municipality: MunicipalityProvider, mailer: Mailer, public_url: str,
                 allowances: Allowances, clock: Callable[[], datetime] = utc_now):
        self._cases = cases
        self._subscriptions = subscriptions
        self._allowances = allowances
        self._municipality = municipality
        self._mailer = mailer
        self._public_url = public_url.rstrip("/")
        self._clock = clock

    def follow(self, command: FollowCase) -> SubscriptionState:
        """Ask to follow a public case: a pending subscription and the opt-in mail with its
        confirmation link (again at most every ``OPT_IN_INTERVAL``; never to a confirmed one).

        Always answers ``PENDING``, whatever the address's subscription was; 404
        ``error.case_not_found`` when the case does not exist, is private, deleted or merged (as
        the tracking page answers).
        """
        municipality = self._municipality.get()
        language = command.language
        if language and language not in municipality.languages:
            raise ValidationError([FieldError("language", "not_allowed",
                                              {"allowed": ", ".join(municipality.languages)})])
        case = self._followable_case(command.number)
        if case is None:
            raise NotFoundError("error.case_not_found")
        now = self._clock()
        wanted = Subscription(case_number=case.number, email=command.email,
                              role=SubscriptionRole.FOLLOWER,
                              language=municipality.language_or_default(
                                  language or command.language_hint),
                              state=SubscriptionState.PENDING, token=new_subscription_token(),
                              created_at=now)
        claimed = self._subscriptions.request_opt_in(wanted, now=now,
                                                     resend_after=now - OPT_IN_INTERVAL,
                                                     expires_at=now + PENDING_LIFETIME)
        if claimed is not None:
            if self._allowances.take("optin", mailbox_of(claimed.email), now.date(),
                                     OPT_IN_MAILS_PER_MAILBOX_PER_DAY):
                self._send_opt_in(case, municipality, claimed, now)
            else:
                # Answered like any other request; asking again tomorrow sends the mail.
                logger.info("opt-in mail not sent: the mailbox had its mails for today",
                            extra={"case_number": case.number, "subscription": claimed.id})
                self._subscriptions.release_opt_in(case.number, claimed.id, now)
        return SubscriptionState.PENDING

    def confirm(self, command: ConfirmSubscription) -> SubscriptionState:
        """The link in the opt-in mail, clicked: pending -> confirmed; the subscription's state
        after it. Confirming again answers ``CONFIRMED``; an ended subscription stays ended
        (following again asks anew)."""
        number, subscription_id, token = command.number, command.subscription_id, command.token
        now = self._clock()
        subscription = self._authentic(number, subscription_id, token, now)
        if subscription.state is SubscriptionState.PENDING:
            if self._followable_case(number) is None:
                raise NotFoundError(NOT_FOUND)
            subscription = (self._subscriptions.confirm(subscription, now)
                            or self._authentic(number, subscription_id, token, now))
        return subscription.state

    def unsubscribe(self, command: Unsubscribe) -> SubscriptionState:
        """End a follower's or the requester's subscription; its state after it
        (``UNSUBSCRIBED``). Works whatever became of the case; ending twice answers the same."""
        number, subscription_id, token = command.number, command.subscription_id, command.token
        now = self._clock()
        subscription = self._authentic(number, subscription_id, token, now)
        if subscription.state is not SubscriptionState.UNSUBSCRIBED:
            subscription = (self._subscriptions.unsubscribe(subscription, now)
                            or self._authentic(number, subscription_id, token, now))
        return subscription.state

    def follow_verified(self, command: FollowCase) -> SubscriptionState:
        """Follow a public case at an address the caller proved is theirs (a signed-in
        citizen's verified address, ``services.accounts``): confirmed at once, no opt-in mail.
        404 as ``follow``; following again answers ``CONFIRMED``."""
        municipality = self._municipality.get()
        case = self._followable_case(command.number)
        if case is None:
            raise NotFoundError("error.case_not_found")
        now = self._clock()
        wanted = Subscription(case_number=case.number, email=command.email,
                              role=SubscriptionRole.FOLLOWER,
                              language=municipality.language_or_default(
                                  command.language or command.language_hint),
                              state=SubscriptionState.PENDING, token=new_subscription_token(),
                              created_at=now)
        # The window of 0: a pending one of any age is claimed again (its token kept).
        self._subscriptions.request_opt_in(wanted, now=now, resend_after=now,
                                           expires_at=now + PENDING_LIFETIME)
        stored = self._subscriptions.get(case.number, wanted.id, now)
        if stored is not None and stored.state is SubscriptionState.PENDING:
            stored = self._subscriptions.confirm(stored, now) or stored
        return stored.state if stored is not None else SubscriptionState.PENDING

    def unfollow_verified(self, number: str, email: str) -> SubscriptionState:
        """End the subscription of a verified address (a signed-in citizen's) without the mail's
        token; ``UNSUBSCRIBED`` also when there was none."""
        from ..domain.subscriptions import subscription_id

        now = self._clock()
        stored = (self._subscriptions.get(number, subscription_id(email), now)
                  if parse_number(number) else None)
        if stored is not None and stored.state is not SubscriptionState.UNSUBSCRIBED:
            self._subscriptions.unsubscribe(stored, now)
        return SubscriptionState.UNSUBSCRIBED

    # -- helpers -----------------------------------------------------------------------------

    def _followable_case(self, number: str) -> Case | None:
        case = self._cases.get_case(number) if parse_number(number) else None
        if case is None or case.deleted or not case.public or case.merged_into:
            return None
        return case

    def _authentic(self, number: str, subscription_id: str, token: str, now: datetime) -> Subscription:
        """The subscription the link names, if the token is its own; otherwise the same 404
        for an unknown case, an unknown subscription and a wrong token."""
        stored = None
        if parse_number(number) and _SUBSCRIPTION_ID.match(subscription_id or ""):
            stored = self._subscriptions.get(number, subscription_id, now)
        expected = stored.token if stored is not None else _NO_TOKEN
        if not hmac.compare_digest(expected.encode("utf-8"), token.encode("utf-8")) or stored is None:
            raise NotFoundError(NOT_FOUND)
        return stored

    def _send_opt_in(self, case: Case, municipality: Municipality, subscription: Subscription,
                     claimed_at: datetime) -> None:
        try:
            self._mailer.send(self._opt_in_mail(case, municipality, subscription))
        except RecipientSuppressed as suppressed:
            # Answered like any other request: the answer must not tell what an address is.
            logger.info("opt-in mail not sent: the address is suppressed",
                        extra={"case_number": case.number, "subscription": subscription.id,
                               "reason": suppressed.reason})
        except Exception:
            # Not sent: free the window, so that asking again (after the error) sends at once.
            self._subscriptions.release_opt_in(case.number, subscription.id, claimed_at)
            raise

    def _opt_in_mail(self, case: Case, municipality: Municipality,
                     subscription: Subscription) -> OutgoingMail:
        # Jinja2 is imported only here: confirming and unsubscribing never pay for it.
        from ..rendering import render_mail

        language = municipality.language_or_default(subscription.language)
        service = case_mailbox(case, municipality)
        municipality_name = tr_text(municipality.name, language)
        rendered = render_mail("follow_confirm", language, {
            **case_context(case, municipality, language), "name": None,
            # The case's public page: a follower never gets the requester's private link.
            "tracking_url": tracking_url(self._public_url, case.number, None, language),
            "unsubscribe_url": None,  # nothing to end yet
            "confirm_url": confirm_url(self._public_url, subscription),
        })
        # No per-case reply address: a follower is not a party to the case, and an answer to
        # this mail goes to the service like any new message.
        return OutgoingMail(
            sender=service.address, sender_name=municipality_name, to=(subscription.email,),
            subject=f"{subject_tag(case.number)} {rendered.subject}", text=rendered.text,
            headers={"Auto-Submitted": "auto-generated", "X-Auto-Response-Suppress": "All",
                     "X-CivicDesk-Case": case.number, "Content-Language": language},
            case_number=case.number, kind="follow_confirm")
