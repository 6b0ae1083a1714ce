"""What an attacker sends that a citizen never would (issue 12): the API refuses it with a 400
or 415 that names the reason, and changes nothing: no case, no used number."""

from __future__ import annotations

import json

import pytest

from tests.support.admin import AdminApi, Staff

CASE = {"type": "signal", "category": "street_lighting", "language": "sr-Cyrl",
        "description": "Не ради улична расвета у Улици краља Петра код броја 12.",
        "contact": {"email": "petar@example.rs"}}
NOTE = {"text": "Позвати грађанина.", "version": 1}
PHONE_CALL = {"type": "signal", "channel": "phone", "category": "road_damage",
              "description": "Рупа у Улици Вука Караџића 5.", "requester": {"phone": "064 123 4567"}}


@pytest.fixture
def api(aws_env):
    return AdminApi()


@pytest.fixture
def staff(api):
    import os

    return Staff(api, os.environ["CIVICDESK_STAFF_USER_POOL_ID"])


def raw_json(body: dict, field: str, escaped: str) -> bytes:
    """``body`` as JSON with ``escaped`` (JSON escapes, e.g. a lone surrogate) inside ``field``."""
    text = json.dumps({**body, field: "@@"}, ensure_ascii=False)
    return text.replace('"@@"', f'"{escaped}"').encode("utf-8")


@pytest.mark.parametrize("escaped", [r"Рупа \ud800 код броја 12", r"\udc00 улична расвета не ради",
                                     r"Лампа \udbff\udbff не ради, молим поправку"])
def test_a_lone_surrogate_is_a_400_on_its_field_and_uses_no_number(api, escaped):
    answer = api.call("POST", "/v1/public/cases", raw_json(CASE, "description", escaped))
    assert answer.status == 400, answer.body
    assert answer.fields == {"description": "invalid_characters"}
    # AND the next case gets the first number: the refused request used none
    created = api.call("POST", "/v1/public/cases", CASE)
    assert created.status == 201 and created.body["number"].endswith("-000001")


def test_a_lone_surrogate_in_a_name_of_the_body_is_a_400(api):
    body = json.dumps(CASE, ensure_ascii=False)[:-1] + ', "\\ud800x": 1}'
    answer = api.call("POST", "/v1/public/cases", body.encode("utf-8"))
    assert answer.status == 400, answer.body
    assert api.call("POST", "/v1/public/cases", CASE).body["number"].endswith("-000001")


def test_a_paired_surrogate_is_an_ordinary_character(api):
    answer = api.call("POST", "/v1/public/cases", raw_json(CASE, "description",
                                                            r"Улична расвета не ради \ud83d\udca1 код броја 12"))
    assert answer.status == 201, answer.body


def test_a_staff_note_with_a_lone_surrogate_is_a_400(staff):
    operator = staff.add("operator.ana", "operator")
    created = operator.post("/v1/admin/cases", PHONE_CALL)
    assert created.status == 201, created.body
    number = created.body["number"]
    answer = operator.post(f"/v1/admin/cases/{number}/notes",
                           raw_json(NOTE, "text", r"Позвати \ud800 грађанина"))
    assert answer.status == 400 and answer.fields == {"text": "invalid_characters"}, answer.body
    assert operator.get(f"/v1/admin/cases/{number}").body["version"] == 1


@pytest.mark.parametrize("path,body", [
    ("/v1/public/cases", CASE),
    ("/v1/public/cases/2026-000001/subscriptions", {"email": "marko@example.rs"}),
])
@pytest.mark.parametrize("content_type", ["text/plain", "text/plain; charset=utf-8"])
def test_public_writes_want_json_so_no_other_site_can_post_them_without_a_preflight(
        api, path, body, content_type):
    # a form or fetch() from another site may send text/plain without asking (a "simple" request)
    answer = api.call("POST", path, json.dumps(body, ensure_ascii=False).encode(),
                      headers={"Content-Type": content_type})
    assert answer.status == 415, answer.body
    assert answer.error_code == "unsupported_media_type"
    assert api.call("POST", "/v1/public/cases", CASE).body["number"].endswith("-000001")


def test_a_mailbox_gets_at_most_a_few_opt_in_mails_a_day_however_it_is_spelled(api):
    from civicdesk.services.followers import OPT_IN_MAILS_PER_MAILBOX_PER_DAY
    from tests.support.aws import sent_mails

    # GIVEN three public cases
    numbers = [api.call("POST", "/v1/public/cases", CASE).body["number"] for _ in range(3)]
    # WHEN a stranger asks to follow each with twenty spellings of one mailbox
    spellings = [f"victim+{i}@example.rs" for i in range(10)] + [
        "Victim@Example.rs", "VICTIM+x@example.rs", "victim@example.rs"]
    for number in numbers:
        for email in spellings:
            answer = api.call("POST", f"/v1/public/cases/{number}/subscriptions", {"email": email})
            assert answer.status == 202, answer.body  # every answer is the same
    # THEN the mailbox got the day's few opt-in mails, no more
    opt_ins = [m for m in sent_mails() if "victim" in m["X-Test-Destinations"].lower()]
    assert len(opt_ins) == OPT_IN_MAILS_PER_MAILBOX_PER_DAY
    # AND another mailbox is not affected
    answer = api.call("POST", f"/v1/public/cases/{numbers[0]}/subscriptions",
                      {"email": "ana@example.rs"})
    assert answer.status == 202
    assert [m for m in sent_mails() if m["X-Test-Destinations"] == "ana@example.rs"]


def test_gmail_dots_are_one_mailbox(api):
    from civicdesk.services.followers import OPT_IN_MAILS_PER_MAILBOX_PER_DAY
    from tests.support.aws import sent_mails

    number = api.call("POST", "/v1/public/cases", CASE).body["number"]
    for email in ["v.ictim@gmail.com", "vi.ctim@gmail.com", "vic.tim@googlemail.com",
                  "vict.im+a@gmail.com", "victi.m@gmail.com"]:
        assert api.call("POST", f"/v1/public/cases/{number}/subscriptions",
                        {"email": email}).status == 202
    assert len([m for m in sent_mails() if "mail.com" in m["X-Test-Destinations"]]) == \
        OPT_IN_MAILS_PER_MAILBOX_PER_DAY


# -- a disabled or demoted staff member (item 11) ---------------------------------------------

def test_a_disabled_account_stops_writing_though_its_token_is_still_valid(staff, monkeypatch):
    from civicdesk.services import staff as standing

    clock = [1000.0]
    monkeypatch.setattr(standing, "monotonic", lambda: clock[0])
    operator = staff.add("operator.ana", "operator")
    number = operator.post("/v1/admin/cases", PHONE_CALL).body["number"]
    note = operator.post(f"/v1/admin/cases/{number}/notes", NOTE)
    assert note.status == 200, note.body
    # WHEN an administrator disables the account and signs it out everywhere
    staff.cognito.admin_disable_user(UserPoolId=staff.pool_id, Username="operator.ana")
    staff.cognito.admin_user_global_sign_out(UserPoolId=staff.pool_id, Username="operator.ana")
    clock[0] += 61  # the directory's answer is trusted for a minute
    # THEN the same (unexpired) ID token writes nothing more
    again = operator.post(f"/v1/admin/cases/{number}/notes", {**NOTE, "version": 2})
    assert (again.status, again.error_code) == (401, "unauthorized"), again.body
    assert operator.post("/v1/admin/cases", PHONE_CALL).status == 401
    reroute = operator.post(f"/v1/admin/cases/{number}/routing",
                            {"department": "public_utilities", "reason": "Грешка", "version": 2})
    assert reroute.status == 401
    supervisor = staff.add("supervisor.mira", "supervisor")
    assert supervisor.get(f"/v1/admin/cases/{number}").body["version"] == 2


def test_a_role_taken_away_is_gone_for_writes_within_a_minute(staff, monkeypatch):
    from civicdesk.services import staff as standing

    clock = [1000.0]
    monkeypatch.setattr(standing, "monotonic", lambda: clock[0])
    supervisor = staff.add("supervisor.mira", "supervisor")
    number = staff.add("operator.ana", "operator").post("/v1/admin/cases", PHONE_CALL).body["number"]
    assert supervisor.post(f"/v1/admin/cases/{number}/routing",
                           {"department": "public_utilities", "reason": "Расвета", "version": 1}).status == 200
    # WHEN the supervisor group is taken away; the token still names it
    staff.cognito.admin_remove_user_from_group(UserPoolId=staff.pool_id, Username="supervisor.mira",
                                               GroupName="supervisor")
    clock[0] += 61
    moved = supervisor.post(f"/v1/admin/cases/{number}/routing",
                            {"department": "roads_traffic", "reason": "Назад", "version": 2})
    assert moved.status == 403, moved.body


def test_the_id_token_lives_a_quarter_of_an_hour_and_is_renewed_by_refresh():
    from infra.local.template import Template

    client = Template().resources["StaffUserPoolClient"]["Properties"]
    units = client["TokenValidityUnits"]
    assert (client["IdTokenValidity"], units["IdToken"]) == (15, "minutes")
    assert (client["AccessTokenValidity"], units["AccessToken"]) == (15, "minutes")
    assert "ALLOW_REFRESH_TOKEN_AUTH" in client["ExplicitAuthFlows"]


# -- the public form cannot make the municipality mail anyone (item 4) -------------------------

def test_a_confirmation_to_a_typed_address_quotes_nothing_the_submitter_chose(api, aws_env):
    from tests.support.aws import sent_mails
    from tests.support.pipeline import Pipeline

    phishing = {**CASE, "description": "Ваш рачун је блокиран, пријавите се на http://evil.example/login",
                "contact": {"name": "Служба наплате – хитно", "email": "victim@example.rs"}}
    assert api.call("POST", "/v1/public/cases", phishing).status == 201
    Pipeline(aws_env).run()
    [mail] = [m for m in sent_mails() if m["X-Test-Destinations"] == "victim@example.rs"]
    text = mail.get_content()
    assert "evil.example" not in text and "Служба наплате" not in text
    assert "evil.example" not in mail["Subject"]


def test_confirmations_to_one_recipient_are_limited_per_day_across_cases(api, aws_env):
    from civicdesk.services.notification_sending import CONFIRMATIONS_PER_RECIPIENT_PER_DAY
    from tests.support.aws import sent_mails
    from tests.support.pipeline import Pipeline

    # GIVEN twice the day's confirmations asked for one mailbox in several spellings
    wanted = 2 * CONFIRMATIONS_PER_RECIPIENT_PER_DAY
    numbers = [api.call("POST", "/v1/public/cases", {**CASE, "contact": {"email": f"victim+{i}@example.rs"}})
               .body["number"] for i in range(wanted)]
    Pipeline(aws_env).run()
    # THEN every case is kept, but the mailbox got the day's confirmations only
    assert len(numbers) == len(set(numbers)) == wanted
    confirmations = [m for m in sent_mails() if m["X-Test-Destinations"].startswith("victim")]
    assert len(confirmations) == CONFIRMATIONS_PER_RECIPIENT_PER_DAY
    # AND the timeline of a case beyond the limit says why it was not confirmed
    from civicdesk import wiring

    _, events = wiring.case_repository().get_with_timeline(numbers[-1])
    outcomes = [e.data.get("outcome") for e in events if e.kind.value == "notification"
                and e.data.get("kind") == "confirmation"]
    assert outcomes == ["limited"]


def test_an_operator_typed_address_is_greeted_by_name(staff, aws_env):
    from tests.support.aws import sent_mails
    from tests.support.pipeline import Pipeline

    operator = staff.add("operator.ana", "operator")
    letter = {"type": "signal", "channel": "letter", "category": "road_damage",
              "description": "Писмо: рупа у Улици Вука Караџића 5.",
              "requester": {"name": "Милан Јовановић", "email": "milan@example.rs"}}
    assert operator.post("/v1/admin/cases", letter).status == 201
    Pipeline(aws_env).run()
    [mail] = [m for m in sent_mails() if m["X-Test-Destinations"] == "milan@example.rs"]
    assert "Милан Јовановић" in mail.get_content()
