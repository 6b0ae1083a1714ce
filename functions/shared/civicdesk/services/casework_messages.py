"""Changes that send a message: a reply to the citizen, a referral to an external body.

The change is recorded first (a second click with the same version is a conflict, never a
second message); how the sending went is recorded after, as its own entry."""

from __future__ import annotations

import logging
from datetime import timedelta

from .. import rendering
from ..domain import case_changes
from ..domain.cases import Case, Contact, TimelineEvent
from ..domain.errors import FieldError, ValidationError
from ..domain.municipality import Municipality
from ..domain.municipality import localised as tr_text
from ..domain.policy import Action, Principal
from ..domain.sms import OutgoingSms, fit
from .case_commands import MessageSent, Refer, Reply
from .casework_base import CaseworkBase
from .ports import RecipientSuppressed

logger = logging.getLogger(__name__)


class CaseMessages(CaseworkBase):
    def reply(self, principal: Principal | None, command: Reply) -> MessageSent:
        """Answer the citizen by e-mail (threaded) or, with only a mobile number, by SMS."""
        caller, case, events = self._for_change(principal, Action.REPLY, command.number,
                                                with_timeline=True)
        version = self._expect(case, command.version)
        contact = case.contact or Contact()
        if command.channel in ("auto", "email") and contact.email:
            channel = "email"
        elif command.channel in ("auto", "sms") and contact.phone and self._phones.can_receive_sms(contact.phone):
            channel = "sms"
        else:
            raise ValidationError([FieldError("channel", "no_contact_for_channel",
                                              {"channel": command.channel})])
        municipality = self._municipality.get()
        to = contact.email if channel == "email" else contact.phone
        changed, written = case_changes.reply(case, at=self._clock(), actor=caller.actor,
                                              channel=channel, to=to, text=command.text,
                                              status=command.status)
        reply_entry = written[0]
        saved = self._save(changed, version, written)
        try:
            delivery, message_id = self._deliver_reply(saved, events, municipality, channel,
                                                       command.text, caller)
        except RecipientSuppressed as suppressed:
            return self._reply_suppressed(saved, written, municipality, command.text,
                                          reply_entry, suppressed)
        if delivery == "failed":
            failure = case_changes.delivery_failed(case.number, at=self._clock(), channel=channel,
                                                   to=to or "", event_id=reply_entry.event_id)
            saved = self._save(saved.with_changes(updated_at=failure.at), saved.version, [failure])
        return MessageSent(saved, tuple(written), delivery=delivery, message_id=message_id,
                           channel=channel)

    def _deliver_reply(self, case: Case, events: list[TimelineEvent], municipality: Municipality,
                       channel: str, text: str, caller: Principal) -> tuple[str, str | None]:
        try:
            if channel == "email":
                mail = rendering.reply_mail(case, events, municipality, text, caller.name,
                                            tracking_url=self._requester_link(case))
                message_id = self._mailer.send(mail)
                self._message_ids.record_message_id(message_id, case.number, kind="reply",
                                             to=case.contact.email if case.contact else None)
            else:
                message_id = self._send_sms(case, rendering.reply_sms_text(case, municipality, text,
                                                                     self._requester_link(case)),
                                            kind="reply")
            return "sent", message_id
        except RecipientSuppressed:
            raise  # nothing was sent: the caller falls back to SMS
        except Exception:
            logger.exception("reply could not be sent", extra={"case_number": case.number})
            self._metrics.mail_failed(f"reply_{channel}")
            return "failed", None

    def _reply_suppressed(self, case: Case, written: list[TimelineEvent], municipality: Municipality,
                          text: str, reply_entry: TimelineEvent,
                          suppressed: RecipientSuppressed) -> MessageSent:
        """The requester's address is on the suppression list (it bounced hard or they
        complained): nothing was mailed. Recorded like a failed send, with the reason; with a
        mobile number the reply goes by SMS instead."""
        logger.info("reply not mailed: the address is suppressed",
                    extra={"case_number": case.number, "suppression": suppressed.reason})
        at = self._clock()
        entries = [case_changes.delivery_failed(case.number, at=at, channel="email",
                                                to=suppressed.address, event_id=reply_entry.event_id,
                                                reason="suppressed", suppression=suppressed.reason)]
        delivery, message_id = "suppressed", None
        phone = case.contact.phone if case.contact else None
        if phone and self._phones.can_receive_sms(phone):
            try:
                message_id = self._send_sms(case, rendering.reply_sms_text(case, municipality, text,
                                                                     self._requester_link(case)),
                                            kind="reply")
            except Exception:
                logger.exception("reply could not be sent by SMS either",
                                 extra={"case_number": case.number})
                self._metrics.mail_failed("reply_sms")
                entries.append(case_changes.delivery_failed(
                    case.number, at=at + timedelta(microseconds=1), channel="sms", to=phone,
                    event_id=reply_entry.event_id))
            else:
                delivery = "sms_fallback"
                entries.append(case_changes.sms_fallback_sent(
                    case.number, at=at + timedelta(microseconds=1), to=phone,
                    message_id=message_id, event_id=reply_entry.event_id))
        saved = self._save(case.with_changes(updated_at=at), case.version, entries)
        return MessageSent(saved, tuple(written), delivery=delivery, message_id=message_id,
                           channel="email")

    def refer(self, principal: Principal | None, command: Refer) -> MessageSent:
        """Hand the case to an external body by e-mail; its answer threads back."""
        caller, case, _ = self._for_change(principal, Action.REFER, command.number)
        municipality = self._municipality.get()
        bodies = getattr(municipality, "external_bodies", {}) or {}
        if command.body:
            body = bodies.get(command.body)
            if body is None:
                raise ValidationError([FieldError("body", "unknown_external_body")])
            to, body_name, body_id = (body.email.lower(),
                                      tr_text(body.name, municipality.default_language), body.id)
        else:
            to = body_name = (command.email or "").lower()
            body_id = ""
        version = self._expect(case, command.version)
        changed, entry = case_changes.refer(case, at=self._clock(), actor=caller.actor, to=to,
                                            body_id=body_id, body_name=body_name,
                                            message=command.message,
                                            include_contact=command.include_contact)
        saved = self._save(changed, version, [entry])
        mail = rendering.referral_mail(saved, municipality, to=to, body_name=body_name,
                                     message=command.message,
                                     include_contact=command.include_contact,
                                     staff_name=caller.name)
        message_id: str | None = None
        try:
            sent = self._mailer.send(mail)
            self._message_ids.record_message_id(sent, case.number, kind="referral", to=to)
            delivery, message_id = "sent", sent
        except Exception as error:
            details: dict[str, str] = {}
            if isinstance(error, RecipientSuppressed):  # on the suppression list: nothing sent
                logger.info("referral not mailed: the address is suppressed",
                            extra={"case_number": case.number, "suppression": error.reason})
                details = {"reason": "suppressed", "suppression": error.reason}
                delivery = "suppressed"
            else:
                logger.exception("referral could not be sent", extra={"case_number": case.number})
                self._metrics.mail_failed("referral")
                delivery = "failed"
            failure = case_changes.delivery_failed(case.number, at=self._clock(), channel="email",
                                                   to=to, event_id=entry.event_id, **details)
            saved = self._save(saved.with_changes(updated_at=failure.at), saved.version, [failure])
        return MessageSent(saved, (entry,), delivery=delivery, message_id=message_id)

    def _requester_link(self, case: Case) -> str:
        """The requester's private link to the whole case, which every answer carries."""
        return self._links.private_url(case.number, case.language)

    def _send_sms(self, case: Case, text: str, *, kind: str) -> str:
        phone = case.contact.phone if case.contact else None
        return self._sms.send(OutgoingSms(to=phone or "", text=fit(text), case_number=case.number,
                                          kind=kind, language=case.language))
