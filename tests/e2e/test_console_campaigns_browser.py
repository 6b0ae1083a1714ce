"""The campaign screens of the staff console in headless Chromium against the local runtime: an
operator composes a campaign (audience with its counts, channels reordered with the buttons,
urgent, texts in two languages with the live SMS counter, the server's estimate once saved),
tests it on herself and submits it; a supervisor reads the estimate, approves and sends it; the
runtime's planner, sender and delivery events run for real (one mail delivered, one bounced,
its SMS fallback failing), the sweep job completes it; an administrator follows the progress
to the end, filters the recipients, downloads the CSV and records a call to the unreached.
axe finds nothing in Serbian (Cyrillic) and English, and the screens fit a tablet's width.

The contact list and the audience are made through the admin API (the audiences screen has its
own test)."""

from __future__ import annotations

import os

import pytest
import requests
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import Select

from tests.support.browser import chromium, clean_console, skip_without_chromium, wait
from tests.support.console import axe_violations, console_catalogues, demo_user, open_screen, sign_in, sign_out
from tests.support.runtime import RuntimeProcess, running

skip_without_chromium(module=True)
pytestmark = [pytest.mark.e2e, pytest.mark.browser, pytest.mark.xdist_group("console-campaigns-browser")]

SCREENSHOTS = os.environ.get("CIVICDESK_SCREENSHOTS")
#: Ana's mail is delivered; Petar's bounces (SES's simulator), then his SMS fails (a number
#: ending in 3, infra/local/sms_events.py): he is on the call list.
CSV = ("\ufeffIme;E-pošta;Telefon;Jezik;Područje\r\n"
       "Ana Anić;ana.anic@example.rs;;en;centar\r\n"
       "Petar Petrović;bounce@simulator.amazonses.com;+381641230003;sr-Cyrl;centar\r\n")


@pytest.fixture(scope="module")
def runtime(tmp_path_factory):
    with running(tmp_path_factory.mktemp("console-campaigns"), RuntimeProcess) as process:
        yield process


@pytest.fixture(scope="module")
def browser():
    with chromium() as driver:
        yield driver


def call(runtime, user, method: str, path: str, body=None) -> requests.Response:
    return requests.request(method, f"{runtime.url}{path}", json=body, timeout=60,
                            headers={"Authorization": runtime.id_token(user)})


@pytest.fixture(scope="module")
def audience(runtime) -> str:
    admin = demo_user(runtime, "administrator")
    made = call(runtime, admin, "POST", "/v1/admin/contact-lists", {"name": "Centar, water"})
    assert made.status_code == 201, made.text
    imported = call(runtime, admin, "POST", f"/v1/admin/contact-lists/{made.json()['id']}/imports",
                    {"csv": CSV, "mode": "replace"})
    assert imported.status_code == 200 and imported.json()["imported"], imported.text
    created = call(runtime, admin, "POST", "/v1/admin/audiences",
                   {"name": "Centar: water cut", "rule": {"kind": "contact_list", "lists": [made.json()["id"]]}})
    assert created.status_code == 201, created.text
    return created.json()["id"]


def button(driver, text: str):
    found = wait(driver, lambda d: next((b for b in d.find_elements(By.CSS_SELECTOR, "button, a.button")
                                         if b.text.strip() == text and b.is_displayed() and b.is_enabled()), None),
                 f"no button {text!r}")
    driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", found)
    return found


def notice(driver, text: str) -> None:
    wait(driver, lambda d: any(text in e.text for e in d.find_elements(By.CSS_SELECTOR, ".campaign-status .alert")),
         f"no notice {text!r}")


def texts(driver, lang: str) -> dict:
    return console_catalogues(driver, ["campaigns.js"])["campaigns.js"][lang]


def test_compose_approve_send_follow_and_call(browser, runtime, audience):
    operator, supervisor = demo_user(runtime, "operator"), demo_user(runtime, "supervisor")
    admin = demo_user(runtime, "administrator")
    with clean_console(browser) as b:
        # The operator composes (her language: sr-Cyrl).
        sign_in(b, runtime.url, operator, path="/campaigns/new")
        sr = texts(b, "sr-Cyrl")
        assert b.find_element(By.ID, "page-title").text == sr["campaigns.new"]
        b.find_element(By.NAME, "title").send_keys("Искључење воде, Центар")
        Select(b.find_element(By.NAME, "audience")).select_by_value(audience)
        counts = wait(b, lambda d: d.find_elements(By.CSS_SELECTOR, ".campaign-audience-counts"), "no audience counts")[0]
        assert counts.text.startswith("2 особе")
        # The channels reordered with the keyboard: SMS up, then mail up again.
        up_sms = b.find_element(By.CSS_SELECTOR, f"button[aria-label='{sr['campaigns.channels.up'].replace('{channel}', 'СМС')}']")
        up_sms.send_keys(Keys.ENTER)
        order = [li.text for li in b.find_elements(By.CSS_SELECTOR, ".campaign-channels li label")]
        assert order == ["1. СМС", "2. Е-пошта"]
        b.find_element(By.CSS_SELECTOR, f"button[aria-label='{sr['campaigns.channels.up'].replace('{channel}', 'Е-пошта')}']").send_keys(Keys.ENTER)
        assert [li.text for li in b.find_elements(By.CSS_SELECTOR, ".campaign-channels li label")] == ["1. Е-пошта", "2. СМС"]
        b.find_element(By.NAME, "urgent").click()  # it is night in Belgrade when the suite runs late
        b.find_element(By.NAME, "subject").send_keys("Искључење воде сутра")
        b.find_element(By.NAME, "mail_body").send_keys("Поштовани, сутра од 8 до 12 часова неће бити воде у Центру.")
        b.find_element(By.NAME, "sms_text").send_keys("Сутра 8-12 нема воде у Центру.")
        assert "UCS-2" in b.find_element(By.CSS_SELECTOR, ".campaign-sms-count").text
        # The English tab by the keyboard (End on the tab list).
        b.find_element(By.ID, "campaign-tab-sr-Cyrl").send_keys(Keys.END)
        assert b.switch_to.active_element.get_attribute("id") == "campaign-tab-en"
        b.find_element(By.NAME, "subject").send_keys("Water cut tomorrow")
        b.find_element(By.NAME, "mail_body").send_keys("Dear residents, there is no water tomorrow 8-12 in Centar.")
        b.find_element(By.NAME, "sms_text").send_keys("No water tomorrow 8-12 in Centar.")
        sms = b.find_element(By.CSS_SELECTOR, ".campaign-sms-count").text
        assert "GSM-7" in sms and sms.startswith("33 ")
        assert axe_violations(b) == []
        button(b, sr["campaigns.save"]).click()
        notice(b, sr["campaigns.saved"])
        wait(b, lambda d: "/edit" in d.current_url, "the new campaign has no address")
        campaign = b.current_url.split("/campaigns/")[1].split("/")[0]
        # Once saved, the server's count of the SMS as it will go.
        wait(b, lambda d: "GSM-7" in d.find_element(By.CSS_SELECTOR, ".campaign-sms-count").text.split("\n")[-1]
             and len(d.find_element(By.CSS_SELECTOR, ".campaign-sms-count").text.split("\n")) > 1, "no server estimate")
        b.set_window_size(768, 1000)
        assert b.execute_script("return document.documentElement.scrollWidth <= window.innerWidth")
        if SCREENSHOTS:
            b.save_screenshot(os.path.join(SCREENSHOTS, "campaigns-compose-tablet.png"))
        b.set_window_size(1280, 1000)
        button(b, sr["campaigns.test"]).click()
        wait(b, lambda d: d.find_elements(By.ID, "campaign-test-title"), "no test result")
        assert operator["email"] in b.find_element(By.CSS_SELECTOR, ".campaign-status").text
        if SCREENSHOTS:
            b.save_screenshot(os.path.join(SCREENSHOTS, "campaigns-compose.png"))
        button(b, sr["campaigns.submit"]).click()
        notice(b, sr["campaigns.submitted"])
        assert b.find_element(By.ID, "page-title").text == "Искључење воде, Центар"
        assert sr["campaigns.approve.own"] not in b.page_source  # an operator may not approve at all
        assert axe_violations(b) == []
        sign_out(b)

        # Four eyes: the author may never approve, whatever her role (the server says 403).
        refused = call(runtime, operator, "POST", f"/v1/admin/campaigns/{campaign}/approve", {"version": 2})
        assert refused.status_code == 403, refused.text

        # The supervisor reads the estimate, approves and sends.
        sign_in(b, runtime.url, supervisor, path=f"/campaigns/{campaign}")
        total = wait(b, lambda d: d.find_elements(By.CSS_SELECTOR, ".campaign-estimate .campaign-total"), "no estimate")[0]
        assert total.text == "2 примаоца"
        languages = [r.text for r in b.find_elements(By.CSS_SELECTOR, ".campaign-estimate tbody tr")]
        assert any(r.startswith("English 1 GSM-7 1") for r in languages), languages
        assert axe_violations(b) == []
        if SCREENSHOTS:
            b.save_screenshot(os.path.join(SCREENSHOTS, "campaigns-approve.png"))
        button(b, sr["campaigns.approve"]).click()
        notice(b, sr["campaigns.approved"])
        button(b, sr["campaigns.send"]).click()
        dialog = wait(b, lambda d: d.find_element(By.CSS_SELECTOR, "dialog[open]"), "no confirmation")
        dialog.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
        notice(b, sr["campaigns.send.done"])
        sign_out(b)

        # The runtime sends; when both are final, the sweep job completes the campaign.
        def settled():
            found = call(runtime, admin, "GET", f"/v1/admin/campaigns/{campaign}").json()
            return found if found["progress"]["planned"] and found["progress"]["open"] == 0 else None

        sent = runtime.wait_for(settled, "the campaign's recipients to settle", timeout=45)
        assert sent["counts"]["state"].get("delivered") == 1 and sent["counts"]["state"].get("unreachable") == 1, sent

        # The administrator follows (English): the screen polls until it is over.
        sign_in(b, runtime.url, admin, path=f"/campaigns/{campaign}")
        en = texts(b, "en")
        assert b.find_element(By.ID, "page-title").text == "Искључење воде, Центар"
        wait(b, lambda d: "2 of 2 recipients done (100 %)" in d.find_element(By.CSS_SELECTOR, ".campaign-progress").text,
             "no progress")
        ran = requests.post(f"{runtime.url}/_local/schedules/CampaignSweepSchedule", timeout=120)
        assert ran.status_code == 200, ran.text
        wait(b, lambda d: en["campaigns.progress.over.completed"] in d.find_element(By.CSS_SELECTOR, ".campaign-live").text,
             "the screen does not see the campaign completed")
        channels = b.find_element(By.CSS_SELECTOR, ".campaign-counts").text
        assert "E-mail 2 1 1 0" in channels and "SMS 1 0 0 1" in channels, channels
        Select(b.find_element(By.NAME, "recipient-state")).select_by_value("unreachable")
        wait(b, lambda d: [r.text.split("\n")[0] for r in d.find_elements(By.CSS_SELECTOR, ".campaign-recipients tbody th")]
             == ["Petar Petrović"], "the filter does not show the unreached")
        button(b, en["campaigns.csv"]).click()
        wait(b, lambda d: "Saved as civicdesk-campaign-" in d.page_source, "no CSV")
        assert axe_violations(b) == []
        if SCREENSHOTS:
            b.save_screenshot(os.path.join(SCREENSHOTS, "campaigns-follow.png"))
        b.set_window_size(768, 1000)
        assert b.execute_script("return document.documentElement.scrollWidth <= window.innerWidth")
        if SCREENSHOTS:
            b.save_screenshot(os.path.join(SCREENSHOTS, "campaigns-follow-tablet.png"))
        b.set_window_size(1280, 1000)

        # The call list: the unreached, and what came of the call.
        button(b, en["campaigns.calls"]).click()
        wait(b, lambda d: d.find_elements(By.CSS_SELECTOR, ".campaign-calls tbody tr"), "no call list")
        b.find_element(By.CSS_SELECTOR, "button[aria-label='Record the call to Petar Petrović']").click()
        b.find_element(By.CSS_SELECTOR, "input[name=outcome][value=reached]").click()
        b.find_element(By.NAME, "note").send_keys("Knows about the cut; has stored water.")
        assert axe_violations(b) == []
        button(b, en["campaigns.calls.save"]).click()
        notice(b, "Recorded for Petar Petrović: Reached.")
        [called] = call(runtime, admin, "GET", f"/v1/admin/campaigns/{campaign}/calls").json()["items"]
        assert called["call_outcome"] == "reached" and called["called_by"] == admin["username"], called
        assert "Knows about the cut" in b.find_element(By.CSS_SELECTOR, ".campaign-calls").text
        if SCREENSHOTS:
            b.save_screenshot(os.path.join(SCREENSHOTS, "campaigns-calls.png"))
        b.set_window_size(768, 1000)
        open_screen(b, f"/campaigns/{campaign}/calls")
        assert b.execute_script("return document.documentElement.scrollWidth <= window.innerWidth")
        assert "Knows about the cut" in b.find_element(By.CSS_SELECTOR, ".campaign-calls").text  # read again
        b.set_window_size(1280, 1000)

        # The list, filtered by state.
        open_screen(b, "/campaigns", "Campaigns")
        Select(b.find_element(By.NAME, "state")).select_by_value("completed")
        wait(b, lambda d: [r.text for r in d.find_elements(By.CSS_SELECTOR, ".campaign-list tbody th")]
             == ["Искључење воде, Центар"], "not listed as completed")
        Select(b.find_element(By.NAME, "state")).select_by_value("draft")
        wait(b, lambda d: d.find_elements(By.XPATH, f"//p[contains(., '{en['campaigns.empty_state']}')]"), "drafts listed")
        assert axe_violations(b) == []
