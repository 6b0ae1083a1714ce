"""The surveys' step in the SMS channel's chain: a one-digit reply from a number an open SMS
survey was sent to is that survey's answer, not a message for a case.

The loader asks the surveys (``SurveyService.answer_by_sms``), which record the answer (the
first one counts, whatever the channel) and say what to reply; the step turns that into the
decision before the pending "which case?" question and the case handling; the applier writes the
SMS's marker with the reply, so a redelivered SMS is a duplicate like any other. Only a digit
from a person's number reaches the surveys; ``STOP`` and the other keywords come first.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Callable

from msgspec import Struct

from ..domain.sms_chain import DEFAULT_CHAIN, Step, insert_before
from .sms_ports import Reply, SmsEffect

if TYPE_CHECKING:
    from ..domain.inbound_sms import InboundSms
    from ..domain.sms_chain import SmsContext
    from .sms_intake import SmsIntakeService
    from .sms_ports import SmsResult, SmsTurn

#: ``(phone, body, received_at) -> reply | None``: ``SurveyService.answer_by_sms``.
AnswerBySms = Callable[[str, str, datetime], "str | None"]


class SurveyReply(Struct, frozen=True):
    """The SMS answered an SMS survey; ``text`` is the reply (thanks, already answered, or
    which digits are valid)."""

    text: str


def survey_loader(answer_by_sms: AnswerBySms):
    def load(sms: InboundSms, context: SmsContext) -> dict:
        body = sms.body.strip()
        if not body.isdigit() or len(body) > 2 or context.opted_out:
            return {}
        reply = answer_by_sms(sms.sender, body, context.now)
        return {"survey_reply": reply} if reply else {}

    return load


def survey_step(sms: InboundSms, context: SmsContext) -> SurveyReply | None:
    reply = context.facts.get("survey_reply")
    return SurveyReply(reply) if reply else None


def apply_survey_reply(channel: SmsIntakeService, turn: SmsTurn, decision: SurveyReply) -> SmsResult:
    effect = SmsEffect(marker=channel.marker(turn, "survey_answer"), expires_at=channel.expiry(turn))
    language = turn.context.default_language
    return channel.commit(turn, effect, Reply("survey", decision.text, language))


def chain_with_surveys() -> tuple[Step, ...]:
    """The default chain with the surveys' step before the pending question."""
    return insert_before(DEFAULT_CHAIN, "pending_question", Step("survey_answer", survey_step))
