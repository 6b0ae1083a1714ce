"""Surveys in headless Chromium against the local runtime: an operator works a phone survey in
the console (next contact, the answers, a call-back, no answer), a supervisor reads the results
with their charts; a citizen answers through a one-time link on the portal, and the same link
again says the first answer counts. axe finds nothing, in two languages.

A survey's audience comes from the audiences part (``AudienceMembers``): the call list and
the invitation are written into the runtime's table here, in the documented item format
(docs/data-model.md, surveys), as opening the survey and the campaigns would."""

from __future__ import annotations

import json
import secrets
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import boto3
import pytest
import requests
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys

from civicdesk.domain.audiences import member_key
from civicdesk.domain.cases import iso
from tests.support.browser import by_id, chromium, clean_console, serbian_latin, skip_without_chromium, wait
from tests.support.console import axe_violations, demo_user, open_screen, sign_in, sign_out, wait_for_screen
from tests.support.runtime import running

skip_without_chromium(module=True)
pytestmark = [pytest.mark.e2e, pytest.mark.browser, pytest.mark.xdist_group("console-surveys-browser")]

LANGS = ("sr-Cyrl", "sr-Latn", "bg", "cs", "en")
ZONE = ZoneInfo("Europe/Belgrade")


def every(en: str, sr: str) -> dict:
    from civicdesk.domain.redaction.transliteration import to_latin

    return {"sr-Cyrl": sr, "sr-Latn": to_latin(sr), "bg": sr, "cs": en, "en": en}


DESIGN = {
    "title": every("Water supply in Centar", "Водоснабдевање у Центру"),
    "intro": every("Good day, the municipality asks two short questions.", "Добар дан, општина поставља два кратка питања."),
    "channels": ["portal", "phone"], "audience_id": "aud-centar",
    "questions": [
        {"id": "satisfied", "kind": "scale", "required": True,
         "text": every("How satisfied are you with the water supply?", "Колико сте задовољни водоснабдевањем?")},
        {"id": "cut", "kind": "single_choice", "required": True,
         "text": every("Was your water cut this month?", "Да ли вам је овог месеца нестајало воде?"),
         "options": [{"id": "never", "text": every("Never", "Никад")},
                     {"id": "often", "text": every("Often", "Често")}]},
        {"id": "remark", "kind": "free_text", "text": every("Anything else?", "Нешто друго?")},
    ],
}
PEOPLE = [("Петар Петровић", "+381631110001"), ("Ана Анић", "+381631110002"), ("Јован Јовић", "+381631110003")]


class Table:
    """The runtime's cases table, written as the surveys' adapter writes it."""

    def __init__(self, runtime):
        endpoint = runtime.settings()["cognito"]["endpoint"]
        self.client = boto3.client("dynamodb", region_name="eu-central-1", endpoint_url=endpoint,
                                   aws_access_key_id="testing", aws_secret_access_key="testing")
        self.name = next(n for n in self.client.list_tables()["TableNames"] if "ases" in n)

    def put(self, **item):
        self.client.put_item(TableName=self.name, Item={k: ({"N": str(v)} if isinstance(v, int) else {"S": v}
                                                            if isinstance(v, str) else v) for k, v in item.items()})

    def open_with_calls(self, survey_id: str, now: datetime) -> None:
        self.client.update_item(
            TableName=self.name, Key={"PK": {"S": "SURVEYS"}, "SK": {"S": f"SURVEY#{survey_id}"}},
            UpdateExpression="SET #s = :open, survey_version = survey_version + :one, opened_at = :at",
            ExpressionAttributeNames={"#s": "state"},
            ExpressionAttributeValues={":open": {"S": "open"}, ":one": {"N": "1"}, ":at": {"S": iso(now)}})
        for n, (name, phone) in enumerate(PEOPLE):
            key = member_key(None, phone)
            due = iso(now - timedelta(minutes=10 - n))  # in the list's order
            self.put(PK=f"SURVEY#{survey_id}", SK=f"CALL#{key}", entity="survey_call", member_key=key, phone=phone,
                     language="sr-Cyrl", name=name, area="centar", state="waiting", lane="2", due_at=due,
                     attempts=0, call_backs=0, history="[]", GSI7PK=f"SURVEYCALLS#{survey_id}#2", GSI7SK=f"{due}#{key}")

    def invite(self, survey_id: str, language: str) -> str:
        email = f"resident.{secrets.token_hex(4)}@example.rs"
        key, secret = member_key(email, None), secrets.token_urlsafe(16)
        self.put(PK=f"SURVEY#{survey_id}", SK=f"INVITEE#{key}", entity="survey_invitee", secret=secret,
                 language=language, channels={"L": [{"S": "portal"}]}, created_at=iso(datetime.now(timezone.utc)),
                 area="centar")
        return f"{survey_id}.{key}.{secret}"


@pytest.fixture(scope="module")
def runtime(tmp_path_factory):
    with running(tmp_path_factory.mktemp("console-surveys")) as process:
        yield process


@pytest.fixture(scope="module")
def browser():
    with chromium() as driver:
        yield driver


@pytest.fixture(scope="module")
def survey(runtime):
    """An open phone survey with three contacts to call, designed through the API."""
    supervisor = demo_user(runtime, "supervisor")
    answer = requests.post(f"{runtime.url}/v1/admin/surveys", json=DESIGN, timeout=30,
                           headers={"Authorization": runtime.id_token(supervisor)})
    assert answer.status_code == 201, answer.text
    Table(runtime).open_with_calls(answer.json()["id"], datetime.now(timezone.utc))
    return answer.json()["id"]


def click(driver, css: str, text: str | None = None):
    def found(d):
        for element in d.find_elements(By.CSS_SELECTOR, css):
            if element.is_displayed() and element.is_enabled() and (text is None or element.text.strip() == text):
                return element
        return None

    element = wait(driver, found, f"no {css} {text or ''}")
    driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", element)
    element.click()
    return element


def next_working_morning() -> str:
    """A `datetime-local` value: 10:00 in Belgrade on the next working day (Mon-Fri)."""
    day = datetime.now(ZONE).date() + timedelta(days=1)
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return f"{day.isoformat()}T10:00"


def test_an_operator_works_a_phone_survey_and_a_supervisor_reads_the_results(browser, runtime, survey):
    operator = demo_user(runtime, "operator")
    with clean_console(browser) as b:
        sign_in(b, runtime.url, operator, path=f"/surveys/{survey}/calls")
        assert wait_for_screen(b).startswith("Списак позива: Водоснабдевање")
        assert axe_violations(b) == []
        # the first contact: the script and the questions in her language, the answers saved
        click(b, "button", "Следећи контакт")
        first = wait(b, lambda d: d.find_elements(By.CSS_SELECTOR, ".survey-phone"), "no contact")[0].text
        assert first == PEOPLE[0][1]
        assert "Добар дан, општина" in b.find_element(By.CSS_SELECTOR, ".survey-script").text
        assert axe_violations(b) == []
        click(b, ".survey-choice", "4")
        click(b, ".survey-choice", "Често")
        b.find_element(By.CSS_SELECTOR, "textarea").send_keys("Пишите на ana@primer.rs")
        click(b, "button", "Сачувај одговоре")
        wait(b, lambda d: "Одговори су сачувани." in d.find_element(By.CSS_SELECTOR, ".survey-status").text, "not saved")
        # the second asks to be called back tomorrow morning
        click(b, "button", "Следећи контакт")
        wait(b, lambda d: d.find_element(By.CSS_SELECTOR, ".survey-phone").text == PEOPLE[1][1], "not the second")
        field = b.find_element(By.CSS_SELECTOR, "input[type=datetime-local]")
        b.execute_script("const f = arguments[0]; f.value = arguments[1]; f.dispatchEvent(new Event('input', {bubbles: true}))",
                         field, next_working_morning())
        click(b, "button", "Позови касније")
        wait(b, lambda d: "Позови касније" in d.find_element(By.CSS_SELECTOR, ".survey-status").text, "no call-back")
        # the third does not answer; then nothing is due before the retry and the call-back
        click(b, "button", "Следећи контакт")
        wait(b, lambda d: d.find_element(By.CSS_SELECTOR, ".survey-phone").text == PEOPLE[2][1], "not the third")
        click(b, "button", "Не јавља се")
        wait(b, lambda d: "Не јавља се" in d.find_element(By.CSS_SELECTOR, ".survey-status").text, "no outcome")
        click(b, "button", "Следећи контакт")
        wait(b, lambda d: "Тренутно нема контаката" in d.find_element(By.CSS_SELECTOR, ".survey-status").text, "still a contact")
        counts = b.execute_script("return [...document.querySelectorAll('.survey-counts dt')]"
                                  ".map((dt) => [dt.textContent, dt.nextElementSibling.textContent])")
        assert dict(counts) == {"За позивање": "2", "Одговорили": "1", "Одбили": "0", "Погрешан број": "0",
                                "Недоступни": "0"}
        sign_out(b)

    supervisor = demo_user(runtime, "supervisor")
    admin = demo_user(runtime, "administrator")
    for user, heading, total in ((supervisor, "Резултати: Водоснабдевање у Центру", "1 одговор"),
                                 (admin, "Results: Water supply in Centar", "1 response")):
        with clean_console(browser) as b:
            sign_in(b, runtime.url, user, path=f"/surveys/{survey}/results")
            assert wait_for_screen(b) == heading
            assert b.find_element(By.CSS_SELECTOR, ".survey-total").text == total
            wait(b, lambda d: len(d.find_elements(By.CSS_SELECTOR, ".survey-result canvas")) == 2, "no charts")
            texts = b.find_element(By.CSS_SELECTOR, ".survey-texts").text
            assert "ana@primer.rs" not in texts and "[…]" in texts  # redacted
            assert axe_violations(b) == []
            b.set_window_size(768, 1000)
            try:  # the charts take the new width a frame or two after the window does
                wait(b, lambda d: d.execute_script(
                    "return document.documentElement.scrollWidth <= window.innerWidth"),
                     "the results do not fit a tablet's width")
            finally:
                b.set_window_size(1280, 900)
            # the list and the (open, so read-only) design
            open_screen(b, "/surveys")
            assert b.find_element(By.CSS_SELECTOR, "tbody th").text == DESIGN["title"][user["language"]]
            assert axe_violations(b) == []
            open_screen(b, f"/surveys/{survey}")
            assert b.find_element(By.CSS_SELECTOR, "textarea").get_attribute("readonly") is not None
            assert axe_violations(b) == []
            sign_out(b)


def test_a_citizen_answers_through_a_one_time_link_once(browser, runtime, survey):
    table = Table(runtime)
    for language, thanks, answered in (("sr-Latn", "Hvala! Vaši odgovori su zabeleženi.", "Računa se vaš prvi odgovor."),
                                       ("en", "Thank you! Your answers have been recorded.", "Your first answer is the one counted.")):
        token = table.invite(survey, language)
        with clean_console(browser, runtime.url) as b:
            b.get(f"{runtime.url}/survey.html#token={token}")
            wait(b, lambda d: by_id(d, "survey-form").is_displayed(), "no form")
            assert b.find_element(By.TAG_NAME, "html").get_attribute("lang") == language
            assert axe_violations(b) == []
            # a required question left out is named, tied to its fieldset
            click(b, "#survey-submit")
            summary = wait(b, lambda d: by_id(d, "survey-errors").is_displayed() and by_id(d, "survey-errors"), "no errors")
            assert len(summary.find_elements(By.CSS_SELECTOR, "li")) == 2
            assert b.find_element(By.ID, "q-satisfied").get_attribute("aria-describedby") == "q-satisfied-error"
            click(b, "label[for=q-satisfied-4]")
            click(b, "label[for=q-cut-0]")
            click(b, "#survey-submit")
            wait(b, lambda d: by_id(d, "survey-done").is_displayed(), "not recorded")
            assert by_id(b, "survey-done").text == thanks
            # the same link again: the first answer counts
            b.refresh()
            wait(b, lambda d: by_id(d, "survey-unavailable").is_displayed(), "answered twice")
            assert answered in by_id(b, "survey-unavailable").text
        if language == "en":  # the page's texts: five languages, sr-Latn the transliteration of sr-Cyrl
            texts = b.execute_async_script("const done = arguments[arguments.length - 1];"
                                           "import('./assets/survey-texts.js').then((m) => done(m.SURVEY_STRINGS));")
    assert sorted(texts) == sorted(LANGS) and all(set(texts[lang]) == set(texts["en"]) for lang in LANGS)
    assert {key: serbian_latin(text) for key, text in texts["sr-Cyrl"].items()} == texts["sr-Latn"]
    supervisor = demo_user(runtime, "supervisor")
    results = requests.get(f"{runtime.url}/v1/admin/surveys/{survey}/results", timeout=30,
                           headers={"Authorization": runtime.id_token(supervisor)}).json()
    portal = next(c for c in results["channels"] if c["channel"] == "portal")
    assert (portal["invited"], portal["responded"]) == (2, 2), json.dumps(results["channels"])


def test_a_supervisor_designs_a_draft_with_the_keyboard(browser, runtime):
    supervisor = demo_user(runtime, "administrator")  # Ivana Marković, English
    with clean_console(browser, expected=["400"]) as b:
        sign_in(b, runtime.url, supervisor, path="/surveys/new")
        assert wait_for_screen(b) == "New survey"
        # from the heading, Tab walks the form: back to the list, the texts' language (English,
        # hers), the title
        for _ in range(3):
            b.switch_to.active_element.send_keys(Keys.TAB)
        assert b.switch_to.active_element.get_attribute("maxlength") == "200"
        b.switch_to.active_element.send_keys("Street lighting")
        fields = b.find_elements(By.CSS_SELECTOR, ".survey-question-editor textarea, .survey-question-editor input:not([type])")
        fields[0].send_keys("Is your street lit at night?")
        options = b.find_elements(By.CSS_SELECTOR, ".survey-option input")
        options[0].send_keys("Yes, well")
        options[1].send_keys("Not enough", Keys.ENTER)  # Enter in a field saves the draft
        wait(b, lambda d: d.find_elements(By.CSS_SELECTOR, ".alert-success"), "not saved")
        assert wait_for_screen(b) == "Survey: Street lighting"
        assert "Texts missing in: Српски (ћирилица), Srpski (latinica), Български, Čeština" in b.find_element(By.CSS_SELECTOR, ".hint").text
        assert axe_violations(b) == []
        # opening asks first, then the server names every text still missing
        click(b, "button", "Open the survey")
        click(b, "dialog button[type=submit]")
        alert = wait(b, lambda d: d.find_elements(By.CSS_SELECTOR, ".alert-error li"), "no field errors")
        assert {li.text.split(":")[0] for li in alert} >= {"title.sr-Cyrl", "questions[0].text.bg", "audience_id"}
        assert axe_violations(b) == []
        sign_out(b)
