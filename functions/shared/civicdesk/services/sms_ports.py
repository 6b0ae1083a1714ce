"""What the SMS channel (``services.sms_intake``) needs of the table: the port and the records it
passes (``adapters.dynamodb.sms_inbox`` implements it)."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol, Sequence

from msgspec import Struct

from ..domain.cases import Case, TimelineEvent
from ..domain.inbound_sms import InboundSms, PendingQuestion, SenderKind, SmsContext
from ..domain.municipality import Municipality
from .port_records import CaseUpdate, NewCaseAllowance, RateLimit


class SmsMarker(Struct, frozen=True):
    """What was done with one incoming SMS (by its ``inboundMessageId``), written in the same
    transaction as its effect. ``reply_text`` is the reply to send (kept until it is sent, so a
    redelivery after a crash sends exactly it); ``reply_suppressed`` why none is sent."""

    message_id: str
    outcome: str
    sender: str
    number: str | None = None
    reply_to: str | None = None
    reply_from: str | None = None  # the number the citizen texted: the reply comes from it
    reply_text: str | None = None
    reply_kind: str | None = None
    replied: bool = False
    reply_suppressed: str | None = None
    language: str | None = None
    reply_claimed_at: datetime | None = None  # when an invocation took the reply to send it


class SmsEffect(Struct, frozen=True):
    """Everything one incoming SMS writes, in one transaction with its marker."""

    marker: SmsMarker
    expires_at: datetime
    new_case: Case | None = None
    update: CaseUpdate | None = None
    events: Sequence[TimelineEvent] = ()
    rate_limit: RateLimit | None = None
    new_case_allowance: NewCaseAllowance | None = None
    keep_pending: PendingQuestion | None = None  # put (replacing the number's question)
    end_pending: str | None = None  # the phone whose question ends
    opt_out: str | None = None  # the phone that goes on the suppression list
    opt_in: str | None = None  # the phone whose SMS opt-out is lifted


class SmsQuarantineEntry(Struct, frozen=True):
    """An SMS record that became nothing, kept whole with the reason."""

    key: str  # a hash of the record (a redelivery gives the same entry)
    reason: str
    received_at: datetime
    raw: str
    message_id: str | None = None
    sender: str | None = None


class SmsResult(Struct, frozen=True):
    outcome: str  # new_case, appended, asked, opted_out, opted_in, help, quarantined, duplicate
    number: str | None = None
    replied: bool = False
    reason: str | None = None


class SmsTurn(Struct, frozen=True):
    """One SMS being handled: the message, its raw record, what the chain saw."""

    sms: InboundSms
    raw: str
    kind: SenderKind
    context: SmsContext
    municipality: Municipality
    now: datetime

    @property
    def actor(self) -> str:
        return f"citizen:sms:{self.sms.sender}"

    @property
    def may_reply(self) -> bool:
        return self.kind is SenderKind.NUMBER


class Reply(Struct, frozen=True):
    """What to answer: ``kind`` (``auto_reply``, ``added``, ``question``, ...) and the text."""

    kind: str
    text: str
    language: str
    to_opted_out: bool = False  # a STOP/START/HELP answer goes even to an opted-out number


class DuplicateSms(Exception):
    """The SMS was processed before; ``marker`` is what was recorded."""

    def __init__(self, marker: SmsMarker) -> None:
        super().__init__(marker.message_id)
        self.marker = marker


class SmsInbox(Protocol):
    """The SMS channel's reads and writes on the cases table."""

    def marker(self, message_id: str) -> SmsMarker | None:
        """The marker of an SMS processed before (one consistent ``GetItem``)."""

    def open_cases(self, phone: str, limit: int) -> list[Case]:
        """The requester's open cases with this number (E.164), newest first."""

    def pending(self, phone: str) -> PendingQuestion | None:
        """The number's question "which case?" (one ``GetItem``)."""

    def opted_out(self, phone: str) -> bool:
        """Whether the number is on the suppression list by its own ``STOP``."""

    def get_case(self, number: str) -> Case | None: ...

    def next_number(self, year: int) -> str: ...

    def save(self, effect: SmsEffect) -> None:
        """Write ``effect``; ``DuplicateSms`` when its marker exists, ``RateLimited`` when the
        reply allowance is used up, ``SenderFlooding`` when the new-case allowance is,
        ``ConflictError`` when the case changed meanwhile (nothing is written then)."""

    def mark_replied(self, message_id: str, sms_id: str | None,
                     event: TimelineEvent | None) -> None:
        """The reply went (``sms_id``) or will not go (``None``): the marker wants none any
        more; ``event`` on the case's timeline in the same transaction."""

    def take_reply(self, message_id: str, now: datetime, held_since: datetime) -> bool:
        """Take the marker's unsent reply to send it, unless another invocation holds it: only
        when its last holder released it or took it before ``held_since`` (its lease is over);
        ``False`` when it is held or was sent (one conditional ``UpdateItem``)."""

    def release_reply(self, message_id: str) -> None:
        """The send failed in a way a retry may help: the next delivery may take it at once."""

    def quarantine(self, entry: SmsQuarantineEntry) -> None: ...
