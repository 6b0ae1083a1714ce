"""The mail channel: every message to a support address becomes or continues a case.

Order of work for one message (DESIGN.md section 6):
1. SES's spam or virus verdict quarantines it (kept in S3, listed with the reason, releasable).
2. A delivery report (bounce) is recorded on the case it bounces for; it never opens a case.
3. Threading: a per-case reply address; the case tag in the subject, from the requester or a
   participant only (a stranger opens a new case linked to it); In-Reply-To/References against
   the Message-IDs SES gave our mail; otherwise a new case. A reply to a closed case reopens it
   within the reopen window, later it opens a new, linked case.
4. The case, its timeline entry and the message's marker are written in one transaction, so a
   second delivery of the same message changes nothing (and finishes a reply a crash left unsent).
5. A new case gets an auto-reply from the support address, unless the mail is auto-generated
   (RFC 3834), failed DMARC, or the sender has had enough auto-replies this hour.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Callable
from zoneinfo import ZoneInfo

from ..domain.calendar import OfficeCalendar
from ..domain.case_changes import reopen_by_citizen
from ..domain.cases import (Case, CaseType, Channel, Contact, EventKind, Location, Status,
                            TimelineEvent, hash_token, new_tracking_token, tracking_url,
                            utc_now)
from ..domain.intake import NewCase, open_case
from ..domain.inbound import (InboundMail, InboundMarker, IntakeOutcome, IntakeResult,
                              QuarantineReason, attachment_refused, linked_for_stranger,
                              message_in)
from ..domain.mail import OutgoingMail, find_subject_tag, subject_tag
from ..domain.municipality import Municipality, Service, localised as tr_text
from ..domain.threading import base_mailbox, case_reply_address, parse_reply_address, reply_tag
from ..rendering import translate
from .municipality import MunicipalityProvider
from .ports import (BlobStore, CaseUpdate, DuplicateInbound, MailCases, MailIntakeLog, Mailer,
                    MetricsSink, Quarantine, QuarantineEntry, RateLimit, RateLimited,
                    RecipientSuppressed)

logger = logging.getLogger(__name__)

LOOP_HEADER = "X-CivicDesk-Loop"
MARKER_DAYS = 30
MAX_DESCRIPTION = 5000
MAX_EVENT_TEXT = 100_000
MAX_STORED_HTML = 100_000
#: Case types a mail is filed as, in order of preference, among those its category allows.
MAIL_TYPE_PREFERENCE = (CaseType.REQUEST, CaseType.INFORMATION, CaseType.SIGNAL,
                        CaseType.COMPLAINT, CaseType.SUGGESTION, CaseType.LETTER)


@dataclass(frozen=True)
class _Target:
    """Where threading put a message."""

    case: Case | None
    via: str | None = None  # reply_address | subject_tag | in_reply_to
    linked_to: str | None = None


class EmailIntakeService:
    def __init__(self, cases: MailCases, intake: MailIntakeLog, quarantine: Quarantine,
                 blobs: BlobStore, mailer: Mailer, municipality: MunicipalityProvider,
                 metrics: MetricsSink, public_url: str,
                 clock: Callable[[], datetime] = utc_now, parser: Callable | None = None,
                 max_attachment_bytes: int = 10 * 1024 * 1024):
        self._cases = cases
        self._intake = intake
        self._quarantine_store = quarantine
        self._blobs = blobs
        self._mailer = mailer
        self._municipality = municipality
        self._metrics = metrics
        self._public_url = public_url.rstrip("/")
        self._clock = clock
        self._parser = parser
        self._max_attachment_bytes = max_attachment_bytes

    # -- entry point -------------------------------------------------------------------------

    def process(self, inbound: InboundMail) -> IntakeResult:
        result = self._process(inbound)
        self._metrics.mail_received(result.outcome.value)
        logger.info("mail processed", extra={"ses_message_id": inbound.ses_message_id,
                                             "outcome": result.outcome.value,
                                             "case_number": result.number,
                                             "replied": result.replied, "reason": result.reason})
        return result

    def _process(self, inbound: InboundMail) -> IntakeResult:
        municipality = self._municipality.get()
        if not inbound.released:
            if inbound.virus_verdict == "FAIL":
                return self._quarantine(inbound, QuarantineReason.VIRUS)
            if inbound.spam_verdict == "FAIL":
                return self._quarantine(inbound, QuarantineReason.SPAM)
        raw = self._blobs.get(inbound.bucket, inbound.key)
        mail = self._parse(raw)
        if mail.bounce is not None:
            return self._record_bounce(inbound, mail)
        sender = mail.from_address or (mail.return_path or None)
        if not sender and not mail.text.strip() and not mail.attachments:
            return self._quarantine(inbound, QuarantineReason.UNREADABLE, mail)
        if sender and base_mailbox(sender).endswith("@" + municipality.mail_domain) \
                and "loop" in mail.auto_generated:
            return self._quarantine(inbound, QuarantineReason.OWN_MAIL, mail)
        service = self._service_for(inbound.recipients, municipality)
        target = self._thread(inbound, mail, sender, municipality)
        now = self._clock()
        if target.case is not None:
            return self._continue_case(inbound, mail, sender, target, municipality, now)
        return self._open_case(inbound, mail, sender, service, municipality, now, target.linked_to)

    # -- parsing and threading -----------------------------------------------------------------

    def _parse(self, raw: bytes):
        if self._parser is None:
            from ..mailparse import parse_mail

            self._parser = parse_mail
        return self._parser(raw, max_attachment_bytes=self._max_attachment_bytes,
                            loop_header=LOOP_HEADER)

    @staticmethod
    def _service_for(recipients: tuple[str, ...], municipality: Municipality) -> Service:
        for recipient in recipients:
            reply = parse_reply_address(recipient)
            mailbox = reply[0] if reply else base_mailbox(recipient)
            service = municipality.service_for_address(mailbox)
            if service is not None:
                return service
        return municipality.general_service  # unknown addresses of the domain: general queue

    def _thread(self, inbound: InboundMail, mail, sender: str | None,
                municipality: Municipality) -> _Target:
        # 1. the per-case reply address (its tag proves the writer got it from us)
        for recipient in inbound.recipients + mail.to + mail.cc:
            parsed = parse_reply_address(recipient)
            if parsed is None or not parsed[0].endswith("@" + municipality.mail_domain):
                continue
            case = self._cases.get_case(parsed[1])
            if case is not None and reply_tag(case.token_hash) == parsed[2]:
                live = self._live(case)
                if live is not None:
                    return _Target(live, "reply_address")
        # 2. the subject tag, only from the requester or a participant
        tagged = find_subject_tag(mail.subject)
        if tagged:
            case = self._live(self._cases.get_case(tagged))
            if case is not None:
                if case.may_write(sender):
                    return _Target(case, "subject_tag")
                return _Target(None, linked_to=case.number)
        # 3. In-Reply-To / References against the Message-IDs SES gave our mail. SES writes
        #    <MessageId@region.amazonses.com>; we store the bare MessageId it returned.
        ids = []
        for message_id in list(mail.in_reply_to) + list(reversed(mail.references)):
            ids.append(message_id)
            local, _, domain = message_id.partition("@")
            if domain.endswith("amazonses.com"):
                ids.append(local)
        if ids:
            number = self._intake.case_for_message_ids(ids)
            if number:
                case = self._live(self._cases.get_case(number))
                if case is not None:
                    return _Target(case, "in_reply_to")
        return _Target(None)

    def _live(self, case: Case | None) -> Case | None:
        """Where mail about ``case`` belongs now: the case it was merged into (a merged
        duplicate's requester is a participant there), none for a deleted case (a new case)."""
        for _ in range(5):
            if case is None or not case.merged_into:
                break
            case = self._cases.get_case(case.merged_into)
        return None if case is None or case.deleted else case

    # -- continuing a case ---------------------------------------------------------------------

    def _continue_case(self, inbound, mail, sender, target: _Target, municipality: Municipality,
                       now: datetime) -> IntakeResult:
        case = target.case
        assert case is not None
        if case.status in (Status.CLOSED, Status.CANCELLED):
            closed_at = case.updated_at
            if now - closed_at > timedelta(days=municipality.reopen_window_days):
                service = self._service_for(inbound.recipients, municipality)
                return self._open_case(inbound, mail, sender, service, municipality, now,
                                       linked_to=case.number)
        reopen = case.status in (Status.CLOSED, Status.RESOLVED, Status.CANCELLED)
        events = [self._message_event(case.number, inbound, mail, sender, now, via=target.via)]
        events += self._attachment_events(case.number, inbound, mail, now)
        answered, status_entry = reopen_by_citizen(case, at=now + timedelta(microseconds=1),
                                                   actor=f"citizen:email:{sender}")
        if status_entry is not None:
            events.append(status_entry)
        update = CaseUpdate(number=case.number, expected_version=case.version,
                            created_at=case.created_at, updated_at=now,
                            status=answered.status if status_entry is not None else None,
                            department=case.department, current_status=case.status)
        marker = InboundMarker(inbound.ses_message_id, case.number, reply_wanted=False, replied=False)
        try:
            self._intake.save_inbound(marker, update=update, events=events,
                                    expires_at=now + timedelta(days=MARKER_DAYS))
        except DuplicateInbound as duplicate:
            return IntakeResult(IntakeOutcome.DUPLICATE, duplicate.marker.number)
        outcome = IntakeOutcome.REOPENED if reopen else IntakeOutcome.APPENDED
        return IntakeResult(outcome, case.number, reason=target.via)

    # -- opening a case ------------------------------------------------------------------------

    def _open_case(self, inbound, mail, sender, service: Service, municipality: Municipality,
                   now: datetime, linked_to: str | None = None) -> IntakeResult:
        category = municipality.categories[service.default_category]
        case_type = next((t for t in MAIL_TYPE_PREFERENCE if t in category.types), category.types[0])
        language = self._language(mail, service, municipality)
        year = now.astimezone(ZoneInfo(municipality.time_zone)).year
        number = self._cases.next_number(year)
        token = new_tracking_token()
        text = (mail.new_text or mail.text or "").strip()
        description = text[:MAX_DESCRIPTION] or (mail.subject or "")[:MAX_DESCRIPTION] or "—"
        location = None
        for attachment in mail.attachments:
            if attachment.refused is None and attachment.content_type.startswith("image/"):
                position = _gps(attachment.data)
                if position:
                    location = Location(lat=position[0], lon=position[1])
                    break
        case, events = open_case(NewCase(
            number=number, type=case_type, channel=Channel.EMAIL, category=category.id,
            department=service.department, description=description, language=language,
            public=False, token_hash=hash_token(token), actor=f"citizen:email:{sender}",
            location=location,
            contact=Contact(name=(mail.from_name or None), email=sender) if sender else None,
            subject=(mail.subject or "")[:500] or None, mailbox=service.address,
            linked_cases=(linked_to,) if linked_to else ()), at=now)
        events.append(self._message_event(number, inbound, mail, sender, now + timedelta(microseconds=1)))
        events += self._attachment_events(number, inbound, mail, now + timedelta(microseconds=2))
        if linked_to:
            events.append(linked_for_stranger(number, at=now + timedelta(microseconds=3),
                                              tagged=linked_to))
        reasons = self._no_reply_reasons(inbound, mail, sender)
        reply_wanted = not reasons
        rate = None
        if reply_wanted:
            rate = RateLimit(sender=sender, hour=now.replace(minute=0, second=0, microsecond=0),
                             limit=municipality.auto_reply_limit_per_hour,
                             expires_at=now + timedelta(hours=2))
        marker = InboundMarker(inbound.ses_message_id, number, reply_wanted=reply_wanted,
                               replied=False, pending_token=token if reply_wanted else None)
        expires = now + timedelta(days=MARKER_DAYS)
        try:
            try:
                self._intake.save_inbound(marker, new_case=case, events=events, rate_limit=rate,
                                        expires_at=expires)
            except RateLimited:
                reasons = ("rate_limited",)
                marker = InboundMarker(inbound.ses_message_id, number, False, False)
                self._intake.save_inbound(marker, new_case=case, events=events, expires_at=expires)
        except DuplicateInbound as duplicate:
            return self._finish_duplicate(duplicate.marker, mail, service, municipality)
        self._metrics.case_opened(Channel.EMAIL.value, case_type.value)
        replied = False
        if not reasons:
            replied = self._auto_reply(case, token, mail, service, municipality, inbound.ses_message_id)
        outcome = IntakeOutcome.LINKED_CASE if linked_to else IntakeOutcome.NEW_CASE
        return IntakeResult(outcome, number, replied=replied,
                            reason=",".join(reasons) if reasons else None)

    def _finish_duplicate(self, marker: InboundMarker, mail, service, municipality) -> IntakeResult:
        """A second delivery: nothing new is written; a reply a crash left unsent goes now."""
        if marker.reply_wanted and not marker.replied and marker.pending_token and marker.number:
            case = self._cases.get_case(marker.number)
            if case is not None:
                self._auto_reply(case, marker.pending_token, mail, service, municipality,
                                 marker.ses_message_id)
                return IntakeResult(IntakeOutcome.DUPLICATE, marker.number, replied=True,
                                    reason="reply_completed")
        return IntakeResult(IntakeOutcome.DUPLICATE, marker.number)

    @staticmethod
    def _no_reply_reasons(inbound: InboundMail, mail, sender: str | None) -> tuple[str, ...]:
        reasons = list(mail.auto_generated)
        if not sender:
            reasons.append("no_sender")
        if inbound.dmarc_verdict == "FAIL":
            reasons.append("dmarc_fail")
        return tuple(dict.fromkeys(reasons))

    @staticmethod
    def _language(mail, service: Service, municipality: Municipality) -> str:
        """The language the citizen wrote in, when recognised; else the mailbox's language."""
        detected = getattr(mail, "language", None)
        return detected if detected in municipality.languages else service.language

    # -- timeline entries --------------------------------------------------------------------

    def _message_event(self, number, inbound: InboundMail, mail, sender, at, via=None) -> TimelineEvent:
        text = (mail.new_text or mail.text or "")
        data = {"from": sender or "", "from_name": mail.from_name or "", "subject": mail.subject or "",
                "text": text[:MAX_EVENT_TEXT], "truncated": len(text) > MAX_EVENT_TEXT,
                "raw": {"bucket": inbound.bucket, "key": inbound.key},
                "message_id": mail.message_id or "", "ses_message_id": inbound.ses_message_id,
                "to": list(mail.to), "cc": list(mail.cc),
                "attachments": [{"filename": a.filename, "content_type": a.content_type,
                                 "size": a.size, "refused": a.refused or "",
                                 "key": self._attachment_key(number, inbound, i, a) if a.refused is None else ""}
                                for i, a in enumerate(mail.attachments)],
                "auto_generated": list(mail.auto_generated),
                "verdicts": {"spam": inbound.spam_verdict, "virus": inbound.virus_verdict,
                             "dmarc": inbound.dmarc_verdict, "spf": inbound.spf_verdict}}
        if mail.html and len(mail.html) <= MAX_STORED_HTML:
            data["html"] = mail.html
        if via:
            data["threaded_by"] = via
        if mail.defects:
            data["defects"] = list(mail.defects)[:20]
        return message_in(number, at=at, sender=sender, data=data)

    @staticmethod
    def _attachment_key(number: str, inbound: InboundMail, index: int, attachment) -> str:
        safe = "".join(ch if ch.isalnum() or ch in "._-" else "_" for ch in attachment.filename)[:120]
        return f"cases/{number}/{inbound.ses_message_id}/{index:03d}-{safe}"

    def _attachment_events(self, number, inbound, mail, at) -> list[TimelineEvent]:
        """Store accepted attachments (same keys on a retry); record refused ones with why."""
        events = []
        for index, attachment in enumerate(mail.attachments):
            if attachment.refused is None:
                self._blobs.put(self._attachment_key(number, inbound, index, attachment),
                                attachment.data, attachment.content_type)
            else:
                events.append(attachment_refused(
                    number, at=at + timedelta(microseconds=index), filename=attachment.filename,
                    content_type=attachment.content_type, size=attachment.size,
                    reason=attachment.refused))
        return events

    # -- auto-reply ----------------------------------------------------------------------------

    def _auto_reply(self, case: Case, token: str, mail, service: Service,
                    municipality: Municipality, ses_message_id: str) -> bool:
        language = case.language
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
            sender=service.address, sender_name=f"{tr_text(municipality.name, language)} – {tr_text(service.name, language)}",
            to=(case.contact.email,),  # type: ignore[union-attr]
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
                              {"kind": "auto_reply", "to": case.contact.email,  # type: ignore[union-attr]
                               "subject": subject, "message_id": message_id})
        self._intake.mark_replied(ses_message_id, case.number, message_id, event)
        return True

    # -- bounces and quarantine ----------------------------------------------------------------

    def _record_bounce(self, inbound: InboundMail, mail) -> IntakeResult:
        bounce = mail.bounce
        original = bounce.original_message_id or ""
        number = self._intake.case_for_message_ids([original, original.partition("@")[0]]) \
            if original else None
        if number is None:
            return self._quarantine(inbound, QuarantineReason.UNMATCHED_BOUNCE, mail)
        now = self._clock()
        event = TimelineEvent(number, now, EventKind.DELIVERY_FAILED, "system:mail", False,
                              {"recipients": list(bounce.recipients), "status": bounce.status or "",
                               "permanent": bounce.permanent, "action": bounce.action,
                               "diagnostic": (bounce.diagnostic or "")[:1000],
                               "original_message_id": bounce.original_message_id or "",
                               "raw": {"bucket": inbound.bucket, "key": inbound.key}})
        marker = InboundMarker(inbound.ses_message_id, number, reply_wanted=False, replied=False)
        try:
            self._intake.save_inbound(marker, events=[event], expires_at=now + timedelta(days=MARKER_DAYS))
        except DuplicateInbound:
            return IntakeResult(IntakeOutcome.DUPLICATE, number)
        return IntakeResult(IntakeOutcome.BOUNCE_RECORDED, number, reason=bounce.status)

    def _quarantine(self, inbound: InboundMail, reason: QuarantineReason, mail=None) -> IntakeResult:
        entry = QuarantineEntry(
            ses_message_id=inbound.ses_message_id, reason=reason.value, bucket=inbound.bucket,
            key=inbound.key, received_at=inbound.received_at,
            sender=(mail.from_address if mail else None), subject=(mail.subject if mail else None),
            recipients=inbound.recipients,
            verdicts={"spam": inbound.spam_verdict, "virus": inbound.virus_verdict,
                      "dmarc": inbound.dmarc_verdict, "spf": inbound.spf_verdict})
        self._quarantine_store.quarantine(entry)  # idempotent: the same message gives the same item
        return IntakeResult(IntakeOutcome.QUARANTINED, reason=reason.value)

    # -- administration ------------------------------------------------------------------------

    def release(self, quarantine_id: str, released_by: str | None = None) -> IntakeResult:
        """Process a quarantined message as if its verdicts had passed (once: a second release
        of the same message is a duplicate, by the message's marker)."""
        from ..domain.errors import NotFoundError

        entry = self._quarantine_store.quarantine_entry(quarantine_id)
        if entry is None:
            raise NotFoundError("error.not_found")
        inbound = InboundMail(ses_message_id=entry.ses_message_id, bucket=entry.bucket,
                              key=entry.key, recipients=entry.recipients,
                              received_at=entry.received_at, released=True)
        result = self._process(inbound)
        self._quarantine_store.mark_released(entry, self._clock(), released_by)
        return result


def _gps(data: bytes):
    from ..mailparse import gps_from_image

    return gps_from_image(data)


def _format_moment(moment: datetime, language: str) -> str:
    weekday = translate(language, f"weekday.{('mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun')[moment.weekday()]}")
    if language == "en":
        return f"{weekday}, {moment:%d %B %Y} at {moment:%H:%M}"
    return f"{weekday}, {moment.day}. {moment.month}. {moment.year}. {moment:%H:%M}"
