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
   A mail that failed DMARC never continues a case (its From: may be anyone's): it waits in
   quarantine. The same message delivered again under a new SES id (an MTA's retry) is
   recognised by its sender and Message-ID. A sender's mail opens at most the municipality's
   ``new_cases_per_sender_per_day``; beyond, its mail waits in quarantine (a looping responder).
5. A new case gets an auto-reply from the support address, unless the mail is auto-generated
   (RFC 3834), failed DMARC, or the sender has had enough auto-replies this hour.

The steps live by responsibility: quarantine (``email_intake_quarantine``), delivery reports
(``email_intake_bounces``), threading (``email_intake_threading``), the message on a case
(``email_intake_cases``) and the auto-reply with its allowance (``email_intake_reply``).
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import TYPE_CHECKING, Callable

from ..domain.cases import utc_now
from ..domain.errors import NotFoundError
from ..domain.inbound import InboundMail, IntakeResult, QuarantineReason
from ..domain.threading import base_mailbox
from .email_intake_base import LOOP_HEADER
from .email_intake_bounces import MailBounces
from .email_intake_cases import CaseMail
from .municipality import MunicipalityProvider
from .ports import BlobStore, MailCases, Mailer, MailIntakeLog, MetricsSink, Quarantine, QuarantineEntry

if TYPE_CHECKING:
    from ..mailparse.model import ParsedMail

logger = logging.getLogger(__name__)


class EmailIntakeService(MailBounces, CaseMail):
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

    def process(self, inbound: InboundMail) -> IntakeResult:
        result = self._process(inbound)
        self._metrics.mail_received(result.outcome.value)
        logger.info("mail processed", extra={"ses_message_id": inbound.ses_message_id,
                                             "outcome": result.outcome.value,
                                             "case_number": result.number,
                                             "replied": result.replied, "reason": result.reason})
        return result

    def release(self, quarantine_id: str, released_by: str | None = None) -> IntakeResult:
        """Process a quarantined message as if its verdicts had passed (once: a second release
        of the same message is a duplicate, by the message's marker)."""
        entry = self._quarantine_store.quarantine_entry(quarantine_id)
        if entry is None:
            raise NotFoundError("error.not_found")
        inbound = InboundMail(ses_message_id=entry.ses_message_id, bucket=entry.bucket,
                              key=entry.key, recipients=entry.recipients,
                              received_at=entry.received_at, released=True)
        result = self._process(inbound)
        self._quarantine_store.mark_released(entry, self._clock(), released_by)
        return result

    def quarantined_message(self, quarantine_id: str) -> tuple[QuarantineEntry, ParsedMail]:
        """A quarantined message as staff inspect it before they release it: its entry and the
        raw mail read from S3 and parsed, nothing processed, stored or sent."""
        entry = self._quarantine_store.quarantine_entry(quarantine_id)
        if entry is None:
            raise NotFoundError("error.not_found")
        return entry, self._parse(self._blobs.get(entry.bucket, entry.key))

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
        if target.case is not None and inbound.dmarc_verdict == "FAIL" and not inbound.released:
            # The From: is not the sender's to prove: the message would speak (and reopen) in
            # the requester's name. Staff who checked it release it into the case.
            return self._quarantine(inbound, QuarantineReason.SPOOFED, mail)
        now = self._clock()
        if target.case is not None:
            return self._continue_case(inbound, mail, sender, target, municipality, now)
        return self._open_case(inbound, mail, sender, service, municipality, now, target.linked_to)

    def _parse(self, raw: bytes):
        if self._parser is None:
            from ..mailparse import parse_mail

            self._parser = parse_mail
        return self._parser(raw, max_attachment_bytes=self._max_attachment_bytes,
                            loop_header=LOOP_HEADER)
