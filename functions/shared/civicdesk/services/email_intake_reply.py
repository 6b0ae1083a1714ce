"""The auto-reply to a new case: its allowance per sender and hour, the mail itself (RFC 3834,
threaded, with the office's next opening when it is closed), and what its sending recorded."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from ..domain.calendar import OfficeCalendar
from ..domain.cases import Case, EventKind, TimelineEvent
from ..domain.mail import OutgoingMail, subject_tag
from ..domain.municipality import Municipality, Service
from ..domain.municipality import localised as tr_text
from ..domain.threading import case_reply_address
from ..domain.tracking_tokens import tracking_url
from ..rendering import translate
from .email_intake_base import LOOP_HEADER, MailIntakeBase
from .ports import RateLimit, RecipientSuppressed

logger = logging.getLogger(__name__)

#: How long a sender's counter of auto-replies outlives its hour.
RATE_KEPT = timedelta(hours=2)


class AutoReply(MailIntakeBase):
    @staticmethod
    def _reply_allowance(sender: str, municipality: Municipality, now: datetime) -> RateLimit:
        """The auto-reply allowance of ``sender`` in the hour of ``now``, counted with the case
        that uses it."""
        return RateLimit(sender=sender, hour=now.replace(minute=0, second=0, microsecond=0),
                         limit=municipality.auto_reply_limit_per_hour,
                         expires_at=now + RATE_KEPT)

    def _auto_reply(self, case: Case, token: str, mail, service: Service,
                    municipality: Municipality, ses_message_id: str) -> bool:
        language = case.language
        to = case.contact.email if case.contact else None
        assert to is not None  # an auto-reply is wanted only for a mail with a sender
        now = self._clock()
        calendar = OfficeCalendar(municipality.working_hours, municipality.time_zone,
                                  municipality.holidays)
        link = tracking_url(self._public_url, case.number, token, language)
        params = {"number": case.number, "municipality": tr_text(municipality.name, language),
                  "service": tr_text(service.name, language), "tracking_url": link,
                  "subject": mail.subject or "", "name_part": f", {mail.from_name}" if mail.from_name else ""}
        body = [translate(language, "mail.autoreply.body", **params)]
        if not calendar.is_open(now):
            opening = calendar.next_opening(now)
            if opening is not None:
                key = "mail.autoreply.holiday" if calendar.is_holiday(now) else "mail.autoreply.closed"
                body.append(translate(language, key, when=_format_moment(opening, language)))
        body.append(translate(language, "mail.autoreply.footer", **params))
        headers = {"Auto-Submitted": "auto-replied", "X-Auto-Response-Suppress": "All",
                   LOOP_HEADER: municipality.mail_domain, "X-CivicDesk-Case": case.number,
                   "Content-Language": language, "Precedence": "auto_reply"}
        if mail.message_id:
            headers["In-Reply-To"] = f"<{mail.message_id}>"
            references = [f"<{r}>" for r in mail.references][-10:] + [f"<{mail.message_id}>"]
            headers["References"] = " ".join(references)
        original = (mail.subject or "").strip()
        subject = f"{subject_tag(case.number)} {translate(language, 'mail.autoreply.subject', **params)}"
        if original:
            subject = f"{subject} – {original[:150]}"
        outgoing = OutgoingMail(
            sender=service.address,
            sender_name=f"{tr_text(municipality.name, language)} – {tr_text(service.name, language)}",
            to=(to,),
            subject=subject, text="\n\n".join(body),
            reply_to=case_reply_address(service.address, case.number, case.token_hash),
            headers=headers, case_number=case.number, kind="auto_reply")
        try:
            message_id = self._mailer.send(outgoing)
        except RecipientSuppressed as suppressed:
            # The sender's address bounced hard or complained before: no reply, and nothing to
            # retry. The marker stops wanting one; the timeline says why.
            logger.info("auto-reply not sent: the address is suppressed",
                        extra={"case_number": case.number, "suppression": suppressed.reason})
            self._intake.mark_reply_skipped(ses_message_id, TimelineEvent(
                case.number, self._clock(), EventKind.DELIVERY_FAILED, "system:auto_reply", False,
                {"channel": "email", "kind": "auto_reply", "to": suppressed.address,
                 "reason": "suppressed", "suppression": suppressed.reason}))
            return False
        except Exception:
            logger.exception("auto-reply failed", extra={"case_number": case.number})
            self._metrics.mail_failed("auto_reply")
            raise  # retried by Lambda; the marker still says the reply is pending
        event = TimelineEvent(case.number, self._clock(), EventKind.MESSAGE_OUT, "system:auto_reply", True,
                              {"kind": "auto_reply", "to": to, "subject": subject, "message_id": message_id})
        self._intake.mark_replied(ses_message_id, case.number, message_id, event)
        return True


def _format_moment(moment: datetime, language: str) -> str:
    weekday = translate(language, f"weekday.{('mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun')[moment.weekday()]}")
    if language == "en":
        return f"{weekday}, {moment:%d %B %Y} at {moment:%H:%M}"
    return f"{weekday}, {moment.day}. {moment.month}. {moment.year}. {moment:%H:%M}"
