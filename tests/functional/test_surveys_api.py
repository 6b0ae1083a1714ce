"""Surveys through the API in-process under moto: design and open (role-checked), answering
through a one-time link twice (counted once), a phone survey's call list worked by two
operators (never the same contact; call-backs first at their time), SMS digit replies, and the
results (JSON and CSV)."""

from __future__ import annotations

import os
from datetime import datetime, timedelta, timezone

import pytest

from civicdesk.domain.audiences import AudienceMember, Channel, MemberSource
from civicdesk.services.audience_ports import AudienceNotFound
from tests.support.admin import AdminApi, Staff

LANGS = ("sr-Cyrl", "sr-Latn", "bg", "cs", "en")
# Tuesday 1 December 2026, 09:00 in Belgrade: inside the demo municipality's working hours.
START = datetime(2026, 12, 1, 8, 0, tzinfo=timezone.utc)


def every(text: str) -> dict:
    return {lang: f"{text} ({lang})" for lang in LANGS}


DESIGN = {
    "title": every("Water supply"),
    "intro": every("Good morning, the municipality asks three short questions"),
    "channels": ["portal", "phone"],
    "audience_id": "aud-centre",
    "questions": [
        {"id": "satisfied", "kind": "scale", "text": every("How satisfied are you?"), "required": True},
        {"id": "cut", "kind": "single_choice", "text": every("Was your water cut?"), "required": True,
         "options": [{"id": "never", "text": every("Never")}, {"id": "once", "text": every("Once")},
                     {"id": "often", "text": every("Often")}]},
        {"id": "remark", "kind": "free_text", "text": every("Anything else?")},
    ],
}


def member(n: int, *, phone: bool = True, area: str = "centar", language: str = "sr-Latn") -> AudienceMember:
    email = f"resident{n}@example.rs"
    number = f"+38163000{n:04d}" if phone else None
    from civicdesk.domain.audiences import member_key

    return AudienceMember(key=member_key(email, number), language=language,
                          source=MemberSource.CONTACT_LIST,
                          channels=(Channel.EMAIL, Channel.PHONE) if phone else (Channel.EMAIL,),
                          name=f"Resident {n}", email=email, phone=number, area=area)


class InMemoryAudiences:
    def __init__(self, audiences: dict[str, list[AudienceMember]]):
        self.audiences = audiences

    def members(self, audience_id: str):
        if audience_id not in self.audiences:
            raise AudienceNotFound(audience_id)
        yield from self.audiences[audience_id]


class Clock:
    def __init__(self, now: datetime):
        self.now = now

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def people():
    return [member(1), member(2), member(3, area="breza"), member(4, phone=False)]


@pytest.fixture
def env(aws_env, monkeypatch, people):
    from civicdesk import wiring

    monkeypatch.setattr(wiring, "audience_members", lambda: InMemoryAudiences({"aud-centre": people}),
                        raising=False)
    clock = Clock(START)
    monkeypatch.setattr(wiring.survey_service(), "_clock", clock)
    staff = Staff(AdminApi(), os.environ["CIVICDESK_STAFF_USER_POOL_ID"])
    return {"clock": clock, "service": wiring.survey_service(),
            "operator": staff.add("operator.ana", "operator"),
            "operator2": staff.add("operator.bojan", "operator"),
            "supervisor": staff.add("supervisor.mira", "supervisor"),
            "api": staff.api}


def put(caller, path, body):
    return caller.api.call("PUT", path, body, claims=caller.claims)


def opened_survey(env) -> dict:
    created = env["supervisor"].post("/v1/admin/surveys", DESIGN)
    assert created.status == 201, created.body
    opened = env["supervisor"].post(f"/v1/admin/surveys/{created.body['id']}/open",
                                    {"version": created.body["version"]})
    assert opened.status == 200, opened.body
    return opened.body


def token_of(link: str) -> str:
    assert "/survey.html#token=" in link
    return link.split("#token=", 1)[1]


# -- design --------------------------------------------------------------------------------------

def test_supervisors_design_and_operators_may_not(env):
    refused = env["operator"].post("/v1/admin/surveys", DESIGN)
    assert refused.status == 403
    draft = env["supervisor"].post("/v1/admin/surveys", {**DESIGN, "title": {"en": "Draft only"}})
    assert draft.status == 201 and draft.body["state"] == "draft"
    # opening checks every language, field by field
    incomplete = env["supervisor"].post(f"/v1/admin/surveys/{draft.body['id']}/open", {"version": 1})
    assert incomplete.status == 400
    assert incomplete.fields["title.sr-Cyrl"] == "required"
    changed = put(env["supervisor"], f"/v1/admin/surveys/{draft.body['id']}", {**DESIGN, "version": 1})
    assert changed.status == 200 and changed.body["version"] == 2
    stale = put(env["supervisor"], f"/v1/admin/surveys/{draft.body['id']}", {**DESIGN, "version": 1})
    assert stale.status == 409 and stale.body["error"]["current_version"] == 2
    listed = env["operator"].get("/v1/admin/surveys")
    assert [s["id"] for s in listed.body["surveys"]] == [draft.body["id"]]


def test_a_design_is_checked_field_by_field(env):
    bad = {**DESIGN, "channels": ["portal", "sms"], "questions": [
        {"id": "q", "kind": "single_choice", "text": {"en": "?"}, "options": [{"id": "a", "text": {"en": "A"}}]},
        {"id": "q", "kind": "scale", "text": {"en": "?"}, "options": [{"id": "a", "text": {"en": "A"}}]}]}
    answer = env["supervisor"].post("/v1/admin/surveys", bad)
    assert answer.status == 400
    assert answer.fields == {"questions[0].options": "survey_too_few_options",
                             "questions[1].id": "repeated",
                             "questions[1].options": "survey_options_not_allowed",
                             "channels": "survey_sms_one_question"}


# -- one-time links ------------------------------------------------------------------------------

def test_a_survey_answered_twice_through_the_same_link_counts_once(env, people):
    survey = opened_survey(env)
    link = env["service"].invitation_link(survey["id"], people[0])
    assert env["service"].invitation_link(survey["id"], people[0]) == link  # the same link again
    token = token_of(link)
    shown = env["api"].call("GET", f"/v1/public/surveys/{token}")
    assert shown.status == 200, shown.body
    assert shown.body["language"] == "sr-Latn" and shown.body["title"] == "Water supply (sr-Latn)"
    assert [q["id"] for q in shown.body["questions"]] == ["satisfied", "cut", "remark"]
    answers = {"answers": {"satisfied": 4, "cut": "once", "remark": "Zovite me na 064 123 4567"}}
    first = env["api"].call("POST", f"/v1/public/surveys/{token}", answers)
    assert first.status == 201, first.body
    second = env["api"].call("POST", f"/v1/public/surveys/{token}",
                             {"answers": {"satisfied": 1, "cut": "often"}})
    assert second.status == 409 and second.error_code == "conflict"
    assert "first answer" in env["api"].call("GET", f"/v1/public/surveys/{token}",
                                             headers={"Accept-Language": "en"}).body["error"]["message"]
    results = env["supervisor"].get(f"/v1/admin/surveys/{survey['id']}/results")
    assert results.status == 200
    assert results.body["responses"] == 1
    satisfied = results.body["questions"][0]
    assert {c["value"]: c["count"] for c in satisfied["choices"]} == {"1": 0, "2": 0, "3": 0, "4": 1, "5": 0}
    assert results.body["questions"][2]["texts"] == ["Zovite me na […]"]  # redacted


def test_unknown_links_and_bad_answers(env, people):
    survey = opened_survey(env)
    token = token_of(env["service"].invitation_link(survey["id"], people[1]))
    forged = token[:-4] + ("AAAA" if not token.endswith("AAAA") else "BBBB")
    assert env["api"].call("GET", f"/v1/public/surveys/{forged}").status == 404
    assert env["api"].call("GET", "/v1/public/surveys/nonsense").status == 404
    bad = env["api"].call("POST", f"/v1/public/surveys/{token}", {"answers": {"satisfied": 9, "cut": "x"}})
    assert bad.status == 400
    assert bad.fields == {"answers.satisfied": "out_of_range", "answers.cut": "survey_unknown_option"}
    env["supervisor"].post(f"/v1/admin/surveys/{survey['id']}/close", {})
    closed = env["api"].call("POST", f"/v1/public/surveys/{token}", {"answers": {"satisfied": 3, "cut": "never"}})
    assert closed.status == 409


# -- phone surveys -------------------------------------------------------------------------------

def next_call(caller, survey_id):
    answer = caller.post(f"/v1/admin/surveys/{survey_id}/calls/next", {})
    assert answer.status == 200, answer.body
    return answer.body


def outcome(caller, survey_id, call, **body):
    return caller.post(f"/v1/admin/surveys/{survey_id}/calls/{call['member_key']}/outcome",
                       {"claim_id": call["claim_id"], **body})


def test_two_operators_never_get_the_same_contact_and_call_backs_come_first(env, people):
    survey = opened_survey(env)
    sid = survey["id"]
    listed = env["operator"].get(f"/v1/admin/surveys/{sid}/calls")
    assert listed.body["total"] == 3 and listed.body["states"]["waiting"] == 3  # the one without a phone is left out
    first = next_call(env["operator"], sid)
    second = next_call(env["operator2"], sid)
    assert first["call"]["member_key"] != second["call"]["member_key"]
    assert first["survey"]["intro"].startswith("Good morning") and first["survey"]["language"] == "sr-Latn"
    # busy: retried at least two hours later
    busy = outcome(env["operator"], sid, first["call"], outcome="busy")
    assert busy.status == 200 and busy.body["call"]["attempts"] == 1
    assert busy.body["call"]["due_at"] >= (START + timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M")
    # the citizen asks to be called back in an hour; a time outside working hours is refused
    evening = outcome(env["operator2"], sid, second["call"], outcome="call_back",
                      call_back_at="2026-12-01T21:00:00+01:00")
    assert evening.status == 400 and evening.fields == {"call_back_at": "survey_outside_working_hours"}
    back = outcome(env["operator2"], sid, second["call"], outcome="call_back",
                   call_back_at=(START + timedelta(hours=1)).isoformat())
    assert back.status == 200 and back.body["call"]["lane"] == "call_back"
    third = next_call(env["operator"], sid)
    assert third["call"]["member_key"] not in (first["call"]["member_key"], second["call"]["member_key"])
    assert next_call(env["operator2"], sid)["call"] is None  # nothing else is due now
    # an hour later the call-back comes first, before the busy one (due later) and the claimed one
    env["clock"].now = START + timedelta(hours=1, minutes=1)
    called_back = next_call(env["operator2"], sid)
    assert called_back["call"]["member_key"] == second["call"]["member_key"]
    reached = outcome(env["operator2"], sid, called_back["call"], outcome="answered",
                      answers={"satisfied": 2, "cut": "often", "remark": "=HYPERLINK(1)"})
    assert reached.status == 200, reached.body
    # the third call's claim lapses after 15 minutes: another operator gets it, the first loses it
    env["clock"].now = START + timedelta(hours=2, minutes=30)
    retaken = next_call(env["operator2"], sid)
    assert retaken["call"]["member_key"] == third["call"]["member_key"]
    lost = outcome(env["operator"], sid, third["call"], outcome="answered",
                   answers={"satisfied": 5, "cut": "never"})
    assert lost.status == 409
    answered = outcome(env["operator2"], sid, retaken["call"], outcome="answered",
                       answers={"satisfied": 5, "cut": "never"})
    assert answered.status == 200 and answered.body["call"]["state"] == "completed"
    results = env["supervisor"].get(f"/v1/admin/surveys/{sid}/results").body
    phone = next(c for c in results["channels"] if c["channel"] == "phone")
    assert phone == {"channel": "phone", "invited": 3, "responded": 2, "rate": 0.6667}
    areas = sorted(p.area for p in people if p.key in (retaken["call"]["member_key"],
                                                       second["call"]["member_key"]))
    by_area = [(b["value"], b["responses"]) for b in results["breakdowns"] if b["dimension"] == "area"]
    assert by_area == [(a, areas.count(a)) for a in sorted(set(areas))]
    cut = next(q for q in results["questions"] if q["id"] == "cut")
    assert [(c["value"], c["count"], c["share"]) for c in cut["choices"]] == [
        ("never", 1, 0.5), ("once", 0, 0.0), ("often", 1, 0.5)]
    sheet = env["supervisor"].get(f"/v1/admin/surveys/{sid}/results", query="format=csv&lang=en").text
    assert "'=HYPERLINK(1)" in sheet  # no formula in a spreadsheet
    assert "\r\nBreakdown,Value,Question,Answer,Count\r\n" in sheet


def test_three_unanswered_attempts_leave_a_contact_unreached(env, people, monkeypatch):
    from civicdesk import wiring

    monkeypatch.setattr(wiring, "audience_members", lambda: InMemoryAudiences({"aud-centre": people[:1]}),
                        raising=False)
    sid = opened_survey(env)["id"]
    for attempt in range(3):
        call = next_call(env["operator"], sid)["call"]
        assert call is not None, attempt
        answer = outcome(env["operator"], sid, call, outcome="no_answer")
        env["clock"].now = datetime.fromisoformat(answer.body["call"]["due_at"] or START.isoformat())
    assert answer.body["call"]["state"] == "unreached"
    assert next_call(env["operator"], sid)["call"] is None
    # an operator may not see the results; a supervisor gets them as CSV with a byte order mark
    assert env["operator"].get(f"/v1/admin/surveys/{sid}/results").status == 403
    csv_answer = env["supervisor"].get(f"/v1/admin/surveys/{sid}/results", query="format=csv&lang=en")
    assert csv_answer.status == 200 and csv_answer.text.startswith("\ufeffQuestion,Answer,Count,Share")


# -- SMS -----------------------------------------------------------------------------------------

def test_a_one_question_sms_survey_takes_a_digit_once(env):
    from civicdesk.domain.audiences import member_key

    sms_member = AudienceMember(key=member_key(None, "+381640000001"), language="en",
                                source=MemberSource.SUBSCRIPTION, channels=(Channel.SMS,),
                                phone="+381640000001")
    design = {**DESIGN, "channels": ["sms"], "questions": [DESIGN["questions"][0]]}
    created = env["supervisor"].post("/v1/admin/surveys", design).body
    sid = env["supervisor"].post(f"/v1/admin/surveys/{created['id']}/open", {}).body["id"]
    env["service"].invitation_link(sid, sms_member)
    service, at = env["service"], START
    assert service.sms_question(sid, "en") == (
        "How satisfied are you? (en) 1 very dissatisfied, 2, 3, 4, 5 very satisfied. Reply with one digit (1-5).")
    assert service.answer_by_sms("+381640000001", "I have a question about water", at) is None
    assert service.answer_by_sms("+381640000009", "4", at) is None  # no survey sent there
    assert "1 to 5" in service.answer_by_sms("+381640000001", "7", at)
    assert "recorded" in service.answer_by_sms("+381640000001", "4", at)
    assert service.answer_by_sms("+381640000001", "2", at) is None  # answered: not ours any more
    results = env["supervisor"].get(f"/v1/admin/surveys/{sid}/results").body
    assert results["responses"] == 1
    assert next(c for c in results["questions"][0]["choices"] if c["value"] == "4")["count"] == 1
    assert next(c for c in results["channels"] if c["channel"] == "sms")["rate"] == 1.0


# -- the satisfaction question after a resolution ------------------------------------------------

def test_a_resolved_case_asks_its_requester_once_and_the_answers_carry_its_category(env):
    from civicdesk.domain.cases import Case, CaseType, Status
    from civicdesk.domain.cases import Channel as CaseChannel

    design = {**DESIGN, "channels": ["portal"], "audience_id": None, "after_resolution": ["road_damage"],
              "questions": [DESIGN["questions"][0]]}
    refused = env["supervisor"].post("/v1/admin/surveys", {**design, "after_resolution": ["no_such"]})
    assert refused.fields == {"after_resolution": "unknown_category"}
    created = env["supervisor"].post("/v1/admin/surveys", design).body
    opened = env["supervisor"].post(f"/v1/admin/surveys/{created['id']}/open", {})
    assert opened.status == 200, opened.body  # no audience needed: the cases are its audience
    second = env["supervisor"].post("/v1/admin/surveys", design).body
    taken = env["supervisor"].post(f"/v1/admin/surveys/{second['id']}/open", {})
    assert taken.fields == {"after_resolution": "survey_category_taken"}

    def case(number, category="road_damage"):
        return Case(number=number, type=CaseType.SIGNAL, channel=CaseChannel.PHONE, category=category,
                    department="roads_traffic", description="Rupa", language="en", created_at=START,
                    status=Status.RESOLVED, public=False, updated_at=START, token_hash="x")

    service = env["service"]
    link = service.satisfaction_link(case("2026-000010"))
    assert link is not None and service.satisfaction_link(case("2026-000010")) == link  # once per case
    assert service.satisfaction_link(case("2026-000011", "street_lighting")) is None
    token = token_of(link)
    assert env["api"].call("POST", f"/v1/public/surveys/{token}", {"answers": {"satisfied": 5}}).status == 201
    assert service.satisfaction_link(case("2026-000010")) is None  # answered: not asked again
    results = env["supervisor"].get(f"/v1/admin/surveys/{created['id']}/results").body
    assert [(b["dimension"], b["value"], b["responses"]) for b in results["breakdowns"]] == [
        ("category", "road_damage", 1), ("department", "roads_traffic", 1)]


def test_the_resolved_mail_carries_the_question_when_there_is_one():
    from civicdesk.rendering import render_mail

    context = {"number": "2026-000010", "category_name": "Road damage", "tracking_url": "https://t/x",
               "municipality": "Demo", "name": None, "unsubscribe_url": None, "signature": "Demo",
               "type_name": "Signal", "department_name": "Roads", "status_name": "Resolved", "message": None}
    plain = render_mail("resolved", "en", context).text
    asked = render_mail("resolved", "en", {**context, "survey_url": "https://p/survey.html#token=abc"}).text
    assert "survey.html" not in plain
    assert "One short question, once:\nhttps://p/survey.html#token=abc" in asked
    assert plain.replace("\n", "") in asked.replace("\n", "").replace(
        "How satisfied are you with how your case was handled? One short question, once:https://p/survey.html#token=abc", "")
