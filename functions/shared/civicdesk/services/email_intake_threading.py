"""Threading: which support service a message is for, and which case, if any, it continues."""

from __future__ import annotations

from msgspec import Struct

from ..domain.cases import Case
from ..domain.inbound import InboundMail
from ..domain.mail import find_subject_tag
from ..domain.municipality import Municipality, Service
from ..domain.threading import base_mailbox, parse_reply_address, reply_tag
from .email_intake_base import MailIntakeBase


class ThreadTarget(Struct, frozen=True):
    """Where threading put a message."""

    case: Case | None
    via: str | None = None  # reply_address | subject_tag | in_reply_to
    linked_to: str | None = None


class MailThreading(MailIntakeBase):
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
                municipality: Municipality) -> ThreadTarget:
        # 1. the per-case reply address (its tag proves the writer got it from us)
        for recipient in inbound.recipients + mail.to + mail.cc:
            parsed = parse_reply_address(recipient)
            if parsed is None or not parsed[0].endswith("@" + municipality.mail_domain):
                continue
            case = self._cases.get_case(parsed[1])
            if case is not None and reply_tag(case.token_hash) == parsed[2]:
                live = self._live(case)
                if live is not None:
                    return ThreadTarget(live, "reply_address")
        # 2. the subject tag, only from the requester or a participant
        tagged = find_subject_tag(mail.subject)
        if tagged:
            case = self._live(self._cases.get_case(tagged))
            if case is not None:
                if case.may_write(sender):
                    return ThreadTarget(case, "subject_tag")
                return ThreadTarget(None, linked_to=case.number)
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
                    return ThreadTarget(case, "in_reply_to")
        return ThreadTarget(None)

    def _live(self, case: Case | None) -> Case | None:
        """Where mail about ``case`` belongs now: the case it was merged into (a merged
        duplicate's requester is a participant there), none for a deleted case (a new case)."""
        for _ in range(5):
            if case is None or not case.merged_into:
                break
            case = self._cases.get_case(case.merged_into)
        return None if case is None or case.deleted else case
