"""The public map in a real headless Chromium against the local runtime (``make run``), issue 16
items 2 and 3: the report form's map follows the coordinates, refuses a point outside the
municipality, offers a photo's position, and before sending shows the open public reports nearby
in the same category with "Follow this one instead"; the public map page lists the reports
beside the clustered map, by keyboard, without personal data. axe finds nothing on either."""

from __future__ import annotations

import pytest
import requests
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import Select

from tests.support.browser import by_id, chromium, clean_console, open_page, skip_without_chromium, wait
from tests.support.console import axe_violations
from tests.support.runtime import running

skip_without_chromium(module=True)
pytestmark = [pytest.mark.e2e, pytest.mark.browser, pytest.mark.xdist_group("public-map-browser")]

NAME = "Драгана Милошевић"
PHONE = "064 987 6543"
FOLLOWER = "komsija@example.org"


@pytest.fixture(scope="module")
def runtime(tmp_path_factory):
    with running(tmp_path_factory.mktemp("public-map")) as process:
        yield process


@pytest.fixture(scope="module")
def browser():
    with chromium() as driver:
        yield driver


@pytest.fixture(scope="module")
def reported(runtime) -> str:
    """A public street light report (full of personal data) at 44.0180, 20.9200."""
    answer = requests.post(f"{runtime.url}/v1/public/cases", json={
        "type": "signal", "category": "street_lighting", "language": "sr-Cyrl",
        "description": f"Не ради лампа испред куће, јавља {NAME}, тел. {PHONE}.",
        "location": {"lat": 44.0180, "lon": 20.9200, "address": "Кнеза Милоша 14"},
        "contact": {"name": NAME, "email": "dragana@example.rs"}}, timeout=30)
    assert answer.status_code == 201, answer.text
    return answer.json()["number"]


def _type(driver, element_id: str, value: str) -> None:
    field = by_id(driver, element_id)
    field.clear()
    field.send_keys(value, Keys.TAB)  # leaving the field is its change


def test_the_form_map_follows_the_point_refuses_outside_offers_the_photo_and_nearby(browser, runtime, reported):
    with clean_console(browser, runtime.url) as b:
        open_page(b, f"{runtime.url}/index.html?lang=en")
        wait(b, lambda d: d.find_elements("css selector", "#map-picker-map.leaflet-container"), "no map")
        Select(by_id(b, "f-type")).select_by_value("signal")
        Select(by_id(b, "f-category")).select_by_value("street_lighting")

        # a point outside the municipality (Belgrade) is refused with a clear message
        _type(b, "f-lat", "44.8125")
        _type(b, "f-lon", "20.4612")
        wait(b, lambda d: "outside the municipality" in by_id(d, "map-status").text, "no refusal")
        assert not b.find_elements("css selector", "#map-picker-map .leaflet-marker-icon")

        # a point inside: the marker, and the open report there in the same category
        _type(b, "f-lat", "44.0181")
        _type(b, "f-lon", "20.9201")
        wait(b, lambda d: "The place is marked" in by_id(d, "map-status").text, "no marker")
        assert b.find_elements("css selector", "#map-picker-map .leaflet-marker-icon")
        nearby = wait(b, lambda d: by_id(d, "nearby-reports").is_displayed() and by_id(d, "nearby-reports"),
                      "no nearby reports")
        assert by_id(b, "nearby-title").text == "Is it one of these?"
        assert reported in nearby.text and NAME not in nearby.text and PHONE not in nearby.text
        assert not axe_violations(b), axe_violations(b)

        # following it instead
        nearby.find_element("css selector", f"button[data-follow='{reported}']").click()
        field = wait(b, lambda d: d.find_elements("id", f"follow-{reported}"), "no follow form")[0]
        assert b.switch_to.active_element == field
        field.send_keys(FOLLOWER, Keys.ENTER)
        wait(b, lambda d: "Check your mail" in by_id(d, "nearby-reports").text, "not followed")
        runtime.wait_for(lambda: any(FOLLOWER in m["to"] for m in runtime.outbox()
                                     if m.get("channel", "email") == "email"), "the opt-in mail")

        # the photos part's event: the photo's position is offered, and taken when wanted
        b.execute_script("document.getElementById('case-form').dispatchEvent(new CustomEvent("
                         "'civicdesk:photo-location', {detail: {lat: 44.0185, lon: 20.9205}}))")
        wait(b, lambda d: by_id(d, "photo-offer").is_displayed(), "no offer")
        assert "Use the photo's location?" in by_id(b, "photo-offer").text
        by_id(b, "photo-offer-use").click()
        assert by_id(b, "f-lat").get_attribute("value") == "44.018500"
        assert by_id(b, "f-lon").get_attribute("value") == "20.920500"
        assert not by_id(b, "photo-offer").is_displayed()


def test_the_public_map_lists_the_reports_by_keyboard_without_personal_data(browser, runtime, reported):
    with clean_console(browser, runtime.url) as b:
        open_page(b, f"{runtime.url}/reports.html?lang=sr-Latn")
        item = wait(b, lambda d: d.find_elements("id", f"report-{reported}"), "no report in the list")[0]
        wait(b, lambda d: d.find_elements("css selector", "#reports-map .leaflet-marker-icon, #reports-map .marker-cluster"),
             "no marker")
        page_text = b.find_element("tag name", "main").text
        assert NAME not in page_text and PHONE not in page_text and "Kneza Miloša" not in page_text
        assert "Ulična rasveta" in item.text or "rasvet" in item.text.lower()
        assert "Javna mapa" in b.find_element("css selector", "nav.site-nav").text
        assert not axe_violations(b), axe_violations(b)

        # by keyboard: from the filters' button on through the list, to "Show on the map"
        show = item.find_element("css selector", "button[data-show]")
        by_id(b, "filter-status").click()
        for _ in range(12):
            b.switch_to.active_element.send_keys(Keys.TAB)
            if b.switch_to.active_element == show:
                break
        assert b.switch_to.active_element == show
        show.send_keys(Keys.ENTER)
        # the popup's content is made when it opens, after the cluster's zoom: wait for it
        popup = wait(b, lambda d: [p for p in d.find_elements("css selector", "#reports-map .leaflet-popup-content")
                                   if reported in p.text], "no popup with the report")[0]
        assert reported in popup.text

        # filtered: nothing resolved yet
        Select(by_id(b, "filter-status")).select_by_value("resolved")
        by_id(b, "report-filters").submit()
        wait(b, lambda d: not d.find_elements("id", f"report-{reported}"), "still listed")
        assert by_id(b, "report-count").text
