"""Citizen accounts in a real headless Chromium against the local runtime (``make run``): sign
up on the portal, confirm the address with the code Cognito's mail brought to the outbox, file a
letter from the report form, find it in "my cases" with its registry number, follow a public
case with one click; a letter without an account is refused with the reason; axe finds nothing
on the account pages (``docs/accounts.md``)."""

from __future__ import annotations

import re

import pytest
import requests
from selenium.webdriver.common.keys import Keys

from tests.support.browser import by_id, chromium, clean_console, open_page, skip_without_chromium, wait
from tests.support.console import axe_violations, demo_user, sign_in, sign_out, wait_for_screen
from tests.support.runtime import running

skip_without_chromium(module=True)
pytestmark = [pytest.mark.e2e, pytest.mark.browser, pytest.mark.xdist_group("accounts-browser")]

EMAIL = "mira.gradjanka@example.org"
PASSWORD = "Gradjanka-2026"


@pytest.fixture(scope="module")
def runtime(tmp_path_factory):
    with running(tmp_path_factory.mktemp("accounts")) as process:
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


def sign_up_code(runtime) -> str:
    def code() -> str | None:
        mails = [m for m in runtime.outbox() if m.get("channel", "email") == "email" and EMAIL in m["to"]]
        found = re.findall(r"\b(\d{6})\b", mails[-1]["text"]) if mails else []
        return found[0] if found else None

    return runtime.wait_for(code, f"the sign-up code to {EMAIL} in the outbox")


def test_sign_up_file_a_letter_find_it_and_follow_a_public_case(b, runtime):
    # A public case to follow later, sent without an account
    public = requests.post(f"{runtime.url}/v1/public/cases", timeout=30, json={
        "type": "signal", "category": "street_lighting", "language": "en",
        "description": "The street light at the bus stop in Main Street is broken."})
    assert public.status_code == 201, public.text
    public_number = public.json()["number"]
    # Without an account a letter is refused with the reason
    refused = requests.post(f"{runtime.url}/v1/public/cases", timeout=30, json={
        "type": "letter", "category": "general_question", "language": "en",
        "description": "A letter sent without an account must be refused."})
    assert refused.status_code == 401 and refused.json()["error"]["code"] == "account_required"

    open_page(b, f"{runtime.url}/account.html?lang=en#sign-up")
    wait(b, lambda d: shown(d, "view-signup"), "no sign-up form")
    assert b.find_element("css selector", "nav.site-nav a[aria-current=page]").text == "Sign in"
    assert axe_violations(b) == []
    by_id(b, "signup-name").send_keys("Mira Građanka")
    by_id(b, "signup-email").send_keys(EMAIL)
    by_id(b, "signup-password").send_keys(PASSWORD)
    b.find_element("css selector", "#signup-form button[type=submit]").click()
    wait(b, lambda d: shown(d, "view-confirm"), "no 'enter the code'")
    assert EMAIL in text(b, "confirm-intro")
    code = sign_up_code(runtime)
    by_id(b, "confirm-code").send_keys("000000" if code != "000000" else "111111")
    b.find_element("css selector", "#confirm-form button[type=submit]").click()
    wait(b, lambda d: shown(d, "account-error"), "a wrong code was accepted")
    assert "not right" in text(b, "account-error-text")
    by_id(b, "confirm-code").clear()
    by_id(b, "confirm-code").send_keys(code)
    b.find_element("css selector", "#confirm-form button[type=submit]").click()
    wait(b, lambda d: shown(d, "view-home"), "not signed in after the code")
    assert text(b, "cases-count") == "You have no cases yet."
    assert axe_violations(b) == []

    # The profile prefills the form; a letter goes through the account
    by_id(b, "profile-phone").send_keys("+381 64 555 1234")
    b.find_element("css selector", "#profile-form button[type=submit]").click()
    wait(b, lambda d: shown(d, "account-status"), "the profile was not saved")
    open_page(b, f"{runtime.url}/index.html?lang=en&type=letter")
    wait(b, lambda d: by_id(d, "f-email").get_attribute("value") == EMAIL, "the form was not prefilled")
    assert by_id(b, "f-phone").get_attribute("value") == "+381 64 555 1234"
    assert EMAIL in text(b, "account-note")
    wait(b, lambda d: by_id(d, "f-type").get_attribute("value") == "letter", "no letter type offered")
    from selenium.webdriver.support.ui import Select

    Select(by_id(b, "f-category")).select_by_value("general_question")
    by_id(b, "f-description").send_keys("I ask for the minutes of the last council session about parking.")
    by_id(b, "submit-button").click()
    wait(b, lambda d: shown(d, "success"), "the letter was not filed")
    number = text(b, "success-number")
    registry = re.search(r"Registry number: (\S+)\.", text(b, "account-note")).group(1)
    assert re.fullmatch(r"\d{4}/GA/\d{6}", registry)

    # My cases shows it with its registry number; follow the public case with one click
    open_page(b, f"{runtime.url}/account.html?lang=en")
    wait(b, lambda d: shown(d, "view-home"), "the session did not last")
    wait(b, lambda d: number in text(d, "cases-body"), "the letter is not in my cases")
    assert registry in text(b, "cases-body") and text(b, "cases-count") == "1 case"
    assert b.find_element("css selector", "nav.site-nav a[aria-current=page]").text == "My account"
    assert axe_violations(b) == []

    # The letter's own page (the link of my cases) says it was registered under that number
    b.find_element("css selector", "#cases-body a").click()
    wait(b, lambda d: "Registered" in text(d, "c-history"), "no registry entry in the history")
    assert f"Registered under registry number {registry}." in text(b, "c-history")

    # Staff find it by the registry number however it is typed, and see it among its facts
    year, code, sequence = registry.split("/")
    sign_in(b, runtime.url, demo_user(runtime, "operator"), lang="en", path="/cases")
    b.find_element("css selector", "form[role=search] input").send_keys(
        f"{year}/{code.lower()}/{int(sequence)}", Keys.ENTER)
    wait(b, lambda d: d.current_url.endswith(f"#/cases/{number}"), "the search did not open the letter")
    wait_for_screen(b)
    wait(b, lambda d: d.find_elements("css selector", "dd.registry-number"), "no registry number shown")
    assert b.find_element("css selector", "dd.registry-number").text == registry
    # the history's sentence in the operator's own language (Serbian Cyrillic)
    assert b.find_element("css selector", "li.entry-registered .entry-head").text == (
        f"Заведено под деловодним бројем {registry}.")
    assert axe_violations(b) == []
    sign_out(b)

    # One click on the public case's page follows it, with no confirmation mail
    mails_before = len([m for m in runtime.outbox() if EMAIL in m["to"]])
    open_page(b, f"{runtime.url}/track.html?number={public_number}&lang=en")
    wait(b, lambda d: shown(d, "account-follow-button"), "no one-click follow")
    assert EMAIL in text(b, "account-follow-button")
    by_id(b, "account-follow-button").click()
    wait(b, lambda d: shown(d, "account-follow-status"), "the case was not followed")
    assert text(b, "account-follow-status").startswith(f"You follow case {public_number}.")
    assert axe_violations(b) == []
    open_page(b, f"{runtime.url}/account.html?lang=en")
    wait(b, lambda d: public_number in text(d, "subs-list"), "the followed case is not in my subscriptions")
    assert len([m for m in runtime.outbox() if EMAIL in m["to"]]) == mails_before
    b.find_element("css selector", "#subs-list button.unfollow").click()
    wait(b, lambda d: shown(d, "subs-none"), "the case was not unfollowed")


def test_the_mailed_my_cases_page_asks_and_refuses_a_damaged_link(b, runtime):
    open_page(b, f"{runtime.url}/my-cases.html?lang=sr-Latn")
    wait(b, lambda d: shown(d, "ask"), "no address form")
    by_id(b, "ask-email").send_keys("niko@example.org")
    b.find_element("css selector", "#ask-form button[type=submit]").click()
    wait(b, lambda d: shown(d, "ask-done"), "no 'check your mail'")
    assert axe_violations(b) == []
    open_page(b, f"{runtime.url}/my-cases.html?lang=en#token=nonsense")
    wait(b, lambda d: shown(d, "link-error"), "a damaged link was not refused")
    assert text(b, "link-error-text").startswith("This link is not valid")
