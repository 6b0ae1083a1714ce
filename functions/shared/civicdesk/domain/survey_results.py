"""A survey's analysis: per question the counts and shares of each answer, the response rate by
channel, the same counts broken down by area, category and department where the respondent
carries them, and the free-text answers (redacted). Standard library only."""

from __future__ import annotations

from typing import Iterable, Mapping

from msgspec import Struct, field

from .redaction import redact
from .surveys import QuestionKind, Response, Survey, SurveyChannel

DIMENSIONS = ("area", "category", "department")
MAX_TEXT_ANSWERS = 500  # the free-text answers one result lists per question (newest first)


class ChoiceCount(Struct, frozen=True):
    value: str  # an option id, "1".."5", "yes"/"no"
    count: int
    share: float  # of the question's answers (0..1); of the respondents for multiple choice


class QuestionResult(Struct, frozen=True):
    question_id: str
    kind: QuestionKind
    answered: int
    skipped: int
    choices: tuple[ChoiceCount, ...] = ()
    mean: float | None = None  # the scale's
    texts: tuple[str, ...] = ()  # free text, redacted, newest first


class ChannelRate(Struct, frozen=True):
    channel: SurveyChannel
    invited: int
    responded: int

    @property
    def rate(self) -> float | None:
        return round(self.responded / self.invited, 4) if self.invited else None


class Breakdown(Struct, frozen=True):
    """One value of a dimension: its respondents and their counts per question and answer."""

    dimension: str
    value: str  # "" where respondents carry none
    responses: int
    counts: Mapping[str, Mapping[str, int]]


class SurveyResults(Struct, frozen=True):
    survey_id: str
    responses: int
    questions: tuple[QuestionResult, ...]
    channels: tuple[ChannelRate, ...]
    breakdowns: tuple[Breakdown, ...] = field(default_factory=tuple)


def _values(kind: QuestionKind, answer) -> tuple[str, ...]:
    if kind is QuestionKind.MULTIPLE_CHOICE:
        return tuple(answer)
    if kind is QuestionKind.YES_NO:
        return ("yes" if answer else "no",)
    return (str(answer),)


def _choice_values(survey: Survey, question_id: str) -> tuple[str, ...]:
    question = survey.question(question_id)
    return question.choices() if question else ()


def tally(survey: Survey, responses: Iterable[Response],
          invited: Mapping[SurveyChannel, int]) -> SurveyResults:
    """The results of ``responses`` (each respondent's one), ``invited`` the invitations per
    channel.

    >>> from datetime import datetime, timezone
    >>> from .surveys import Question, Respondent, SurveyDesign, SurveyState
    >>> s = Survey("0" * 16, SurveyDesign(title={"en": "T"}, questions=(
    ...     Question("q", QuestionKind.YES_NO, {"en": "?"}),)), SurveyState.OPEN, 1, *(None,) * 4)
    >>> at = datetime(2026, 12, 1, tzinfo=timezone.utc)
    >>> answers = [Response(s.survey_id, Respondent(k, "en", SurveyChannel.PORTAL), {"q": v}, at)
    ...            for k, v in (("a", True), ("b", True), ("c", False))]
    >>> r = tally(s, answers, {SurveyChannel.PORTAL: 4})
    >>> [(c.value, c.count, c.share) for c in r.questions[0].choices], r.channels[0].rate
    ([('yes', 2, 0.6667), ('no', 1, 0.3333)], 0.75)
    """
    responses = sorted(responses, key=lambda r: r.answered_at, reverse=True)
    total = len(responses)
    questions = []
    for question in survey.design.questions:
        given = [r.answers[question.question_id] for r in responses if question.question_id in r.answers]
        if question.kind is QuestionKind.FREE_TEXT:
            texts = tuple(redact(str(text)) for text in given[:MAX_TEXT_ANSWERS])
            questions.append(QuestionResult(question.question_id, question.kind, len(given),
                                            total - len(given), texts=texts))
            continue
        counts = {value: 0 for value in question.choices()}
        for answer in given:
            for value in _values(question.kind, answer):
                counts[value] = counts.get(value, 0) + 1
        choices = tuple(ChoiceCount(value, count, round(count / len(given), 4) if given else 0.0)
                        for value, count in counts.items())
        mean = (round(sum(int(str(a)) for a in given) / len(given), 2)
                if question.kind is QuestionKind.SCALE and given else None)
        questions.append(QuestionResult(question.question_id, question.kind, len(given),
                                        total - len(given), choices, mean))
    responded: dict[SurveyChannel, int] = {}
    for response in responses:
        channel = response.respondent.channel
        responded[channel] = responded.get(channel, 0) + 1
    channels = tuple(ChannelRate(channel, invited.get(channel, 0), responded.get(channel, 0))
                     for channel in SurveyChannel
                     if channel in survey.design.channels or invited.get(channel)
                     or responded.get(channel))
    return SurveyResults(survey.survey_id, total, tuple(questions), channels,
                         _breakdowns(survey, responses))


def _breakdowns(survey: Survey, responses: list[Response]) -> tuple[Breakdown, ...]:
    counted = [q for q in survey.design.questions if q.kind is not QuestionKind.FREE_TEXT]
    found = []
    for dimension in DIMENSIONS:
        groups: dict[str, list[Response]] = {}
        for response in responses:
            groups.setdefault(getattr(response.respondent, dimension) or "", []).append(response)
        if set(groups) <= {""}:
            continue  # no respondent carries this dimension: no breakdown by it
        for value in sorted(groups):
            members = groups[value]
            counts: dict[str, dict[str, int]] = {}
            for question in counted:
                per = {choice: 0 for choice in _choice_values(survey, question.question_id)}
                for response in members:
                    if question.question_id in response.answers:
                        for choice in _values(question.kind, response.answers[question.question_id]):
                            per[choice] = per.get(choice, 0) + 1
                counts[question.question_id] = per
            found.append(Breakdown(dimension, value, len(members), counts))
    return tuple(found)
