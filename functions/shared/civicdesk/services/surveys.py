"""Surveys: design (supervisors, administrators), answering through a one-time link or an SMS
digit, phone surveys worked by operators from a call list, and the results.

Who is surveyed comes only through ``AudienceMembers.members(audience_id)``; the campaigns
send the invitations with the links ``invitation_link`` gives; the SMS interpreter hands digit
replies to ``answer_by_sms``. The phone surveys' use cases are in ``survey_calls``.
"""

from __future__ import annotations

import hmac
import secrets
import uuid
from datetime import datetime
from typing import Any, Callable, Mapping

from msgspec import Struct
from msgspec.structs import replace

from ..domain.audiences import AudienceMember, Channel
from ..domain.cases import Case, utc_now
from ..domain.errors import ConflictError, FieldError, InvalidTransitionError, NotFoundError
from ..domain.policy import Action, Principal, allowed
from ..domain.survey_calls import (
    DEFAULT_RULES,
    CallRules,
)
from ..domain.survey_results import SurveyResults, tally
from ..domain.surveys import (
    InvitationToken,
    QuestionKind,
    Respondent,
    Response,
    Survey,
    SurveyChannel,
    SurveyDesign,
    SurveyState,
    can_move,
    case_member_key,
    clean_answers,
    design_errors,
    digit_answer,
    is_digit_reply,
    localised_text,
    parse_token,
    survey_link_path,
)
from ..rendering.i18n import translate
from .audience_ports import AudienceMembers
from .commands import StaffCommand
from .municipality import MunicipalityProvider
from .survey_calls import PhoneSurveys
from .survey_ports import Invitation, SurveyStore


class WriteSurvey(StaffCommand, frozen=True, kw_only=True):
    survey_id: str | None = None
    design: SurveyDesign | None = None
    version: int | None = None


class ChangeSurvey(StaffCommand, frozen=True, kw_only=True):
    """Open, close or delete the survey read at ``version``."""

    survey_id: str
    version: int | None = None


class OpenedInvitation(Struct, frozen=True):
    survey: Survey
    invitation: Invitation
    language: str


class SurveyService(PhoneSurveys):
    def __init__(self, store: SurveyStore, municipality: MunicipalityProvider,
                 audiences: Callable[[], AudienceMembers], public_url: str, *,
                 clock: Callable[[], datetime] = utc_now, rules: CallRules = DEFAULT_RULES):
        self._store = store
        self._municipality = municipality
        self._audiences = audiences  # deferred: the audience resolution is built when needed
        self._public_url = public_url.rstrip("/")
        self._clock = clock
        self._rules = rules

    # -- design -------------------------------------------------------------------------------

    def surveys(self, principal: Principal | None) -> list[Survey]:
        allowed(principal, Action.VIEW_SURVEYS)
        return sorted(self._store.surveys(), key=lambda s: s.created_at, reverse=True)

    def survey(self, principal: Principal | None, survey_id: str) -> Survey:
        allowed(principal, Action.VIEW_SURVEYS)
        return self._found(survey_id)

    def create(self, principal: Principal | None, command: WriteSurvey) -> Survey:
        caller = allowed(principal, Action.DESIGN_SURVEY)
        design = self._checked(command)
        now = self._clock()
        survey = Survey(uuid.uuid4().hex[:16], design, SurveyState.DRAFT, 1, now, caller.actor,
                        now, caller.actor)
        self._store.add_survey(survey)
        return survey

    def update(self, principal: Principal | None, command: WriteSurvey) -> Survey:
        """Change a draft read at ``version`` (409 with ``current_version`` when it changed)."""
        caller = allowed(principal, Action.DESIGN_SURVEY)
        design = self._checked(command)
        current = self._current(str(command.survey_id), command.version)
        if current.state is not SurveyState.DRAFT:
            raise InvalidTransitionError("error.survey_not_draft")
        changed = replace(current, design=design, version=current.version + 1,
                          updated_at=self._clock(), updated_by=caller.actor)
        self._settle(self._store.replace_survey(changed, current.version))
        return changed

    def delete(self, principal: Principal | None, command: ChangeSurvey) -> None:
        allowed(principal, Action.DESIGN_SURVEY)
        command.raise_invalid()
        current = self._current(command.survey_id, command.version)
        if current.state is not SurveyState.DRAFT:
            raise InvalidTransitionError("error.survey_not_draft")
        self._settle(self._store.remove_survey(current.survey_id, current.version))

    def open(self, principal: Principal | None, command: ChangeSurvey) -> Survey:
        """Open a complete draft; a phone survey's call list is built from its audience."""
        caller = allowed(principal, Action.DESIGN_SURVEY)
        command.raise_invalid()
        current = self._current(command.survey_id, command.version)
        self._move(current, SurveyState.OPEN)
        command.raise_invalid(design_errors(current.design, self._municipality.get().languages,
                                            complete=True) + self._taken(current))
        now = self._clock()
        opened = replace(current, state=SurveyState.OPEN, version=current.version + 1,
                         opened_at=now, updated_at=now, updated_by=caller.actor)
        if opened.takes(SurveyChannel.PHONE):
            self._fill_call_list(opened)  # before the survey opens: no operator sees half a list
        self._settle(self._store.replace_survey(opened, current.version))
        return opened

    def close(self, principal: Principal | None, command: ChangeSurvey) -> Survey:
        caller = allowed(principal, Action.DESIGN_SURVEY)
        command.raise_invalid()
        current = self._current(command.survey_id, command.version)
        self._move(current, SurveyState.CLOSED)
        now = self._clock()
        closed = replace(current, state=SurveyState.CLOSED, version=current.version + 1,
                         closed_at=now, updated_at=now, updated_by=caller.actor)
        self._settle(self._store.replace_survey(closed, current.version))
        return closed

    # -- invitations (the campaigns' and the SMS interpreter's entry points) -------------------

    def invitation_link(self, survey_id: str, member: AudienceMember) -> str:
        """The member's one-time link to the portal's survey page (the same link every time
        for the same member; the first answer through it counts). An SMS survey also learns the
        member's number, so that a digit reply from it answers."""
        survey = self._store.survey(survey_id)
        if survey is None:
            raise NotFoundError("error.survey_not_found")
        if survey.state is SurveyState.CLOSED:
            raise InvalidTransitionError("error.survey_closed")
        existing = self._store.invitation(survey_id, member.key)
        if existing is None:
            channels = [SurveyChannel.PORTAL]
            phone = member.address_for(Channel.SMS)
            if survey.takes(SurveyChannel.SMS) and phone:
                channels.append(SurveyChannel.SMS)
            existing = self._store.add_invitation(Invitation(
                survey_id, member.key, secrets.token_urlsafe(16), member.language,
                tuple(channels), self._clock(), area=member.area,
                phone=phone if SurveyChannel.SMS in channels else None))
        token = InvitationToken(survey_id, existing.member_key, existing.secret)
        return f"{self._public_url}/{survey_link_path(str(token))}"

    def sms_question(self, survey_id: str, language: str) -> str:
        """An SMS survey's question as the campaigns send it: the question, each digit with
        its answer, and how to reply (``survey_sms.question``), in ``language``."""
        survey = self._store.survey(survey_id)
        if survey is None:
            raise NotFoundError("error.survey_not_found")
        if not survey.takes(SurveyChannel.SMS):
            raise InvalidTransitionError("error.survey_not_by_sms")
        municipality = self._municipality.get()
        language = municipality.language_or_default(language)
        question = survey.design.questions[0]
        fallback = municipality.default_language
        if question.kind is QuestionKind.SCALE:
            labels = [translate(language, "survey_sms.scale_low"), "", "", "",
                      translate(language, "survey_sms.scale_high")]
            choices = [f"{n}{' ' + label if label else ''}" for n, label in zip(range(1, 6), labels, strict=True)]
        elif question.kind is QuestionKind.YES_NO:
            choices = [f"1 {translate(language, 'survey.answer.yes')}", f"2 {translate(language, 'survey.answer.no')}"]
        else:
            choices = [f"{n} {localised_text(o.text, language, fallback)}"
                       for n, o in enumerate(question.options, start=1)]
        return translate(language, "survey_sms.question",
                         question=localised_text(question.text, language, fallback),
                         choices=", ".join(choices), max=len(question.choices()))

    def answer_by_sms(self, phone: str, body: str, received_at: datetime) -> str | None:
        """The reply to an SMS that answers an open SMS survey sent to ``phone`` (one digit),
        ``None`` when the SMS is no survey answer (the interpreter chain goes on)."""
        if not is_digit_reply(body):
            return None
        for survey_id, member_key in self._store.surveys_of_phone(phone):
            survey = self._store.survey(survey_id)
            if survey is None or survey.state is not SurveyState.OPEN or not survey.takes(SurveyChannel.SMS):
                continue
            invitation = self._store.invitation(survey_id, member_key)
            if invitation is None or self._store.response(survey_id, member_key) is not None:
                continue
            language = self._municipality.get().language_or_default(invitation.language)
            question = survey.design.questions[0]
            value = digit_answer(question, body)
            if value is None:
                return translate(language, "survey_sms.invalid", max=len(question.choices()))
            response = Response(survey_id, _respondent(invitation, SurveyChannel.SMS),
                                {question.question_id: value}, received_at)
            if not self._store.add_response(response):
                return translate(language, "survey_sms.already_answered")
            return translate(language, "survey_sms.thanks")
        return None

    def satisfaction_link(self, case: Case) -> str | None:
        """The satisfaction question after ``case`` was resolved: the link to the open survey
        that follows its category, for its requester, at most one per case (the same link when
        it is resolved again); ``None`` when no survey follows the category or it was answered."""
        survey = next((s for s in self._store.surveys() if s.state is SurveyState.OPEN
                       and case.category in s.design.after_resolution), None)
        if survey is None:
            return None
        key = case_member_key(case.number)
        if self._store.response(survey.survey_id, key) is not None:
            return None
        invitation = self._store.invitation(survey.survey_id, key)
        if invitation is None:
            area = (case.routing or {}).get("area")
            invitation = self._store.add_invitation(Invitation(
                survey.survey_id, key, secrets.token_urlsafe(16), case.language,
                (SurveyChannel.PORTAL,), self._clock(), area=str(area) if area else None,
                category=case.category, department=case.department))
        token = InvitationToken(survey.survey_id, key, invitation.secret)
        return f"{self._public_url}/{survey_link_path(str(token))}"

    def _taken(self, survey: Survey) -> list[FieldError]:
        """A category another open survey follows already (one satisfaction question a case)."""
        others = {c for s in self._store.surveys() if s.state is SurveyState.OPEN
                  and s.survey_id != survey.survey_id for c in s.design.after_resolution}
        return [FieldError("after_resolution", "survey_category_taken", {"category": c})
                for c in survey.design.after_resolution if c in others][:1]

    # -- the portal ---------------------------------------------------------------------------

    def open_invitation(self, token: str, language: str | None = None) -> OpenedInvitation:
        """The survey behind a one-time link: 404 for an unknown link, 409 when it was answered
        or the survey is not open."""
        survey, invitation = self._invitation(token)
        municipality = self._municipality.get()
        return OpenedInvitation(survey, invitation,
                                municipality.language_or_default(language or invitation.language))

    def answer(self, token: str, answers: Mapping[str, Any]) -> Response:
        """Record the answers given through a one-time link: the first submission counts; a
        second gets 409 ``already_answered`` and changes nothing."""
        survey, invitation = self._invitation(token)
        cleaned, errors = clean_answers(survey, answers)
        StaffCommand().raise_invalid(errors)
        response = Response(survey.survey_id, _respondent(invitation, SurveyChannel.PORTAL),
                            cleaned, self._clock())
        if not self._store.add_response(response):
            raise ConflictError("error.survey_already_answered")
        return response

    def _invitation(self, token: str) -> tuple[Survey, Invitation]:
        parsed = parse_token(token)
        invitation = survey = None
        if parsed is not None:
            invitation = self._store.invitation(parsed.survey_id, parsed.member_key)
            if invitation is not None and hmac.compare_digest(invitation.secret, parsed.secret):
                survey = self._store.survey(parsed.survey_id)
        if survey is None or invitation is None:
            raise NotFoundError("error.survey_link_not_found")
        if survey.state is SurveyState.CLOSED:
            raise ConflictError("error.survey_closed")
        if survey.state is not SurveyState.OPEN:
            raise ConflictError("error.survey_not_open")
        if self._store.response(survey.survey_id, invitation.member_key) is not None:
            raise ConflictError("error.survey_already_answered")
        return survey, invitation

    # -- results ------------------------------------------------------------------------------

    def results(self, principal: Principal | None, survey_id: str) -> SurveyResults:
        allowed(principal, Action.VIEW_SURVEY_RESULTS)
        survey = self._found(survey_id)
        return tally(survey, self._store.responses(survey.survey_id),
                     self._store.invited(survey.survey_id))

    # -- helpers ------------------------------------------------------------------------------

    def _checked(self, command: WriteSurvey) -> SurveyDesign:
        found = []
        if command.design is not None:
            municipality = self._municipality.get()
            found = design_errors(command.design, municipality.languages)
            found += [FieldError("after_resolution", "unknown_category")
                      for c in command.design.after_resolution if c not in municipality.categories][:1]
        command.raise_invalid(found)
        assert command.design is not None  # the edge reports a missing design as a field error
        return command.design

    def _current(self, survey_id: str, version: int | None) -> Survey:
        survey = self._found(survey_id)
        if version is not None and survey.version != version:
            raise ConflictError("error.survey_changed", current_version=survey.version)
        return survey

    @staticmethod
    def _move(survey: Survey, to: SurveyState) -> None:
        if not can_move(survey.state, to):
            raise InvalidTransitionError(f"error.survey_not_{'draft' if to is SurveyState.OPEN else 'open'}")

    @staticmethod
    def _settle(version_now: int | None) -> None:
        if version_now == 0:
            raise NotFoundError("error.survey_not_found")
        if version_now is not None:
            raise ConflictError("error.survey_changed", current_version=version_now)


def _respondent(invitation: Invitation, channel: SurveyChannel) -> Respondent:
    return Respondent(invitation.member_key, invitation.language, channel, invitation.area,
                      invitation.category, invitation.department)

