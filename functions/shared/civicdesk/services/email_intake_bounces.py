"""Delivery reports: a bounce is recorded on the case whose mail it bounces; it never opens a
case, and one for no mail of ours is quarantined."""

from __future__ import annotations

from datetime import timedelta

from ..domain.cases import EventKind, TimelineEvent
from ..domain.inbound import InboundMail, InboundMarker, IntakeOutcome, IntakeResult, QuarantineReason
from .email_intake_base import MARKER_DAYS
from .email_intake_quarantine import MailQuarantine
from .ports import DuplicateInbound


class MailBounces(MailQuarantine):
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
