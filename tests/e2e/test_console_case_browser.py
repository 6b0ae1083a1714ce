"""The staff console's case screen (``#/cases/:number``) in headless Chromium against the local
runtime: the timeline with who and when, the actions a role allows and no others, a reply that
reaches the outbox, a deletion, a 409 shown with what changed and applied again, a mailed
attachment opened in the page, keyboard use, axe in two languages, the tablet width."""

from __future__ import annotations

import os
import smtplib
from datetime import datetime
from email import policy
from email.message import EmailMessage
from email.utils import make_msgid
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import requests
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import Select

from tests.support.browser import chromium, clean_console, skip_without_chromium, wait
from tests.support.console import axe_violations, demo_user, sign_in, sign_out, text_of, wait_for_screen
from tests.support.runtime import RuntimeProcess, running

skip_without_chromium(module=True)
pytestmark = [pytest.mark.e2e, pytest.mark.browser, pytest.mark.xdist_group("console-case-browser")]

DOMAIN = "demo.civicdesk.rs"
#: A 2x2 PNG (red), small enough to read in the test.
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000002000000020802000000fdd49a73000000164944415478da63f8cf"
    "c0f09f81e13f03c37f06867f000041e00bf58a1e2c6f0000000049454e44ae426082")
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
SCREENSHOTS = os.environ.get("CIVICDESK_SCREENSHOTS")


class Runtime(RuntimeProcess):
    def send(self, sender: str, recipients: list[str], raw: bytes) -> str:
        """Deliver ``raw`` over the runtime's SMTP port; the SES message id of the ``250``."""
        with smtplib.SMTP("127.0.0.1", self.smtp_port, timeout=10) as client:
            client.ehlo()
            client.mail(sender)
            for recipient in recipients:
                assert client.rcpt(recipient)[0] == 250
            code, reply = client.data(raw)
        assert code == 250, reply
        return reply.decode().split()[-1]

    def case_of(self, ses_message_id: str) -> str:
        """The number of the case whose timeline has the message SMTP accepted as this id."""
        def find():
            year = datetime.now(ZoneInfo("Europe/Belgrade")).year
            serial = 1
            while (answer := requests.get(f"{self.url}/_local/cases/{year}-{serial:06d}", timeout=10)).status_code == 200:
                found = answer.json()
                if any(e["data"].get("ses_message_id") == ses_message_id for e in found["timeline"]):
                    return found["case"]["number"]
                serial += 1
            return None
        return self.wait_for(find, f"a case with the message {ses_message_id}")

    def call(self, user: dict, method: str, path: str, body: dict | None = None) -> dict:
        answer = requests.request(method, f"{self.url}{path}", json=body, timeout=10,
                                  headers={"Authorization": self.id_token(user)})
        assert answer.status_code < 300, (path, answer.status_code, answer.text)
        return answer.json()


@pytest.fixture(scope="module")
def runtime(tmp_path_factory):
    with running(tmp_path_factory.mktemp("console-case"), Runtime) as process:
        yield process


@pytest.fixture(scope="module")
def browser():
    with chromium() as driver:
        yield driver


def phone_call(runtime, user, **changes) -> dict:
    body = {"type": "signal", "channel": "phone", "category": "road_damage",
            "description": "Грађанин јавља да је на коловозу у Улици Вука Караџића 5 велика рупа.",
            "location": {"lat": 44.0195, "lon": 20.918, "address": "Вука Караџића 5"},
            "requester": {"name": "Милан Јовановић", "phone": "064 123 4567"}, **changes}
    return runtime.call(user, "POST", "/v1/admin/cases", body)


def shot(b, name: str) -> None:
    if SCREENSHOTS:
        Path(SCREENSHOTS).mkdir(parents=True, exist_ok=True)
        b.save_screenshot(str(Path(SCREENSHOTS) / f"{name}.png"))


def open_case(b, runtime, user: dict, number: str, *, lang: str | None = None) -> str:
    """Sign in as ``user`` (no session left by an earlier test) straight onto case ``number``."""
    b.get(f"{runtime.url}/console/")
    b.execute_script("sessionStorage.clear()")
    b.get("about:blank")  # the console forgets the session it holds in memory too
    sign_in(b, runtime.url, user, lang=lang, path=f"/cases/{number}")
    wait(b, lambda d: d.find_elements(By.CSS_SELECTOR, ".case-actions, .case-refused"), "no case screen")
    return wait_for_screen(b)


def action(b, name: str):
    return b.find_element(By.CSS_SELECTOR, f".case-actions button[data-action='{name}']")


def offered(b) -> list[str]:
    return [e.get_attribute("data-action") for e in b.find_elements(By.CSS_SELECTOR, ".case-actions button[data-action]")]


def dialog(b):
    return wait(b, lambda d: [e for e in d.find_elements(By.CSS_SELECTOR, "dialog[open]")], "no open dialog")[0]


def announced(b, text: str) -> None:
    """``text`` is in the live region, the dialog of the change closed."""
    wait(b, lambda d: text in d.find_element(By.CSS_SELECTOR, ".case-announce").text
         and not d.find_elements(By.CSS_SELECTOR, "dialog[open]"), f"not announced: {text}")


def entries(b) -> list[str]:
    return [text_of(e) for e in b.find_elements(By.CSS_SELECTOR, ".case-timeline > li")]


def test_an_operator_replies_by_sms_to_a_phone_case_and_the_reply_is_in_the_outbox(browser, runtime):
    operator = demo_user(runtime, "operator")
    runtime.call(demo_user(runtime, "administrator"), "POST", "/v1/admin/canned-replies", {
        "title": "Екипа на терену", "text": "Поштовани, екипа је упућена на терен.",
        "language": "sr-Cyrl", "categories": ["road_damage"]})
    case = phone_call(runtime, operator)
    with clean_console(browser) as b:
        open_case(b, runtime, operator, case["number"])
        assert wait_for_screen(b) == f"Предмет {case['number']}"
        facts = b.find_element(By.CSS_SELECTOR, ".case-facts").text
        assert "Милан Јовановић" in facts and "+381641234567" in facts and "Вука Караџића 5" in facts
        osm = b.find_element(By.PARTIAL_LINK_TEXT, "OpenStreetMap").get_attribute("href")
        assert osm == "https://www.openstreetmap.org/?mlat=44.019500&mlon=20.918000#map=18/44.019500/20.918000"
        # who registered it, by name (the staff's names arrive after the case: wait for them)
        first = wait(b, lambda d: next((e for e in entries(d)[:1] if operator["name"] in e), None),
                     f"the first entry does not name {operator['name']}: {entries(b)[:1]}")
        assert operator["name"] in first
        assert {"take", "assign", "status", "reply", "note", "refer", "escalate", "link", "merge"} <= set(offered(b))
        assert "delete" not in offered(b) and "reroute" not in offered(b)

        action(b, "reply").click()
        form = dialog(b)
        # A canned reply of her language is inserted where the cursor is.
        wait(b, lambda d: form.find_elements(By.XPATH, ".//option[.='Екипа на терену']"), "no canned reply")
        Select(form.find_element(By.NAME, "canned")).select_by_visible_text("Екипа на терену")
        form.find_element(By.XPATH, ".//button[.='Убаци у одговор']").click()
        text = form.find_element(By.NAME, "text")
        assert text.get_attribute("value") == "Поштовани, екипа је упућена на терен."
        text.clear()
        text.send_keys("Поштовани, екипа ће рупу санирати до петка.")
        Select(form.find_element(By.NAME, "status")).select_by_value("in_progress")
        shot(b, "case-reply")
        form.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
        announced(b, "Одговор је послат.")
        assert b.find_elements(By.CSS_SELECTOR, "dialog[open]") == []
        texts = entries(b)
        assert any("Поштовани, екипа ће рупу санирати до петка." in e and operator["name"] in e for e in texts)
        assert "У обради" in b.find_element(By.CSS_SELECTOR, ".case-subtitle").text
        shot(b, "case-after-reply")
        sms = runtime.wait_for(lambda: [m for m in runtime.outbox()
                                        if "Поштовани, екипа ће рупу санирати до петка." in str(m)], "the SMS reply")
        assert "+381641234567" in str(sms[0])
        sign_out(b)


def test_a_status_change_with_a_message_that_names_the_requester_is_saved_with_the_warning(browser, runtime):
    operator = demo_user(runtime, "operator")
    case = phone_call(runtime, operator)
    with clean_console(browser) as b:
        open_case(b, runtime, operator, case["number"])
        action(b, "status").click()
        form = dialog(b)
        status = Select(form.find_element(By.NAME, "status"))
        assert [o.text for o in status.options] == ["У обради", "Чека се Ваш одговор", "Прослеђен надлежном органу",
                                                    "Решен", "Отказан"]
        status.select_by_value("resolved")
        form.find_element(By.NAME, "reason").send_keys("Рупа је санирана.")
        form.find_element(By.NAME, "message_to_citizen").send_keys("Милан Јовановић, рупа је санирана.")
        form.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
        announced(b, "Статус је сада „Решен”.")
        warning = b.find_element(By.CSS_SELECTOR, ".case-announce .alert-warning").text
        assert "Објављени текст помиње подносиоца по имену." in warning
        assert "Решен" in b.find_element(By.CSS_SELECTOR, ".case-subtitle").text
        sign_out(b)


def test_a_department_agent_gets_the_403_screen_for_another_department_and_only_allowed_actions(browser, runtime):
    agent = demo_user(runtime, "department_agent", department="roads_traffic")
    operator = demo_user(runtime, "operator")
    elsewhere = phone_call(runtime, operator, category="street_lighting",
                           description="Не ради улична расвета у Улици Николе Тесле код броја 12.")
    assert elsewhere["department"] != "roads_traffic"
    own = phone_call(runtime, operator)
    with clean_console(browser, expected=["403"]) as b:
        open_case(b, runtime, agent, elsewhere["number"])
        assert wait_for_screen(b) == f"Predmet {elsewhere['number']}"
        refused = b.find_element(By.CSS_SELECTOR, ".case-refused").text
        assert "Ne možete da otvorite ovaj predmet." in refused
        assert b.find_elements(By.CSS_SELECTOR, ".case-actions, .case-timeline") == []

        b.execute_script("window.location.hash = arguments[0]", f"/cases/{own['number']}")
        assert wait_for_screen(b, f"Predmet {own['number']}")
        wait(b, lambda d: d.find_elements(By.CSS_SELECTOR, ".case-actions button[data-action]"), "no actions")
        assert offered(b) == ["take", "assign", "status", "reply", "note", "refer", "escalate", "link", "merge"]
        action(b, "take").click()
        announced(b, "Predmet je dodeljen vama.")
        assert agent["name"] in b.find_element(By.CSS_SELECTOR, ".case-facts").text
        assert "take" not in offered(b)
        assert wait(b, lambda d: d.switch_to.active_element.get_attribute("id") == "case-actions-title", "focus lost")
        sign_out(b)


def test_an_administrator_deletes_a_case_after_confirming(browser, runtime):
    administrator = demo_user(runtime, "administrator")
    case = phone_call(runtime, demo_user(runtime, "operator"))
    with clean_console(browser) as b:
        open_case(b, runtime, administrator, case["number"], lang="en")
        assert wait_for_screen(b) == f"Case {case['number']}"
        assert "reroute" in offered(b) and "delete" in offered(b)
        action(b, "delete").click()
        form = dialog(b)
        form.find_element(By.NAME, "reason").send_keys("Test call by the trainer.")
        form.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
        assert form.find_element(By.CSS_SELECTOR, ".field-error").text == "Confirm that the case is to be deleted."
        form.find_element(By.NAME, "confirm").click()
        form.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
        announced(b, "The case was deleted.")
        assert "This case was deleted on" in b.find_element(By.CSS_SELECTOR, ".alert-error").text
        assert offered(b) == [] and "A deleted case cannot be changed." in b.find_element(By.CSS_SELECTOR, ".case-actions").text
        assert any("Test call by the trainer." in e for e in entries(b))
        sign_out(b)
    assert runtime.call(administrator, "GET", f"/v1/admin/cases/{case['number']}")["deleted"] is True


def test_an_operator_refers_links_and_merges_finding_the_other_case_by_its_number(browser, runtime):
    operator = demo_user(runtime, "operator")
    kept = phone_call(runtime, operator)
    duplicate = phone_call(runtime, operator, requester={"name": "Ана Анић", "phone": "065 765 4321"})
    related = phone_call(runtime, operator)
    with clean_console(browser) as b:
        open_case(b, runtime, operator, related["number"])
        action(b, "refer").click()
        form = dialog(b)
        Select(form.find_element(By.NAME, "body")).select_by_value("elektrodistribucija")
        form.find_element(By.NAME, "message").send_keys("Молимо проверу стуба поред рупе.")
        form.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
        announced(b, "Предмет је прослеђен")
        assert "Прослеђен надлежном органу" in b.find_element(By.CSS_SELECTOR, ".case-subtitle").text

        action(b, "link").click()
        form = dialog(b)
        form.find_element(By.NAME, "case_query").send_keys(kept["number"], Keys.ENTER)
        wait(b, lambda d: form.find_elements(By.CSS_SELECTOR, "input[name=other_case]:checked"), "the case was not found")
        form.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
        announced(b, f"Предмет је повезан са предметом {kept['number']}.")
        assert kept["number"] in b.find_element(By.CSS_SELECTOR, ".case-facts").text

        open_case(b, runtime, operator, duplicate["number"])
        action(b, "merge").click()
        form = dialog(b)
        form.find_element(By.NAME, "case_query").send_keys(kept["number"], Keys.ENTER)
        wait(b, lambda d: form.find_elements(By.CSS_SELECTOR, "input[name=other_case]:checked"), "the case was not found")
        form.find_element(By.NAME, "reason").send_keys("Иста рупа.")
        form.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
        announced(b, f"Предмет је спојен у предмет {kept['number']}.")
        banner = b.find_element(By.CSS_SELECTOR, ".alert[role=note]")
        assert kept["number"] in banner.text
        assert "merge" not in offered(b) and "reply" not in offered(b)
        sign_out(b)
    referral = [m for m in runtime.outbox() if "Молимо проверу стуба поред рупе." in str(m)]
    assert referral


def test_a_supervisor_escalates_and_routes_a_case_to_another_department(browser, runtime):
    supervisor = demo_user(runtime, "supervisor")
    case = phone_call(runtime, demo_user(runtime, "operator"))
    with clean_console(browser) as b:
        open_case(b, runtime, supervisor, case["number"])
        action(b, "escalate").click()
        form = dialog(b)
        form.find_element(By.NAME, "reason").send_keys("Трећи позив ове недеље.")
        form.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
        announced(b, "Предмет је ескалиран")
        assert "Ескалиран (1)" in b.find_element(By.CSS_SELECTOR, ".case-facts").text
        action(b, "reroute").click()
        form = dialog(b)
        department = Select(form.find_element(By.NAME, "department"))
        assert "roads_traffic" not in [o.get_attribute("value") for o in department.options]
        department.select_by_value("communal_inspection")
        form.find_element(By.NAME, "reason").send_keys("Надлежност инспекције.")
        form.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
        announced(b, "Предмет је усмерен")
        routed = [e for e in entries(b) if "Надлежност инспекције." in e]
        assert routed and "Одељење за саобраћај и путеве" in routed[0]  # from which department
        sign_out(b)
    assert runtime.call(supervisor, "GET", f"/v1/admin/cases/{case['number']}")["department"] == "communal_inspection"


def test_a_409_shows_what_changed_keeps_the_text_and_applies_it_on_the_new_version(browser, runtime):
    operator = demo_user(runtime, "operator")
    supervisor = demo_user(runtime, "supervisor")
    case = phone_call(runtime, operator)
    with clean_console(browser, expected=["409"]) as b:
        open_case(b, runtime, operator, case["number"])
        wait_for_screen(b, f"Предмет {case['number']}")
        action(b, "note").click()
        form = dialog(b)
        form.find_element(By.NAME, "text").send_keys("Грађанин је звао поново.")
        # Meanwhile the supervisor takes the case to work.
        runtime.call(supervisor, "POST", f"/v1/admin/cases/{case['number']}/status",
                     {"status": "in_progress", "reason": "Распоређено.", "version": case["version"]})
        form.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
        conflict = wait(b, lambda d: d.find_elements(By.CSS_SELECTOR, "dialog[open] .case-conflict"), "no conflict")[0]
        shot(b, "case-conflict")
        assert "Неко други је у међувремену променио овај предмет." in conflict.text
        assert "Статус: Примљен → У обради" in conflict.text
        assert supervisor["name"] in conflict.text  # the new entry, by whom
        assert form.find_element(By.NAME, "text").get_attribute("value") == "Грађанин је звао поново."
        submit = form.find_element(By.CSS_SELECTOR, "button[type=submit]")
        assert submit.text == "Додај белешку на новој верзији"
        submit.click()
        announced(b, "Белешка је додата.")
        assert any("Грађанин је звао поново." in e for e in entries(b))
        sign_out(b)
    notes = [e for e in runtime.call(operator, "GET", f"/v1/admin/cases/{case['number']}")["timeline"] if e["kind"] == "note"]
    assert [n["data"]["text"] for n in notes] == ["Грађанин је звао поново."]


def test_an_attachment_of_a_mailed_case_opens_in_the_page_and_a_pdf_is_a_download(browser, runtime):
    message = EmailMessage()
    message["From"] = "Јована Илић <jovana.ilic@example.rs>"
    message["To"] = f"kjs@{DOMAIN}"
    message["Subject"] = "Рупа испред школе"
    message["Message-ID"] = make_msgid(domain="example.rs")
    message.set_content("Поштовани, испред школе у Улици Краља Петра 3 је рупа. Шаљем слику и записник.")
    message.add_attachment(PNG, maintype="image", subtype="png", filename="rupa.png")
    message.add_attachment(PDF, maintype="application", subtype="pdf", filename="записник.pdf")
    number = runtime.case_of(runtime.send("jovana.ilic@example.rs", [f"kjs@{DOMAIN}"], message.as_bytes(policy=policy.SMTP)))
    operator = demo_user(runtime, "operator")
    with clean_console(browser) as b:
        open_case(b, runtime, operator, number)
        wait_for_screen(b, f"Предмет {number}")
        first = b.find_element(By.CSS_SELECTOR, ".entry-message_in")
        assert "Јована Илић <jovana.ilic@example.rs>" in first.text and "Рупа испред школе" in first.text
        view = first.find_element(By.XPATH, ".//button[.='Погледај rupa.png']")
        view.click()
        shown = dialog(b)
        image = shown.find_element(By.TAG_NAME, "img")
        wait(b, lambda d: d.execute_script("return arguments[0].complete && arguments[0].naturalWidth", image) == 2,
             "the image did not load")
        assert image.get_attribute("alt") == "Прилог rupa.png"
        shot(b, "case-attachment")
        shown.find_element(By.CSS_SELECTOR, ".dialog-head button").click()
        wait(b, lambda d: d.switch_to.active_element == view, "focus not back on the button")
        assert first.find_elements(By.XPATH, ".//button[.='Преузми записник.pdf']")
        sign_out(b)
    case = runtime.call(operator, "GET", f"/v1/admin/cases/{number}")
    [message_in] = [e for e in case["timeline"] if e["kind"] == "message_in"]
    pdf = next(a for a in message_in["data"]["attachments"] if a["filename"] == "записник.pdf")
    link = runtime.call(operator, "GET", f"/v1/admin/cases/{number}/attachments/{pdf['id']}")
    assert link["disposition"] == "attachment" and requests.get(link["url"], timeout=10).content == PDF


def test_keyboard_only_a_note_and_escape_give_the_focus_back(browser, runtime):
    operator = demo_user(runtime, "operator")
    case = phone_call(runtime, operator)
    with clean_console(browser) as b:
        open_case(b, runtime, operator, case["number"])
        wait_for_screen(b, f"Предмет {case['number']}")
        for _ in range(60):  # from the heading, Tab to the note button
            if b.switch_to.active_element.get_attribute("data-action") == "note":
                break
            b.switch_to.active_element.send_keys(Keys.TAB)
        note = b.switch_to.active_element
        assert note.get_attribute("data-action") == "note"
        note.send_keys(Keys.ENTER)
        dialog(b)
        field = b.switch_to.active_element
        assert field.get_attribute("name") == "text"
        field.send_keys("Белешка само са тастатуре.")
        field.send_keys(Keys.TAB)
        b.switch_to.active_element.send_keys(Keys.ENTER)  # the submit button
        announced(b, "Белешка је додата.")
        wait(b, lambda d: d.switch_to.active_element.get_attribute("data-action") == "note", "focus not back")
        b.switch_to.active_element.send_keys(Keys.SHIFT, Keys.TAB)
        status = b.switch_to.active_element
        status_action = status.get_attribute("data-action")
        status.send_keys(Keys.ENTER)
        dialog(b)
        b.switch_to.active_element.send_keys(Keys.ESCAPE)
        wait(b, lambda d: not d.find_elements(By.CSS_SELECTOR, "dialog[open]"), "Escape did not close")
        wait(b, lambda d: d.switch_to.active_element.get_attribute("data-action") == status_action, "focus not back")
        assert any("Белешка само са тастатуре." in e for e in entries(b))
        sign_out(b)


@pytest.mark.parametrize("lang", ["sr-Latn", "en"])
def test_axe_finds_nothing_on_the_case_and_its_reply_dialog(browser, runtime, lang):
    administrator = demo_user(runtime, "administrator")
    case = phone_call(runtime, demo_user(runtime, "operator"))
    runtime.call(administrator, "POST", f"/v1/admin/cases/{case['number']}/notes", {"text": "Провера."})
    with clean_console(browser) as b:
        open_case(b, runtime, administrator, case["number"], lang=lang)
        wait_for_screen(b)
        wait(b, lambda d: d.find_elements(By.CSS_SELECTOR, ".case-map.leaflet-container"), "no map")
        assert axe_violations(b) == []
        action(b, "reply").click()
        dialog(b)
        assert axe_violations(b) == []
        b.switch_to.active_element.send_keys(Keys.ESCAPE)
        sign_out(b)


def test_the_case_fits_a_tablet_width(browser, runtime):
    operator = demo_user(runtime, "operator")
    case = phone_call(runtime, operator)
    with clean_console(browser) as b:
        b.set_window_size(768, 1000)
        try:
            open_case(b, runtime, operator, case["number"])
            wait_for_screen(b, f"Предмет {case['number']}")
            shot(b, "case-768")
            assert b.execute_script("return document.documentElement.scrollWidth <= window.innerWidth")
            action(b, "reply").click()
            dialog(b)
            assert b.execute_script("const d = document.querySelector('dialog[open]').getBoundingClientRect();"
                                    "return d.left >= 0 && d.right <= window.innerWidth")
            b.switch_to.active_element.send_keys(Keys.ESCAPE)
            sign_out(b)
        finally:
            b.set_window_size(1280, 900)
