"""The SMS channel: every SMS a citizen sends to the municipality's number becomes or continues a
case, or is a keyword (``docs/sms.md``).

Order of work for one SMS (one SQS record):

1. The record is read strictly (``domain.inbound_sms.parse_inbound_sms``); an unreadable one is
   kept whole in the SMS quarantine with the reason.
2. A message whose marker exists was processed before: nothing changes, nothing is sent, except
   a reply a crash left unsent (the marker keeps its exact text until it went).
3. The context is read: the number's opt-out, its open cases (the requesters' index), a pending
   question "which case?"; the chain of interpreters decides (``domain.inbound_sms.decide``).
4. The decision's effect and the message's marker are written in one transaction (a second
   delivery finds the marker and changes nothing), with the reply's allowance (at most the
   municipality's ``auto_reply_limit_per_hour`` replies to one number in an hour) and, for a new
   case, the number's allowance of new cases a day (beyond, the SMS waits in quarantine).
5. The reply goes, and its sending is recorded on the marker and the case.

Replies go only to phone numbers in E.164: never to our own number (quarantined), short codes or
alphanumeric senders, never beyond the allowance, and to a number that answered ``STOP`` only
the confirmation of ``STOP``/``START`` and the answer to ``HELP``. What was not sent and why is
on the marker (``reply_suppressed``) and on the case's message entry.

Extending it: the chain (``chain=``, see ``domain.inbound_sms.insert_before``) may return new
decision types; ``appliers=`` maps each to the function that applies it, ``loaders=`` add to the
context's ``facts`` what a new step consults.
"""

from __future__ import annotations

import hashlib
import logging
from datetime import datetime, timedelta
from typing import Any, Callable, Iterable, Mapping, Sequence

from msgspec.structs import replace

from ..domain.cases import Case, EventKind, TimelineEvent, utc_now
from ..domain.inbound_sms import (
    DEFAULT_CHAIN,
    MAX_CHOICES,
    InboundSms,
    KeptMessage,
    OpenCase,
    SenderKind,
    SmsContext,
    Step,
    UnreadableSms,
    decide,
    parse_inbound_sms,
    sender_kind,
)
from ..domain.municipality import Municipality
from ..domain.municipality import localised as tr_text
from ..domain.sms import OutgoingSms, SmsDeliveryError, fit, is_e164
from ..domain.sms_script import sms_text
from .municipality import MunicipalityProvider
from .port_records import RateLimit
from .ports import InvalidPhoneNumber, MetricsSink, PhoneNumbers, RateLimited, SenderFlooding, SmsSender
from .sms_appliers import DEFAULT_APPLIERS
from .sms_ports import (
    DuplicateSms,
    Reply,
    SmsEffect,
    SmsInbox,
    SmsMarker,
    SmsQuarantineEntry,
    SmsResult,
    SmsTurn,
)

logger = logging.getLogger(__name__)

#: Days the marker of a processed SMS is kept (a redelivery before then changes nothing).
MARKER_DAYS = 30
#: How long a number's counter of replies outlives its hour.
RATE_KEPT = timedelta(hours=2)
#: How long the invocation that took a reply may take to send it before another delivery may
#: (longer than the function's timeout; a send that failed releases it at once).
REPLY_LEASE = timedelta(minutes=2)


Applier = Callable[["SmsIntakeService", SmsTurn, Any], SmsResult]
Loader = Callable[[InboundSms, SmsContext], Mapping[str, Any]]


class SmsIntakeService:
    def __init__(self, inbox: SmsInbox, sms: SmsSender, municipality: MunicipalityProvider,
                 metrics: MetricsSink, public_url: str, own_numbers: Iterable[str] = (),
                 clock: Callable[[], datetime] = utc_now, chain: Sequence[Step] = DEFAULT_CHAIN,
                 appliers: Mapping[type, Applier] | None = None, loaders: Sequence[Loader] = (),
                 phones: PhoneNumbers | None = None,
                 on_opt_out: Callable[[str], object] | None = None):
        self._phones = phones
        self._on_opt_out = on_opt_out
        self._inbox = inbox
        self._sms = sms
        self._municipality = municipality
        self._metrics = metrics
        self._public_url = public_url.rstrip("/")
        self._own_numbers = frozenset(n.strip() for n in own_numbers if n and n.strip())
        self._clock = clock
        self._chain = tuple(chain)
        self._appliers: dict[type, Applier] = {**DEFAULT_APPLIERS, **(appliers or {})}
        self._loaders = tuple(loaders)

    # -- one record ------------------------------------------------------------------------------

    def handle(self, body: str) -> SmsResult:
        """Process one record (the SQS message's body: End User Messaging's JSON)."""
        result = self._handle(body)
        logger.info("sms processed", extra={"outcome": result.outcome, "case_number": result.number,
                                            "replied": result.replied, "reason": result.reason})
        return result

    def _handle(self, body: str) -> SmsResult:
        now = self._clock()
        try:
            sms = parse_inbound_sms(body)
        except UnreadableSms as unreadable:
            self._inbox.quarantine(SmsQuarantineEntry(
                key=hashlib.sha256(body.encode("utf-8", "surrogatepass")).hexdigest()[:40],
                reason=f"unreadable:{unreadable.reason}", received_at=now, raw=body))
            return SmsResult("quarantined", reason=f"unreadable:{unreadable.reason}")
        earlier = self._inbox.marker(sms.message_id)
        if earlier is not None:
            return self._finish_duplicate(earlier)
        municipality = self._municipality.get()
        sms = replace(sms, sender=self._e164(sms.sender, municipality.country))
        kind = sender_kind(sms.sender)
        context = self._context(sms, kind, municipality, now)
        decision = decide(sms, context, self._chain)
        applier = self._appliers.get(type(decision))
        if applier is None:
            raise LookupError(f"no applier for the decision {type(decision).__name__}")
        return applier(self, SmsTurn(sms, body, kind, context, municipality, now), decision)

    def _e164(self, sender: str, country: str) -> str:
        """The sender in E.164 when it is a phone number written otherwise (``00381...``,
        ``381 64 ...``): the form every key and the suppression list use. A short code or a
        name stays as it is."""
        if is_e164(sender) or self._phones is None:
            return sender
        digits = sender.replace(" ", "").replace("-", "")
        if not digits.lstrip("+").isdigit() or len(digits.lstrip("+")) < 9:
            return sender
        for candidate in (digits, "+" + digits.lstrip("+").removeprefix("00")):
            try:
                return self._phones.normalise(candidate, country)
            except InvalidPhoneNumber:
                continue
        return sender

    def _context(self, sms: InboundSms, kind: SenderKind, municipality: Municipality,
                 now: datetime) -> SmsContext:
        person = kind is SenderKind.NUMBER and sms.sender not in self._own_numbers
        cases = self._inbox.open_cases(sms.sender, MAX_CHOICES * 2) if person else []
        context = SmsContext(
            now=now, own_numbers=self._own_numbers | {sms.recipient},
            languages=tuple(municipality.languages), default_language=municipality.default_language,
            opted_out=self._inbox.opted_out(sms.sender) if person else False,
            open_cases=tuple(OpenCase(c.number, c.category, c.language, c.created_at) for c in cases),
            pending=self._inbox.pending(sms.sender) if person else None)
        facts: dict[str, Any] = {}
        for loader in self._loaders:
            facts.update(loader(sms, context))
        return replace(context, facts=facts) if facts else context

    # -- writing and answering -----------------------------------------------------------------

    def opted_out(self, phone: str) -> None:
        """What else a ``STOP`` ends besides the suppression list: the number's alert
        subscriptions (``AlertSubscriptionService.stop_sms``, wired as ``on_opt_out``)."""
        if self._on_opt_out is not None:
            self._on_opt_out(phone)

    def commit(self, turn: SmsTurn, effect: SmsEffect, reply: Reply | None, *,
               case: Case | None = None) -> SmsResult:
        """Write ``effect`` with its marker and the reply's allowance, then send the reply.
        Public for the appliers that later steps add."""
        marker = effect.marker
        suppressed = self._reply_suppressed(turn, reply)
        if reply is not None and suppressed is None:
            marker = replace(marker, reply_to=turn.sms.sender,
                             reply_from=turn.sms.recipient if is_e164(turn.sms.recipient) else None,
                             reply_text=reply.text,
                             reply_kind=reply.kind, language=reply.language,
                             reply_claimed_at=turn.now)
            rate = RateLimit(sender=turn.sms.sender,
                             hour=turn.now.replace(minute=0, second=0, microsecond=0),
                             limit=turn.municipality.auto_reply_limit_per_hour,
                             expires_at=turn.now + RATE_KEPT)
            try:
                self._inbox.save(replace(effect, marker=marker, rate_limit=rate))
            except RateLimited:
                suppressed = "rate_limited"
                marker = replace(effect.marker, reply_suppressed=suppressed)
                return self._save_without_reply(turn, replace(effect, marker=marker))
            except (DuplicateSms, SenderFlooding) as stop:
                return self._refused(turn, stop)
            result = self._send(marker, case_number=marker.number)
            return SmsResult(marker.outcome, marker.number, replied=result, reason=None)
        marker = replace(marker, reply_suppressed=suppressed) if reply is not None else marker
        return self._save_without_reply(turn, replace(effect, marker=marker))

    def _save_without_reply(self, turn: SmsTurn, effect: SmsEffect) -> SmsResult:
        try:
            self._inbox.save(effect)
        except (DuplicateSms, SenderFlooding) as stop:
            return self._refused(turn, stop)
        marker = effect.marker
        if marker.reply_suppressed:
            logger.info("sms reply suppressed", extra={"case_number": marker.number,
                                                       "reason": marker.reply_suppressed})
        return SmsResult(marker.outcome, marker.number, reason=marker.reply_suppressed)

    def _refused(self, turn: SmsTurn, stop: Exception) -> SmsResult:
        if isinstance(stop, DuplicateSms):
            return self._finish_duplicate(stop.marker)
        # the number opened as many cases today as the municipality allows: kept, not filed
        self._inbox.quarantine(SmsQuarantineEntry(
            key=turn.sms.message_id, reason="sender_rate", received_at=turn.now, raw=turn.raw,
            message_id=turn.sms.message_id, sender=turn.sms.sender))
        return SmsResult("quarantined", reason="sender_rate")

    @property
    def inbox(self) -> SmsInbox:
        return self._inbox

    @property
    def public_url(self) -> str:
        return self._public_url

    @property
    def metrics(self) -> MetricsSink:
        return self._metrics

    def reply_suppressed(self, turn: SmsTurn, reply: Reply | None) -> str | None:
        """Why ``reply`` will not go (``None``: it will, within the allowance)."""
        return self._reply_suppressed(turn, reply)

    def _reply_suppressed(self, turn: SmsTurn, reply: Reply | None) -> str | None:
        if reply is None:
            return None
        if not turn.may_reply:
            return f"sender_{turn.kind.value}"
        if turn.context.opted_out and not reply.to_opted_out:
            return "opted_out"
        return None

    def _send(self, marker: SmsMarker, *, case_number: str | None) -> bool:
        """Send the marker's reply and record it; a refusal that no retry can help is recorded
        and not raised, a passing one (throttling, an outage) is raised: the record comes back
        and its marker sends the reply then."""
        assert marker.reply_to and marker.reply_text
        sms = OutgoingSms(to=marker.reply_to, text=marker.reply_text, case_number=case_number,
                          kind=f"sms_{marker.reply_kind}", language=marker.language,
                          origination_number=marker.reply_from)
        try:
            sms_id = self._sms.send(sms)
        except SmsDeliveryError as error:
            if error.retryable:
                self._inbox.release_reply(marker.message_id)
                raise
            logger.warning("sms reply refused", extra={"case_number": case_number,
                                                       "reason": error.reason.value})
            event = None
            if case_number:
                event = TimelineEvent(case_number, self._clock(), EventKind.DELIVERY_FAILED,
                                      "system:sms", False,
                                      {"channel": "sms", "kind": marker.reply_kind,
                                       "to": marker.reply_to, "reason": error.reason.value})
            self._inbox.mark_replied(marker.message_id, None, event)
            return False
        event = None
        if case_number:
            event = TimelineEvent(case_number, self._clock(), EventKind.MESSAGE_OUT, "system:sms",
                                  False, {"channel": "sms", "kind": marker.reply_kind,
                                          "to": marker.reply_to, "text": marker.reply_text,
                                          "message_id": sms_id})
        self._inbox.mark_replied(marker.message_id, sms_id, event)
        return True

    def _finish_duplicate(self, marker: SmsMarker) -> SmsResult:
        """A second delivery: nothing new is written. A reply a failed send or a crash left
        unsent goes now, taken from the marker first, so that two deliveries at once (SNS may
        publish twice) never both send it; one still held by another invocation is left to it."""
        if marker.reply_text and marker.reply_to and not marker.replied:
            now = self._clock()
            if not self._inbox.take_reply(marker.message_id, now, now - REPLY_LEASE):
                return SmsResult("duplicate", marker.number, reason="reply_held")
            replied = self._send(marker, case_number=marker.number)
            return SmsResult("duplicate", marker.number, replied=replied, reason="reply_completed")
        return SmsResult("duplicate", marker.number)

    # -- texts -------------------------------------------------------------------------------

    def text(self, municipality: Municipality, language: str, key: str, **params: object) -> str:
        """A reply's text in ``language``, written as the municipality's SMS policy says."""
        from ..rendering import translate

        name = tr_text(municipality.name, language)
        return fit(sms_text(translate(language, key, municipality=name, **params), language,
                            municipality.sms))

    def marker(self, turn: SmsTurn, outcome: str, number: str | None = None) -> SmsMarker:
        return SmsMarker(message_id=turn.sms.message_id, outcome=outcome, sender=turn.sms.sender,
                         number=number)

    def expiry(self, turn: SmsTurn) -> datetime:
        return turn.now + timedelta(days=MARKER_DAYS)

    def message_entries(self, number: str, turn: SmsTurn, kept: Sequence[KeptMessage],
                        at: datetime, suppressed: str | None = None) -> list[TimelineEvent]:
        """The citizen's SMS on the case: the kept ones, else this one (one entry each)."""
        messages = list(kept) or [KeptMessage(turn.sms.message_id, turn.sms.body, turn.now)]
        entries = []
        for index, message in enumerate(messages):
            data: dict[str, Any] = {"channel": "sms", "from": turn.sms.sender,
                                    "to": turn.sms.recipient, "text": message.text,
                                    "inbound_message_id": message.message_id,
                                    "received_at": message.at.strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
                                    "sender_kind": turn.kind.value, "attachments": []}
            if message.message_id == turn.sms.message_id and turn.sms.keyword:
                data["keyword"] = turn.sms.keyword
            if suppressed:
                data["reply_suppressed"] = suppressed
            entries.append(TimelineEvent(number, at + timedelta(microseconds=index),
                                         EventKind.MESSAGE_IN, turn.actor, False, data))
        return entries
