"""``services.survey_ports.SurveyStore`` on the cases table (items in ``surveys_items``; access
patterns 80-89 in ``docs/data-model.md``)."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Iterable, Iterator

from pynamodb.exceptions import DeleteError, PutError, TransactWriteError
from pynamodb.transactions import TransactWrite

from ...domain.cases import iso
from ...domain.survey_calls import Attempt, Call, CallOutcome, CallState, Lane
from ...domain.surveys import (
    Option,
    Question,
    QuestionKind,
    Respondent,
    Response,
    Survey,
    SurveyChannel,
    SurveyDesign,
    SurveyState,
)
from ...services.survey_ports import Invitation, QueuedCall
from .conditions import condition_failed, failed_conditions
from .keys import (
    SURVEY_CALL_PREFIX,
    SURVEY_INVITEE_PREFIX,
    SURVEY_PREFIX,
    SURVEY_RESPONSE_PREFIX,
    SURVEYS_PK,
    survey_calls_pk,
    survey_phone_pk,
    survey_pk,
    survey_sk,
)
from .mappers import parse_time
from .session import table_connection
from .surveys_items import (
    SurveyCallItem,
    SurveyInviteeItem,
    SurveyItem,
    SurveyPhoneItem,
    SurveyResponseItem,
)
from .table import DueIndex


def _time(value: str | None) -> datetime | None:
    return parse_time(value) if value else None


def _iso(value: datetime | None) -> str | None:
    return iso(value) if value else None


# -- the design as JSON --------------------------------------------------------------------------

def design_to_json(design: SurveyDesign) -> str:
    return json.dumps({
        "title": dict(design.title), "intro": dict(design.intro),
        "channels": [c.value for c in design.channels], "audience_id": design.audience_id,
        "after_resolution": list(design.after_resolution),
        "questions": [{"id": q.question_id, "kind": q.kind.value, "text": dict(q.text),
                       "required": q.required,
                       "options": [{"id": o.option_id, "text": dict(o.text)} for o in q.options]}
                      for q in design.questions]}, ensure_ascii=False, separators=(",", ":"))


def design_from_json(text: str) -> SurveyDesign:
    data = json.loads(text)
    questions = tuple(Question(q["id"], QuestionKind(q["kind"]), q["text"], bool(q["required"]),
                               tuple(Option(o["id"], o["text"]) for o in q["options"]))
                      for q in data["questions"])
    return SurveyDesign(title=data["title"], intro=data["intro"], questions=questions,
                        channels=tuple(SurveyChannel(c) for c in data["channels"]),
                        audience_id=data["audience_id"],
                        after_resolution=tuple(data.get("after_resolution") or ()))


def _survey(item: SurveyItem) -> Survey:
    return Survey(item.survey_id, design_from_json(item.design), SurveyState(item.state),
                  int(item.survey_version), parse_time(item.created_at), item.created_by,
                  parse_time(item.updated_at), item.updated_by, _time(item.opened_at),
                  _time(item.closed_at))


def _survey_item(survey: Survey) -> SurveyItem:
    return SurveyItem(PK=SURVEYS_PK, SK=survey_sk(survey.survey_id), survey_id=survey.survey_id,
                      design=design_to_json(survey.design), state=survey.state.value,
                      survey_version=survey.version, created_at=iso(survey.created_at),
                      created_by=survey.created_by, updated_at=iso(survey.updated_at),
                      updated_by=survey.updated_by, opened_at=_iso(survey.opened_at),
                      closed_at=_iso(survey.closed_at))


# -- responses and calls -------------------------------------------------------------------------

def _answers_json(response: Response) -> str:
    return json.dumps({k: list(v) if isinstance(v, tuple) else v for k, v in response.answers.items()},
                      ensure_ascii=False, separators=(",", ":"))


def _response(survey_id: str, item: SurveyResponseItem) -> Response:
    answers = {k: tuple(v) if isinstance(v, list) else v for k, v in json.loads(item.answers).items()}
    respondent = Respondent(item.SK[len(SURVEY_RESPONSE_PREFIX):], item.language,
                            SurveyChannel(item.channel), item.area, item.category, item.department)
    return Response(survey_id, respondent, answers, parse_time(item.answered_at), item.recorded_by)


def _response_item(response: Response) -> SurveyResponseItem:
    who = response.respondent
    return SurveyResponseItem(
        PK=survey_pk(response.survey_id), SK=f"{SURVEY_RESPONSE_PREFIX}{who.member_key}",
        answers=_answers_json(response), language=who.language, channel=who.channel.value,
        answered_at=iso(response.answered_at), area=who.area, category=who.category,
        department=who.department, recorded_by=response.recorded_by)


def _queue_key(call: Call) -> str | None:
    at = call.queued_at()
    return f"{iso(at)}#{call.member_key}" if at else None


def _call_item(call: Call) -> SurveyCallItem:
    key = _queue_key(call)
    history = [{"at": iso(a.at), "outcome": a.outcome.value, "by": a.by,
                "call_back_at": _iso(a.call_back_at)} for a in call.history]
    return SurveyCallItem(
        PK=survey_pk(call.survey_id), SK=f"{SURVEY_CALL_PREFIX}{call.member_key}",
        member_key=call.member_key, phone=call.phone, language=call.language,
        name=call.name or None, area=call.area, state=call.state.value, lane=call.lane.value,
        due_at=_iso(call.due_at), attempts=call.attempts, call_backs=call.call_backs,
        claimed_by=call.claimed_by, claim_id=call.claim_id,
        claimed_until=_iso(call.claimed_until), history=json.dumps(history),
        GSI7PK=survey_calls_pk(call.survey_id, call.lane.value) if key else None, GSI7SK=key)


def _call(survey_id: str, item: SurveyCallItem) -> Call:
    history = tuple(Attempt(parse_time(a["at"]), CallOutcome(a["outcome"]), a["by"],
                            _time(a.get("call_back_at"))) for a in json.loads(item.history))
    return Call(survey_id, item.member_key, item.phone, item.language, item.name or "", item.area,
                CallState(item.state), _time(item.due_at), Lane(item.lane), int(item.attempts),
                int(item.call_backs), item.claimed_by, item.claim_id, _time(item.claimed_until),
                history)


class DynamoSurveys:
    """The survey store: definitions in one partition, each survey's people in its own."""

    # -- definitions (80, 81) --

    def surveys(self) -> list[Survey]:
        return [_survey(i) for i in SurveyItem.query(SURVEYS_PK, SurveyItem.SK.startswith(SURVEY_PREFIX))]

    def survey(self, survey_id: str) -> Survey | None:
        try:
            return _survey(SurveyItem.get(SURVEYS_PK, survey_sk(survey_id)))
        except SurveyItem.DoesNotExist:
            return None

    def add_survey(self, survey: Survey) -> None:
        _survey_item(survey).save(condition=SurveyItem.PK.does_not_exist())

    def replace_survey(self, survey: Survey, expected_version: int) -> int | None:
        try:
            _survey_item(survey).save(condition=SurveyItem.survey_version == expected_version)
        except PutError as exc:
            if not condition_failed(exc):
                raise
            return self._version_now(survey.survey_id)
        return None

    def remove_survey(self, survey_id: str, expected_version: int) -> int | None:
        try:
            SurveyItem(PK=SURVEYS_PK, SK=survey_sk(survey_id)).delete(
                condition=SurveyItem.survey_version == expected_version)
        except DeleteError as exc:
            if not condition_failed(exc):
                raise
            return self._version_now(survey_id)
        return None

    def _version_now(self, survey_id: str) -> int:
        found = self.survey(survey_id)
        return found.version if found else 0

    # -- invitations (82, 83) --

    def invitation(self, survey_id: str, member_key: str) -> Invitation | None:
        try:
            item = SurveyInviteeItem.get(survey_pk(survey_id), f"{SURVEY_INVITEE_PREFIX}{member_key}")
        except SurveyInviteeItem.DoesNotExist:
            return None
        return Invitation(survey_id, member_key, item.secret, item.language,
                          tuple(SurveyChannel(c) for c in item.channels), parse_time(item.created_at),
                          item.area, item.phone, item.category, item.department)

    def add_invitation(self, invitation: Invitation) -> Invitation:
        """A conditional ``PutItem`` (absent), then for an SMS survey the number's item; a lost
        race reads the stored invitation."""
        item = SurveyInviteeItem(
            PK=survey_pk(invitation.survey_id), SK=f"{SURVEY_INVITEE_PREFIX}{invitation.member_key}",
            secret=invitation.secret, language=invitation.language,
            channels=[c.value for c in invitation.channels], created_at=iso(invitation.created_at),
            area=invitation.area, phone=invitation.phone, category=invitation.category,
            department=invitation.department)
        try:
            item.save(condition=SurveyInviteeItem.PK.does_not_exist())
        except PutError as exc:
            if not condition_failed(exc):
                raise
            stored = self.invitation(invitation.survey_id, invitation.member_key)
            assert stored is not None
            return stored
        if invitation.phone and SurveyChannel.SMS in invitation.channels:
            SurveyPhoneItem(PK=survey_phone_pk(invitation.phone),
                            SK=f"{iso(invitation.created_at)}#{invitation.survey_id}",
                            survey_id=invitation.survey_id, member_key=invitation.member_key).save()
        return invitation

    def invited(self, survey_id: str) -> dict[SurveyChannel, int]:
        counts: dict[SurveyChannel, int] = {}
        for item in SurveyInviteeItem.query(survey_pk(survey_id),
                                            SurveyInviteeItem.SK.startswith(SURVEY_INVITEE_PREFIX),
                                            attributes_to_get=["entity", "channels"]):
            for channel in item.channels or ():
                counts[SurveyChannel(channel)] = counts.get(SurveyChannel(channel), 0) + 1
        calls = SurveyCallItem.count(survey_pk(survey_id), SurveyCallItem.SK.startswith(SURVEY_CALL_PREFIX))
        if calls:
            counts[SurveyChannel.PHONE] = calls
        return counts

    def surveys_of_phone(self, phone: str) -> list[tuple[str, str]]:
        return [(i.survey_id, i.member_key)
                for i in SurveyPhoneItem.query(survey_phone_pk(phone), scan_index_forward=False, limit=20)]

    # -- responses (84, 85) --

    def add_response(self, response: Response) -> bool:
        try:
            _response_item(response).save(condition=SurveyResponseItem.PK.does_not_exist())
        except PutError as exc:
            if not condition_failed(exc):
                raise
            return False
        return True

    def response(self, survey_id: str, member_key: str) -> Response | None:
        try:
            item = SurveyResponseItem.get(survey_pk(survey_id), f"{SURVEY_RESPONSE_PREFIX}{member_key}")
        except SurveyResponseItem.DoesNotExist:
            return None
        return _response(survey_id, item)

    def responses(self, survey_id: str) -> Iterator[Response]:
        for item in SurveyResponseItem.query(survey_pk(survey_id),
                                             SurveyResponseItem.SK.startswith(SURVEY_RESPONSE_PREFIX)):
            yield _response(survey_id, item)

    # -- calls (86-89) --

    def call_keys(self, survey_id: str) -> set[str]:
        return {i.member_key for i in SurveyCallItem.query(
            survey_pk(survey_id), SurveyCallItem.SK.startswith(SURVEY_CALL_PREFIX),
            attributes_to_get=["entity", "member_key"])}

    def add_calls(self, calls: Iterable[Call]) -> int:
        added = 0
        with SurveyCallItem.batch_write() as batch:
            for call in calls:
                batch.save(_call_item(call))
                added += 1
        return added

    def call(self, survey_id: str, member_key: str) -> Call | None:
        try:
            return _call(survey_id, SurveyCallItem.get(survey_pk(survey_id), f"{SURVEY_CALL_PREFIX}{member_key}",
                                                       consistent_read=True))
        except SurveyCallItem.DoesNotExist:
            return None

    def due_calls(self, survey_id: str, lane: Lane, now: datetime, limit: int) -> list[QueuedCall]:
        answer = table_connection().query(
            survey_calls_pk(survey_id, lane.value), range_key_condition=DueIndex.GSI7SK <= f"{iso(now)}#\uffff",
            index_name=DueIndex.Meta.index_name, limit=limit)
        return [QueuedCall(survey_id, item["SK"]["S"][len(SURVEY_CALL_PREFIX):], lane, item["GSI7SK"]["S"])
                for item in answer.get("Items", [])]

    def claim_call(self, queued: QueuedCall, claimed: Call) -> Call | None:
        try:
            _call_item(claimed).save(condition=SurveyCallItem.GSI7SK == queued.queue_key)
        except PutError as exc:
            if not condition_failed(exc):
                raise
            return None
        return claimed

    def finish_call(self, after: Call, claim_id: str, response: Response | None) -> str:
        """One ``TransactWriteItems``: the answers (absent) and the call (still claimed)."""
        try:
            with TransactWrite(connection=table_connection().connection) as tx:
                if response is not None:
                    tx.save(_response_item(response), condition=SurveyResponseItem.PK.does_not_exist())
                tx.save(_call_item(after), condition=SurveyCallItem.claim_id == claim_id)
        except TransactWriteError as exc:
            failed = failed_conditions(exc)
            if not failed:
                raise
            if response is not None and 0 in failed:
                return "answered"
            return "claim_lost"
        return "ok"

    def call_states(self, survey_id: str) -> dict[CallState, int]:
        counts: dict[CallState, int] = {}
        for item in SurveyCallItem.query(survey_pk(survey_id), SurveyCallItem.SK.startswith(SURVEY_CALL_PREFIX),
                                         attributes_to_get=["entity", "state"]):
            state = CallState(item.state)
            counts[state] = counts.get(state, 0) + 1
        return counts
