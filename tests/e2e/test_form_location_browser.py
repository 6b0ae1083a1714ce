"""The report form's location in a real headless Chromium against the local runtime (``make
run``): the hint's example lies in the municipality, a position outside it (the browser's own
position, here Belgrade) is refused on the coordinates, and the example is accepted."""

from __future__ import annotations

import pytest
import requests
from selenium.webdriver.support.ui import Select

from tests.support.browser import by_id, chromium, clean_console, open_page, skip_without_chromium, wait
from tests.support.runtime import running

skip_without_chromium(module=True)
pytestmark = [pytest.mark.e2e, pytest.mark.browser, pytest.mark.xdist_group("form-location-browser")]

OUTSIDE = "This place is outside the municipality. Check the coordinates (latitude first), or describe the place in the address."


@pytest.fixture(scope="module")
def runtime(tmp_path_factory):
    with running(tmp_path_factory.mktemp("form-location")) as process:
        yield process


@pytest.fixture(scope="module")
def browser():
    with chromium() as driver:
        yield driver


def test_the_form_refuses_a_position_outside_the_municipality_on_the_coordinates(browser, runtime):
    with clean_console(browser, runtime.url) as b:
        # GIVEN the form, whose hint gives an example in the municipality (its configuration's)
        open_page(b, f"{runtime.url}/index.html?lang=sr-Cyrl")
        assert by_id(b, "coord-hint").text == "Децимални степени, на пример 44.0180 и 20.9200."
        open_page(b, f"{runtime.url}/index.html?lang=en")
        assert by_id(b, "coord-hint").text == "Decimal degrees, for example 44.0180 and 20.9200."

        # WHEN the citizen is in Belgrade and uses their position
        b.execute_cdp_cmd("Browser.grantPermissions", {"origin": runtime.url, "permissions": ["geolocation"]})
        b.execute_cdp_cmd("Emulation.setGeolocationOverride",
                          {"latitude": 44.8125, "longitude": 20.4612, "accuracy": 20})
        Select(by_id(b, "f-type")).select_by_value("signal")
        Select(by_id(b, "f-category")).select_by_value("street_lighting")
        by_id(b, "f-description").send_keys("The street light in front of number 10 is out.")
        by_id(b, "geo-button").click()
        wait(b, lambda d: by_id(d, "f-lat").get_attribute("value") == "44.812500", "position not filled in")
        by_id(b, "submit-button").click()

        # THEN the server's refusal stands over both coordinates, which are marked invalid
        error = wait(b, lambda d: by_id(d, "f-coords-error").is_displayed() and by_id(d, "f-coords-error"),
                     "no error on the coordinates")
        assert error.text.endswith(OUTSIDE)
        for input_id in ("f-lat", "f-lon"):
            field = by_id(b, input_id)
            assert field.get_attribute("aria-invalid") == "true"
            assert "f-coords-error" in field.get_attribute("aria-describedby").split()
        assert not by_id(b, "f-lat-error").is_displayed()
        links = b.find_elements("css selector", "#error-summary-list a")
        assert [(a.text, a.get_attribute("href").split("#")[1]) for a in links] == [(f"Location: {OUTSIDE}", "f-lat")]

        # WHEN the citizen types the hint's example instead
        for input_id, value in (("f-lat", "44.0180"), ("f-lon", "20.9200")):
            by_id(b, input_id).clear()
            by_id(b, input_id).send_keys(value)
        by_id(b, "submit-button").click()

        # THEN the case is opened there, and the error is gone
        wait(b, lambda d: by_id(d, "success").is_displayed(), "no success panel")
        assert not by_id(b, "f-coords-error").is_displayed()
        assert by_id(b, "f-lat").get_attribute("aria-invalid") is None
        tracking = by_id(b, "success-link").get_attribute("href")
    number = by_id(browser, "success-number").text
    token = tracking.split("token=")[1].split("&")[0]
    case = requests.get(f"{runtime.url}/v1/public/cases/{number}", params={"token": token}, timeout=30).json()
    assert case["location"] == {"lat": 44.018, "lon": 20.92}
