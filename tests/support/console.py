"""The staff console (web/console/) in headless Chromium against the local runtime: signing in
as a demo user, waiting for a screen, and axe-core's WCAG 2.1 AA check of what is on screen."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from selenium.webdriver import Chrome as WebDriver
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.remote.webelement import WebElement

from tests.support.browser import wait

AXE = Path(__file__).with_name("vendor") / "axe.min.js"
#: What axe checks: WCAG 2.0 and 2.1, levels A and AA.
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


def demo_user(runtime: Any, role: str, *, department: str | None = None) -> dict:
    """The first demo user (``local.json``) with ``role`` (and ``department``)."""
    for user in runtime.settings()["users"]:
        if role in user["roles"] and (department is None or department in user.get("departments", [])):
            return user
    raise LookupError(f"no demo user with role {role} {department or ''}")


def screen_title(driver: WebDriver) -> str:
    return driver.execute_script("const h = document.getElementById('page-title'); return h ? h.textContent : ''")


def wait_for_screen(driver: WebDriver, title: str | None = None) -> str:
    """Wait until a screen has opened (its heading is there, nothing is loading); its title."""
    wait(driver, lambda d: d.execute_script(
        "return !!document.getElementById('page-title') && !document.querySelector('.loading')"
        + (f" && document.getElementById('page-title').textContent === {json.dumps(title)}" if title else "")),
        f"no screen {title or ''} (now: {screen_title(driver)!r})")
    return screen_title(driver)


def sign_in(driver: WebDriver, base_url: str, user: dict, *, lang: str | None = None,
            path: str = "") -> None:
    """Open the console (``#path``) and sign in as ``user`` with the keyboard, as staff do."""
    driver.get(f"{base_url}/console/{'?lang=' + lang if lang else ''}#{path}")
    wait(driver, lambda d: d.find_elements(By.NAME, "username"), "no sign-in form")
    field = driver.find_element(By.NAME, "username")
    field.clear()
    field.send_keys(user["username"])
    password = driver.find_element(By.NAME, "password")
    password.send_keys(user["password"], Keys.ENTER)
    wait(driver, lambda d: d.find_elements(By.CSS_SELECTOR, "header.top"), "not signed in")
    wait_for_screen(driver)


def sign_out(driver: WebDriver) -> None:
    driver.find_element(By.CSS_SELECTOR, "header.top .who button").click()
    wait(driver, lambda d: d.find_elements(By.NAME, "username"), "not signed out")


def menu(driver: WebDriver) -> list[str]:
    return [a.text for a in driver.find_elements(By.CSS_SELECTOR, "nav.menu a")]


def open_screen(driver: WebDriver, path: str, title: str | None = None) -> str:
    """Go to ``#path`` within the signed-in console and wait for its screen."""
    driver.execute_script("window.location.hash = arguments[0]", path)
    return wait_for_screen(driver, title)


def axe_violations(driver: WebDriver, context: str = "document") -> list[dict]:
    """axe-core's WCAG 2.1 A/AA violations on the page as it is now, each as
    ``{id, impact, help, nodes: [css selectors]}``; empty when axe finds nothing."""
    if not driver.execute_script("return typeof window.axe !== 'undefined'"):
        driver.execute_script(AXE.read_text(encoding="utf-8"))
    result = driver.execute_async_script(
        "const done = arguments[arguments.length - 1];"
        f"axe.run({context}, {{runOnly: {{type: 'tag', values: {json.dumps(AXE_TAGS)}}}, resultTypes: ['violations']}})"
        ".then((r) => done(r.violations.map((v) => ({id: v.id, impact: v.impact, help: v.help,"
        " nodes: v.nodes.map((n) => n.target.join(' '))}))), (e) => done([{id: 'axe-error', help: String(e), nodes: []}]));")
    return result


def console_catalogues(driver: WebDriver, modules: list[str]) -> dict[str, dict]:
    """The texts of each module under web/console/js/messages/ (``{module: {lang: {key: text}}}``),
    imported by the open console page."""
    script = ("const done = arguments[arguments.length - 1];"
              "Promise.all(arguments[0].map((m) => import(`./js/messages/${m}`).then((x) => [m, x.default])))"
              ".then((all) => done(Object.fromEntries(all)), (e) => done(String(e)));")
    return driver.execute_async_script(script, modules)


def text_of(element: WebElement) -> str:
    return " ".join(element.text.split())
