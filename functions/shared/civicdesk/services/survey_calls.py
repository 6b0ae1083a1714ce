"""Phone surveys run by operators (``SurveyService``'s part, ``docs/surveys.md``): the call list
built from the audience, the next contact claimed for an operator, the outcome of a call."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, Callable, Mapping

from msgspec import Struct, field

from ..domain.audiences import Channel
from ..domain.calendar import OfficeCalendar
from ..domain.errors import ConflictError, InvalidTransitionError, NotFoundError
from ..domain.policy import Action, Principal, allowed
from ..domain.survey_calls import (
    Call,
    CallOutcome,
    CallRules,
    CallState,
    Lane,
    after_outcome,
    call_back_errors,
    claim,
    outcome_errors,
)
from ..domain.surveys import Respondent, Response, Survey, SurveyChannel, SurveyState, clean_answers
from .audience_ports import AudienceMembers
from .commands import StaffCommand
from .municipality import MunicipalityProvider
from .survey_ports import SurveyStore

#: How many queued calls one "next contact" tries to claim before it reports none (each lost
#: race moves to the next; two operators asking at once get two different calls).
CLAIM_TRIES = 5


class RecordCall(StaffCommand, frozen=True, kw_only=True):
    survey_id: str
    member_key: str
    claim_id: str | None = None
    outcome: CallOutcome | None = None
    answers: Mapping[str, Any] = field(default_factory=dict)
    call_back_at: datetime | None = None


class CallList(Struct, frozen=True):
    """The state of a phone survey's list: calls per state."""

    survey_id: str
    states: dict[CallState, int]
    added: int = 0


class PhoneSurveys:
    """The call list's use cases; ``SurveyService`` builds on them."""

    _store: SurveyStore
    _municipality: MunicipalityProvider
    _audiences: Callable[[], AudienceMembers]
    _clock: Callable[[], datetime]
    _rules: CallRules

    def call_list(self, principal: Principal | None, survey_id: str) -> CallList:
        allowed(principal, Action.CALL_SURVEY)
        survey = self._found(survey_id)
        return CallList(survey.survey_id, self._store.call_states(survey.survey_id))

    def refresh_call_list(self, principal: Principal | None, survey_id: str) -> CallList:
        """Add the audience's members who joined since the list was built (an open phone survey)."""
        allowed(principal, Action.DESIGN_SURVEY)
        survey = self._phone_survey(survey_id)
        added = self._fill_call_list(survey)
        return CallList(survey.survey_id, self._store.call_states(survey.survey_id), added)

    def next_call(self, principal: Principal | None, survey_id: str) -> Call | None:
        """Claim the next call due for the caller: call-backs whose time came first, then the
        others by due time. ``None``: nothing is due now."""
        caller = allowed(principal, Action.CALL_SURVEY)
        survey = self._phone_survey(survey_id)
        now = self._clock()
        for lane in (Lane.CALL_BACK, Lane.REGULAR):
            for queued in self._store.due_calls(survey.survey_id, lane, now, CLAIM_TRIES):
                call = self._store.call(survey.survey_id, queued.member_key)
                if call is None or call.done:
                    continue
                claimed = self._store.claim_call(
                    queued, claim(call, caller.actor, uuid.uuid4().hex, now, self._rules))
                if claimed is not None:
                    return claimed
        return None

    def record_call(self, principal: Principal | None, command: RecordCall) -> Call:
        """What came of a claimed call: the answers, or no answer, busy, wrong number, refused,
        call back at a time. 409 ``survey_call_lost`` when the claim lapsed and another
        operator took the call."""
        caller = allowed(principal, Action.CALL_SURVEY)
        survey = self._phone_survey(command.survey_id)
        call = self._store.call(survey.survey_id, command.member_key)
        if call is None:
            raise NotFoundError("error.survey_call_not_found")
        command.raise_invalid()
        outcome = CallOutcome(command.outcome)
        now = self._clock()
        errors = outcome_errors(call, outcome, self._rules)
        response = None
        if outcome is CallOutcome.CALL_BACK:
            errors += call_back_errors(command.call_back_at, now, self._calendar(), self._rules)
        if outcome is CallOutcome.ANSWERED:
            cleaned, answer_errors = clean_answers(survey, command.answers)
            errors += answer_errors
            respondent = Respondent(call.member_key, call.language, SurveyChannel.PHONE, call.area)
            response = Response(survey.survey_id, respondent, cleaned, now, caller.actor)
        command.raise_invalid(errors)
        if call.done or call.claim_id != command.claim_id:
            raise ConflictError("error.survey_call_lost")
        after = after_outcome(call, outcome, caller.actor, now, self._calendar(), self._rules,
                              command.call_back_at)
        settled = self._store.finish_call(after, str(command.claim_id), response)
        if settled == "claim_lost":
            raise ConflictError("error.survey_call_lost")
        if settled == "answered":
            raise ConflictError("error.survey_already_answered")
        return after

    def _fill_call_list(self, survey: Survey) -> int:
        """Every member of the audience with a number (phone, or a mobile for SMS) not yet on
        the list, due now."""
        if not survey.design.audience_id:
            return 0
        present = self._store.call_keys(survey.survey_id)
        now = self._clock()
        fresh = []
        for member in self._audiences().members(survey.design.audience_id):
            phone = member.address_for(Channel.PHONE) or member.address_for(Channel.SMS)
            if phone and member.key not in present:
                present.add(member.key)
                fresh.append(Call(survey.survey_id, member.key, phone, member.language,
                                  name=member.name, area=member.area, due_at=now))
        return self._store.add_calls(fresh)

    def _phone_survey(self, survey_id: str) -> Survey:
        survey = self._found(survey_id)
        if not survey.takes(SurveyChannel.PHONE):
            raise InvalidTransitionError("error.survey_not_by_phone")
        if survey.state is not SurveyState.OPEN:
            raise InvalidTransitionError("error.survey_not_open")
        return survey

    def _calendar(self) -> OfficeCalendar:
        municipality = self._municipality.get()
        return OfficeCalendar(municipality.working_hours, municipality.time_zone, municipality.holidays)

    def _found(self, survey_id: str) -> Survey:
        survey = self._store.survey(survey_id)
        if survey is None:
            raise NotFoundError("error.survey_not_found")
        return survey
