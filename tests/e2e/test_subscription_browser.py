"""Following a case in a real headless Chromium against the local runtime (``make run``): the
tracking page's follow form, the opt-in mail in the outbox, and the subscription page that
confirms and unsubscribes only when its button is pressed (mail scanners open links too).

What the page did is checked through the staff API: a case's view counts its confirmed followers.
"""

from __future__ import annotations

from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
import requests

from tests.support.browser import (
    by_id,
    chromium,
    clean_console,
    open_page,
    skip_without_chromium,
    wait,
)
from tests.support.runtime import running

skip_without_chromium(module=True)
pytestmark = [pytest.mark.e2e, pytest.mark.browser, pytest.mark.xdist_group("subscription-browser")]

FOLLOWER = "mila.follower@example.org"
CASE = {"type": "signal", "category": "street_lighting", "language": "sr-Cyrl",
        "description": "Не ради улична расвета у Улици краља Петра код броја 12.",
        "contact": {"email": "petar@example.rs"}}


@pytest.fixture(scope="module")
def runtime(tmp_path_factory):
    with running(tmp_path_factory.mktemp("subscriptions")) as process:
        yield process


@pytest.fixture(scope="module")
def staff_token(runtime):
    """An administrator's ID token from the embedded Cognito pool, as a console signs in."""
    admin = next(u for u in runtime.settings()["users"] if "administrator" in u["roles"])
    return runtime.id_token(admin)


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
    return by_id(driver, element_id).text


def open_case(runtime, body=CASE) -> str:
    answer = requests.post(f"{runtime.url}/v1/public/cases", json=body, timeout=30)
    assert answer.status_code == 201, answer.text
    return answer.json()["number"]


def followers(runtime, staff_token, number) -> int:
    answer = requests.get(f"{runtime.url}/v1/admin/cases/{number}", timeout=30,
                          headers={"Authorization": staff_token})
    assert answer.status_code == 200, answer.text
    return answer.json()["followers"]


def opt_in_link(runtime, number) -> str:
    """The confirmation link of the opt-in mail to FOLLOWER about ``number``, from the outbox
    (which captures what SES accepted in the background)."""
    def link() -> str | None:
        for mail in runtime.outbox():
            if (mail.get("channel") == "email" and FOLLOWER in mail["to"]
                    and mail.get("case_number") == number):
                return next(word for word in mail["text"].split() if "/subscription.html?" in word)
        return None

    return runtime.wait_for(link, f"opt-in mail to {FOLLOWER} about {number} in the outbox")


def with_params(link: str, **changes) -> str:
    parts = urlsplit(link)
    query = {key: values[0] for key, values in parse_qs(parts.query).items()}
    query.update(changes)
    return f"{parts.scheme}://{parts.netloc}{parts.path}?{urlencode(query)}"


def test_follow_confirm_and_unsubscribe_through_the_pages(b, runtime, staff_token):
    number = open_case(runtime)

    # The public case's page offers to follow it; the form says to check the mail.
    open_page(b, f"{runtime.url}/track.html?number={number}&lang=en")
    assert shown(b, "follow") and text(b, "follow-title") == "Follow this case"
    b.find_element("id", "follow-submit").click()
    wait(b, lambda d: shown(d, "follow-email-error"), "an empty address was not refused")
    assert "Enter your e-mail address." in text(b, "follow-email-error")
    b.find_element("id", "follow-email").send_keys(FOLLOWER)
    b.find_element("id", "follow-submit").click()
    wait(b, lambda d: shown(d, "follow-done"), "no 'check your mail'")
    assert "Check your mail" in text(b, "follow-done")
    assert not shown(b, "follow-form") and not shown(b, "follow-email-error")

    link = opt_in_link(runtime, number)
    query = parse_qs(urlsplit(link).query)
    assert query["action"] == ["confirm"] and query["case"] == [number] and query["lang"] == ["en"]

    # Opening the link only asks (a mail scanner's visit confirms nothing).
    open_page(b, link)
    assert shown(b, "sub-ask") and number in text(b, "sub-question")
    assert text(b, "sub-button") == "Confirm"
    assert followers(runtime, staff_token, number) == 0
    b.find_element("id", "sub-button").click()
    wait(b, lambda d: shown(d, "sub-done"), "no confirmation")
    assert text(b, "sub-done-text").startswith("Done. You will get an e-mail whenever case")
    assert not shown(b, "sub-ask") and shown(b, "sub-case")
    assert followers(runtime, staff_token, number) == 1

    # The mails' unsubscribe link: the same page, in Serbian this time; again only on the click.
    open_page(b, with_params(link, action="unsubscribe", lang="sr-Cyrl"))
    assert b.find_element("tag name", "html").get_attribute("lang") == "sr-Cyrl"
    assert text(b, "sub-button") == "Одјави ме"
    assert followers(runtime, staff_token, number) == 1
    b.find_element("id", "sub-button").click()
    wait(b, lambda d: shown(d, "sub-done"), "no unsubscription")
    assert text(b, "sub-done-text") == f"Готово. Више нећете добијати имејлове о предмету {number}."
    assert followers(runtime, staff_token, number) == 0

    # The old confirmation link does not bring the subscription back; it says so.
    open_page(b, with_params(link, lang="cs"))
    b.find_element("id", "sub-button").click()
    wait(b, lambda d: shown(d, "sub-done"), "no answer to the old link")
    assert text(b, "sub-done-text").startswith("Tento odběr byl zrušen.")
    assert followers(runtime, staff_token, number) == 0


def test_a_damaged_or_incomplete_link_says_so(b, runtime):
    number = open_case(runtime)
    open_page(b, f"{runtime.url}/subscription.html?action=confirm&case={number}"
                 f"&id={'0' * 24}&token={'x' * 32}&lang=en")
    b.find_element("id", "sub-button").click()
    wait(b, lambda d: shown(d, "sub-error"), "no error for an unknown subscription")
    assert text(b, "sub-error-text").startswith("This link is not valid or has expired.")
    assert not shown(b, "sub-ask") and not shown(b, "sub-done")

    open_page(b, f"{runtime.url}/subscription.html?action=unsubscribe&case={number}&lang=bg")
    assert shown(b, "sub-invalid") and not shown(b, "sub-ask")
    assert text(b, "sub-invalid").startswith("Тази връзка е непълна.")


def test_the_requester_with_the_private_link_is_not_offered_to_follow(b, runtime):
    answer = requests.post(f"{runtime.url}/v1/public/cases", json=CASE, timeout=30).json()
    open_page(b, answer["tracking_url"])
    wait(b, lambda d: shown(d, "case"), "the case is not shown")
    assert not shown(b, "follow")
