"""The appliers of the SMS channel's default decisions (``domain.sms_chain``): what each writes
with the message's marker, and what it answers. An applier is ``(service, turn, decision) ->
SmsResult``; a later step's applier is given to ``SmsIntakeService(appliers=...)``."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from msgspec.structs import replace

from ..domain.case_changes import reopen_by_citizen
from ..domain.cases import CaseType, Channel, Contact
from ..domain.inbound_sms import (
    PENDING_TTL,
    AddToCase,
    AskWhichCase,
    Help,
    OpenNewCase,
    OptIn,
    OptOut,
    PendingQuestion,
    Quarantine,
    SenderKind,
)
from ..domain.intake import NewCase, open_case
from ..domain.municipality import localised as tr_text
from ..domain.service_levels import track
from ..domain.sms import fit
from ..domain.tracking_tokens import hash_token, new_tracking_token, tracking_url
from .port_records import CaseUpdate, NewCaseAllowance
from .sms_ports import Reply, SmsEffect, SmsQuarantineEntry, SmsResult, SmsTurn

if TYPE_CHECKING:
    from .sms_intake import Applier, SmsIntakeService

#: How long a number's counter of new cases outlives its day.
NEW_CASES_KEPT = timedelta(days=2)
#: Case types an SMS is filed as, in order of preference, among those its category allows.
SMS_TYPE_PREFERENCE = (CaseType.REQUEST, CaseType.INFORMATION, CaseType.SIGNAL,
                       CaseType.COMPLAINT, CaseType.SUGGESTION)
MAX_DESCRIPTION = 5000


def _quarantine(service: SmsIntakeService, turn: SmsTurn, decision: Quarantine) -> SmsResult:
    service.inbox.quarantine(SmsQuarantineEntry(
        key=turn.sms.message_id, reason=decision.reason.value, received_at=turn.now, raw=turn.raw,
        message_id=turn.sms.message_id, sender=turn.sms.sender))
    return SmsResult("quarantined", reason=decision.reason.value)


def _opt_out(service: SmsIntakeService, turn: SmsTurn, decision: OptOut) -> SmsResult:
    phone = turn.sms.sender if turn.may_reply else None
    effect = SmsEffect(marker=service.marker(turn, "opted_out"), expires_at=service.expiry(turn),
                       opt_out=phone)
    reply = Reply("stop", service.text(turn.municipality, decision.language, "sms_stopped"),
                  decision.language, to_opted_out=True)
    result = service.commit(turn, effect, reply)
    if phone:  # also after a duplicate: ending the alerts is idempotent, and a crash between
        service.opted_out(phone)  # the commit and here is completed by the redelivery
    return result


def _opt_in(service: SmsIntakeService, turn: SmsTurn, decision: OptIn) -> SmsResult:
    lift = turn.sms.sender if turn.may_reply and turn.context.opted_out else None
    effect = SmsEffect(marker=service.marker(turn, "opted_in"), expires_at=service.expiry(turn),
                       opt_in=lift)
    reply = Reply("start", service.text(turn.municipality, decision.language, "sms_started"),
                  decision.language, to_opted_out=True)
    return service.commit(turn, effect, reply)


def _help(service: SmsIntakeService, turn: SmsTurn, decision: Help) -> SmsResult:
    effect = SmsEffect(marker=service.marker(turn, "help"), expires_at=service.expiry(turn))
    reply = Reply("help", service.text(turn.municipality, decision.language, "sms_help"),
                  decision.language, to_opted_out=True)
    return service.commit(turn, effect, reply)


def _open_new_case(service: SmsIntakeService, turn: SmsTurn, decision: OpenNewCase) -> SmsResult:
    municipality, now = turn.municipality, turn.now
    general = municipality.general_service
    category = municipality.categories[general.default_category]
    case_type = next((t for t in SMS_TYPE_PREFERENCE if t in category.types), category.types[0])
    language = municipality.language_or_default(decision.language)
    number = service.inbox.next_number(now.astimezone(ZoneInfo(municipality.time_zone)).year)
    token = new_tracking_token()
    phone = turn.sms.sender if turn.kind is SenderKind.NUMBER else None
    contact = Contact(phone=phone) if phone else Contact(name=turn.sms.sender)
    case, events = open_case(NewCase(
        number=number, type=case_type, channel=Channel.SMS, category=category.id,
        department=general.department, description=decision.text[:MAX_DESCRIPTION] or "—",
        language=language, public=False, token_hash=hash_token(token), actor=turn.actor,
        contact=contact), at=now, levels=municipality.service_levels)
    from ..rendering import case_context, render_sms

    link = tracking_url(service.public_url, number, token, language)
    text = fit(render_sms("confirmation", language, {
        **case_context(case, municipality, language), "tracking_url": link}, municipality.sms))
    reply = Reply("auto_reply", text, language)
    suppressed = service.reply_suppressed(turn, reply)
    events += service.message_entries(number, turn, decision.kept, now + timedelta(microseconds=5),
                                      suppressed)
    allowance = NewCaseAllowance(sender=turn.sms.sender, day=now.date(),
                                 limit=municipality.new_cases_per_sender_per_day,
                                 expires_at=now + NEW_CASES_KEPT)
    effect = SmsEffect(marker=service.marker(turn, "new_case", number), expires_at=service.expiry(turn),
                       new_case=case, events=events, new_case_allowance=allowance,
                       end_pending=turn.sms.sender if turn.context.pending else None)
    result = service.commit(turn, effect, reply, case=case)
    if result.outcome == "new_case":
        service.metrics.case_opened(Channel.SMS.value, case_type.value)
    return result if decision.reason == "no_open_case" or result.reason else replace(
        result, reason=decision.reason)


def _add_to_case(service: SmsIntakeService, turn: SmsTurn, decision: AddToCase) -> SmsResult:
    case = service.inbox.get_case(decision.number)
    if case is None or case.deleted or case.merged_into:
        text = "\n\n".join(m.text for m in decision.kept) or turn.sms.body
        return _open_new_case(service, turn, OpenNewCase(text, turn.context.default_language,
                                                          kept=decision.kept, reason="case_gone"))
    municipality, now = turn.municipality, turn.now
    reply = Reply("added", service.text(municipality, case.language, "sms_added", number=case.number),
                  case.language)
    suppressed = service.reply_suppressed(turn, reply)
    events = service.message_entries(case.number, turn, decision.kept, now, suppressed)
    at = now + timedelta(microseconds=len(events) + 1)
    answered, status_entry = reopen_by_citizen(case, at=at, actor=turn.actor)
    if status_entry is not None:
        events.append(status_entry)
    update = CaseUpdate(number=case.number, expected_version=case.version,
                        created_at=case.created_at, updated_at=now,
                        status=answered.status if status_entry is not None else None,
                        department=case.department, current_status=case.status,
                        tracked=track(answered, events, municipality.service_levels, at=at))
    effect = SmsEffect(marker=service.marker(turn, "appended", case.number),
                       expires_at=service.expiry(turn), update=update, events=events,
                       end_pending=turn.sms.sender if turn.context.pending else None)
    result = service.commit(turn, effect, reply, case=case)
    return result if result.reason else replace(result, reason=decision.reason)


def _ask_which_case(service: SmsIntakeService, turn: SmsTurn, decision: AskWhichCase) -> SmsResult:
    municipality, language = turn.municipality, decision.language
    lines = []
    for index, choice in enumerate(decision.choices, start=1):
        category = municipality.categories.get(choice.category)
        name = tr_text(category.name, language) if category else choice.category
        lines.append(f"{index}: {choice.number} {name}")
    key = "sms_question" if decision.asked <= 1 else "sms_question_again"
    text = service.text(municipality, language, key, choices="\n".join(lines),
                        count=len(decision.choices))
    pending = PendingQuestion(phone=turn.sms.sender, messages=decision.kept,
                              choices=tuple(c.number for c in decision.choices),
                              asked=decision.asked, expires_at=turn.now + PENDING_TTL,
                              language=language)
    effect = SmsEffect(marker=service.marker(turn, "asked"), expires_at=service.expiry(turn),
                       keep_pending=pending)
    return service.commit(turn, effect, Reply("question", text, language))


DEFAULT_APPLIERS: dict[type, Applier] = {
    Quarantine: _quarantine, OptOut: _opt_out, OptIn: _opt_in, Help: _help,
    OpenNewCase: _open_new_case, AddToCase: _add_to_case, AskWhichCase: _ask_which_case,
}
