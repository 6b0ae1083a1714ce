"""The console's Open311 keys screen in headless Chromium against the local runtime: the
administrator sees the demo app's key, issues a key by keyboard (shown once, and an app reports
with it at once), revokes it (its next report is refused); an operator has no such menu entry;
axe in two languages, and a tablet's width."""

from __future__ import annotations

import pytest
import requests
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys

from tests.support.browser import SCREENSHOT_DIR, chromium, skip_without_chromium, wait
from tests.support.console import axe_violations, demo_user, menu, open_screen, sign_in, sign_out
from tests.support.runtime import running

skip_without_chromium(module=True)
pytestmark = [pytest.mark.e2e, pytest.mark.browser, pytest.mark.xdist_group("console-open311-browser")]

REPORT = {"service_code": "illegal_dumping", "lat": "44.018", "long": "20.92", "description": "Šut kod mosta."}


@pytest.fixture(scope="module")
def runtime(tmp_path_factory):
    with running(tmp_path_factory.mktemp("console-open311")) as process:
        yield process


@pytest.fixture(scope="module")
def browser():
    with chromium() as driver:
        yield driver


def report_with(runtime, key: str) -> requests.Response:
    return requests.post(f"{runtime.url}/open311/v2/requests.json", data={"api_key": key, **REPORT}, timeout=15)


def test_an_administrator_issues_and_revokes_an_apps_key(runtime, browser):
    b = browser
    admin = demo_user(runtime, "administrator")
    sign_in(b, runtime.url, admin, lang="en", path="/open311-keys")
    assert "Open311 apps" in menu(b)
    wait(b, lambda d: "Demo app (make run)" in d.find_element(By.TAG_NAME, "main").text)
    assert axe_violations(b) == []
    name = b.find_element(By.NAME, "name")
    name.send_keys("FixMyStreet Srbija")
    name.send_keys(Keys.TAB)
    b.switch_to.active_element.send_keys("apps@fixmystreet.example", Keys.ENTER)
    secret = wait(b, lambda d: d.find_element(By.ID, "open311-secret").get_attribute("value"))
    assert secret.startswith("o311_") and b.switch_to.active_element.get_attribute("id") == "open311-secret"
    assert axe_violations(b) == []
    if SCREENSHOT_DIR:
        b.save_screenshot(f"{SCREENSHOT_DIR}/console-open311-issued.png")
    assert report_with(runtime, secret).status_code == 200
    row = wait(b, lambda d: [r for r in d.find_elements(By.CSS_SELECTOR, "tbody tr") if "FixMyStreet Srbija" in r.text])
    row[0].find_element(By.CSS_SELECTOR, "button").click()
    dialog = wait(b, lambda d: d.find_element(By.CSS_SELECTOR, "dialog[open]"))
    assert axe_violations(b) == []
    [confirm] = [x for x in dialog.find_elements(By.TAG_NAME, "button") if x.text == "Revoke"]
    confirm.click()
    wait(b, lambda d: "The key of FixMyStreet Srbija is revoked." in d.find_element(By.TAG_NAME, "main").text)
    assert report_with(runtime, secret).status_code == 403
    b.set_window_size(768, 1000)
    assert b.execute_script("return document.documentElement.scrollWidth <= window.innerWidth")
    b.set_window_size(1280, 1000)
    sign_out(b)


def test_in_serbian_the_screen_passes_axe_and_an_operator_has_no_entry(runtime, browser):
    b = browser
    admin = demo_user(runtime, "administrator")

    def own_language(language: str) -> None:  # the administrator's own language wins over ?lang=
        answer = requests.put(f"{runtime.url}/v1/admin/me/language", json={"language": language},
                              headers={"Authorization": runtime.id_token(admin)}, timeout=15)
        assert answer.status_code == 200, answer.text

    own_language("sr-Cyrl")
    try:
        sign_in(b, runtime.url, admin, lang="sr-Cyrl", path="/open311-keys")
        assert open_screen(b, "/open311-keys") == "Open311 апликације"
        wait(b, lambda d: d.find_elements(By.CSS_SELECTOR, "tbody tr"))
        assert axe_violations(b) == []
        sign_out(b)
    finally:
        own_language(admin.get("language") or "en")
    sign_in(b, runtime.url, demo_user(runtime, "operator"), lang="sr-Cyrl")
    assert "Open311 апликације" not in menu(b)
    sign_out(b)
