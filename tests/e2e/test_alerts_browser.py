"""Alert subscriptions in a real headless Chromium against the local runtime (``make run``): the
portal's alerts page subscribes by e-mail and SMS, the SMS code from the outbox confirms the
number, the mailed link (from the outbox) only asks before it confirms the address, and the
unsubscribe link of every alert (``#unsubscribe=<token>``) ends it; axe finds nothing in two
languages. What the page did is checked through the public API."""

from __future__ import annotations

import re

import pytest
import requests

from tests.support.browser import by_id, chromium, clean_console, open_page, skip_without_chromium, wait
from tests.support.console import axe_violations
from tests.support.runtime import running

skip_without_chromium(module=True)
pytestmark = [pytest.mark.e2e, pytest.mark.browser, pytest.mark.xdist_group("alerts-browser")]

EMAIL = "vesna.stanar@example.org"
PHONE = "+381641112233"


@pytest.fixture(scope="module")
def runtime(tmp_path_factory):
    with running(tmp_path_factory.mktemp("alerts")) as process:
        yield process


@pytest.fixture(scope="module")
def browser():
    with chromium() as driver:
        yield driver


@pytest.fixture
def b(browser):
    with clean_console(browser):
        yield browser


def shown(driver, element_id) -> bool:
    return by_id(driver, element_id).is_displayed()


def text(driver, element_id) -> str:
    return " ".join(by_id(driver, element_id).text.split())


def sms_code(runtime) -> str:
    def code() -> str | None:
        texts = [entry["text"] for entry in runtime.outbox()
                 if entry.get("channel") == "sms" and PHONE in entry["to"]]
        found = re.findall(r"\b(\d{6})\b", texts[-1]) if texts else []
        return found[0] if found else None

    return runtime.wait_for(code, f"the SMS code to {PHONE} in the outbox")


def confirm_link(runtime) -> str:
    def link() -> str | None:
        for mail in runtime.outbox():
            if mail.get("channel", "email") == "email" and EMAIL in mail["to"]:
                return next((w for w in mail["text"].split() if "/alerts.html?" in w), None)
        return None

    return runtime.wait_for(link, f"the confirmation mail to {EMAIL} in the outbox")


def subscription(runtime, token) -> dict:
    answer = requests.get(f"{runtime.url}/v1/public/alerts/subscription", params={"token": token}, timeout=30)
    assert answer.status_code == 200, answer.text
    return answer.json()


def test_subscribe_confirm_both_channels_and_unsubscribe_through_the_page(b, runtime):
    open_page(b, f"{runtime.url}/alerts.html?lang=en")
    wait(b, lambda d: shown(d, "alerts-form"), "no subscription form")
    assert text(b, "page-title") == "Alerts for your area"
    link = b.find_element("css selector", "nav.site-nav a[aria-current=page]")
    assert link.get_attribute("href").endswith("alerts.html?lang=en")

    # Nothing chosen: the errors beside their groups and in the summary, which gets the focus
    b.find_element("id", "alerts-submit").click()
    wait(b, lambda d: shown(d, "error-summary"), "no error summary")
    assert b.switch_to.active_element.get_attribute("id") == "error-summary"
    assert shown(b, "f-topics-error") and shown(b, "f-areas-error") and shown(b, "f-email-error")
    assert "f-topics-error" in by_id(b, "fs-topics").get_attribute("aria-describedby")
    assert axe_violations(b) == []

    b.find_element("id", "t-water").click()
    b.find_element("id", "t-roads").click()
    b.find_element("id", "a-centar").click()
    b.find_element("id", "f-email").send_keys(EMAIL)
    b.find_element("id", "f-phone").send_keys("064 111 2233")
    b.find_element("id", "alerts-submit").click()
    wait(b, lambda d: shown(d, "alerts-pending"), "no 'check your mail / enter the code'")
    assert "Check your mail" in text(b, "alerts-check-mail") and "7 days" in text(b, "alerts-check-mail")
    assert "6-digit code" in text(b, "alerts-code-intro") and "15 minutes" in text(b, "alerts-code-intro")
    assert not shown(b, "alerts-form") and not shown(b, "error-summary")

    # A wrong code: told beside the field, tied to it; then the right one
    code = sms_code(runtime)
    b.find_element("id", "f-code").send_keys("000000" if code != "000000" else "111111")
    b.find_element("id", "code-submit").click()
    wait(b, lambda d: shown(d, "f-code-error"), "a wrong code was not refused")
    assert "Tries left: 4" in text(b, "f-code-error")
    assert "f-code-error" in by_id(b, "f-code").get_attribute("aria-describedby")
    by_id(b, "f-code").clear()
    b.find_element("id", "f-code").send_keys(code)
    b.find_element("id", "code-submit").click()
    wait(b, lambda d: shown(d, "alerts-done"), "the code did not confirm")
    assert text(b, "alerts-done-text").startswith("Done. You will receive alerts")
    assert shown(b, "alerts-form") and shown(b, "fs-channels") and not shown(b, "fs-how")
    token = b.execute_script("return window.location.hash").split("manage=")[1]
    channels = {c["channel"]: c["state"] for c in subscription(runtime, token)["channels"]}
    assert channels == {"email": "pending", "sms": "confirmed"}
    assert axe_violations(b) == []

    # The mailed link only asks; the button confirms
    open_page(b, confirm_link(runtime))
    wait(b, lambda d: shown(d, "alerts-ask"), "the link did not ask")
    assert text(b, "alerts-ask-button") == "Confirm"
    assert {c["channel"]: c["state"] for c in subscription(runtime, token)["channels"]}["email"] == "pending"
    b.find_element("id", "alerts-ask-button").click()
    wait(b, lambda d: shown(d, "alerts-done"), "no confirmation")
    assert {c["state"] for c in subscription(runtime, token)["channels"]} == {"confirmed"}

    # Every alert's unsubscribe link, in Serbian: asks, then ends it
    open_page(b, f"{runtime.url}/alerts.html?lang=sr-Cyrl#unsubscribe={token}")
    wait(b, lambda d: shown(d, "alerts-ask"), "the unsubscribe link did not ask")
    assert b.find_element("tag name", "html").get_attribute("lang") == "sr-Cyrl"
    assert text(b, "alerts-ask-button") == "Одјави ме"
    assert subscription(runtime, token)["status"] == "active"
    assert axe_violations(b) == []
    b.find_element("id", "alerts-ask-button").click()
    wait(b, lambda d: shown(d, "alerts-done"), "no unsubscription")
    assert text(b, "alerts-done-text").startswith("Готово. Више нећете добијати обавештења.")
    assert b.switch_to.active_element.get_attribute("id") == "alerts-done"
    ended = subscription(runtime, token)
    assert ended["status"] == "ended" and ended["channels"] == []
    assert axe_violations(b) == []

    # A damaged link says so
    open_page(b, f"{runtime.url}/alerts.html?lang=cs#manage=nonsense")
    wait(b, lambda d: shown(d, "send-error"), "a damaged link was not refused")
    assert text(b, "send-error-text").startswith("Tento odkaz není platný")
