"""Photos on the report form, the tracking page and the console, in headless Chromium against
the local runtime (``make run``, docs/photos.md): two photos chosen (previews, progress, the
first one's GPS position filled in as the place), a fourth refused by the limit with its plural
form and a third removed by keyboard, the report sent with them straight to the runtime's S3;
the tracking page shows the citizen's own photos; an operator publishes one in the case screen
and the public sees only that copy, without its Exif. axe finds nothing on the pages."""

from __future__ import annotations

import pytest
import requests
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import Select

from tests.support import photos as images
from tests.support.browser import by_id, chromium, clean_console, open_page, skip_without_chromium, wait
from tests.support.console import axe_violations, demo_user, open_screen, sign_in
from tests.support.runtime import running

skip_without_chromium(module=True)
pytestmark = [pytest.mark.e2e, pytest.mark.browser, pytest.mark.xdist_group("photos-browser")]


@pytest.fixture(scope="module")
def runtime(tmp_path_factory):
    with running(tmp_path_factory.mktemp("photos")) as process:
        yield process


@pytest.fixture(scope="module")
def browser():
    with chromium() as driver:
        yield driver


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    folder = tmp_path_factory.mktemp("photo-files")
    made = {"svetlo.jpg": images.jpeg(gps=(44.0195, 20.918)), "ulica.png": images.png(),
            "treca.jpg": images.jpeg(metadata=False), "cetvrta.png": images.png(metadata=False)}
    for name, data in made.items():
        (folder / name).write_bytes(data)
    return {name: str(folder / name) for name in made}


def items(b):
    return b.find_elements(By.CSS_SELECTOR, "#photo-list .photo-item")


def test_report_with_two_photos_track_them_and_publish_one(browser, runtime, files):
    with clean_console(browser, runtime.url) as b:
        # GIVEN the form
        open_page(b, f"{runtime.url}/index.html?lang=en")
        assert "at most 3 files" in by_id(b, "f-photos-hint").text
        Select(by_id(b, "f-type")).select_by_value("signal")
        Select(by_id(b, "f-category")).select_by_value("street_lighting")
        by_id(b, "f-description").send_keys("The street light in front of number 10 is out.")

        # WHEN two photos are chosen
        by_id(b, "f-photos").send_keys(files["svetlo.jpg"] + "\n" + files["ulica.png"])
        wait(b, lambda d: len(d.find_elements(By.CSS_SELECTOR, "#photo-list .photo-done")) == 2, "not uploaded")
        # THEN each has its preview, and the JPEG's position is the report's place
        # (drawn on canvases from the files themselves: the page's CSP allows no blob: images)
        previews = wait(b, lambda d: len(d.find_elements(By.CSS_SELECTOR, "#photo-list canvas.photo-thumb")) == 2
                        and d.find_elements(By.CSS_SELECTOR, "#photo-list canvas.photo-thumb"), "no previews")
        assert [p.get_attribute("aria-label") for p in previews] == ["svetlo.jpg", "ulica.png"]
        assert (by_id(b, "f-lat").get_attribute("value"), by_id(b, "f-lon").get_attribute("value")) == (
            "44.019500", "20.918000")

        # WHEN two more are chosen: the third fits, the fourth is over the limit
        by_id(b, "f-photos").send_keys(files["treca.jpg"] + "\n" + files["cetvrta.png"])
        error = wait(b, lambda d: by_id(d, "f-photos-error").is_displayed() and by_id(d, "f-photos-error"), "no limit")
        assert error.text.endswith("You can add at most 3 files.")
        assert by_id(b, "f-photos").get_attribute("aria-invalid") == "true"
        wait(b, lambda d: len(d.find_elements(By.CSS_SELECTOR, "#photo-list .photo-done")) == 3, "third not uploaded")
        # the third is removed with the keyboard
        remove = b.find_element(By.XPATH, "//button[normalize-space()='Remove treca.jpg']")
        remove.send_keys(Keys.ENTER)
        wait(b, lambda d: len(items(d)) == 2, "not removed")
        assert axe_violations(b) == []
        by_id(b, "submit-button").click()
        wait(b, lambda d: by_id(d, "success").is_displayed(), "no success panel")
        number = by_id(b, "success-number").text
        tracking = by_id(b, "success-link").get_attribute("href")

        # THEN the tracking page shows the citizen's two photos
        open_page(b, tracking)
        wait(b, lambda d: len(d.find_elements(By.CSS_SELECTOR, "#case-photos img")) == 2, "no photos on the page")
        shown = b.find_elements(By.CSS_SELECTOR, "#case-photos img")
        wait(b, lambda d: all(d.execute_script("return arguments[0].complete && arguments[0].naturalWidth > 0", i)
                              for i in shown), "photos not loaded")
        assert by_id(b, "case-photos-title").text == "Your photos and documents"
        assert all(i.get_attribute("src").startswith(f"{runtime.url}/media-files/") for i in shown)
        assert axe_violations(b) == []

    # WHEN an operator publishes the first one in the case screen
    with clean_console(browser) as b:
        sign_in(b, runtime.url, demo_user(runtime, "operator"))
        open_screen(b, f"/cases/{number}")
        # (in the operator's own language, Serbian Cyrillic)
        publish = wait(b, lambda d: d.find_elements(By.XPATH, "//button[normalize-space()='Објави фотографију (svetlo.jpg)']"),
                       "no publish button")[0]
        assert "Снимљена на 44.01950, 20.91800" in b.find_element(By.CSS_SELECTOR, "main").text
        publish.send_keys(Keys.ENTER)
        wait(b, lambda d: d.find_elements(By.XPATH, "//button[normalize-space()='Повуци из јавности (svetlo.jpg)']"),
             "not published")
        wait(b, lambda d: "Фотографија svetlo.jpg је објављена" in d.find_element(By.CSS_SELECTOR, ".case-announce").text,
             "not announced")
        assert b.find_elements(By.XPATH, "//button[normalize-space()='Објави фотографију (ulica.png)']")
        assert axe_violations(b, "document.querySelector('main')") == []

    # THEN the public sees that copy alone, without its Exif
    public = requests.get(f"{runtime.url}/v1/public/cases/{number}/attachments", timeout=30).json()["items"]
    assert [(i["filename"], i["published"]) for i in public] == [("svetlo.jpg", True)]
    copy = requests.get(public[0]["url"], timeout=30)
    assert copy.status_code == 200 and copy.headers["Content-Type"] == "image/jpeg"
    assert copy.content.startswith(b"\xff\xd8") and b"Exif" not in copy.content and b"PhoneMaker" not in copy.content
