"""The citizen portal (web/) in a real headless Chromium driven through Selenium: the browser,
web/ served from a thread, and what every browser test does with a page."""

from __future__ import annotations

import base64
import functools
import json
import os
import re
import shutil
import tempfile
import threading
import unicodedata
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from selenium import webdriver
from selenium.webdriver import Chrome as WebDriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webelement import WebElement
from selenium.webdriver.support.ui import WebDriverWait

from infra.local.template import ROOT

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
WEB_DIR = ROOT / "web"
#: Set it to look at the layout: the tests that take screenshots write them there.
SCREENSHOT_DIR = os.environ.get("CIVICDESK_SCREENSHOT_DIR")
#: Seconds a page has for anything it does (loading, answering a click).
WAIT = 15
#: Every language the portal has texts for, in the order its language menu offers them.
LANGS = ["sr-Cyrl", "sr-Latn", "bg", "cs", "en"]


def skip_without_chromium(*, module: bool = False) -> None:
    """Skip when Chromium or its driver is not installed.

    Parameters
    ----------
    module
        Skip the whole test module (called at its import) rather than the current test.
    """
    if not (os.path.exists(CHROMIUM) and os.path.exists(CHROMEDRIVER)):
        pytest.skip(f"{CHROMIUM} is not installed (apt-get install chromium chromium-driver): "
                    "browser tests skipped", allow_module_level=module)


@contextmanager
def chromium() -> Iterator[WebDriver]:
    """A headless Chromium at desktop size with a throw-away profile, its console logged.

    Yields
    ------
    WebDriver
        The driver; the browser quits and its profile is removed when the block ends.
    """
    profile = tempfile.mkdtemp(prefix="civicdesk-chromium-")
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 f"--user-data-dir={profile}", "--window-size=1280,900",
                 # Tests never reach the internet: a page's request for anything but this machine
                 # (a map's tiles, a CDN) fails at once, as it would offline.
                 "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1, EXCLUDE localhost"):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(executable_path=CHROMEDRIVER), options=options)
    driver.set_page_load_timeout(30)
    try:
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)


def console_problems(driver: WebDriver, *, severe: bool = False,
                     expected: Iterable[str] = ()) -> list[str]:
    """The console messages since the last read that no page may cause.

    Parameters
    ----------
    driver
        The browser.
    severe
        Count every error, not only CSP violations and uncaught exceptions.
    expected
        Substrings of messages the test caused on purpose (a failing fetch); those do not count.

    Returns
    -------
    list of str
        The messages, empty when the page behaved.
    """
    allowed = list(expected)
    return [entry["message"] for entry in driver.get_log("browser")
            if ((severe and entry["level"] == "SEVERE")
                or "Content Security Policy" in entry["message"] or "Uncaught" in entry["message"])
            and not any(text in entry["message"] for text in allowed)]


@contextmanager
def clean_console(driver: WebDriver, site: str | None = None, *, severe: bool = False,
                  expected: Iterable[str] = ()) -> Iterator[WebDriver]:
    """A test's use of the browser: at desktop size with an empty console before, and no console
    problem (see :func:`console_problems`) after.

    Parameters
    ----------
    driver
        The browser, shared by the tests of a module.
    site
        The portal's address: its ``localStorage`` (the stored language) is cleared afterwards.
    severe, expected
        As for :func:`console_problems`; ``expected`` is read when the block ends, so a test may
        still add to it.

    Yields
    ------
    WebDriver
        ``driver``.
    """
    driver.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})
    driver.get_log("browser")  # drop messages of earlier tests
    yield driver
    problems = console_problems(driver, severe=severe, expected=expected)
    if site is not None and driver.current_url.startswith(site):
        driver.execute_script("localStorage.clear()")
    assert not problems, problems


def wait(driver: WebDriver, condition: Callable[[WebDriver], Any], message: str = "") -> Any:
    """``condition(driver)`` until it is truthy (at most :data:`WAIT` seconds); its answer. An
    element the page re-rendered between being found and being read (stale) is "not yet": the
    condition is asked again."""
    from selenium.common.exceptions import StaleElementReferenceException

    return WebDriverWait(driver, WAIT, poll_frequency=0.05,
                         ignored_exceptions=(StaleElementReferenceException,)).until(
        lambda d: condition(d), message)


def open_page(driver: WebDriver, url: str) -> None:
    """Open a portal page and wait until it has loaded (``main`` is no longer ``aria-busy``)."""
    driver.get(url)
    wait(driver, lambda d: d.execute_script(
        "return document.getElementById('main').getAttribute('aria-busy') === 'false'"),
         f"{url} did not load")


def by_id(driver: WebDriver, element_id: str) -> WebElement:
    return driver.find_element(By.ID, element_id)


def phone(driver: WebDriver) -> None:
    """Emulate a phone: 375 CSS pixels wide, touch, twice the pixel density."""
    driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride",
                           {"width": 375, "height": 812, "deviceScaleFactor": 2, "mobile": True})


def no_horizontal_scroll(driver: WebDriver) -> list[int]:
    """``[document scroll width, window inner width, body scroll width]``."""
    return driver.execute_script(
        "return [document.documentElement.scrollWidth, window.innerWidth, document.body.scrollWidth]")


def screenshot(driver: WebDriver, name: str) -> None:
    """The full page as PNGs into ``$CIVICDESK_SCREENSHOT_DIR`` (only when set), in slices of at
    most 1600 CSS pixels so that each stays readable: NAME-1.png, NAME-2.png, ..."""
    if not SCREENSHOT_DIR:
        return
    size = driver.execute_cdp_cmd("Page.getLayoutMetrics", {})["cssContentSize"]
    top, part = 0, 1
    while top < size["height"]:
        height = min(1600, size["height"] - top)
        shot = driver.execute_cdp_cmd("Page.captureScreenshot", {
            "format": "png", "captureBeyondViewport": True,
            "clip": {"x": 0, "y": top, "width": size["width"], "height": height, "scale": 1},
        })
        Path(SCREENSHOT_DIR, f"{name}-{part}.png").write_bytes(base64.b64decode(shot["data"]))
        top, part = top + height, part + 1


def module_export(driver: WebDriver, module: str, expression: str) -> Any:
    """What ``expression`` (of the module's namespace ``m``) is in a module of web/assets,
    imported by the open page, e.g. ``module_export(b, "i18n.js", "m.STRINGS")``."""
    return driver.execute_async_script(
        "const done = arguments[arguments.length - 1];"
        f"import('./assets/{module}').then((m) => done({expression}), (e) => done(String(e)));")


# --------------------------------------------------------------------------- the portal's texts

CYRILLIC_TO_LATIN = dict(zip(
    "абвгдђежзијклљмнњопрстћуфхцчџш",
    ["a", "b", "v", "g", "d", "đ", "e", "ž", "z", "i", "j", "k", "l", "lj", "m", "n", "nj", "o", "p", "r",
     "s", "t", "ć", "u", "f", "h", "c", "č", "dž", "š"], strict=False))


def serbian_latin(text: str) -> str:
    """Serbian Cyrillic letter by letter in Latin: the portal's one transliteration rule."""
    out = []
    for ch in text:
        latin = CYRILLIC_TO_LATIN.get(ch.lower())
        if latin is None:
            assert not unicodedata.name(ch, "").startswith("CYRILLIC"), f"not a Serbian letter: {ch!r} in {text!r}"
            out.append(ch)
        else:
            out.append(latin if ch.islower() else latin[0].upper() + latin[1:])
    return "".join(out)


def check_translations(strings: object) -> set[str]:
    """Check a page's string table (``{lang: {key: text}}``): every language of :data:`LANGS`
    has every key, no text is blank, each has the placeholders of its English text, and
    Serbian Latin is Serbian Cyrillic transliterated.

    Returns
    -------
    set of str
        The keys.
    """
    assert isinstance(strings, dict), strings
    assert sorted(strings) == sorted(LANGS)
    keys = set(strings["en"])
    for lang in LANGS:
        assert set(strings[lang]) == keys, (lang, set(strings[lang]) ^ keys)
        for key, text in strings[lang].items():
            assert text.strip(), (lang, key)
            assert re.findall(r"\{\w+\}", text) == re.findall(r"\{\w+\}", strings["en"][key]), (lang, key)
    for key, text in strings["sr-Cyrl"].items():
        assert strings["sr-Latn"][key] == serbian_latin(text), key
    return keys


# --------------------------------------------------------------------------- web/ from a thread

#: The content types of web/'s files (Python's table lacks or misnames some).
CONTENT_TYPES = {**SimpleHTTPRequestHandler.extensions_map,
                 ".js": "text/javascript", ".css": "text/css", ".svg": "image/svg+xml"}


class WebHandler(SimpleHTTPRequestHandler):
    """web/ as static files, never cached; subclasses answer more paths and keep a ``state``."""

    state: Any = None  # set on the subclass :func:`serve_web` makes

    def log_message(self, format, *args):  # keep pytest output clean
        pass

    def end_headers(self):
        self.send_header("Cache-Control", "no-store")
        super().end_headers()

    def send_body(self, status: int, body: bytes, content_type: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def send_json(self, status: int, body: object) -> None:
        self.send_body(status, json.dumps(body, ensure_ascii=False).encode("utf-8"),
                       "application/json; charset=utf-8")


@contextmanager
def serve_web(handler: type[WebHandler], state: Any, name: str) -> Iterator[Any]:
    """``handler`` on a free port of 127.0.0.1 in a daemon thread, serving web/.

    Parameters
    ----------
    handler
        The request handler; each request sees ``state`` as ``self.state``.
    state
        What the handler records and the test reads; it gets the server's address as ``base``.
    name
        The thread's name.

    Yields
    ------
    object
        ``state``; the server is shut down when the block ends.
    """
    bound = type("Handler", (handler,), {"state": state, "extensions_map": CONTENT_TYPES})
    server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(bound, directory=str(WEB_DIR)))
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, name=name, daemon=True)
    thread.start()
    state.base = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
