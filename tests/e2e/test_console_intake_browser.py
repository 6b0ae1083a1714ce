"""Intake during a call (#/intake) in headless Chromium against the local runtime: an operator
registers a phone call with the keyboard only (the category typed in Latin for a Cyrillic name,
the point through the coordinate fields), sees where it will be routed, the requester's earlier
case and a nearby duplicate before saving, then reads out the number; a double submit makes one
case; a point outside the municipality is refused with the API's message; the call added to a
duplicate as a note, or the new case linked to it; categories found in any language or script;
axe finds nothing in two languages; no horizontal scroll at 768 px."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest
import requests
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.remote.webelement import WebElement

from infra.local.template import ROOT
from tests.support.browser import (
    chromium,
    clean_console,
    no_horizontal_scroll,
    screenshot,
    skip_without_chromium,
    wait,
)
from tests.support.console import axe_violations, demo_user, menu, sign_in, sign_out, text_of, wait_for_screen
from tests.support.runtime import running

skip_without_chromium(module=True)
pytestmark = [pytest.mark.e2e, pytest.mark.browser, pytest.mark.xdist_group("console-intake-browser")]

CATALOGUES = ROOT / "functions" / "shared" / "civicdesk" / "rendering" / "catalogues"
#: The caller of the first test, known from an earlier case (her number as a citizen writes it).
CALLER = {"name": "Петар Петровић", "phone": "064 555 1234", "e164": "+381645551234"}
#: Where the lamp is out, and where a neighbour already reported one (about 60 m away).
LAMP = {"lat": "44.0181", "lon": "20.9201"}
NEIGHBOUR = {"lat": 44.0185, "lon": 20.9206}
OUTSIDE = {"lat": "44.8125", "lon": "20.4612"}  # Belgrade, across the border


@pytest.fixture(scope="module")
def runtime(tmp_path_factory):
    with running(tmp_path_factory.mktemp("console-intake")) as process:
        yield process


@pytest.fixture(scope="module")
def browser():
    with chromium() as driver:
        yield driver


class Staff:
    """The admin API as a signed-in staff member, for what a test prepares and checks."""

    def __init__(self, runtime, user: dict):
        self.url = runtime.url
        self.headers = {"Authorization": runtime.id_token(user), "Accept-Language": user["language"]}

    def get(self, path: str, **params) -> dict:
        answer = requests.get(f"{self.url}{path}", params=params, headers=self.headers, timeout=10)
        assert answer.status_code == 200, answer.text
        return answer.json()

    def open_case(self, **body) -> dict:
        answer = requests.post(f"{self.url}/v1/admin/cases", json={"type": "signal", "channel": "phone", **body},
                               headers=self.headers, timeout=10)
        assert answer.status_code == 201, answer.text
        return answer.json()


@pytest.fixture(scope="module")
def operator(runtime) -> dict:
    return demo_user(runtime, "operator")


@pytest.fixture(scope="module")
def api(runtime, operator) -> Staff:
    return Staff(runtime, operator)


@pytest.fixture(scope="module")
def earlier(api) -> dict:
    """The caller's earlier case (a pothole elsewhere) and a neighbour's open lamp report."""
    pothole = api.open_case(category="road_damage", description="Рупа на коловозу испред продавнице.",
                            location={"lat": 44.03, "lon": 20.93, "address": "Кнеза Милоша 12"},
                            requester={"name": CALLER["name"], "phone": CALLER["phone"]})
    lamp = api.open_case(category="street_lighting", description="Не ради улична светиљка код школе.",
                         location={**NEIGHBOUR, "address": "Школска 3"})
    return {"pothole": pothole["number"], "lamp": lamp["number"]}


def press(driver: WebDriver, *keys: str) -> None:
    """Keys sent to whatever has the focus, as a keyboard does."""
    ActionChains(driver).send_keys(*keys).perform()


def alt(driver: WebDriver, letter: str) -> None:
    ActionChains(driver).key_down(Keys.ALT).send_keys(letter).key_up(Keys.ALT).perform()


def tab_to(driver: WebDriver, matches: Callable[[WebElement], bool], what: str, limit: int = 80) -> WebElement:
    """Press Tab until the focused element ``matches``: it is reachable in the tab order."""
    for _ in range(limit):
        press(driver, Keys.TAB)
        focused = driver.switch_to.active_element
        if matches(focused):
            return focused
    raise AssertionError(f"{what} is not reachable with Tab")


def named(name: str) -> Callable[[WebElement], bool]:
    return lambda element: element.get_attribute("name") == name


def button(text: str) -> Callable[[WebElement], bool]:
    return lambda element: element.tag_name in ("button", "a") and text in element.text


def field_message(code: str, lang: str) -> str:
    return json.loads((CATALOGUES / f"{lang}.json").read_text(encoding="utf-8"))[f"field.{code}"]


def open_intake(driver: WebDriver, runtime, user: dict) -> None:
    driver.get(f"{runtime.url}/console/")
    driver.execute_script("sessionStorage.clear()")  # no session left by a test that failed
    sign_in(driver, runtime.url, user, path="/intake")
    wait(driver, lambda d: d.find_elements(By.CSS_SELECTOR, "form.intake"), "no intake form")


def department_name(api: Staff, category: str) -> str:
    found = api.get("/v1/admin/categories")
    return next(c["department_name"] for c in found["categories"] if c["id"] == category)


def test_an_operator_registers_a_phone_call_with_the_keyboard_only(browser, runtime, operator, api, earlier):
    lighting = department_name(api, "street_lighting")
    with clean_console(browser) as b:
        open_intake(b, runtime, operator)
        # The intake is the operator's first screen and first menu entry.
        assert wait_for_screen(b) == "Пријем пријаве"
        assert menu(b)[0] == "Нова пријава"
        assert b.switch_to.active_element.get_attribute("id") == "page-title"
        assert "Alt+S" in b.find_element(By.ID, "intake-keys").text
        first = tab_to(b, named("channel"), "the channel")
        assert first.get_attribute("value") == "phone" and first.is_selected()

        # The caller's number finds her and her earlier case; one key fills her details.
        tab_to(b, named("phone"), "the phone")  # past the received time: now
        press(b, CALLER["phone"])
        panel = wait(b, lambda d: [p for p in d.find_elements(By.CSS_SELECTOR, ".intake-requester")
                                   if earlier["pothole"] in p.text], "the requester's earlier case")[0]
        assert "Познат подносилац" in panel.text and "1 ранија пријава" in panel.text
        link = panel.find_element(By.CSS_SELECTOR, f"a[href='#/cases/{earlier['pothole']}']")
        assert (link.get_attribute("target"), link.get_attribute("rel")) == ("_blank", "opener")
        tab_to(b, button("Попуни ове податке"), "fill in the requester")
        press(b, Keys.ENTER)
        assert b.find_element(By.NAME, "name").get_attribute("value") == CALLER["name"]

        # The category: typed in Latin, found by its Cyrillic name, chosen with Enter.
        tab_to(b, named("category"), "the category")
        press(b, "rasveta")
        combobox = b.switch_to.active_element
        wait(b, lambda d: combobox.get_attribute("aria-expanded") == "true", "the category list did not open")
        active = b.find_element(By.ID, combobox.get_attribute("aria-activedescendant"))
        assert active.get_attribute("role") == "option" and "Јавна расвета" in active.text
        press(b, Keys.ENTER)
        assert combobox.get_attribute("value") == "Јавна расвета"
        assert combobox.get_attribute("aria-expanded") == "false"
        preview = b.find_element(By.CSS_SELECTOR, ".intake-routing")
        wait(b, lambda d: lighting in preview.text, "no routing preview")

        tab_to(b, named("description"), "the description")
        press(b, "Не ради светиљка код улаза у зграду.")
        tab_to(b, named("lat"), "the latitude")
        press(b, LAMP["lat"], Keys.TAB, LAMP["lon"])
        assert b.switch_to.active_element.get_attribute("name") == "lon"

        # Before saving: the neighbour's open lamp report, 60 m away, and where it will go.
        duplicates = b.find_element(By.CSS_SELECTOR, ".intake-duplicates")
        wait(b, lambda d: earlier["lamp"] in duplicates.text, "no nearby duplicate")
        assert " м" in duplicates.text
        wait(b, lambda d: lighting in preview.text and "Служба надлежна за категорију" in preview.text,
             "no routing preview for the point")
        screenshot(b, "intake-filled")
        alt(b, "s")

        done = wait(b, lambda d: d.find_elements(By.CSS_SELECTOR, ".intake-done"), "not saved")[0]
        number = done.find_element(By.CSS_SELECTOR, ".intake-number").text
        assert b.switch_to.active_element.text == f"Пријава {number} је заведена"
        announced = b.find_element(By.CSS_SELECTOR, "[aria-live='assertive']")
        assert announced.text == f"Пријава {number} је заведена."
        token = done.find_element(By.CSS_SELECTOR, ".intake-token").text
        assert len(token.replace(" ", "")) == 32
        assert f"СМС-ом на {CALLER['e164']}" in text_of(done) or f"СМС-ом на {CALLER['phone']}" in text_of(done)
        assert lighting in done.text
        screenshot(b, "intake-done")

        # The case is there, as the operator said, routed where the preview said.
        case = api.get(f"/v1/admin/cases/{number}")
        assert (case["channel"], case["type"], case["category"]) == ("phone", "signal", "street_lighting")
        assert case["department"] == "public_utilities" and case["department_name"] == lighting
        assert case["requester"]["phone"] == CALLER["e164"] and case["requester"]["name"] == CALLER["name"]
        assert (case["location"]["lat"], case["location"]["lon"]) == (float(LAMP["lat"]), float(LAMP["lon"]))
        assert case["description"] == "Не ради светиљка код улаза у зграду."

        # The next call starts on a clean form, on its first field.
        alt(b, "n")
        wait(b, lambda d: d.find_elements(By.CSS_SELECTOR, "form.intake"), "no new form")
        focused = b.switch_to.active_element
        assert (focused.get_attribute("name"), focused.get_attribute("value")) == ("channel", "phone")
        assert b.find_element(By.NAME, "phone").get_attribute("value") == ""
        assert b.find_element(By.NAME, "category").get_attribute("value") == ""
        sign_out(b)


def fill(driver: WebDriver, category: str, description: str, point: dict, *, pasted: bool = False) -> None:
    """The least a case needs, typed into the fields (``pasted``: both coordinates into the
    first field, as copied from a map)."""
    box = driver.find_element(By.NAME, "category")
    box.send_keys(category)
    wait(driver, lambda d: box.get_attribute("aria-activedescendant"), "no category found")
    box.send_keys(Keys.ENTER)
    driver.find_element(By.NAME, "description").send_keys(description)
    if pasted:  # what the browser dispatches for Ctrl+V (headless Chromium has no clipboard)
        driver.execute_script(
            "const data = new DataTransfer(); data.setData('text/plain', arguments[1]);"
            "arguments[0].focus();"
            "arguments[0].dispatchEvent(new ClipboardEvent('paste', {clipboardData: data, bubbles: true, cancelable: true}));",
            driver.find_element(By.NAME, "lat"), f"{point['lat']}, {point['lon']}")
    else:
        driver.find_element(By.NAME, "lat").send_keys(point["lat"])
        driver.find_element(By.NAME, "lon").send_keys(point["lon"])


def cases_of(api: Staff, phone: str) -> list[str]:
    return [item["number"] for item in api.get("/v1/admin/requesters", phone=phone)["items"]]


def test_a_double_submit_registers_one_case(browser, runtime, operator, api):
    with clean_console(browser) as b:
        open_intake(b, runtime, operator)
        b.find_element(By.NAME, "phone").send_keys("064 777 8899")
        fill(b, "lamp", "Трепери.", LAMP, pasted=True)
        assert [b.find_element(By.NAME, n).get_attribute("value") for n in ("lat", "lon")] == [LAMP["lat"], LAMP["lon"]]
        b.execute_script("const s = document.querySelector('.intake-save-button'); s.click(); s.click();"
                         "document.querySelector('form.intake').requestSubmit();")
        number = wait(b, lambda d: d.find_elements(By.CSS_SELECTOR, ".intake-number"), "not saved")[0].text
        assert cases_of(api, "064 777 8899") == [number]
        sign_out(b)


def test_a_point_outside_the_municipality_is_refused_with_the_apis_message(browser, runtime, operator, api):
    message = field_message("outside_municipality", "sr-Cyrl")
    with clean_console(browser, expected=["400"]) as b:
        open_intake(b, runtime, operator)
        b.find_element(By.NAME, "phone").send_keys("064 222 3344")
        fill(b, "voda", "Нема воде од јутрос.", OUTSIDE)
        # Said at once, from the routing preview, beside the coordinates ...
        error = wait(b, lambda d: d.find_elements(By.ID, "intake-place-error"), "no error at the point")[0]
        assert error.text == message
        assert b.find_element(By.NAME, "lat").get_attribute("aria-invalid") == "true"
        # ... and again when the operator saves anyway: nothing is registered.
        b.find_element(By.CSS_SELECTOR, ".intake-save-button").click()
        wait(b, lambda d: d.find_elements(By.CSS_SELECTOR, ".intake-submit .alert-error"), "no refusal")
        assert b.find_elements(By.CSS_SELECTOR, ".intake-done") == []
        assert b.switch_to.active_element.get_attribute("name") == "lat"
        assert b.find_element(By.ID, "intake-place-error").text == message
        assert cases_of(api, "064 222 3344") == []
        sign_out(b)


def test_the_point_is_set_on_the_map_and_follows_the_fields(browser, runtime, operator, api):
    bounds = requests.get(f"{runtime.url}/v1/public/map", timeout=10).json()["bounds"]
    with clean_console(browser) as b:
        open_intake(b, runtime, operator)
        area = wait(b, lambda d: d.find_elements(By.CSS_SELECTOR, ".map.leaflet-container"), "no map")[0]
        assert area.get_attribute("aria-label")
        # A click puts the marker there and writes its coordinates into the fields.
        ActionChains(b).move_to_element_with_offset(area, 20, 10).click().perform()
        wait(b, lambda d: d.find_elements(By.CSS_SELECTOR, ".leaflet-marker-icon"), "no marker")
        lat, lon = (float(b.find_element(By.NAME, n).get_attribute("value")) for n in ("lat", "lon"))
        assert bounds["south"] <= lat <= bounds["north"] and bounds["west"] <= lon <= bounds["east"]
        # The map's centre, for a keyboard user who moved the map with the arrow keys.
        centre = next(x for x in b.find_elements(By.CSS_SELECTOR, ".intake-map-actions button")
                      if x.text == "Узми средиште мапе")
        centre.click()
        assert float(b.find_element(By.NAME, "lat").get_attribute("value")) != lat
        # Typed coordinates move the marker (once the typing pauses) and the map zooms to it.
        for name, value in LAMP.items():
            b.find_element(By.NAME, name).clear()
            b.find_element(By.NAME, name).send_keys(value)
        wait(b, lambda d: d.execute_script(
            "const m = document.querySelector('.leaflet-marker-icon').getBoundingClientRect();"
            "const a = arguments[0].getBoundingClientRect();"
            "return Math.abs((m.left + m.width / 2) - (a.left + a.width / 2)) < 3", area), "the marker did not follow")
        # Removing the point removes the marker.
        next(x for x in b.find_elements(By.CSS_SELECTOR, ".intake-map-actions button") if x.text == "Уклони тачку").click()
        wait(b, lambda d: not d.find_elements(By.CSS_SELECTOR, ".leaflet-marker-icon"), "the marker stayed")
        assert b.find_element(By.NAME, "lat").get_attribute("value") == ""
        sign_out(b)


def open_duplicate(driver: WebDriver, number: str) -> WebElement:
    duplicates = driver.find_element(By.CSS_SELECTOR, ".intake-duplicates")
    wait(driver, lambda d: number in duplicates.text, "no nearby duplicate")
    row = next(r for r in duplicates.find_elements(By.CSS_SELECTOR, ".intake-case") if number in r.text)
    row.find_element(By.TAG_NAME, "button").click()
    dialog = wait(driver, lambda d: d.find_elements(By.CSS_SELECTOR, "dialog[open]"), "no case dialog")[0]
    wait(driver, lambda d: "Школска 3" in dialog.text, "the case did not load")
    return dialog


def test_the_call_is_added_to_a_duplicate_as_a_note_or_the_new_case_linked_to_it(browser, runtime, operator,
                                                                                 api, earlier):
    with clean_console(browser) as b:
        open_intake(b, runtime, operator)
        b.find_element(By.NAME, "name").send_keys("Јована Јовић")
        fill(b, "svetlo", "И код мене не ради светиљка.", LAMP)
        dialog = open_duplicate(b, earlier["lamp"])
        screenshot(b, "intake-dialog")
        note = dialog.find_element(By.TAG_NAME, "textarea")
        assert "Јована Јовић" in note.get_attribute("value")
        assert "И код мене не ради светиљка." in note.get_attribute("value")
        dialog.find_element(By.CSS_SELECTOR, "form button[type=submit]").click()
        done = wait(b, lambda d: d.find_elements(By.CSS_SELECTOR, ".intake-done"), "no note")[0]
        assert earlier["lamp"] in done.text
        timeline = api.get(f"/v1/admin/cases/{earlier['lamp']}")["timeline"]
        assert any("Јована Јовић" in json.dumps(entry, ensure_ascii=False) for entry in timeline), timeline

        # The next caller's lamp is another one: a new case, linked to the neighbour's.
        done.find_element(By.CSS_SELECTOR, ".intake-done-actions button").click()
        fill(b, "osvetleni", "Не ради ни светиљка преко пута.", LAMP)
        dialog = open_duplicate(b, earlier["lamp"])
        next(x for x in dialog.find_elements(By.TAG_NAME, "button") if x.text == "Повежи нову пријаву с овом").click()
        assert f"повезана с пријавом {earlier['lamp']}" in b.find_element(By.CSS_SELECTOR, ".intake-duplicates").text
        b.find_element(By.CSS_SELECTOR, ".intake-save-button").click()
        number = wait(b, lambda d: d.find_elements(By.CSS_SELECTOR, ".intake-number"), "not saved")[0].text
        assert earlier["lamp"] in b.find_element(By.CSS_SELECTOR, ".intake-done").text
        assert earlier["lamp"] in api.get(f"/v1/admin/cases/{number}")["linked_cases"]
        sign_out(b)


def test_categories_are_found_in_any_language_and_script(browser, runtime, operator):
    with clean_console(browser) as b:
        open_intake(b, runtime, operator)
        found = b.execute_async_script(
            "const done = arguments[arguments.length - 1];"
            "Promise.all([import('./js/intake/categories.js'), import('./js/api.js')]).then(async ([c, a]) => {"
            "  const index = c.searchable(await a.api.get('/v1/admin/categories'));"
            "  done(Object.fromEntries(arguments[0].map((q) => [q, c.findCategories(index, q, 'sr-Cyrl')"
            "    .map((f) => f.category.id)])));"
            "}, (e) => done(String(e)));",
            ["rasveta", "расвета", "svetlo", "lamp", "osvetleni", "Улично осветление", "ulicno svetlo",
             "rupa", "дупка", "pothole", "smece", "buka", "hluk", "voda"])
        sign_out(b)
    assert isinstance(found, dict), found
    expected = {"rasveta": "street_lighting", "расвета": "street_lighting", "svetlo": "street_lighting",
                "lamp": "street_lighting", "osvetleni": "street_lighting",
                "Улично осветление": "street_lighting", "ulicno svetlo": "street_lighting",
                "rupa": "road_damage", "дупка": "road_damage", "pothole": "road_damage",
                "buka": "noise", "hluk": "noise", "voda": "water_supply"}
    for query, category in expected.items():
        assert found[query][:1] == [category], (query, found[query])
    assert {"waste_collection", "illegal_dumping"} <= set(found["smece"])


@pytest.mark.parametrize("role", ["operator", "administrator"])  # sr-Cyrl and en
def test_axe_finds_nothing_on_the_intake(browser, runtime, api, earlier, role):
    user = demo_user(runtime, role)
    with clean_console(browser) as b:
        open_intake(b, runtime, user)
        b.find_element(By.NAME, "phone").send_keys(CALLER["phone"])
        wait(b, lambda d: earlier["pothole"] in d.find_element(By.CSS_SELECTOR, ".intake-aside").text,
             "no requester")
        fill(b, "lamp", "Не ради.", LAMP)
        wait(b, lambda d: earlier["lamp"] in d.find_element(By.CSS_SELECTOR, ".intake-duplicates").text,
             "no duplicates")
        box = b.find_element(By.NAME, "category")
        box.send_keys(Keys.ARROW_DOWN)  # the list open
        wait(b, lambda d: box.get_attribute("aria-expanded") == "true", "the list did not open")
        screenshot(b, f"intake-list-{role}")
        assert axe_violations(b) == []
        box.send_keys(Keys.ESCAPE)
        dialog = open_duplicate(b, earlier["lamp"])
        assert axe_violations(b) == []
        dialog.find_elements(By.CSS_SELECTOR, ".intake-dialog-actions button")[-1].click()
        alt(b, "s")
        wait(b, lambda d: d.find_elements(By.CSS_SELECTOR, ".intake-done"), "not saved")
        assert axe_violations(b) == []
        sign_out(b)


def test_the_intake_fits_a_tablet(browser, runtime, operator, earlier):
    with clean_console(browser) as b:
        b.set_window_size(768, 1000)
        try:
            open_intake(b, runtime, operator)
            b.find_element(By.NAME, "phone").send_keys(CALLER["phone"])
            fill(b, "rasveta", "Не ради.", LAMP)
            wait(b, lambda d: earlier["lamp"] in d.find_element(By.CSS_SELECTOR, ".intake-duplicates").text,
                 "no duplicates")
            wait(b, lambda d: earlier["pothole"] in d.find_element(By.CSS_SELECTOR, ".intake-aside").text,
                 "no requester")
            scroll, inner, body = no_horizontal_scroll(b)
            assert scroll <= inner and body <= inner, (scroll, inner, body)
            screenshot(b, "intake-tablet")
            sign_out(b)
        finally:
            b.set_window_size(1280, 900)
