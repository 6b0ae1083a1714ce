"""Delivery feedback and the suppression list.

* ``DeliveryFeedbackService``: what SES reports about our mail (delivered, bounced, complained,
  rejected, delayed) is recorded on the recipient and on the case the mail was about; a hard
  bounce or a complaint puts the address on the suppression list; a hard bounce of a mail to the
  requester is followed by an SMS when the case has a mobile number, at most once per bounce.
* ``SuppressionCheckingMailer``: the ``Mailer`` every service gets; it refuses to mail a
  suppressed address (``RecipientSuppressed``) instead of sending.
* ``SuppressionAdmin``: staff list the suppression list and lift an entry, with a reason.
"""

from __future__ import annotations

import logging
import re
from datetime import datetime, timedelta
from typing import Callable, Protocol

from msgspec.structs import replace

from ..domain.cases import Case, EventKind, TimelineEvent, utc_now
from ..domain.delivery import (
    DeliveryReport,
    Recipient,
    address_key,
    new_recipient,
    normalise_address,
    parse_delivery_events,
    report_key,
)
from ..domain.errors import FieldError, NotFoundError, ValidationError
from ..domain.mail import OutgoingMail
from ..domain.policy import Action, Principal, authorise
from ..domain.redaction import redact
from ..domain.sms import SmsDeliveryError, SmsFailure
from ..rendering import case_context
from .commands import Page, PageQuery, StaffCommand
from .municipality import MunicipalityProvider
from .ports import (
    CaseReader,
    DeliveryRecords,
    Mailer,
    MessageOrigins,
    NotificationClaims,
    PhoneNumbers,
    RecipientSuppressed,
    SmsSender,
    SuppressionList,
    SuppressionRegister,
)
from .tracking_links import TrackingLinks

logger = logging.getLogger(__name__)

#: Who the timeline says recorded a report, and sent the fallback SMS.
ACTOR = "system:ses"
FALLBACK_ACTOR = "system:delivery"
#: The SMS template of the fallback (``civicdesk.rendering``) and the recipient part of its
#: ``NOTIFY#bounce/<SES message id>#requester-sms`` claim.
FALLBACK_TEMPLATE = "email_bounced"
FALLBACK_RECIPIENT = "requester-sms"

#: A page of the suppression list when the query names no limit.
SUPPRESSIONS_PAGE = 50

_ADDRESS = re.compile(r"^[^@\s<>()\[\],;:\"]{1,64}@[^@\s<>()\[\],;:\"]{1,253}\.[^@\s<>()\[\],;:\"]{1,63}$")


class DeliveryFeedbackService:
    """One SQS message of the delivery events queue at a time (``handle``)."""

    def __init__(self, recipients: DeliveryRecords, cases: CaseReader, messages: MessageOrigins,
                 claims: NotificationClaims, sms: SmsSender, municipality: MunicipalityProvider, *,
                 phones: PhoneNumbers, links: TrackingLinks,
                 clock: Callable[[], datetime] = utc_now, campaigns: CampaignMail | None = None):
        self._recipients = recipients
        self._campaigns = campaigns
        self._links = links
        self._cases = cases
        self._messages = messages
        self._claims = claims
        self._sms = sms
        self._phones = phones
        self._municipality = municipality
        self._clock = clock

    def handle(self, body: str | bytes | dict) -> list[str]:
        """Record every report of one SES event; the outcome of each (``recorded``,
        ``duplicate``, ``no_case``, ``campaign``). Raises ``DeliveryEventError`` for an unreadable event and
        whatever a failed SMS raised, so that the message is retried."""
        return [self.record(report) for report in parse_delivery_events(body)]

    def record(self, report: DeliveryReport) -> str:
        origin = self._messages.message_origin(report.message_id)
        number, mail_kind = (origin[0], origin[1]) if origin else (None, None)
        case = self._cases.get_case(number) if number else None
        recipient = self._recipients.recipient(report.address) or new_recipient(report.address)
        suppress = recipient.suppresses_after(report)
        events = self._entries(case, report, mail_kind, suppress) if case else []
        new = self._recipients.record(report, case_number=case.number if case else None,
                                mail_kind=mail_kind, suppress=suppress,
                                update_last=recipient.is_newer(report), events=events)
        if case is None and self._campaigns is not None and self._campaigns.mail_report(report):
            return "campaign"  # a campaign's mail: its recipient moves on (services/campaign_sending.py)
        if case is None:
            # Mail of no case we know (sent before message ids were kept, or by another
            # sender of the account): the recipient has it, the case cannot.
            logger.info("delivery report for a message of no known case", extra={
                "ses_message_id": report.message_id, "status": report.status.value,
                "recorded": new})
            return "no_case"
        if report.hard_bounce and self._to_requester(case, report.address):
            self._fallback_sms(case, report)
        return "recorded" if new else "duplicate"

    @staticmethod
    def _to_requester(case: Case, address: str) -> bool:
        requester = case.contact.email if case.contact else None
        return bool(requester) and normalise_address(requester or "") == address

    @staticmethod
    def _correspondent(case: Case, address: str) -> bool:
        """The requester or a participant (a body the case was referred to): the people the
        case corresponds with. Followers and staff are not: their addresses stay off the case,
        and their bounces are no failure of the case's correspondence."""
        requester = normalise_address(case.contact.email) if case.contact and case.contact.email else None
        return address == requester or address in {normalise_address(p) for p in case.participants}

    def _entries(self, case: Case, report: DeliveryReport, mail_kind: str | None,
                 suppress: bool) -> list[TimelineEvent]:
        correspondent = self._correspondent(case, report.address)
        data: dict = {"status": report.status.value,
                      "to": report.address if correspondent else redact(report.address),
                      "message_id": report.message_id, "event_type": report.event_type}
        if not correspondent:
            data["recipient"] = address_key(report.address)  # the suppression list's key
        optional = {"bounce_type": report.bounce_type, "bounce_subtype": report.bounce_subtype,
                    "diagnostic": report.diagnostic, "smtp_status": report.smtp_status,
                    "detail": report.detail, "kind": mail_kind}
        data.update({key: value for key, value in optional.items() if value})
        if suppress and report.suppression is not None:
            data["suppressed"] = report.suppression.value
        entries = [TimelineEvent(case.number, report.at, EventKind.DELIVERY_REPORT, ACTOR, False,
                                 data, event_id=report.key)]
        if report.failed and correspondent:
            reason = report.suppression.value if report.suppression else report.status.value
            failure = {"channel": "email", "to": report.address, "reason": reason,
                       "message_id": report.message_id, "report": report.key}
            if mail_kind:
                failure["kind"] = mail_kind
            entries.append(TimelineEvent(
                case.number, report.at + timedelta(microseconds=1), EventKind.DELIVERY_FAILED,
                ACTOR, False, failure,
                event_id=report_key(report.message_id, report.address, report.event_type, "failed")))
        return entries

    def _fallback_sms(self, case: Case, report: DeliveryReport) -> None:
        """Tell the requester by SMS that their mail bounces: claimed first, so a repeated
        report (or a retry after a crash) never sends it twice; a failed send is marked and
        raised, so the queue message is retried and the claim taken again."""
        from ..domain.sms import OutgoingSms, fit
        from ..rendering import render_sms

        phone = case.contact.phone if case.contact else None
        if not phone or not self._phones.can_receive_sms(phone):
            return
        municipality = self._municipality.get()
        language = municipality.language_or_default(case.language)
        # Rendered before the claim: a template error must not leave a claim that never sends.
        text = fit(render_sms(FALLBACK_TEMPLATE, language, {
            **case_context(case, municipality, language),
            "tracking_url": self._links.private_url(case.number, language)}, municipality.sms))
        event_id = f"bounce/{report.message_id}"
        now = self._clock()
        if not self._claims.claim(case.number, event_id, FALLBACK_RECIPIENT, now):
            return
        try:
            message_id = self._sms.send(OutgoingSms(to=phone, text=text, case_number=case.number,
                                                    kind=FALLBACK_TEMPLATE, language=language))
        except SmsDeliveryError as refused:
            if refused.reason is not SmsFailure.OPTED_OUT:
                self._claims.release(case.number, event_id, FALLBACK_RECIPIENT,
                                     redact(f"{type(refused).__name__}: {refused}"))
                raise
            # the number answered STOP: nothing to send, ever; the claim and the entry say why
            entry = TimelineEvent(case.number, now, EventKind.NOTIFICATION, FALLBACK_ACTOR, False,
                                  {"channel": "sms", "kind": FALLBACK_TEMPLATE, "to": phone,
                                   "outcome": "suppressed", "email": report.address,
                                   "cause": report.message_id},
                                  event_id=report_key(report.message_id, report.address,
                                                      report.event_type, "sms"))
            self._claims.complete(case.number, event_id, FALLBACK_RECIPIENT, state="suppressed",
                                  channel="sms", message_id=None, entry=entry, case=case)
            return
        except Exception as error:
            self._claims.release(case.number, event_id, FALLBACK_RECIPIENT,
                               redact(f"{type(error).__name__}: {error}"))
            raise
        entry = TimelineEvent(case.number, now, EventKind.NOTIFICATION, FALLBACK_ACTOR, False,
                              {"channel": "sms", "kind": FALLBACK_TEMPLATE, "to": phone,
                               "message_id": message_id, "email": report.address,
                               "cause": report.message_id},
                              event_id=report_key(report.message_id, report.address,
                                                  report.event_type, "sms"))
        self._claims.complete(case.number, event_id, FALLBACK_RECIPIENT, state="sent", channel="sms",
                            message_id=message_id, entry=entry, case=case)


class CampaignMail(Protocol):
    """The campaigns' side of mail feedback (``campaign_sending.CampaignFeedback``)."""

    def mail_report(self, report: DeliveryReport) -> bool:
        """Whether the report was about a campaign's mail (then recorded on its recipient)."""
        ...


class SuppressionCheckingMailer:
    """The ``Mailer`` every sender gets: looks the recipients up on the suppression list (one
    ``GetItem``, or one ``BatchGetItem`` for several) and leaves the suppressed ones out. When
    nobody is left, nothing is sent and ``RecipientSuppressed`` is raised for the first one.

    Examples
    --------
    >>> class Sent:
    ...     def send(self, mail): return "ses-id"
    >>> class Listed:
    ...     def suppressed(self, addresses): return {"gone@example.rs": "bounce"}
    >>> mail = OutgoingMail("kjs@demo.rs", "KJS", ("Gone@example.rs",), "S", "T")
    >>> SuppressionCheckingMailer(Sent(), Listed()).send(mail)
    Traceback (most recent call last):
    ...
    civicdesk.services.ports.RecipientSuppressed: gone@example.rs is suppressed (bounce)
    """

    def __init__(self, mailer: Mailer, suppressions: SuppressionList):
        self._mailer = mailer
        self._suppressions = suppressions

    def send(self, mail: OutgoingMail) -> str:
        suppressed = self._suppressions.suppressed(mail.to)
        if not suppressed:
            return self._mailer.send(mail)
        remaining = tuple(a for a in mail.to if normalise_address(a) not in suppressed)
        if not remaining:
            address = next(normalise_address(a) for a in mail.to)
            raise RecipientSuppressed(address, suppressed[address])
        logger.info("suppressed recipients left out", extra={
            "case_number": mail.case_number, "kind": mail.kind, "left_out": len(suppressed)})
        return self._mailer.send(replace(mail, to=remaining))


class SuppressionCheckingSmsSender:
    """The ``SmsSender`` every notification, alert and campaign gets: a number on the
    suppression list (it answered ``STOP``, ``docs/sms.md``) is not texted; the sender raises
    ``SmsDeliveryError(OPTED_OUT)``, which no retry helps, instead (one ``GetItem``).

    Examples
    --------
    >>> from ..domain.sms import OutgoingSms
    >>> class Sent:
    ...     def send(self, sms): return "sns-id"
    >>> class Listed:
    ...     def suppressed(self, addresses):
    ...         return {a: "sms_opt_out" for a in addresses if a == "+381641234567"}
    >>> SuppressionCheckingSmsSender(Sent(), Listed()).send(OutgoingSms("+381641234567", "Hi"))
    Traceback (most recent call last):
    ...
    civicdesk.domain.sms.SmsDeliveryError: opted_out: on the suppression list (sms_opt_out)
    >>> SuppressionCheckingSmsSender(Sent(), Listed()).send(OutgoingSms("+381601111111", "Hi"))
    'sns-id'
    """

    def __init__(self, sender, suppressions: SuppressionList):
        self._sender = sender
        self._suppressions = suppressions

    def send(self, sms) -> str:
        suppressed = self._suppressions.suppressed([sms.to])
        if suppressed:
            logger.info("sms to a suppressed number not sent", extra={
                "case_number": sms.case_number, "kind": sms.kind})
            raise SmsDeliveryError(SmsFailure.OPTED_OUT,
                                   f"on the suppression list ({next(iter(suppressed.values()))})")
        return self._sender.send(sms)


class LiftSuppression(StaffCommand, frozen=True, kw_only=True):
    """Take ``address`` (as the path names it) off the suppression list, for ``reason``."""

    address: str
    reason: str = ""


class SuppressionAdmin:
    """The suppression list for supervisors and administrators."""

    def __init__(self, repository: SuppressionRegister, clock: Callable[[], datetime] = utc_now):
        self._repo = repository
        self._clock = clock

    def list(self, principal: Principal | None, query: PageQuery) -> Page[Recipient]:
        authorise(principal, Action.MANAGE_SUPPRESSIONS)
        query.raise_invalid()
        recipients, cursor = self._repo.suppressed_page(
            limit=query.limit if query.limit is not None else SUPPRESSIONS_PAGE, cursor=query.cursor)
        return Page(list(recipients), cursor)

    def lift(self, principal: Principal | None, command: LiftSuppression) -> Recipient:
        """The address's recipient, lifted; 404 when it is not on the list."""
        authorise(principal, Action.MANAGE_SUPPRESSIONS)
        assert principal is not None
        address = normalise_address(command.address or "")
        command.raise_invalid()
        if len(address) > 254 or not _ADDRESS.match(address):
            raise ValidationError([FieldError("address", "invalid_email")])
        lifted = self._repo.lift(address, at=self._clock(), by=principal.actor,
                                 reason=command.reason)
        if lifted is None:
            raise NotFoundError("error.suppression_not_found")
        return lifted
