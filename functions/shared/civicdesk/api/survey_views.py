"""The surveys' edge: requests parsed into the survey service's commands, its answers shaped
as JSON, the results as CSV (translated, with a byte order mark like the statistics)."""

from __future__ import annotations

import csv
import io
from typing import Any, Mapping

from ..domain.cases import iso
from ..domain.errors import FieldError
from ..domain.municipality import Municipality, localised
from ..domain.survey_calls import Call, CallOutcome, CallState, Lane
from ..domain.survey_results import SurveyResults
from ..domain.surveys import (
    Option,
    Question,
    QuestionKind,
    Survey,
    SurveyChannel,
    SurveyDesign,
    localised_text,
)
from ..rendering.i18n import translate
from ..services.survey_calls import CallList, RecordCall
from ..services.surveys import ChangeSurvey, WriteSurvey
from . import survey_schemas as ss


def _checked(schema, value: object) -> tuple[dict, tuple[FieldError, ...]]:
    errors: list[FieldError] = []
    cleaned = schema.check(value if value is not None else {}, "", errors) or {}
    return cleaned, tuple(errors)


def _texts(value: Mapping[str, str] | None) -> dict[str, str]:
    return {lang: text for lang, text in (value or {}).items() if text}


def _design(cleaned: dict) -> SurveyDesign:
    questions = tuple(
        Question(q.get("id", ""), QuestionKind(q["kind"]), _texts(q.get("text")),
                 bool(q.get("required", False)),
                 tuple(Option(o.get("id", ""), _texts(o.get("text"))) for o in q.get("options", ())))
        for q in cleaned.get("questions", ()) if "kind" in q)
    channels = tuple(SurveyChannel(c) for c in cleaned.get("channels") or ("portal",))
    return SurveyDesign(title=_texts(cleaned.get("title")), intro=_texts(cleaned.get("intro")),
                        questions=questions, channels=channels,
                        audience_id=cleaned.get("audience_id"),
                        after_resolution=tuple(dict.fromkeys(cleaned.get("after_resolution") or ())))


def write_survey(body: object, survey_id: str | None = None) -> WriteSurvey:
    schema = ss.SURVEY_CHANGE if survey_id else ss.SURVEY_DESIGN
    cleaned, errors = _checked(schema, body)
    design = _design(cleaned) if not errors else None
    return WriteSurvey(survey_id=survey_id, design=design, version=cleaned.get("version"),
                       field_errors=errors)


def change_survey(survey_id: str, body: object) -> ChangeSurvey:
    cleaned, errors = _checked(ss.SURVEY_VERSION, body)
    return ChangeSurvey(survey_id=survey_id, version=cleaned.get("version"), field_errors=errors)


def record_call(survey_id: str, member_key: str, body: object) -> RecordCall:
    cleaned, errors = _checked(ss.CALL_OUTCOME, body)
    outcome = CallOutcome(cleaned["outcome"]) if "outcome" in cleaned else None
    return RecordCall(survey_id=survey_id, member_key=member_key, claim_id=cleaned.get("claim_id"),
                      outcome=outcome, answers=cleaned.get("answers") or {},
                      call_back_at=cleaned.get("call_back_at"), field_errors=errors)


def public_answers(body: object) -> dict:
    return ss.PUBLIC_ANSWERS.validate(body)["answers"]


# -- answers -------------------------------------------------------------------------------------

def _when(value) -> str | None:
    return iso(value) if value else None


def survey_view(survey: Survey) -> dict:
    design = survey.design
    return {
        "id": survey.survey_id, "state": survey.state.value, "version": survey.version,
        "title": dict(design.title), "intro": dict(design.intro),
        "questions": [{"id": q.question_id, "kind": q.kind.value, "text": dict(q.text),
                       "required": q.required,
                       "options": [{"id": o.option_id, "text": dict(o.text)} for o in q.options]}
                      for q in design.questions],
        "channels": [c.value for c in design.channels], "audience_id": design.audience_id,
        "after_resolution": list(design.after_resolution),
        "created_at": iso(survey.created_at), "created_by": survey.created_by,
        "updated_at": iso(survey.updated_at), "updated_by": survey.updated_by,
        "opened_at": _when(survey.opened_at), "closed_at": _when(survey.closed_at)}


def survey_list(surveys: list[Survey]) -> dict:
    return {"surveys": [survey_view(s) for s in surveys]}


def local_survey(survey: Survey, language: str, fallback: str) -> dict:
    """The survey as one respondent (or the operator reading to them) sees it."""

    def text(texts: Mapping[str, str]) -> str:
        return localised_text(texts, language, fallback)

    design = survey.design
    return {"survey_id": survey.survey_id, "language": language, "title": text(design.title),
            "intro": text(design.intro),
            "questions": [{"id": q.question_id, "kind": q.kind.value, "required": q.required,
                           "text": text(q.text),
                           "options": [{"id": o.option_id, "text": text(o.text)} for o in q.options]}
                          for q in design.questions]}


def call_view(call: Call) -> dict:
    return {"member_key": call.member_key, "name": call.name, "phone": call.phone,
            "language": call.language, "area": call.area, "state": call.state.value,
            "lane": "call_back" if call.lane is Lane.CALL_BACK else "regular",
            "attempts": call.attempts, "call_backs": call.call_backs, "due_at": _when(call.due_at),
            "claim_id": call.claim_id, "claimed_until": _when(call.claimed_until),
            "history": [{"at": iso(a.at), "outcome": a.outcome.value, "by": a.by,
                         "call_back_at": _when(a.call_back_at)} for a in call.history]}


def next_call_view(call: Call | None, survey: Survey, municipality: Municipality) -> dict:
    if call is None:
        return {"call": None, "survey": None}
    language = municipality.language_or_default(call.language)
    return {"call": call_view(call),
            "survey": local_survey(survey, language, municipality.default_language)}


def call_list_view(found: CallList) -> dict:
    states = {state.value: found.states.get(state, 0) for state in CallState}
    return {"survey_id": found.survey_id, "total": sum(states.values()), "added": found.added,
            "states": states}


def _label(survey: Survey, question_id: str, value: str, language: str, fallback: str) -> str:
    question = survey.question(question_id)
    if question is None:
        return value
    if question.kind is QuestionKind.YES_NO:
        return translate(language, f"survey.answer.{value}")
    for option in question.options:
        if option.option_id == value:
            return localised_text(option.text, language, fallback)
    return value


def dimension_label(dimension: str, value: str, municipality: Municipality, language: str) -> str:
    if not value:
        return translate(language, "survey.breakdown.none")
    tables: dict[str, Mapping[str, Any]] = {"area": municipality.areas,
                                            "category": municipality.categories,
                                            "department": municipality.departments}
    table = tables.get(dimension, {})
    return localised(table[value].name, language) if value in table else value


def results_view(survey: Survey, results: SurveyResults, municipality: Municipality,
                 language: str) -> dict:
    fallback = municipality.default_language
    questions = []
    for result in results.questions:
        question = survey.question(result.question_id)
        questions.append({
            "id": result.question_id, "kind": result.kind.value,
            "text": localised_text(question.text, language, fallback) if question else "",
            "answered": result.answered, "skipped": result.skipped, "mean": result.mean,
            "choices": [{"value": c.value, "count": c.count, "share": c.share,
                         "label": _label(survey, result.question_id, c.value, language, fallback)}
                        for c in result.choices],
            "texts": list(result.texts)})
    return {
        "survey_id": survey.survey_id, "state": survey.state.value,
        "title": localised_text(survey.title, language, fallback),
        "responses": results.responses, "questions": questions,
        "channels": [{"channel": c.channel.value, "invited": c.invited, "responded": c.responded,
                      "rate": c.rate} for c in results.channels],
        "breakdowns": [{"dimension": b.dimension, "value": b.value, "responses": b.responses,
                        "label": dimension_label(b.dimension, b.value, municipality, language),
                        "counts": {q: dict(v) for q, v in b.counts.items()}}
                       for b in results.breakdowns]}


def results_csv(survey: Survey, results: SurveyResults, municipality: Municipality,
                language: str) -> str:
    """The results as CSV (RFC 4180, a byte order mark for spreadsheets): the answers'
    counts and shares, the response rates, the breakdowns, the free text (redacted)."""
    view = results_view(survey, results, municipality, language)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")

    def head(*keys: str) -> None:
        writer.writerow([translate(language, f"survey.csv.{key}") for key in keys])

    head("question", "answer", "count", "share")
    for question in view["questions"]:
        for choice in question["choices"]:
            writer.writerow([question["text"], choice["label"], choice["count"], choice["share"]])
        if question["mean"] is not None:
            writer.writerow([question["text"], translate(language, "survey.csv.mean"), "",
                             question["mean"]])
    writer.writerow([])
    head("channel", "invited", "responded", "rate")
    for rate in view["channels"]:
        writer.writerow([translate(language, f"survey.channel.{rate['channel']}"), rate["invited"],
                         rate["responded"], "" if rate["rate"] is None else rate["rate"]])
    texts = {q["id"]: q for q in view["questions"]}
    if view["breakdowns"]:
        writer.writerow([])
        head("dimension", "value", "question", "answer", "count")
        for breakdown in view["breakdowns"]:
            for question_id, counts in breakdown["counts"].items():
                for value, count in counts.items():
                    writer.writerow([translate(language, f"survey.dimension.{breakdown['dimension']}"),
                                     breakdown["label"], texts[question_id]["text"],
                                     _label(survey, question_id, value, language,
                                            municipality.default_language), count])
    free = [q for q in view["questions"] if q["kind"] == QuestionKind.FREE_TEXT.value]
    if free:
        writer.writerow([])
        head("question", "text")
        for question in free:
            for text in question["texts"]:
                writer.writerow([question["text"], _safe_cell(text)])
    return "\ufeff" + out.getvalue()


def _safe_cell(text: str) -> str:
    """A citizen's text as a cell no spreadsheet runs as a formula (OWASP's CSV injection)."""
    return f"'{text}" if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def csv_headers(survey: Survey) -> dict[str, str]:
    return {"Content-Type": "text/csv; charset=utf-8",
            "Content-Disposition": f'attachment; filename="civicdesk-survey-{survey.survey_id}.csv"',
            "Cache-Control": "private, no-store"}
