"""The tracking page in a real headless Chromium against the local runtime (``make run``): what an
official wrote (a reply, a status change's message to the citizen) reaches the citizen's page as
the API gives it, with the private link and, redacted, without it."""

from __future__ import annotations

import pytest
import requests
from selenium.webdriver.common.by import By

from tests.support.browser import chromium, clean_console, open_page, skip_without_chromium
from tests.support.runtime import running

skip_without_chromium(module=True)
pytestmark = [pytest.mark.e2e, pytest.mark.browser, pytest.mark.xdist_group("track-browser")]

CASE = {"type": "signal", "category": "street_lighting", "language": "sr-Cyrl",
        "description": "Не ради улична расвета у Улици краља Петра код броја 12.",
        "contact": {"name": "Петар Петровић", "email": "petar@example.rs"}}
REPLY = "Поштовани Петар Петровић, <img src=x onerror=\"window.pwned = 1\"> позовите 064 987 6543."
REDACTED = "Поштовани […], <img src=x onerror=\"window.pwned = 1\"> позовите […]."
STATUS_MESSAGE = "Екипа излази на терен у понедељак."


@pytest.fixture(scope="module")
def runtime(tmp_path_factory):
    with running(tmp_path_factory.mktemp("track")) as process:
        yield process


@pytest.fixture(scope="module")
def browser():
    with chromium() as driver:
        yield driver


def staff_call(runtime, token, path, body):
    answer = requests.post(f"{runtime.url}{path}", json=body, timeout=30, headers={"Authorization": token})
    assert answer.status_code == 200, answer.text
    return answer.json()


def test_the_officials_reply_and_status_message_reach_the_tracking_page(browser, runtime):
    opened = requests.post(f"{runtime.url}/v1/public/cases", json=CASE, timeout=30)
    assert opened.status_code == 201, opened.text
    number, token = opened.json()["number"], opened.json()["token"]
    admin = next(u for u in runtime.settings()["users"] if "administrator" in u["roles"])
    staff = runtime.id_token(admin)
    replied = staff_call(runtime, staff, f"/v1/admin/cases/{number}/replies", {"text": REPLY, "version": 1})
    staff_call(runtime, staff, f"/v1/admin/cases/{number}/status",
               {"status": "in_progress", "reason": "Екипа упућена", "version": replied["version"],
                "message_to_citizen": STATUS_MESSAGE})

    with clean_console(browser) as b:
        for query, reply in ((f"&token={token}", REPLY), ("", REDACTED)):
            open_page(b, f"{runtime.url}/track.html?number={number}{query}&lang=en")
            items = b.find_elements(By.CSS_SELECTOR, "#c-history > li")
            shown = [(i.find_element(By.CLASS_NAME, "history-title").text,
                      [m.text for m in i.find_elements(By.CLASS_NAME, "history-message")]) for i in items]
            assert shown == [("Case received: Received", []),
                             ("Reply from the municipality", [reply]),
                             ("Status changed: In progress", [STATUS_MESSAGE])], query
            assert not b.find_elements(By.CSS_SELECTOR, "#c-history img")
            assert b.execute_script("return window.pwned === undefined")
