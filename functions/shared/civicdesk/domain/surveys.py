"""Surveys the municipality runs: their questions, their life (draft, open, closed), the answers
of one respondent, and the one-time link each invited person answers through.

A survey has a title and an intro (the phone operators' script) per language, and questions of
five kinds, each with its text (and options) per language. A draft may be incomplete; opening
it checks that every text exists in every language of the municipality and that its channels
fit its questions (an SMS survey has one question answered with one digit).

Every respondent answers once: the first answer recorded through an invitation (the portal's
one-time link, an SMS reply, an operator's call) is the one counted; a second is refused
(``docs/decisions.md``, 2026-12-01, surveys). Standard library only.
"""

from __future__ import annotations

import re
from datetime import datetime
from enum import Enum
from typing import Any, Iterable, Mapping

from msgspec import Struct, field

from .errors import FieldError


class QuestionKind(str, Enum):
    SINGLE_CHOICE = "single_choice"
    MULTIPLE_CHOICE = "multiple_choice"
    SCALE = "scale"  # 1 (worst) to 5 (best)
    YES_NO = "yes_no"
    FREE_TEXT = "free_text"


class SurveyState(str, Enum):
    DRAFT = "draft"
    OPEN = "open"
    CLOSED = "closed"


class SurveyChannel(str, Enum):
    PORTAL = "portal"  # the portal's page, through a one-time link sent by mail or SMS
    SMS = "sms"  # one question, answered by replying with a digit
    PHONE = "phone"  # operators call the audience's members with a phone number


CHOICE_KINDS = (QuestionKind.SINGLE_CHOICE, QuestionKind.MULTIPLE_CHOICE)
DIGIT_KINDS = (QuestionKind.SINGLE_CHOICE, QuestionKind.SCALE, QuestionKind.YES_NO)
SCALE_VALUES = (1, 2, 3, 4, 5)

MAX_QUESTIONS = 30
MAX_OPTIONS = 12
MAX_SMS_OPTIONS = 9  # one digit each
MAX_TITLE = 200
MAX_INTRO = 4000
MAX_QUESTION_TEXT = 1000
MAX_OPTION_TEXT = 200
MAX_FREE_TEXT = 2000

_ID = re.compile(r"^[a-z0-9][a-z0-9_-]{0,39}$")
_TOKEN = re.compile(r"^([0-9a-f]{16})\.([0-9a-f]{24})\.([A-Za-z0-9_-]{22})$")


class Option(Struct, frozen=True):
    option_id: str
    text: Mapping[str, str]


class Question(Struct, frozen=True):
    question_id: str
    kind: QuestionKind
    text: Mapping[str, str]
    required: bool = False
    options: tuple[Option, ...] = ()

    def option_ids(self) -> tuple[str, ...]:
        return tuple(option.option_id for option in self.options)

    def choices(self) -> tuple[str, ...]:
        """The values a digit answer picks, in digit order (1 is the first)."""
        if self.kind is QuestionKind.SCALE:
            return tuple(str(v) for v in SCALE_VALUES)
        if self.kind is QuestionKind.YES_NO:
            return ("yes", "no")
        return self.option_ids()


class SurveyDesign(Struct, frozen=True):
    """What the designer writes: everything but the survey's life."""

    title: Mapping[str, str]
    intro: Mapping[str, str] = field(default_factory=dict)
    questions: tuple[Question, ...] = ()
    channels: tuple[SurveyChannel, ...] = (SurveyChannel.PORTAL,)
    audience_id: str | None = None
    #: The categories whose resolved cases it follows: the requester's "resolved" mail carries
    #: a link to it (the satisfaction question), at most one per case.
    after_resolution: tuple[str, ...] = ()


class Survey(Struct, frozen=True):
    survey_id: str
    design: SurveyDesign
    state: SurveyState
    version: int
    created_at: datetime
    created_by: str
    updated_at: datetime
    updated_by: str
    opened_at: datetime | None = None
    closed_at: datetime | None = None

    @property
    def title(self) -> Mapping[str, str]:
        return self.design.title

    def question(self, question_id: str) -> Question | None:
        return next((q for q in self.design.questions if q.question_id == question_id), None)

    def takes(self, channel: SurveyChannel) -> bool:
        return channel in self.design.channels


def localised_text(texts: Mapping[str, str], language: str, fallback: str) -> str:
    """``texts`` in ``language``, else in ``fallback``, else any ('' when empty)."""
    return texts.get(language) or texts.get(fallback) or next(iter(texts.values()), "")


# -- the design's checks ---------------------------------------------------------------------------

def _text_errors(path: str, texts: Mapping[str, str], languages: Iterable[str], limit: int,
                 complete: bool) -> list[FieldError]:
    languages = tuple(languages)
    errors = [FieldError(f"{path}.{lang}", "survey_unknown_language") for lang in texts
              if lang not in languages]
    for lang, text in texts.items():
        if len(text) > limit:
            errors.append(FieldError(f"{path}.{lang}", "too_long", {"max": limit}))
    if complete:
        errors += [FieldError(f"{path}.{lang}", "required") for lang in languages
                   if not (texts.get(lang) or "").strip()]
    elif not any((t or "").strip() for t in texts.values()):
        errors.append(FieldError(path, "required"))
    return errors


def design_errors(design: SurveyDesign, languages: Iterable[str], *,
                  complete: bool = False) -> list[FieldError]:
    """Every problem of ``design``: field (a dotted path) and reason. ``complete``: the checks
    of opening (every text in every language, at least one question, an audience for the
    channels that reach one).

    >>> design = SurveyDesign(title={"en": "Water"}, questions=(
    ...     Question("q1", QuestionKind.SCALE, {"en": "How was it?"}),))
    >>> design_errors(design, ("en",))
    []
    >>> [(e.field, e.code) for e in design_errors(design, ("en", "bg"), complete=True)]
    [('title.bg', 'required'), ('questions[0].text.bg', 'required'), ('audience_id', 'required')]
    """
    languages = tuple(languages)
    errors = _text_errors("title", design.title, languages, MAX_TITLE, complete)
    errors += _text_errors("intro", design.intro, languages, MAX_INTRO, False) if design.intro else []
    if complete and design.intro:
        errors += [FieldError(f"intro.{lang}", "required") for lang in languages
                   if not (design.intro.get(lang) or "").strip()]
    if len(design.questions) > MAX_QUESTIONS:
        errors.append(FieldError("questions", "too_many", {"max": MAX_QUESTIONS}))
    if complete and not design.questions:
        errors.append(FieldError("questions", "required"))
    seen: set[str] = set()
    for index, question in enumerate(design.questions):
        errors += _question_errors(f"questions[{index}]", question, languages, complete, seen)
    if not design.channels:
        errors.append(FieldError("channels", "required"))
    if len(set(design.channels)) != len(design.channels):
        errors.append(FieldError("channels", "repeated"))
    if SurveyChannel.SMS in design.channels and not sms_ready(design):
        errors.append(FieldError("channels", "survey_sms_one_question",
                                 {"max_options": MAX_SMS_OPTIONS}))
    if design.after_resolution and SurveyChannel.PORTAL not in design.channels:
        errors.append(FieldError("after_resolution", "survey_needs_portal"))
    if complete and not design.audience_id and not design.after_resolution:
        errors.append(FieldError("audience_id", "required"))
    return errors


def _question_errors(path: str, question: Question, languages: tuple[str, ...], complete: bool,
                     seen: set[str]) -> list[FieldError]:
    errors = []
    if not _ID.match(question.question_id):
        errors.append(FieldError(f"{path}.id", "invalid_format"))
    elif question.question_id in seen:
        errors.append(FieldError(f"{path}.id", "repeated"))
    seen.add(question.question_id)
    errors += _text_errors(f"{path}.text", question.text, languages, MAX_QUESTION_TEXT, complete)
    if question.kind in CHOICE_KINDS:
        if len(question.options) < 2:
            errors.append(FieldError(f"{path}.options", "survey_too_few_options", {"min": 2}))
        if len(question.options) > MAX_OPTIONS:
            errors.append(FieldError(f"{path}.options", "too_many", {"max": MAX_OPTIONS}))
        option_ids: set[str] = set()
        for number, option in enumerate(question.options):
            where = f"{path}.options[{number}]"
            if not _ID.match(option.option_id):
                errors.append(FieldError(f"{where}.id", "invalid_format"))
            elif option.option_id in option_ids:
                errors.append(FieldError(f"{where}.id", "repeated"))
            option_ids.add(option.option_id)
            errors += _text_errors(f"{where}.text", option.text, languages, MAX_OPTION_TEXT, complete)
    elif question.options:
        errors.append(FieldError(f"{path}.options", "survey_options_not_allowed"))
    return errors


def sms_ready(design: SurveyDesign) -> bool:
    """Whether the survey can be answered by one SMS digit: one question of a digit kind
    (a single choice of at most nine options, the scale, yes/no)."""
    if len(design.questions) != 1:
        return False
    question = design.questions[0]
    return question.kind in DIGIT_KINDS and len(question.choices()) <= MAX_SMS_OPTIONS


# -- the survey's life ---------------------------------------------------------------------------

_NEXT = {SurveyState.DRAFT: (SurveyState.OPEN,), SurveyState.OPEN: (SurveyState.CLOSED,),
         SurveyState.CLOSED: ()}


def can_move(state: SurveyState, to: SurveyState) -> bool:
    """draft -> open -> closed; nothing goes back (answers were given to the texts as they were).

    >>> can_move(SurveyState.DRAFT, SurveyState.OPEN), can_move(SurveyState.CLOSED, SurveyState.OPEN)
    (True, False)
    """
    return to in _NEXT[state]


# -- answers -------------------------------------------------------------------------------------

AnswerValue = str | int | bool | tuple[str, ...]


def clean_answers(survey: Survey, raw: Mapping[str, Any]) -> tuple[dict[str, AnswerValue], list[FieldError]]:
    """The answers of one respondent checked against the questions: ``answers.<question id>``
    and the reason for each bad one. An empty answer to an optional question is left out.

    >>> s = Survey("0" * 16, SurveyDesign(title={"en": "T"}, questions=(
    ...     Question("q1", QuestionKind.SCALE, {"en": "?"}, required=True),
    ...     Question("q2", QuestionKind.FREE_TEXT, {"en": "?"}))), SurveyState.OPEN, 1,
    ...     *(None,) * 4)
    >>> clean_answers(s, {"q1": 4, "q2": " "})
    ({'q1': 4}, [])
    >>> [(e.field, e.code) for e in clean_answers(s, {"q1": 7, "x": 1})[1]]
    [('answers.x', 'survey_unknown_question'), ('answers.q1', 'out_of_range')]
    """
    errors = [FieldError(f"answers.{str(key)[:40]}", "survey_unknown_question") for key in raw
              if survey.question(str(key)) is None]
    cleaned: dict[str, AnswerValue] = {}
    for question in survey.design.questions:
        path = f"answers.{question.question_id}"
        value = _clean(question, raw.get(question.question_id), path, errors)
        if value is None:
            if question.required and not any(e.field == path for e in errors):
                errors.append(FieldError(path, "required"))
            continue
        cleaned[question.question_id] = value
    return cleaned, errors


def _clean(question: Question, value: Any, path: str, errors: list[FieldError]) -> AnswerValue | None:
    if value is None or value == "" or value == []:
        return None
    kind = question.kind
    if kind is QuestionKind.SINGLE_CHOICE:
        if not isinstance(value, str) or value not in question.option_ids():
            errors.append(FieldError(path, "survey_unknown_option"))
            return None
        return value
    if kind is QuestionKind.MULTIPLE_CHOICE:
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            errors.append(FieldError(path, "type", {"expected": "array"}))
            return None
        if any(v not in question.option_ids() for v in value):
            errors.append(FieldError(path, "survey_unknown_option"))
            return None
        return tuple(o for o in question.option_ids() if o in value)  # the options' order, once
    if kind is QuestionKind.SCALE:
        if isinstance(value, bool) or not isinstance(value, int) or value not in SCALE_VALUES:
            errors.append(FieldError(path, "out_of_range", {"min": 1, "max": 5}))
            return None
        return value
    if kind is QuestionKind.YES_NO:
        if not isinstance(value, bool):
            errors.append(FieldError(path, "type", {"expected": "boolean"}))
            return None
        return value
    if not isinstance(value, str):
        errors.append(FieldError(path, "type", {"expected": "string"}))
        return None
    text = value.strip()
    if len(text) > MAX_FREE_TEXT:
        errors.append(FieldError(path, "too_long", {"max": MAX_FREE_TEXT}))
        return None
    return text or None


def digit_answer(question: Question, body: str) -> AnswerValue | None:
    """The answer an SMS ``body`` gives to a digit question: one digit (surrounding spaces and
    a full stop allowed), ``None`` when the body is no digit or picks nothing.

    >>> q = Question("q1", QuestionKind.YES_NO, {"en": "?"})
    >>> digit_answer(q, " 1. "), digit_answer(q, "2"), digit_answer(q, "3"), digit_answer(q, "yes")
    (True, False, None, None)
    """
    text = body.strip().rstrip(".").strip()
    if len(text) != 1 or not text.isdigit():
        return None
    choices = question.choices()
    position = int(text) - 1
    if not 0 <= position < len(choices):
        return None
    if question.kind is QuestionKind.SCALE:
        return int(choices[position])
    if question.kind is QuestionKind.YES_NO:
        return position == 0
    return choices[position]


def is_digit_reply(body: str) -> bool:
    """Whether an SMS looks like a survey reply at all (one digit): other texts are not ours."""
    text = body.strip().rstrip(".").strip()
    return len(text) == 1 and text.isdigit()


# -- one-time links -------------------------------------------------------------------------------

class InvitationToken(Struct, frozen=True):
    """``<survey id>.<member key>.<secret>``: the address of the invitation's item and the
    random secret stored in it (compared in constant time), so a lookup is one ``GetItem``."""

    survey_id: str
    member_key: str
    secret: str

    def __str__(self) -> str:
        return f"{self.survey_id}.{self.member_key}.{self.secret}"


def parse_token(token: str | None) -> InvitationToken | None:
    """The token's parts, ``None`` when it is no token at all.

    >>> parse_token("0" * 16 + "." + "a" * 24 + "." + "b" * 22).member_key == "a" * 24
    True
    >>> parse_token("nonsense") is None
    True
    """
    match = _TOKEN.match(token or "")
    return InvitationToken(*match.groups()) if match else None


def case_member_key(number: str) -> str:
    """The respondent key of a case's requester asked after its resolution: one per case,
    however often it is resolved (a reopened case resolved again gets the same link).

    >>> case_member_key("2026-000123") == case_member_key("2026-000123") != case_member_key("2026-000124")
    True
    """
    import hashlib

    return hashlib.sha256(f"case:{number}".encode()).hexdigest()[:24]


def survey_link_path(token: str) -> str:
    """The portal page (relative to the portal's address) that answers through ``token``: in
    the fragment, so that it is never sent to a server nor as a referrer."""
    return f"survey.html#token={token}"


class Respondent(Struct, frozen=True):
    """Who answers, as the invitation knows them: what the analysis breaks down by."""

    member_key: str
    language: str
    channel: SurveyChannel
    area: str | None = None
    category: str | None = None
    department: str | None = None


class Response(Struct, frozen=True):
    survey_id: str
    respondent: Respondent
    answers: Mapping[str, AnswerValue]
    answered_at: datetime
    recorded_by: str | None = None  # the operator, for a phone answer
