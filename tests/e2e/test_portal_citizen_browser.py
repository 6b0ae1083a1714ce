"""The citizen's side of issue 16 (items 5, 6 and 8) in a real headless Chromium against the
local runtime (``make run``): answering the municipality and reopening a resolved case from the
tracking page; the "Report a problem" button of the example service page, its dialog and the
report made through it (its page recorded on the case); the titles after a failed and a
successful submit; the footer's phone number; axe on every page touched."""

from __future__ import annotations

import pytest
import requests
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys

from tests.support.browser import by_id, chromium, clean_console, open_page, skip_without_chromium, wait
from tests.support.console import axe_violations
from tests.support.runtime import running

skip_without_chromium(module=True)
pytestmark = [pytest.mark.e2e, pytest.mark.browser, pytest.mark.xdist_group("portal-citizen-browser")]

REQUEST = {"type": "request", "category": "local_taxes", "language": "en",
           "description": "Please tell me the state of my property tax decision for 2026.",
           "contact": {"name": "Milan Jovanović", "email": "milan@example.rs"}}


@pytest.fixture(scope="module")
def runtime(tmp_path_factory):
    with running(tmp_path_factory.mktemp("portal-citizen")) as process:
        yield process


@pytest.fixture(scope="module")
def browser():
    with chromium() as driver:
        yield driver


@pytest.fixture(scope="module")
def staff(runtime):
    admin = next(u for u in runtime.settings()["users"] if "administrator" in u["roles"])
    token = runtime.id_token(admin)

    def call(method, path, body=None):
        answer = requests.request(method, f"{runtime.url}{path}", json=body, timeout=30,
                                  headers={"Authorization": token})
        assert answer.status_code == 200, answer.text
        return answer.json()

    return call


def set_status(staff, number, status, **extra):
    version = staff("GET", f"/v1/admin/cases/{number}")["version"]
    staff("POST", f"/v1/admin/cases/{number}/status",
          {"status": status, "reason": "Provera", "version": version, **extra})


def shown(driver, element_id) -> bool:
    found = driver.find_elements(By.ID, element_id)
    return bool(found) and found[0].is_displayed()


def test_answer_the_municipality_and_reopen_from_the_tracking_page(browser, runtime, staff):
    opened = requests.post(f"{runtime.url}/v1/public/cases", json=REQUEST, timeout=30)
    assert opened.status_code == 201, opened.text
    number, token = opened.json()["number"], opened.json()["token"]
    set_status(staff, number, "waiting_for_citizen", message_to_citizen="Which parcel is it?")
    url = f"{runtime.url}/track.html?number={number}&token={token}&lang=en"

    with clean_console(browser, runtime.url) as b:
        open_page(b, url)
        wait(b, lambda d: shown(d, "answer-reply"), "no answer form on a case waiting for the citizen")
        assert "waiting for your answer" in by_id(b, "answer-reply").text
        assert axe_violations(b) == []
        # Nothing written: the error beside the field, and the title says so
        by_id(b, "answer-reply-submit").click()
        wait(b, lambda d: d.find_elements(By.ID, "answer-reply-error"), "no error for an empty answer")
        assert b.title.startswith("Error: Case ")
        assert by_id(b, "answer-reply-text").get_attribute("aria-invalid") == "true"
        # The answer goes in: the case is back at work, the answer in its history
        by_id(b, "answer-reply-text").send_keys("Parcel 1234/5, cadastral municipality Demo.")
        by_id(b, "answer-reply-submit").click()
        wait(b, lambda d: shown(d, "answer-done"), "no confirmation of the answer")
        assert not b.title.startswith("Error")
        assert by_id(b, "c-status").text == "In progress"
        mine = [i.text for i in b.find_elements(By.CSS_SELECTOR, "#c-history > li")
                if i.find_element(By.CLASS_NAME, "history-title").text == "Your message"]
        assert len(mine) == 1 and "Parcel 1234/5" in mine[0]
        case = staff("GET", f"/v1/admin/cases/{number}")
        assert case["status"] == "in_progress"
        assert [e["data"]["text"] for e in case["timeline"] if e["kind"] == "message_in"] == [
            "Parcel 1234/5, cadastral municipality Demo."]

        # Resolved: the page offers the reopening until the window ends
        set_status(staff, number, "resolved", message_to_citizen="The decision was mailed to you.")
        open_page(b, url)
        wait(b, lambda d: shown(d, "answer-reopening"), "no reopening on a resolved case")
        assert not b.find_elements(By.ID, "answer-reply")
        assert "You can reopen the case until" in by_id(b, "answer-reopening").text
        assert axe_violations(b) == []
        by_id(b, "answer-reopening-text").send_keys("No")
        by_id(b, "answer-reopening-submit").click()
        wait(b, lambda d: d.find_elements(By.ID, "answer-reopening-error"), "no error for a short reason")
        # the server's message, with both numbers in their plural forms
        assert "at least 10 characters long; you wrote 2 characters" in by_id(b, "answer-reopening-error").text
        by_id(b, "answer-reopening-text").send_keys(" decision arrived, the letter was empty.")
        by_id(b, "answer-reopening-submit").click()
        wait(b, lambda d: shown(d, "answer-done"), "no confirmation of the reopening")
        assert by_id(b, "c-status").text == "In progress"
        assert shown(b, "answer-reply")  # open again: the citizen may add to it
        assert staff("GET", f"/v1/admin/cases/{number}")["status"] == "in_progress"


def test_report_through_the_button_of_the_example_service_page(browser, runtime, staff):
    with clean_console(browser, runtime.url) as b:
        b.get(f"{runtime.url}/example-service.html")
        host = wait(b, lambda d: d.find_elements(By.CSS_SELECTOR, "span.civicdesk-report"), "no button")[0]
        button = host.shadow_root.find_element(By.CSS_SELECTOR, "button.open")
        assert button.text == "Prijavite problem"
        assert axe_violations(b) == []
        button.click()
        dialog = host.shadow_root.find_element(By.CSS_SELECTOR, "dialog")
        assert dialog.get_attribute("open") is not None
        # the host page's hostile rules (every iframe 40 px high) do not reach the form
        frame = host.shadow_root.find_element(By.CSS_SELECTOR, "iframe")
        assert frame.size["height"] > 300
        b.switch_to.frame(frame)
        wait(b, lambda d: d.execute_script(
            "return document.getElementById('main').getAttribute('aria-busy') === 'false'"), "no form")
        wait(b, lambda d: by_id(d, "f-category").get_attribute("value") == "street_lighting",
             "the service's category is not preset")
        assert by_id(b, "f-type").get_attribute("value") == "signal"
        assert not b.find_element(By.CSS_SELECTOR, "nav.site-nav").is_displayed()
        # A refusal: the title says "Error:", the plural forms in the message
        by_id(b, "f-description").send_keys("Mrak")
        by_id(b, "submit-button").click()
        wait(b, lambda d: shown(d, "error-summary"), "no error summary")
        title = 'return document.title'  # the frame's own (b.title is the top page's)
        assert b.execute_script(title).startswith("Greška: Prijavite problem")
        assert "Potrebno je najmanje 10 znakova, a napisali ste 4 znaka." in by_id(b, "f-description-error").text
        assert axe_violations(b) == []
        by_id(b, "f-description").send_keys(" u celoj Ulici Vuka Karadžića od juče.")
        by_id(b, "submit-button").click()
        wait(b, lambda d: shown(d, "success"), "no confirmation")
        number = by_id(b, "success-number").text
        # The confirmation is the page's main heading, focused; the title says it was sent
        headings = [h for h in b.find_elements(By.TAG_NAME, "h1") if h.is_displayed()]
        assert [h.get_attribute("id") for h in headings] == ["success-title"]
        assert b.switch_to.active_element.get_attribute("id") == "success-title"
        assert b.execute_script(title).startswith(f"Poslato: predmet {number}")
        assert axe_violations(b) == []
        b.switch_to.default_content()
        # The host page heard "sent" (from the portal's origin and its frame only)
        wait(b, lambda d: host.get_attribute("data-sent-number") == number, "the host page was not told")
        # Escape in the form closes the dialog and gives the focus back to the button
        b.switch_to.frame(frame)
        b.switch_to.active_element.send_keys(Keys.ESCAPE)
        b.switch_to.default_content()
        wait(b, lambda d: dialog.get_attribute("open") is None, "Escape did not close the dialog")
        assert b.execute_script("return arguments[0].shadowRoot.activeElement === arguments[0].shadowRoot"
                                ".querySelector('button.open')", host)
    # The page it came from is recorded on the case
    case = staff("GET", f"/v1/admin/cases/{number}")
    assert case["source_page"] == f"{runtime.url}/example-service.html"
    assert case["category"] == "street_lighting"


def test_the_privacy_notice_and_the_accessibility_statement(browser, runtime):
    with clean_console(browser, runtime.url) as b:
        open_page(b, f"{runtime.url}/privacy.html?lang=sr-Latn")
        wait(b, lambda d: d.find_elements(By.CSS_SELECTOR, "#legal-text section"), "no privacy notice")
        text = by_id(b, "legal-text").text
        assert "Zakon o zaštiti podataka o ličnosti" in text and "10 godina" in text and "90 dana" in text
        assert "zastita.podataka@demo.civicdesk.rs" in text and "Povereniku" in text
        assert "+381 34 123 456" in by_id(b, "footer-contact").text
        assert axe_violations(b) == []
        b.find_element(By.CSS_SELECTOR, "nav.footer-nav a[href^='accessibility.html']").click()
        wait(b, lambda d: d.find_elements(By.CSS_SELECTOR, "#legal-text section"), "no accessibility statement")
        text = by_id(b, "legal-text").text
        assert "2016/2102" in text and "delimično usklađen" in text and "Povereniku za zaštitu ravnopravnosti" in text
        assert b.find_element(By.CSS_SELECTOR, "#legal-text time").get_attribute("datetime") == "2026-12-01"
        assert b.title.startswith("Izjava o pristupačnosti")
        assert axe_violations(b) == []
        open_page(b, f"{runtime.url}/accessibility.html?lang=cs")
        wait(b, lambda d: "2016/2102" in by_id(d, "legal-text").text, "no statement in Czech")
        assert axe_violations(b) == []
