"""The confirmations of alert subscriptions: the mail with the link that confirms an address and
the SMS with the code that confirms a number (``services/alerts.py`` decides when).

Neither goes to an address or number on the suppression list, nor beyond
``CONFIRMATIONS_PER_DAY`` mails to a mailbox (``domain.delivery.mailbox_of``) and
``CODES_PER_NUMBER_PER_DAY`` codes to a number in a UTC day, whatever subscriptions ask: the
answer to subscribing never tells whether anything was sent.
"""

from __future__ import annotations

import logging
from datetime import datetime

from ..domain.alerts import CODE_LIFETIME, PENDING_LIFETIME, AlertSubscription, confirm_url
from ..domain.delivery import mailbox_of
from ..domain.mail import OutgoingMail
from ..domain.municipality import Municipality, localised
from ..domain.sms import OutgoingSms, SmsDeliveryError, fit
from .ports import Allowances, Mailer, RecipientSuppressed, SmsSender, SuppressionList

logger = logging.getLogger(__name__)

#: Confirmation mails to one mailbox, and codes to one number, in a UTC day (all subscriptions).
CONFIRMATIONS_PER_DAY = 3
CODES_PER_NUMBER_PER_DAY = 5


class AlertConfirmations:
    def __init__(self, mailer: Mailer, sms: SmsSender, suppressions: SuppressionList,
                 allowances: Allowances, public_url: str):
        self._mailer = mailer
        self._sms = sms
        self._suppressions = suppressions
        self._allowances = allowances
        self._public_url = public_url.rstrip("/")

    def mail(self, subscription: AlertSubscription, municipality: Municipality, now: datetime) -> bool:
        """Mail the confirmation link; whether it went out. A failed send is logged: the
        subscription stands (the answer must not differ), and subscribing again mails."""
        assert subscription.email is not None
        if not self._allowances.take("alertsoptin", mailbox_of(subscription.email), now.date(),
                                     CONFIRMATIONS_PER_DAY):
            logger.info("alert confirmation mail not sent: the mailbox had its mails for today",
                        extra={"subscription": subscription.id})
            return False
        try:
            self._mailer.send(self._confirmation_mail(subscription, municipality))
        except RecipientSuppressed as suppressed:
            logger.info("alert confirmation mail not sent: the address is suppressed",
                        extra={"subscription": subscription.id, "reason": suppressed.reason})
            return False
        except Exception:
            logger.exception("alert confirmation mail failed", extra={"subscription": subscription.id})
            return False
        return True

    def code(self, subscription: AlertSubscription, code: str, municipality: Municipality,
             now: datetime) -> bool | None:
        """Text the code: ``True`` sent, ``None`` held back (suppressed, or the number had its
        codes today), ``False`` the SMS service refused it (the caller gives the claim back, so
        that asking again sends at once)."""
        assert subscription.phone is not None
        phone = subscription.phone
        if self._suppressions.suppressed([phone]):
            logger.info("alert SMS code not sent: the number is suppressed",
                        extra={"subscription": subscription.id})
            return None
        if not self._allowances.take("alertscode", phone, now.date(), CODES_PER_NUMBER_PER_DAY):
            logger.info("alert SMS code not sent: the number had its codes for today",
                        extra={"subscription": subscription.id})
            return None
        from ..rendering.alert_texts import code_sms

        language = subscription.language
        text = code_sms(language, municipality=localised(municipality.name, language), code=code,
                        minutes=int(CODE_LIFETIME.total_seconds() // 60), policy=municipality.sms)
        try:
            self._sms.send(OutgoingSms(to=phone, text=fit(text), kind="alerts_code", language=language))
        except SmsDeliveryError as error:
            logger.info("alert SMS code not sent", extra={"subscription": subscription.id,
                                                          "reason": error.reason.value})
            return False
        return True

    def _confirmation_mail(self, subscription: AlertSubscription,
                           municipality: Municipality) -> OutgoingMail:
        from ..rendering.alert_texts import confirm_mail

        language = subscription.language
        name = localised(municipality.name, language)
        rendered = confirm_mail(
            language, municipality=name,
            topics=[localised(municipality.alert_topics[t].name, language)
                    for t in subscription.topics if t in municipality.alert_topics],
            areas=[localised(municipality.areas[a].name, language)
                   for a in subscription.areas if a in municipality.areas],
            point=subscription.point,
            url=confirm_url(self._public_url, subscription.token, language),
            days=PENDING_LIFETIME.days)
        service = municipality.general_service
        assert subscription.email is not None
        return OutgoingMail(
            sender=service.address, sender_name=name, to=(subscription.email,),
            subject=rendered.subject, text=rendered.text,
            headers={"Auto-Submitted": "auto-generated", "X-Auto-Response-Suppress": "All",
                     "Content-Language": language},
            kind="alerts_confirm")
