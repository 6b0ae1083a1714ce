"""The console's due times in headless Chromium against the local runtime: badges in the queue
rows and the case header (in working time, translated), the "Overdue" queue, the due times of a
case, and extending an FOI request's legal deadline from the keyboard; axe in two languages and
the tablet width."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
import requests
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys

from tests.support.browser import chromium, clean_console, skip_without_chromium, wait
from tests.support.console import axe_violations, demo_user, open_screen, sign_in, sign_out, wait_for_screen
from tests.support.runtime import running

skip_without_chromium(module=True)
pytestmark = [pytest.mark.e2e, pytest.mark.browser, pytest.mark.xdist_group("console-due-browser")]

REQUESTER = {"name": "Милан Јовановић", "phone": "+381641234567"}


def ago(days: int) -> str:
    return (datetime.now(timezone.utc) - timedelta(days=days)).isoformat()


@pytest.fixture(scope="module")
def runtime(tmp_path_factory):
    with running(tmp_path_factory.mktemp("console-due")) as process:
        token = process.id_token(demo_user(process, "operator"))
        made = {}
        with requests.Session() as session:
            session.headers["Authorization"] = token
            for name, body in (
                    ("late_tax", {"type": "request", "channel": "phone", "category": "local_taxes",
                                  "received_at": ago(21),
                                  "description": "Грађанин пита за решење о порезу на имовину."}),
                    ("late_lamp", {"type": "signal", "channel": "phone", "category": "street_lighting",
                                   "received_at": ago(14),
                                   "description": "Не ради улична расвета у Улици Вука Караџића."}),
                    ("fresh", {"type": "signal", "channel": "phone", "category": "road_damage",
                               "description": "Рупа на коловозу испред школе у Улици кнеза Милоша."}),
                    ("foi", {"type": "foi_request", "channel": "letter", "category": "general_question",
                             "description": "Захтев за приступ информацијама о уговорима о јавној расвети."})):
                answer = session.post(f"{process.url}/v1/admin/cases", timeout=30,
                                      json={**body, "requester": REQUESTER})
                answer.raise_for_status()
                made[name] = answer.json()["number"]
        process.made = made
        yield process


@pytest.fixture(scope="module")
def browser():
    with chromium() as driver:
        yield driver


def badges(b) -> dict[str, str]:
    """Each queue row's due badge text (visible part), by case number."""
    return b.execute_script(
        "return Object.fromEntries([...document.querySelectorAll('.case-table tbody tr')].map((r) => ["
        "r.querySelector('.case-number a').textContent.trim(),"
        "(r.querySelector('.due-badge')?.firstChild?.textContent || '').trim() + '|' +"
        "(r.querySelector('.due-badge')?.className || '')]))")


def settled_rows(b, condition, message):
    def ready(d):
        if d.find_elements(By.CSS_SELECTOR, ".loading, [aria-busy='true']"):
            return False
        found = badges(d)
        return found if condition(found) else False
    return wait(b, ready, message)


def start(b, runtime, role: str, path: str) -> None:
    b.get(f"{runtime.url}/console/")
    b.execute_script("sessionStorage.clear()")
    b.get("about:blank")
    sign_in(b, runtime.url, demo_user(runtime, role), path=path)


@pytest.mark.parametrize("role,overdue_word,due_word,view,title", [
    ("administrator", "Overdue by", "Due in", "Overdue", "Overdue cases"),  # en
    ("operator", "Касни", "Рок истиче за", "Прекорачени рокови", "Предмети са прекораченим роком"),  # sr-Cyrl
])
def test_queue_rows_carry_due_badges_and_the_overdue_view_lists_the_late_cases(
        browser, runtime, role, overdue_word, due_word, view, title):
    made = runtime.made
    with clean_console(browser) as b:
        start(b, runtime, role, "/cases")
        shown = settled_rows(b, lambda r: made["fresh"] in r and made["late_tax"] in r, "no queue")
        # THEN a late case says how late in working time, a fresh one how long is left
        late_text, late_class = shown[made["late_tax"]].split("|")
        assert late_text.startswith(overdue_word) and "badge-danger" in late_class, shown
        fresh_text, _ = shown[made["fresh"]].split("|")
        assert fresh_text.startswith(due_word), shown
        assert axe_violations(b) == []
        # WHEN the "Overdue" entry is followed
        link = b.find_element(By.CSS_SELECTOR, ".due-views a")
        assert link.text.startswith(view)
        link.click()
        wait_for_screen(b, title)
        shown = settled_rows(b, lambda r: set(r) == {made["late_tax"], made["late_lamp"]},
                             "the overdue view does not list the late cases")
        # THEN most overdue first, and the view is marked current
        assert list(shown) == [made["late_tax"], made["late_lamp"]]
        assert link.get_attribute("aria-current") == "true"
        assert "due=overdue" in b.current_url
        assert axe_violations(b) == []
        for width in (768, 1280):
            b.set_window_size(width, 1000)
            wide = b.execute_script("return document.documentElement.scrollWidth - document.documentElement.clientWidth")
            assert wide <= 0, (width, wide)
        sign_out(b)


def test_an_foi_requests_legal_deadline_is_shown_and_extended_from_the_keyboard(browser, runtime):
    number = runtime.made["foi"]
    with clean_console(browser) as b:
        start(b, runtime, "administrator", f"/cases/{number}")
        wait_for_screen(b, f"Case {number}")
        facts = b.find_element(By.CSS_SELECTOR, ".due-facts").text
        assert "Legal deadline: due" in facts and "First reaction: due" in facts
        assert b.find_element(By.CSS_SELECTOR, ".case-subtitle .due-badge").text.startswith("Due in")
        # WHEN the extension is asked for with the keyboard only
        button = b.find_element(By.CSS_SELECTOR, "[data-action='extend_deadline']")
        button.send_keys(Keys.ENTER)
        dialog = wait(b, lambda d: d.find_element(By.CSS_SELECTOR, "dialog[open]"), "no dialog")
        assert "can be extended once" in dialog.text
        assert axe_violations(b) == []
        reason = dialog.find_element(By.NAME, "reason")
        reason.send_keys("Обимна документација из архиве")
        dialog.find_element(By.CSS_SELECTOR, "button[type='submit']").send_keys(Keys.ENTER)
        # THEN it is announced, the deadline says extended, the action is gone
        wait(b, lambda d: "The legal deadline was extended." in d.find_element(By.CSS_SELECTOR, ".case-announce").text,
             "no announcement")
        wait(b, lambda d: "extended" in d.find_element(By.CSS_SELECTOR, ".due-facts").text, "not extended")
        assert not b.find_elements(By.CSS_SELECTOR, "[data-action='extend_deadline']")
        assert "The legal deadline was extended. Reason: Обимна документација из архиве" in \
            b.find_element(By.CSS_SELECTOR, ".case-timeline").text
        assert axe_violations(b) == []
        open_screen(b, "/cases")
        sign_out(b)
