"""A message on a case: appended to the case threading found (reopening it, or opening a linked
case when it closed too long ago), or opening a new case; written with its timeline entries and
the message's marker in one transaction, so a second delivery changes nothing (and finishes an
auto-reply a crash left unsent)."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from ..domain.case_changes import reopen_by_citizen
from ..domain.cases import CaseType, Channel, Contact, Location, Status, TimelineEvent
from ..domain.inbound import (
    InboundMail,
    InboundMarker,
    IntakeOutcome,
    IntakeResult,
    QuarantineReason,
    attachment_refused,
    linked_for_stranger,
    message_fingerprint,
    message_in,
)
from ..domain.intake import NewCase, open_case
from ..domain.municipality import Municipality, Service
from ..domain.service_levels import track
from ..domain.tracking_tokens import hash_token, new_tracking_token
from .email_intake_base import MARKER_DAYS
from .email_intake_quarantine import MailQuarantine
from .email_intake_reply import AutoReply
from .email_intake_threading import MailThreading, ThreadTarget
from .ports import CaseUpdate, DuplicateInbound, NewCaseAllowance, RateLimited, SenderFlooding

MAX_DESCRIPTION = 5000
MAX_EVENT_TEXT = 100_000
MAX_STORED_HTML = 100_000
#: Case types a mail is filed as, in order of preference, among those its category allows.
MAIL_TYPE_PREFERENCE = (CaseType.REQUEST, CaseType.INFORMATION, CaseType.SIGNAL,
                        CaseType.COMPLAINT, CaseType.SUGGESTION, CaseType.LETTER)
#: How long a sender's counter of new cases outlives its day.
NEW_CASES_KEPT = timedelta(days=2)


class CaseMail(MailThreading, AutoReply, MailQuarantine):
    # -- continuing a case ---------------------------------------------------------------------

    def _continue_case(self, inbound, mail, sender, target: ThreadTarget,
                       municipality: Municipality, now: datetime) -> IntakeResult:
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
                            department=case.department, current_status=case.status,
                            tracked=track(answered, events, municipality.service_levels,
                                          at=now + timedelta(microseconds=1)))
        marker = InboundMarker(inbound.ses_message_id, case.number, reply_wanted=False, replied=False)
        try:
            self._intake.save_inbound(marker, update=update, events=events,
                                      fingerprint=_fingerprint(mail, sender),
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
        location = _photo_location(mail, municipality)
        case, events = open_case(NewCase(
            number=number, type=case_type, channel=Channel.EMAIL, category=category.id,
            department=service.department, description=description, language=language,
            public=False, token_hash=hash_token(token), actor=f"citizen:email:{sender}",
            location=location,
            contact=Contact(name=(mail.from_name or None), email=sender) if sender else None,
            subject=(mail.subject or "")[:500] or None, mailbox=service.address,
            linked_cases=(linked_to,) if linked_to else ()), at=now,
            levels=municipality.service_levels)
        events.append(self._message_event(number, inbound, mail, sender, now + timedelta(microseconds=1)))
        events += self._attachment_events(number, inbound, mail, now + timedelta(microseconds=2))
        if linked_to:
            events.append(linked_for_stranger(number, at=now + timedelta(microseconds=3),
                                              tagged=linked_to))
        reasons = self._no_reply_reasons(inbound, mail, sender)
        reply_wanted = not reasons
        rate = self._reply_allowance(sender, municipality, now) if reply_wanted else None
        marker = InboundMarker(inbound.ses_message_id, number, reply_wanted=reply_wanted,
                               replied=False, pending_token=token if reply_wanted else None)
        expires = now + timedelta(days=MARKER_DAYS)
        fingerprint = _fingerprint(mail, sender)
        # released by staff: beyond the limit on purpose
        allowance = None if inbound.released or not sender else NewCaseAllowance(
            sender=sender.lower(), day=now.date(), limit=municipality.new_cases_per_sender_per_day,
            expires_at=now + NEW_CASES_KEPT)
        try:
            try:
                self._intake.save_inbound(marker, new_case=case, events=events, rate_limit=rate,
                                          fingerprint=fingerprint, new_case_allowance=allowance,
                                          expires_at=expires)
            except RateLimited:
                reasons = ("rate_limited",)
                marker = InboundMarker(inbound.ses_message_id, number, False, False)
                self._intake.save_inbound(marker, new_case=case, events=events,
                                          fingerprint=fingerprint, new_case_allowance=allowance,
                                          expires_at=expires)
        except DuplicateInbound as duplicate:
            return self._finish_duplicate(duplicate.marker, mail, service, municipality)
        except SenderFlooding:
            return self._quarantine(inbound, QuarantineReason.SENDER_RATE, mail)
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


def _fingerprint(mail, sender: str | None) -> str | None:
    return message_fingerprint(sender, mail.message_id, mail.date, mail.subject or "",
                               mail.new_text or mail.text or "")


def _photo_location(mail, municipality: Municipality) -> Location | None:
    """The position of the first attached photo taken in the municipality. A position outside
    it (a photo from a holiday, a phone with a stale fix, a forwarded picture) is ignored, not
    refused: the mail still becomes a case, located by its text or by the operator, and the web
    form's 400 has no one to tell here."""
    from ..mailparse import gps_from_image

    for attachment in mail.attachments:
        if attachment.refused is None and attachment.content_type.startswith("image/"):
            position = gps_from_image(attachment.data)
            if position:
                location = Location(lat=position[0], lon=position[1])
                if municipality.covers(location):
                    return location
    return None
