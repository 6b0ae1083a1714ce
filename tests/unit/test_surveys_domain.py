"""Surveys' rules without storage: the design's checks, answers, SMS digits, the call list's
retry rules and order, the results' counts."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from civicdesk.domain.calendar import OfficeCalendar
from civicdesk.domain.survey_calls import (
    Call,
    CallOutcome,
    CallRules,
    CallState,
    Lane,
    after_outcome,
    call_back_errors,
    claim,
    next_order,
    outcome_errors,
)
from civicdesk.domain.survey_results import tally
from civicdesk.domain.surveys import (
    Option,
    Question,
    QuestionKind,
    Respondent,
    Response,
    Survey,
    SurveyChannel,
    SurveyDesign,
    SurveyState,
    clean_answers,
    design_errors,
    digit_answer,
    parse_token,
)

LANGS = ("sr-Cyrl", "en")
WEEK = {d: (("07:30", "15:30"),) for d in ("mon", "tue", "wed", "thu", "fri")}
CAL = OfficeCalendar(WEEK, "Europe/Belgrade", holidays=())
TUESDAY_9 = datetime(2026, 12, 1, 8, 0, tzinfo=timezone.utc)  # 09:00 in Belgrade


def both(text):
    return {"sr-Cyrl": text + " (ћ)", "en": text}


CHOICE = Question("cut", QuestionKind.SINGLE_CHOICE, both("Cut?"), True,
                  (Option("never", both("Never")), Option("often", both("Often"))))
MANY = Question("days", QuestionKind.MULTIPLE_CHOICE, both("Days?"), False,
                (Option("mon", both("Mon")), Option("tue", both("Tue")), Option("wed", both("Wed"))))
SCALE = Question("mood", QuestionKind.SCALE, both("How?"), True)
YES = Question("again", QuestionKind.YES_NO, both("Again?"))
TEXT = Question("remark", QuestionKind.FREE_TEXT, both("Else?"))


def survey(*questions, channels=(SurveyChannel.PORTAL,)) -> Survey:
    design = SurveyDesign(title=both("Water"), intro=both("Hello"), questions=questions,
                          channels=channels, audience_id="aud")
    return Survey("0" * 16, design, SurveyState.OPEN, 1, TUESDAY_9, "staff:a", TUESDAY_9, "staff:a")


# -- design --------------------------------------------------------------------------------------

def test_a_complete_design_passes_and_a_missing_language_is_named():
    assert design_errors(survey(CHOICE, SCALE, TEXT).design, LANGS, complete=True) == []
    partial = SurveyDesign(title={"en": "Water"}, questions=(
        Question("q", QuestionKind.SINGLE_CHOICE, {"en": "?"}, options=(
            Option("a", {"en": "A"}), Option("b", {"en": "B", "xx": "?"}))),))
    # a draft may lack languages: only the unknown one is wrong
    assert [(e.field, e.code) for e in design_errors(partial, LANGS)] == [
        ("questions[0].options[1].text.xx", "survey_unknown_language")]
    fields = {(e.field, e.code) for e in design_errors(partial, LANGS, complete=True)}
    assert fields == {("title.sr-Cyrl", "required"), ("questions[0].text.sr-Cyrl", "required"),
                      ("questions[0].options[0].text.sr-Cyrl", "required"),
                      ("questions[0].options[1].text.sr-Cyrl", "required"),
                      ("questions[0].options[1].text.xx", "survey_unknown_language"),
                      ("audience_id", "required")}


def test_an_sms_survey_has_one_digit_question():
    assert design_errors(survey(SCALE, channels=(SurveyChannel.SMS,)).design, LANGS) == []
    for questions in ((SCALE, YES), (TEXT,), (MANY,)):
        errors = design_errors(survey(*questions, channels=(SurveyChannel.SMS,)).design, LANGS)
        assert [(e.field, e.code) for e in errors] == [("channels", "survey_sms_one_question")]


# -- answers -------------------------------------------------------------------------------------

def test_answers_are_checked_per_question():
    s = survey(CHOICE, MANY, SCALE, YES, TEXT)
    cleaned, errors = clean_answers(s, {"cut": "often", "days": ["wed", "mon", "mon"], "mood": 5,
                                        "again": False, "remark": "  fine  "})
    assert errors == []
    assert cleaned == {"cut": "often", "days": ("mon", "wed"), "mood": 5, "again": False, "remark": "fine"}
    _, errors = clean_answers(s, {"cut": "sometimes", "days": "mon", "mood": True, "again": "yes"})
    assert {(e.field, e.code) for e in errors} == {
        ("answers.cut", "survey_unknown_option"), ("answers.days", "type"),
        ("answers.mood", "out_of_range"), ("answers.again", "type")}
    _, errors = clean_answers(s, {})
    assert {(e.field, e.code) for e in errors} == {("answers.cut", "required"), ("answers.mood", "required")}


@pytest.mark.parametrize("question,body,value", [
    (CHOICE, "1", "never"), (CHOICE, " 2. ", "often"), (CHOICE, "3", None), (SCALE, "5", 5),
    (SCALE, "0", None), (YES, "2", False), (YES, "12", None), (SCALE, "five", None)])
def test_an_sms_digit_picks_an_answer(question, body, value):
    assert digit_answer(question, body) == value


def test_tokens_carry_the_invitations_address():
    token = parse_token("0123456789abcdef." + "a" * 24 + "." + "Ab_-" * 5 + "xy")
    assert token is not None and token.survey_id == "0123456789abcdef"
    assert parse_token("0123456789abcdef." + "a" * 24 + ".short") is None
    assert parse_token(None) is None


# -- the call list -------------------------------------------------------------------------------

def fresh(key="k", **kw) -> Call:
    return Call("s", key, "+381630000000", "sr-Cyrl", **{"due_at": TUESDAY_9, **kw})


def test_no_answer_is_retried_two_working_hours_later_three_times_in_all():
    call, now = fresh(), TUESDAY_9
    for attempt in (1, 2):
        call = after_outcome(call, CallOutcome.NO_ANSWER, "staff:a", now, CAL)
        assert call.state is CallState.WAITING and call.attempts == attempt
        assert call.due_at >= now + timedelta(hours=2) and CAL.is_open(call.due_at)
        now = call.due_at
    call = after_outcome(call, CallOutcome.BUSY, "staff:a", now, CAL)
    assert call.state is CallState.UNREACHED and call.queued_at() is None
    assert [a.outcome for a in call.history] == [CallOutcome.NO_ANSWER, CallOutcome.NO_ANSWER, CallOutcome.BUSY]


def test_a_retry_late_in_the_day_moves_to_the_next_working_morning():
    friday_14 = datetime(2026, 12, 4, 13, 0, tzinfo=timezone.utc)  # 14:00 in Belgrade
    later = after_outcome(fresh(), CallOutcome.BUSY, "staff:a", friday_14, CAL)
    assert later.due_at == datetime(2026, 12, 7, 6, 30, tzinfo=timezone.utc)  # Monday 07:30


def test_final_outcomes_leave_the_queue():
    for outcome, state in ((CallOutcome.ANSWERED, CallState.COMPLETED),
                           (CallOutcome.REFUSED, CallState.REFUSED),
                           (CallOutcome.WRONG_NUMBER, CallState.WRONG_NUMBER)):
        done = after_outcome(claim(fresh(), "staff:a", "c1", TUESDAY_9), outcome, "staff:a", TUESDAY_9, CAL)
        assert done.state is state and done.claim_id is None and done.queued_at() is None


def test_call_backs_are_checked_and_limited():
    assert call_back_errors(TUESDAY_9 + timedelta(hours=1), TUESDAY_9, CAL) == []
    codes = [call_back_errors(at, TUESDAY_9, CAL)[0].code for at in
             (None, TUESDAY_9 - timedelta(minutes=1), TUESDAY_9 + timedelta(days=40),
              TUESDAY_9 + timedelta(hours=12))]
    assert codes == ["required", "survey_not_in_future", "survey_too_far", "survey_outside_working_hours"]
    rules = CallRules(max_call_backs=1)
    once = after_outcome(fresh(), CallOutcome.CALL_BACK, "staff:a", TUESDAY_9, CAL, rules,
                         TUESDAY_9 + timedelta(hours=1))
    assert once.lane is Lane.CALL_BACK and once.due_at == TUESDAY_9 + timedelta(hours=1)
    assert [e.code for e in outcome_errors(once, CallOutcome.CALL_BACK, rules)] == ["survey_too_many_call_backs"]


def test_next_contact_order_call_backs_first_then_by_due_time_claims_wait_for_their_end():
    now = TUESDAY_9
    calls = [fresh("late", due_at=now - timedelta(minutes=1)),
             fresh("early", due_at=now - timedelta(hours=1)),
             fresh("back", due_at=now - timedelta(seconds=1), lane=Lane.CALL_BACK),
             fresh("back-later", due_at=now + timedelta(minutes=30), lane=Lane.CALL_BACK),
             claim(fresh("claimed", due_at=now - timedelta(hours=2)), "staff:b", "c", now - timedelta(minutes=5)),
             claim(fresh("lapsed", due_at=now - timedelta(hours=3)), "staff:b", "c", now - timedelta(minutes=20))]
    assert [c.member_key for c in next_order(calls, now)] == ["back", "early", "lapsed", "late"]


# -- results -------------------------------------------------------------------------------------

def test_results_count_shares_means_rates_and_breakdowns():
    s = survey(CHOICE, MANY, SCALE, TEXT, channels=(SurveyChannel.PORTAL, SurveyChannel.PHONE))

    def answer(key, channel, area, at, **answers):
        return Response(s.survey_id, Respondent(key, "en", channel, area), answers,
                        TUESDAY_9 + timedelta(minutes=at))

    responses = [answer("a", SurveyChannel.PORTAL, "centar", 1, cut="never", days=("mon", "tue"), mood=4),
                 answer("b", SurveyChannel.PORTAL, "breza", 2, cut="often", days=("mon",), mood=2,
                        remark="Pišite na ana@primer.rs"),
                 answer("c", SurveyChannel.PHONE, None, 3, cut="often", mood=3, remark="Hvala")]
    results = tally(s, responses, {SurveyChannel.PORTAL: 4, SurveyChannel.PHONE: 2})
    cut, days, mood, remark = results.questions
    assert [(c.value, c.count, c.share) for c in cut.choices] == [("never", 1, 0.3333), ("often", 2, 0.6667)]
    assert [(c.value, c.count, c.share) for c in days.choices] == [("mon", 2, 1.0), ("tue", 1, 0.5), ("wed", 0, 0.0)]
    assert (days.answered, days.skipped) == (2, 1)
    assert mood.mean == 3.0
    assert remark.texts == ("Hvala", "Pišite na […]")  # newest first, redacted
    assert [(r.channel, r.invited, r.responded, r.rate) for r in results.channels] == [
        (SurveyChannel.PORTAL, 4, 2, 0.5), (SurveyChannel.PHONE, 2, 1, 0.5)]
    by_area = {b.value: (b.responses, dict(b.counts["cut"])) for b in results.breakdowns if b.dimension == "area"}
    assert by_area == {"": (1, {"never": 0, "often": 1}), "breza": (1, {"never": 0, "often": 1}),
                       "centar": (1, {"never": 1, "often": 0})}
    assert {b.dimension for b in results.breakdowns} == {"area"}  # no one carries a category
