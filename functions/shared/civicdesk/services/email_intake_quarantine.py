"""Quarantine: a message kept in S3 and listed with the reason it became no case (SES's spam or
virus verdict, unreadable, our own mail come back, a delivery report for no mail of ours); an
administrator may release it (``EmailIntakeService.release``)."""

from __future__ import annotations

from ..domain.inbound import InboundMail, IntakeOutcome, IntakeResult, QuarantineReason
from .email_intake_base import MailIntakeBase
from .ports import QuarantineEntry


class MailQuarantine(MailIntakeBase):
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
