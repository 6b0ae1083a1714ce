"""Request and answer schemas of the surveys' routes (``/v1/admin/surveys``,
``/v1/public/surveys/{token}``). The request schemas validate; the answer schemas document."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..domain.cases import LANGUAGES
from ..domain.errors import FieldError
from ..domain.survey_calls import CallOutcome, CallState
from ..domain.surveys import (
    MAX_FREE_TEXT,
    MAX_INTRO,
    MAX_OPTION_TEXT,
    MAX_OPTIONS,
    MAX_QUESTION_TEXT,
    MAX_QUESTIONS,
    MAX_TITLE,
    QuestionKind,
    SurveyChannel,
    SurveyState,
)
from .validation import Arr, Bool, DateTime, Field, Int, Num, Obj, Str

SURVEY_ID_PATTERN = r"^[0-9a-f]{16}$"
MEMBER_KEY_PATTERN = r"^[0-9a-f]{24}$"
_ID = r"^[a-z0-9][a-z0-9_-]{0,39}$"
KINDS = tuple(k.value for k in QuestionKind)
CHANNELS = tuple(c.value for c in SurveyChannel)
OUTCOMES = tuple(o.value for o in CallOutcome)


def texts(limit: int, what: str, *, multiline: bool = False) -> Obj:
    return Obj({lang: Str(max_length=limit, multiline=multiline) for lang in LANGUAGES},
               description=f"{what}, per language (every language of the municipality before "
                           "the survey opens)")


class AnswerMap(Field):
    """The answers of one respondent: question id -> a value of the question's kind (checked
    against the survey's questions by the service)."""

    json_type = "object"

    def check(self, value: Any, path: str, errors: list[FieldError]) -> Any:
        if not isinstance(value, Mapping):
            errors.append(FieldError(path, "type", {"expected": "object"}))
            return None
        if len(value) > MAX_QUESTIONS:
            errors.append(FieldError(path, "too_many", {"max": MAX_QUESTIONS}))
            return None
        return dict(value)

    def json_schema(self) -> dict:
        schema = super().json_schema()
        schema["additionalProperties"] = {
            "description": "single_choice: an option id; multiple_choice: a list of option ids; "
                           f"scale: 1-5; yes_no: true/false; free_text: text (at most {MAX_FREE_TEXT})"}
        return schema


OPTION = Obj({"id": Str(required=True, max_length=40, pattern=_ID),
              "text": texts(MAX_OPTION_TEXT, "The option's label")})
QUESTION = Obj({
    "id": Str(required=True, max_length=40, pattern=_ID, description="Stable within the survey"),
    "kind": Str(required=True, max_length=20, enum=KINDS),
    "text": texts(MAX_QUESTION_TEXT, "The question", multiline=True),
    "required": Bool(),
    "options": Arr(OPTION, max_items=MAX_OPTIONS, description="For the choice kinds only"),
})
DESIGN_FIELDS = {
    "title": Obj({lang: Str(max_length=MAX_TITLE) for lang in LANGUAGES}, required=True,
                 description="The survey's title, per language"),
    "intro": texts(MAX_INTRO, "The introduction (the phone operators' script)", multiline=True),
    "questions": Arr(QUESTION, max_items=MAX_QUESTIONS),
    "channels": Arr(Str(max_length=10, enum=CHANNELS), max_items=3,
                    description="portal (one-time links), sms (one digit question), phone"),
    "audience_id": Str(max_length=64, description="Who is surveyed (`/v1/admin/audiences`)"),
    "after_resolution": Arr(Str(max_length=64, pattern=r"^[a-z0-9_]{1,64}$"), max_items=100,
                            description="Categories whose resolved cases' requesters are asked "
                                        "(the link in the resolved mail, once per case)"),
}
SURVEY_DESIGN = Obj(DESIGN_FIELDS, description="A new survey (a draft)")
SURVEY_CHANGE = Obj({**DESIGN_FIELDS, "version": Int(minimum=1, required=True)},
                    description="The draft read at `version`, changed")
SURVEY_VERSION = Obj({"version": Int(minimum=1, description="The version read (409 if it changed)")},
                     description="Open, close or delete the survey read at `version`")
CALL_OUTCOME = Obj({
    "claim_id": Str(required=True, max_length=64, description="From the next contact's answer"),
    "outcome": Str(required=True, max_length=16, enum=OUTCOMES),
    "answers": AnswerMap(description="With `answered`: the respondent's answers"),
    "call_back_at": DateTime(description="With `call_back`: when (in working hours, within 30 days)"),
}, description="What came of a call")
PUBLIC_ANSWERS = Obj({"answers": AnswerMap(required=True)}, description="A respondent's answers")
RESULTS_QUERY = Obj({"format": Str(max_length=8, enum=("json", "csv")), "lang": Str(max_length=8)})
PUBLIC_QUERY = Obj({"lang": Str(max_length=8)})

# -- answers -------------------------------------------------------------------------------------

_TEXTS = Obj({lang: Str() for lang in LANGUAGES})
SURVEY = Obj({
    "id": Str(), "state": Str(enum=tuple(s.value for s in SurveyState)), "version": Int(),
    "title": _TEXTS, "intro": _TEXTS, "questions": Arr(QUESTION), "channels": Arr(Str()),
    "audience_id": Str(), "after_resolution": Arr(Str()), "created_at": Str(), "created_by": Str(), "updated_at": Str(),
    "updated_by": Str(), "opened_at": Str(), "closed_at": Str(),
}, description="A survey")
SURVEY_LIST = Obj({"surveys": Arr(SURVEY, max_items=1000)})
DELETED = Obj({"deleted": Bool()})
_LOCAL_QUESTION = Obj({"id": Str(), "kind": Str(enum=KINDS), "required": Bool(), "text": Str(),
                       "options": Arr(Obj({"id": Str(), "text": Str()}))})
LOCAL_SURVEY = Obj({"survey_id": Str(), "language": Str(), "title": Str(), "intro": Str(),
                    "questions": Arr(_LOCAL_QUESTION, max_items=MAX_QUESTIONS)},
                   description="The survey in one language")
CALL = Obj({
    "member_key": Str(), "name": Str(), "phone": Str(), "language": Str(), "area": Str(),
    "state": Str(enum=tuple(s.value for s in CallState)), "lane": Str(enum=("call_back", "regular")),
    "attempts": Int(), "call_backs": Int(), "due_at": Str(), "claim_id": Str(),
    "claimed_until": Str(),
    "history": Arr(Obj({"at": Str(), "outcome": Str(enum=OUTCOMES), "by": Str(),
                        "call_back_at": Str()})),
}, description="One call of a phone survey's list")
NEXT_CALL = Obj({"call": CALL, "survey": LOCAL_SURVEY},
                description="The contact claimed for the caller, with the script and the questions "
                            "in the contact's language; `call` null when none is due")
CALL_RESULT = Obj({"call": CALL})
CALL_LIST = Obj({"survey_id": Str(), "total": Int(), "added": Int(),
                 "states": Obj({s.value: Int() for s in CallState})})
_CHOICE = Obj({"value": Str(), "label": Str(), "count": Int(), "share": Num()})
RESULTS = Obj({
    "survey_id": Str(), "title": Str(), "state": Str(), "responses": Int(),
    "questions": Arr(Obj({"id": Str(), "kind": Str(enum=KINDS), "text": Str(), "answered": Int(),
                          "skipped": Int(), "mean": Num(), "choices": Arr(_CHOICE),
                          "texts": Arr(Str(), description="Free text, redacted, newest first")})),
    "channels": Arr(Obj({"channel": Str(enum=CHANNELS), "invited": Int(), "responded": Int(),
                         "rate": Num()})),
    "breakdowns": Arr(Obj({"dimension": Str(enum=("area", "category", "department")),
                           "value": Str(), "label": Str(), "responses": Int(),
                           "counts": Obj({}, description="question id -> answer value -> count")})),
}, description="A survey's results")
ANSWER_RECORDED = Obj({"recorded": Bool(), "answered_at": Str()})
