"""The audiences screen of the staff console in headless Chromium against the local runtime: an
administrator imports a CSV file with wrong rows (every error listed, nothing imported until the
valid rows are confirmed), builds an audience of a contact list narrowed to a polygon typed in
corner by corner with the keyboard, previews it (counts, members redacted) and saves it; a
supervisor previews it in Serbian; axe finds nothing in either language, and the screen fits a
tablet's width."""

from __future__ import annotations

import json
import os

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import Select

from tests.support.browser import chromium, clean_console, skip_without_chromium, wait
from tests.support.console import axe_violations, demo_user, open_screen, sign_in, sign_out
from tests.support.runtime import RuntimeProcess, running

skip_without_chromium(module=True)
pytestmark = [pytest.mark.e2e, pytest.mark.browser, pytest.mark.xdist_group("console-audiences-browser")]

SCREENSHOTS = os.environ.get("CIVICDESK_SCREENSHOTS")
CSV = ("\ufeffIme;E-pošta;Telefon;Jezik;Područje\r\n"
       "Petar Petrović;petar@example.rs;064 123 4567;sr-Latn;centar\r\n"
       "Loša adresa;petar@;;;\r\n"
       "Ana Anić;ana@example.rs;;en;centar\r\n"
       "Marko;marko@example.rs;;;Mars\r\n"
       "Vesna;vesna@example.rs;;;breza\r\n")


@pytest.fixture(scope="module")
def runtime(tmp_path_factory):
    with running(tmp_path_factory.mktemp("console-audiences"), RuntimeProcess) as process:
        yield process


@pytest.fixture(scope="module")
def browser():
    with chromium() as driver:
        yield driver


def centre_box() -> list[tuple[float, float]]:
    """The corners (lat, lon) of a rectangle drawn just around the area ``centar``."""
    from shapely.geometry import shape

    areas = json.loads(open(os.path.join(os.path.dirname(__file__), "..", "..", "infra", "config",
                                         "areas.geojson"), encoding="utf-8").read())
    feature = next(f for f in areas["features"] if f["properties"]["id"] == "centar")
    west, south, east, north = shape(feature["geometry"]).bounds
    west, south, east, north = west - 0.001, south - 0.001, east + 0.001, north + 0.001
    return [(south, west), (south, east), (north, east), (north, west)]


def button(driver, text: str):
    return wait(driver, lambda d: next((b for b in d.find_elements(By.TAG_NAME, "button")
                                        if b.text.strip() == text and b.is_displayed()), None),
                f"no button {text!r}")


def test_import_a_list_with_errors_draw_a_polygon_and_preview(browser, runtime, tmp_path):
    admin, supervisor = demo_user(runtime, "administrator"), demo_user(runtime, "supervisor")
    upload = tmp_path / "stanari.csv"
    upload.write_text(CSV, encoding="utf-8")
    with clean_console(browser) as b:
        sign_in(b, runtime.url, admin, path="/audiences")
        assert b.find_element(By.ID, "page-title").text == "Audiences"
        b.find_element(By.NAME, "list-name").send_keys("Residents of the centre", Keys.ENTER)
        wait(b, lambda d: "Residents of the centre" in d.find_element(By.ID, "contact-lists-title")
             .find_element(By.XPATH, "..").text, "the list is not listed")
        b.find_element(By.NAME, "csv").send_keys(str(upload))
        button(b, "Check and import").click()
        table = wait(b, lambda d: d.find_elements(By.CSS_SELECTOR, ".audience-errors tbody tr"), "no error table")
        rows = [[c.text for c in r.find_elements(By.TAG_NAME, "td")] for r in table]
        assert rows == [["3", "E-mail", "The e-mail address is not valid."],
                        ["5", "Area", "Unknown area."]]
        assert "Nothing was imported: 2 rows are wrong." in b.find_element(By.CSS_SELECTOR, ".audience-report").text
        assert axe_violations(b) == []
        button(b, "Import the 3 valid rows").click()
        dialog = wait(b, lambda d: d.find_element(By.CSS_SELECTOR, "dialog[open]"), "no confirmation")
        dialog.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
        wait(b, lambda d: "Imported: 3 added" in d.find_element(By.CSS_SELECTOR, ".audience-report").text,
             "not imported")

        button(b, "New audience").click()
        b.find_element(By.NAME, "name").send_keys("Water cut, centre")
        Select(b.find_element(By.NAME, "kind")).select_by_value("polygon")
        Select(b.find_element(By.NAME, "source")).select_by_value("contact_list")
        b.find_element(By.CSS_SELECTOR, "input[name=lists]").click()
        wait(b, lambda d: d.find_elements(By.CSS_SELECTOR, ".audience-map.leaflet-container"), "no map")
        for lat, lon in centre_box():  # by keyboard: typed corners
            b.find_element(By.NAME, "corner-lat").send_keys(f"{lat:.6f}")
            b.find_element(By.NAME, "corner-lon").send_keys(f"{lon:.6f}")
            b.find_element(By.CSS_SELECTOR, ".audience-add-corner").click()
        assert "4 corners" in b.find_element(By.CSS_SELECTOR, ".audience-polygon").text
        button(b, "Preview").click()
        total = wait(b, lambda d: d.find_elements(By.CSS_SELECTOR, ".audience-total"), "no preview")[0]
        assert total.text == "2 people"  # Petar and Ana live in the centre; Vesna in Breza
        sample = b.find_element(By.CSS_SELECTOR, ".audience-preview").text
        assert "p***@e***.rs" in sample and "petar@example.rs" not in sample and "P. P." in sample
        assert axe_violations(b) == []
        if SCREENSHOTS:
            b.save_screenshot(os.path.join(SCREENSHOTS, "audiences-admin.png"))
        button(b, "Save").click()
        wait(b, lambda d: "“Water cut, centre” is saved." in d.find_element(By.CSS_SELECTOR, "[role=status].alert").text,
             "not saved")
        sign_out(b)

        sign_in(b, runtime.url, supervisor, path="/audiences")
        assert b.find_element(By.ID, "page-title").text == "Публике"
        assert not b.find_elements(By.NAME, "csv")  # lists are the administrators'
        wait(b, lambda d: d.find_elements(By.CSS_SELECTOR, "button[aria-label='Преглед публике Water cut, centre']"),
             "the audience is not listed")[0].click()
        total = wait(b, lambda d: d.find_elements(By.CSS_SELECTOR, ".audience-total"), "no preview")[0]
        assert total.text == "2 особе"
        assert axe_violations(b) == []
        b.set_window_size(768, 1000)
        open_screen(b, "/audiences")
        assert b.execute_script("return document.documentElement.scrollWidth <= window.innerWidth")
        if SCREENSHOTS:
            b.save_screenshot(os.path.join(SCREENSHOTS, "audiences-tablet.png"))
        b.set_window_size(1280, 1000)
