"""The citizen portal (web/) in a real headless Chromium, driven through Selenium.

Independent of the backend: a stub HTTP server on 127.0.0.1 serves web/ as static files and
answers the four public API calls of docs/api.md with canned JSON.
"""

from __future__ import annotations

import json
import re
import threading
import time
from urllib.parse import parse_qs, unquote, urlsplit

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select

from tests.support.browser import (
    LANGS,
    SCREENSHOT_DIR,
    WEB_DIR,
    WebHandler,
    by_id,
    check_translations,
    chromium,
    clean_console,
    module_export,
    no_horizontal_scroll,
    open_page,
    phone,
    screenshot,
    serve_web,
    skip_without_chromium,
    wait,
)

skip_without_chromium(module=True)
# One worker: the module shares one browser and one stub server.
pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("web-browser")]

TOKEN = "tok_4f9d0c2a8b7e6d5c4b3a29180f7e6d5c"
NUMBER = "2026-000123"
UUID_RE = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")

# --------------------------------------------------------------------------- canned API data

MUNICIPALITY_NAME = {
    "sr-Cyrl": "Општина Демо",
    "sr-Latn": "Opština Demo",
    "bg": "Община Демо",
    "cs": "Obec Demo",
    "en": "Demo Municipality",
}
TYPE_NAMES = {
    "sr-Cyrl": {"signal": "Пријава проблема", "information": "Питање", "suggestion": "Предлог",
                "complaint": "Жалба", "request": "Захтев"},
    "sr-Latn": {"signal": "Prijava problema", "information": "Pitanje", "suggestion": "Predlog",
                "complaint": "Žalba", "request": "Zahtev"},
    "bg": {"signal": "Сигнал за проблем", "information": "Въпрос", "suggestion": "Предложение",
           "complaint": "Жалба", "request": "Искане"},
    "cs": {"signal": "Hlášení problému", "information": "Dotaz", "suggestion": "Podnět",
           "complaint": "Stížnost", "request": "Žádost"},
    "en": {"signal": "Problem report", "information": "Question", "suggestion": "Suggestion",
           "complaint": "Complaint", "request": "Request"},
}
GROUPS = {
    "infrastructure": {"sr-Cyrl": "Инфраструктура", "sr-Latn": "Infrastruktura", "bg": "Инфраструктура",
                       "cs": "Infrastruktura", "en": "Infrastructure"},
    "communal": {"sr-Cyrl": "Комунални послови", "sr-Latn": "Komunalni poslovi", "bg": "Комунални дейности",
                 "cs": "Komunální služby", "en": "Communal services"},
    "general": {"sr-Cyrl": "Опште", "sr-Latn": "Opšte", "bg": "Общи", "cs": "Obecné", "en": "General"},
}
CATEGORIES = [
    ("street_lighting", "infrastructure", ["signal", "suggestion"],
     {"sr-Cyrl": "Јавна расвета", "sr-Latn": "Javna rasveta", "bg": "Улично осветление",
      "cs": "Veřejné osvětlení", "en": "Street lighting"}),
    ("potholes", "infrastructure", ["signal", "complaint"],
     {"sr-Cyrl": "Оштећен коловоз", "sr-Latn": "Oštećen kolovoz", "bg": "Дупки по пътя",
      "cs": "Výtluky na silnici", "en": "Potholes"}),
    ("waste", "communal", ["signal", "complaint", "suggestion"],
     {"sr-Cyrl": "Одвоз смећа", "sr-Latn": "Odvoz smeća", "bg": "Сметоизвозване",
      "cs": "Svoz odpadu", "en": "Waste collection"}),
    ("general_question", "general", ["information", "request"],
     {"sr-Cyrl": "Опште питање", "sr-Latn": "Opšte pitanje", "bg": "Общ въпрос",
      "cs": "Obecný dotaz", "en": "General question"}),
]
STATUS_NAMES = {
    "new": {"sr-Cyrl": "Ново", "sr-Latn": "Novo", "bg": "Нов", "cs": "Nové", "en": "New"},
    "in_progress": {"sr-Cyrl": "У обради", "sr-Latn": "U obradi", "bg": "В процес на работа",
                    "cs": "V řešení", "en": "In progress"},
}
TOO_SHORT = {
    "sr-Cyrl": "Опис мора да има најмање 10 знакова.",
    "sr-Latn": "Opis mora da ima najmanje 10 znakova.",
    "bg": "Описанието трябва да е поне 10 знака.",
    "cs": "Popis musí mít alespoň 10 znaků.",
    "en": "Must be at least 10 characters.",
}
WORKING_HOURS = {d: [["07:30", "15:30"]] for d in ("mon", "tue", "wed", "thu", "fri")}
WORKING_HOURS.update(sat=[], sun=[])


def municipality(lang):
    return {
        "id": "demo",
        "name": MUNICIPALITY_NAME[lang],
        "languages": LANGS,
        "default_language": "sr-Cyrl",
        "time_zone": "Europe/Belgrade",
        "country": "RS",
        "working_hours": WORKING_HOURS,
        "services": [
            {"id": "isib", "name": "ISIB" if lang != "sr-Cyrl" else "ИСИБ",
             "address": "isib@demo.civicdesk.rs", "department": "it",
             "department_name": {"sr-Cyrl": "Служба за информатику"}.get(lang, "IT")},
            {"id": "komunalno", "name": {"sr-Cyrl": "Комунална полиција"}.get(lang, "Communal police"),
             "address": "komunalno@demo.civicdesk.rs", "department": "communal",
             "department_name": {"sr-Cyrl": "Комунална полиција"}.get(lang, "Communal police")},
        ],
        "public_form_types": ["signal", "information", "suggestion", "complaint", "request"],
        "location_example": {"lat": 44.018, "lon": 20.92},
        "bounds": {"west": 20.85, "south": 43.99, "east": 21.005, "north": 44.106},
        "case_types": [
            {"id": t, "name": TYPE_NAMES[lang][t], "public": t in ("signal", "suggestion", "information")}
            for t in ("signal", "information", "suggestion", "complaint", "request")
        ],
    }


def categories(lang):
    return {
        "language": lang,
        "categories": [
            {"id": cid, "name": names[lang], "description": f"{names[lang]} — {cid}",
             "group": group, "group_name": GROUPS[group][lang], "department": "public_utilities",
             "types": types}
            for cid, group, types, names in CATEGORIES
        ],
    }


#: What the officials wrote: a reply (with the requester's name and phone number, which the API
#: redacts for anyone without the token, and markup that must stay text) and a status change's
#: message to the citizen.
REPLY = ("Поштована Ана Анић, екипа је упућена на терен.\n"
         "<img src=x onerror=\"window.pwned = 1\"> Позовите 064 987 6543.")
REPLY_REDACTED = ("Поштована […], екипа је упућена на терен.\n"
                  "<img src=x onerror=\"window.pwned = 1\"> Позовите […].")
STATUS_MESSAGE = "Радови почињу у понедељак.\nМолимо вас за стрпљење."
#: The API's own catalogues: its sentence for each kind of history entry.
CATALOGUES = {lang: json.loads((WEB_DIR.parent / "functions/shared/civicdesk/rendering/catalogues"
                                / f"{lang}.json").read_text(encoding="utf-8")) for lang in LANGS}


def api_text(lang, kind, **params):
    return CATALOGUES[lang][f"event.{kind}"].format(**params)


def case_detail(lang, with_token):
    detail = {
        "number": NUMBER,
        "type": "signal",
        "type_name": TYPE_NAMES[lang]["signal"],
        "category": "street_lighting",
        "category_name": CATEGORIES[0][3][lang],
        "status": "in_progress",
        "status_name": STATUS_NAMES["in_progress"][lang],
        "public": True,
        "created_at": "2026-11-21T22:30:00Z",
        "updated_at": "2026-11-22T08:05:00Z",
        "description": "Не ради улична светиљка испред зграде.\nДруги ред.",
        "location": {"lat": 44.0195, "lon": 20.918, "address": "Кнеза Милоша 10"},
        "language": "sr-Cyrl",
        # As the API shapes it (api/case_views.py): ``text`` the catalogue's sentence for the
        # kind, ``message`` what the official wrote (redacted without the token).
        # Deliberately not in time order: the page must sort oldest first.
        "history": [
            {"at": "2026-11-22T08:05:00Z", "kind": "message_out", "text": api_text(lang, "message_out"),
             "message": REPLY if with_token else REPLY_REDACTED},
            {"at": "2026-11-21T22:30:00Z", "kind": "case_opened", "status": "new",
             "status_name": STATUS_NAMES["new"][lang], "text": api_text(lang, "case_opened", channel="Web")},
            {"at": "2026-11-21T23:15:00Z", "kind": "status_changed", "status": "in_progress",
             "status_name": STATUS_NAMES["in_progress"][lang],
             "text": api_text(lang, "status_changed", status=STATUS_NAMES["in_progress"][lang]),
             "message": STATUS_MESSAGE},
        ],
    }
    if not with_token:
        detail["location"].pop("address")
    return detail


def error_body(code, message, fields=None):
    error = {"code": code, "message": message}
    if fields is not None:
        error["fields"] = fields
    return {"error": error}


# --------------------------------------------------------------------------- stub server

class StubState:
    def __init__(self):
        self.lock = threading.Lock()
        self.reset()

    def reset(self):
        with self.lock:
            self.posts = []  # (headers dict, raw body bytes)
            self.gets = []  # paths with query
            self.answers = {}  # Idempotency-Key -> (status, body)
            self.fail_next_posts = 0  # answer that many POSTs with 503 first
            self.sequence = 122


class StubHandler(WebHandler):
    state: StubState

    def _lang(self, query):
        lang = (query.get("lang") or ["sr-Cyrl"])[0]
        return lang if lang in LANGS else "sr-Cyrl"

    def do_GET(self):
        url = urlsplit(self.path)
        if not url.path.startswith("/v1/"):
            return super().do_GET()
        query = parse_qs(url.query)
        lang = self._lang(query)
        with self.state.lock:
            self.state.gets.append(self.path)
        if url.path == "/v1/public/municipality":
            return self.send_json(200, municipality(lang))
        if url.path == "/v1/public/categories":
            return self.send_json(200, categories(lang))
        if url.path == "/v1/public/stats":  # stats.html (its own test runs on the runtime)
            return self.send_json(200, {"from": "2025-12-02", "to": "2026-12-01", "minimum_count": 3,
                                        "minimum_for_median": 5, "opened": [], "resolved": [],
                                        "status_changes": [], "resolution": []})
        if url.path == "/v1/public/alerts/options":  # alerts.html (its own test runs on the runtime)
            return self.send_json(200, {"language": lang, "topics": [{"id": "water", "name": "Water"}],
                                        "areas": [{"id": "centar", "kind": "district", "name": "Centar"}],
                                        "code_length": 6, "code_minutes": 15, "pending_days": 7})
        match = re.fullmatch(r"/v1/public/cases/([^/]+)", url.path)
        if match:
            number = unquote(match.group(1))
            token = (query.get("token") or [""])[0]
            if number == NUMBER:
                return self.send_json(200, case_detail(lang, token == TOKEN))
            return self.send_json(404, error_body("not_found", "Not found."))
        return self.send_json(404, error_body("not_found", "Not found."))

    def do_POST(self):
        url = urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length)
        if url.path != "/v1/public/cases":
            return self.send_json(404, error_body("not_found", "Not found."))
        state = self.state
        with state.lock:
            state.posts.append(({k.lower(): v for k, v in self.headers.items()}, raw))
            fail = state.fail_next_posts > 0
            if fail:
                state.fail_next_posts -= 1
        time.sleep(0.4)  # long enough for a double click to land while the first is in flight
        if fail:
            return self.send_json(503, error_body("internal_error", "Service temporarily unavailable."))
        try:
            body = json.loads(raw.decode("utf-8"))
        except ValueError:
            return self.send_json(400, error_body("bad_request", "Body is not JSON."))
        key = self.headers.get("Idempotency-Key")
        with state.lock:
            if key and key in state.answers:
                return self.send_json(*state.answers[key])
        lang = body.get("language") if body.get("language") in LANGS else "sr-Cyrl"
        fields = []
        allowed = {"type", "category", "description", "language", "channel", "location", "contact"}
        for name in sorted(set(body) - allowed):
            fields.append({"field": name, "code": "unknown_field", "message": "Unknown field."})
        if body.get("type") not in municipality(lang)["public_form_types"]:
            fields.append({"field": "type", "code": "required", "message": "Required."})
        allowed_categories = {c[0] for c in CATEGORIES if body.get("type") in c[2]}
        if body.get("category") not in allowed_categories:
            fields.append({"field": "category", "code": "invalid", "message": "Not a category of this type."})
        description = body.get("description")
        if not isinstance(description, str) or len(description) < 10:
            fields.append({"field": "description", "code": "too_short", "message": TOO_SHORT[lang]})
        elif len(description) > 5000:
            fields.append({"field": "description", "code": "too_long", "message": "Too long."})
        if fields:
            return self.send_json(400, error_body("validation_failed", "Some fields are not valid.", fields))
        with state.lock:
            state.sequence += 1
            number = f"2026-{state.sequence:06d}"
        host = f"http://{self.server.server_address[0]}:{self.server.server_address[1]}"
        answer = (201, {
            "number": number,
            "token": TOKEN,
            "tracking_url": f"{host}/track.html?number={number}&token={TOKEN}",
            "status": "new",
            "language": lang,
        })
        with state.lock:
            if key:
                state.answers[key] = answer
        return self.send_json(*answer)


@pytest.fixture(scope="module")
def stub():
    with serve_web(StubHandler, StubState(), "web-stub") as state:
        yield state


@pytest.fixture(scope="module")
def browser():
    with chromium() as driver:
        yield driver


@pytest.fixture
def b(browser, stub):
    """The browser at desktop size with a clean stub and no stored language."""
    stub.reset()
    with clean_console(browser, stub.base):
        yield browser


# --------------------------------------------------------------------------- helpers

def label_text(driver, input_id):
    return driver.find_element(By.CSS_SELECTOR, f"label[for='{input_id}']").text.replace("*", "").strip()


def active_id(driver):
    return driver.execute_script("return document.activeElement && document.activeElement.id")


def fill_required(driver, description):
    Select(by_id(driver, "f-type")).select_by_value("signal")
    Select(by_id(driver, "f-category")).select_by_value("street_lighting")
    by_id(driver, "f-description").send_keys(description)


# --------------------------------------------------------------------------- tests

def test_a_form_in_serbian_cyrillic_submits_once_with_idempotency_key(b, stub):
    b.execute_cdp_cmd("Browser.grantPermissions", {"origin": stub.base, "permissions": ["geolocation"]})
    b.execute_cdp_cmd("Emulation.setGeolocationOverride", {"latitude": 44.0195, "longitude": 20.918, "accuracy": 12})
    open_page(b, f"{stub.base}/index.html?lang=sr-Cyrl")

    assert b.find_element(By.TAG_NAME, "html").get_attribute("lang") == "sr-Cyrl"
    assert by_id(b, "muni-name").text == "Општина Демо"
    assert b.title.endswith("Општина Демо")
    assert label_text(b, "f-type") == "Врста"
    assert label_text(b, "f-description") == "Опис"
    assert by_id(b, "f-type").get_attribute("required") == "true"
    assert Select(by_id(b, "lang-select")).first_selected_option.get_attribute("value") == "sr-Cyrl"

    # Types come from the municipality, in its language.
    type_options = [o.text for o in Select(by_id(b, "f-type")).options]
    assert type_options[1:] == ["Пријава проблема", "Питање", "Предлог", "Жалба", "Захтев"]

    # Categories: grouped by group_name and filtered by the chosen type.
    Select(by_id(b, "f-type")).select_by_value("signal")
    groups = b.find_elements(By.CSS_SELECTOR, "#f-category optgroup")
    assert [g.get_attribute("label") for g in groups] == ["Инфраструктура", "Комунални послови"]
    values = [o.get_attribute("value") for o in Select(by_id(b, "f-category")).options]
    assert values == ["", "street_lighting", "potholes", "waste"]
    Select(by_id(b, "f-type")).select_by_value("information")
    values = [o.get_attribute("value") for o in Select(by_id(b, "f-category")).options]
    assert values == ["", "general_question"]
    assert Select(by_id(b, "f-category")).first_selected_option.get_attribute("value") == "general_question"

    # Contacts and working hours from the municipality endpoint.
    aside = by_id(b, "contacts")
    assert aside.is_displayed()
    assert "isib@demo.civicdesk.rs" in aside.text
    assert by_id(b, "services-list").find_element(By.TAG_NAME, "a").get_attribute("href") == \
        "mailto:isib@demo.civicdesk.rs"
    hours = by_id(b, "hours-body").text
    assert "07:30–15:30" in hours and "Понедељак" in hours
    assert "Europe/Belgrade" in by_id(b, "hours-note").text
    # The coordinates' example is the municipality's, in the page's language.
    assert by_id(b, "coord-hint").text == "Децимални степени, на пример 44.0180 и 20.9200."

    fill_required(b, "Не ради улична светиљка испред зграде број 10.")
    counter = by_id(b, "f-description-count").text
    assert counter.startswith("Број знакова: 46 од 5000"), counter

    by_id(b, "geo-button").click()
    wait(b, lambda d: by_id(d, "f-lat").get_attribute("value") == "44.019500", "geolocation not filled in")
    assert by_id(b, "f-lon").get_attribute("value") == "20.918000"
    assert "12" in by_id(b, "geo-status").text

    by_id(b, "f-address").send_keys("Кнеза Милоша 10")
    by_id(b, "f-name").send_keys("Петар Петровић")
    by_id(b, "f-email").send_keys("petar@example.rs")
    by_id(b, "f-phone").send_keys("+381 64 1234567")

    # A double click and an extra Enter while the first request is in flight: one case only.
    b.execute_script("""
        const button = document.getElementById('submit-button');
        button.click();
        button.click();
        document.getElementById('case-form').requestSubmit();
    """)
    assert by_id(b, "submit-button").get_attribute("disabled") == "true"

    wait(b, lambda d: by_id(d, "success").is_displayed(), "no success panel")
    assert by_id(b, "success-number").text == NUMBER
    tracking = f"{stub.base}/track.html?number={NUMBER}&token={TOKEN}"
    assert by_id(b, "success-link").get_attribute("href") == tracking
    assert by_id(b, "success-link").text == tracking
    assert by_id(b, "success-open").get_attribute("href") == tracking
    assert not by_id(b, "case-form").is_displayed()
    # the confirmation is the page's main heading, focused (issue 16)
    assert active_id(b) == "success-title"
    assert by_id(b, "success-title").tag_name == "h1" and not by_id(b, "page-title").is_displayed()
    wait(b, lambda d: NUMBER in by_id(d, "live").get_attribute("textContent"), "result not announced")

    time.sleep(0.5)  # any stray second request would have arrived by now
    assert len(stub.posts) == 1, stub.posts
    headers, raw = stub.posts[0]
    assert UUID_RE.match(headers.get("idempotency-key", "")), headers
    assert headers["content-type"].startswith("application/json")
    assert json.loads(raw) == {
        "type": "signal",
        "category": "street_lighting",
        "description": "Не ради улична светиљка испред зграде број 10.",
        "language": "sr-Cyrl",
        "channel": "web",
        "location": {"lat": 44.0195, "lon": 20.918, "address": "Кнеза Милоша 10"},
        "contact": {"name": "Петар Петровић", "email": "petar@example.rs", "phone": "+381 64 1234567"},
    }

    # "Send another message" starts a new fill: empty form, a new key.
    by_id(b, "success-new").click()
    assert by_id(b, "case-form").is_displayed()
    assert by_id(b, "f-description").get_attribute("value") == ""
    fill_required(b, "Контејнер није испражњен већ недељу дана.")
    by_id(b, "submit-button").click()
    wait(b, lambda d: by_id(d, "success").is_displayed(), "no success panel for the second fill")
    assert by_id(b, "success-number").text == "2026-000124"
    assert len(stub.posts) == 2
    assert stub.posts[1][0]["idempotency-key"] != headers["idempotency-key"]
    assert "location" not in json.loads(stub.posts[1][1]) and "contact" not in json.loads(stub.posts[1][1])


def test_b_too_short_description_shows_field_error_and_summary(b, stub):
    open_page(b, f"{stub.base}/index.html?lang=sr-Cyrl")
    fill_required(b, "Кратко")
    assert "потребно најмање 10" in by_id(b, "f-description-count").text
    by_id(b, "submit-button").click()

    wait(b, lambda d: by_id(d, "error-summary").is_displayed(), "no error summary")
    assert active_id(b) == "error-summary"
    summary = by_id(b, "error-summary")
    assert "Исправите следеће" in summary.text
    links = summary.find_elements(By.CSS_SELECTOR, "a")
    assert [a.get_attribute("hash") for a in links] == ["#f-description"]
    assert links[0].text == f"Опис: {TOO_SHORT['sr-Cyrl']}"

    error = by_id(b, "f-description-error")
    assert error.is_displayed() and TOO_SHORT["sr-Cyrl"] in error.text
    textarea = by_id(b, "f-description")
    assert textarea.get_attribute("aria-invalid") == "true"
    assert "f-description-error" in textarea.get_attribute("aria-describedby").split()
    assert not by_id(b, "success").is_displayed()
    assert by_id(b, "submit-button").get_attribute("disabled") is None
    wait(b, lambda d: "Број грешака: 1" in by_id(d, "live").get_attribute("textContent"), "errors not announced")

    # The summary link takes the keyboard to the field.
    links[0].click()
    assert active_id(b) == "f-description"

    assert len(stub.posts) == 1
    first_key = stub.posts[0][0]["idempotency-key"]

    # Corrected and sent again: accepted, and the error marks are gone. A refused fill cannot
    # have created a case, so the corrected one is sent under a fresh key.
    textarea.send_keys(" — не ради светиљка")
    by_id(b, "submit-button").click()
    wait(b, lambda d: by_id(d, "success").is_displayed(), "no success after correction")
    assert not by_id(b, "error-summary").is_displayed()
    assert textarea.get_attribute("aria-invalid") is None
    assert len(stub.posts) == 2 and stub.posts[1][0]["idempotency-key"] != first_key


def test_retry_after_server_error_reuses_the_idempotency_key(b, stub):
    open_page(b, f"{stub.base}/index.html?lang=en")
    fill_required(b, "The street light in front of number 10 is out.")
    stub.fail_next_posts = 1
    by_id(b, "submit-button").click()
    wait(b, lambda d: by_id(d, "send-error").is_displayed(), "no error message")
    assert "Service temporarily unavailable." in by_id(b, "send-error").text
    assert active_id(b) == "send-error"
    by_id(b, "submit-button").click()
    wait(b, lambda d: by_id(d, "success").is_displayed(), "no success on retry")
    assert len(stub.posts) == 2
    assert stub.posts[0][0]["idempotency-key"] == stub.posts[1][0]["idempotency-key"]


def test_c_switching_to_czech_changes_the_labels(b, stub):
    open_page(b, f"{stub.base}/index.html?lang=sr-Cyrl")
    Select(by_id(b, "f-type")).select_by_value("signal")
    Select(by_id(b, "f-category")).select_by_value("waste")
    by_id(b, "f-description").send_keys("Kontejner je pun.")
    assert label_text(b, "f-type") == "Врста"

    Select(by_id(b, "lang-select")).select_by_value("cs")
    wait(b, lambda d: by_id(d, "muni-name").text == "Obec Demo", "municipality not reloaded in Czech")
    wait(b, lambda d: d.execute_script("return document.getElementById('main').getAttribute('aria-busy')") == "false")
    assert b.find_element(By.TAG_NAME, "html").get_attribute("lang") == "cs"
    assert label_text(b, "f-type") == "Typ"
    assert label_text(b, "f-category") == "Kategorie"
    assert label_text(b, "f-description") == "Popis"
    assert label_text(b, "f-email") == "E-mail"
    assert by_id(b, "submit-button").text == "Odeslat"
    assert by_id(b, "coord-hint").text == "Desetinné stupně, například 44.0180 a 20.9200."
    assert b.find_element(By.CSS_SELECTOR, "#case-form fieldset:nth-of-type(3) legend").text == \
        "Vaše kontaktní údaje (nepovinné)"
    # API texts in Czech, and what the citizen entered is kept.
    assert Select(by_id(b, "f-type")).first_selected_option.text == "Hlášení problému"
    assert Select(by_id(b, "f-category")).first_selected_option.text == "Svoz odpadu"
    assert by_id(b, "f-description").get_attribute("value") == "Kontejner je pun."
    assert "Pondělí" in by_id(b, "hours-body").text
    assert "lang=cs" in b.current_url
    assert b.execute_script("return localStorage.getItem('civicdesk.lang')") == "cs"
    assert "lang=cs" in b.find_element(By.CSS_SELECTOR, ".site-nav a[href^='track.html']").get_attribute("href")

    # The choice is remembered without ?lang=.
    open_page(b, f"{stub.base}/index.html")
    assert b.find_element(By.TAG_NAME, "html").get_attribute("lang") == "cs"
    assert label_text(b, "f-type") == "Typ"


def test_language_from_browser_else_municipality_default(b, stub):
    user_agent = b.execute_script("return navigator.userAgent")
    try:
        for accept, expected in (("sr-RS,sr", "sr-Cyrl"), ("sk-SK,sk", "cs"), ("de-DE,de", "sr-Cyrl")):
            b.execute_cdp_cmd("Network.setUserAgentOverride", {"userAgent": user_agent, "acceptLanguage": accept})
            open_page(b, f"{stub.base}/index.html")
            assert b.find_element(By.TAG_NAME, "html").get_attribute("lang") == expected, accept
            assert by_id(b, "muni-name").text == MUNICIPALITY_NAME[expected]
        # German is not offered: the municipality's default_language (sr-Cyrl) was used.
        assert label_text(b, "f-type") == "Врста"
    finally:
        b.execute_cdp_cmd("Network.setUserAgentOverride", {"userAgent": user_agent, "acceptLanguage": "en-US,en"})


def test_d_tracking_page_renders_status_and_history(b, stub):
    open_page(b, f"{stub.base}/track.html?number={NUMBER}&token={TOKEN}&lang=sr-Latn")
    assert f"/v1/public/cases/{NUMBER}?token={TOKEN}&lang=sr-Latn" in stub.gets
    assert b.find_element(By.TAG_NAME, "html").get_attribute("lang") == "sr-Latn"
    assert by_id(b, "case").is_displayed()
    assert by_id(b, "case-title").text == f"Predmet {NUMBER}"
    assert by_id(b, "c-status").text == "U obradi"
    assert by_id(b, "c-type").text == "Prijava problema"
    assert by_id(b, "c-category").text == "Javna rasveta"
    assert by_id(b, "c-address").text == "Кнеза Милоша 10"
    assert by_id(b, "c-description").text.startswith("Не ради улична светиљка")
    assert not by_id(b, "public-view").is_displayed()
    # 22:30 UTC is 23:30 in Belgrade.
    created = by_id(b, "c-created")
    assert created.get_attribute("datetime") == "2026-11-21T22:30:00Z"
    assert "23:30" in created.text and "2026" in created.text and "21" in created.text

    items = b.find_elements(By.CSS_SELECTOR, "#c-history > li")
    assert [i.find_element(By.CLASS_NAME, "history-title").text for i in items] == [
        "Predmet je primljen: Novo", "Promena statusa: U obradi", "Odgovor opštine"]
    times = [i.find_element(By.TAG_NAME, "time") for i in items]
    assert [t.get_attribute("datetime") for t in times] == [
        "2026-11-21T22:30:00Z", "2026-11-21T23:15:00Z", "2026-11-22T08:05:00Z"]
    assert "00:15" in times[1].text and "22" in times[1].text  # next day in Belgrade
    # What the official wrote is shown as written (not transliterated to the page's script).
    assert items[2].find_element(By.CLASS_NAME, "history-message").text == REPLY
    assert "Pozovite" not in items[2].text
    wait(b, lambda d: "U obradi" in by_id(d, "live").get_attribute("textContent"), "status not announced")

    # Without the token: the public view.
    open_page(b, f"{stub.base}/track.html?number={NUMBER}&lang=en")
    assert by_id(b, "case-title").text == f"Case {NUMBER}"
    assert by_id(b, "public-view").is_displayed()
    assert not by_id(b, "c-address-row").is_displayed()
    assert "11:30 PM" not in by_id(b, "c-created").text and "23:30" in by_id(b, "c-created").text

    # Unknown (or private) case: a clear message, and the number form to try again.
    open_page(b, f"{stub.base}/track.html?number=2026-999999&lang=en")
    assert by_id(b, "not-found").is_displayed()
    assert "not found" in by_id(b, "not-found").text.lower()
    assert not by_id(b, "case").is_displayed()
    number_input = by_id(b, "t-number")
    assert number_input.is_displayed() and number_input.get_attribute("value") == "2026-999999"
    number_input.clear()
    number_input.send_keys(NUMBER)
    number_input.submit()
    wait(b, lambda d: "number=2026-000123" in d.current_url, "lookup form did not navigate")
    wait(b, lambda d: by_id(d, "case").is_displayed(), "looked-up case not shown")


def test_tracking_page_shows_what_the_officials_wrote(b, stub):
    """Every public message of the history (``history[].message``) under its entry's label, as
    text: the reply and the message that came with a status change; without the token the
    redacted text the API gives."""
    for query, reply in ((f"&token={TOKEN}", REPLY), ("", REPLY_REDACTED)):
        open_page(b, f"{stub.base}/track.html?number={NUMBER}{query}&lang=en")
        items = b.find_elements(By.CSS_SELECTOR, "#c-history > li")
        assert [i.find_element(By.CLASS_NAME, "history-title").text for i in items] == [
            "Case received: New", "Status changed: In progress", "Reply from the municipality"]
        messages = [[m.text for m in i.find_elements(By.CLASS_NAME, "history-message")] for i in items]
        assert messages == [[], [STATUS_MESSAGE], [reply]], query
        # The reply replaces the generic sentence; a status change keeps it, with its message.
        assert "Answer from the municipality." not in items[2].text
        assert 'Status changed to "In progress".' in items[1].text
        # Markup in a message is text: no element made of it, no handler run.
        assert not b.find_elements(By.CSS_SELECTOR, "#c-history img")
        assert b.execute_script("return window.pwned === undefined")


def test_e_phone_width_has_no_horizontal_scroll(b, stub):
    phone(b)
    open_page(b, f"{stub.base}/index.html?lang=sr-Cyrl")
    scroll_width, inner_width, body_width = no_horizontal_scroll(b)
    assert inner_width == 375
    assert scroll_width <= inner_width and body_width <= inner_width, (scroll_width, body_width)
    # Touch targets: the main controls are at least 44 CSS pixels high.
    for element_id in ("f-type", "f-category", "f-address", "geo-button", "submit-button", "lang-select"):
        assert by_id(b, element_id).size["height"] >= 44, element_id
    screenshot(b, "civicdesk-form-phone")

    # Errors and the success panel (with its long link) must not widen the page either.
    fill_required(b, "Кратко")
    by_id(b, "submit-button").click()
    wait(b, lambda d: by_id(d, "error-summary").is_displayed())
    assert no_horizontal_scroll(b)[0] <= 375
    screenshot(b, "civicdesk-form-phone-errors")
    by_id(b, "f-description").send_keys(" и дуже од десет знакова")
    by_id(b, "submit-button").click()
    wait(b, lambda d: by_id(d, "success").is_displayed())
    assert no_horizontal_scroll(b)[0] <= 375
    screenshot(b, "civicdesk-form-phone-success")

    open_page(b, f"{stub.base}/track.html?number={NUMBER}&token={TOKEN}&lang=bg")
    assert no_horizontal_scroll(b)[0] <= 375
    screenshot(b, "civicdesk-track-phone")

    if SCREENSHOT_DIR:
        b.execute_cdp_cmd("Emulation.setDeviceMetricsOverride",
                          {"width": 1280, "height": 900, "deviceScaleFactor": 1, "mobile": False})
        open_page(b, f"{stub.base}/index.html?lang=sr-Cyrl")
        screenshot(b, "civicdesk-form-desktop")
        open_page(b, f"{stub.base}/track.html?number={NUMBER}&token={TOKEN}&lang=cs")
        screenshot(b, "civicdesk-track-desktop")


def test_ui_strings_complete_and_serbian_scripts_match(b, stub):
    open_page(b, f"{stub.base}/index.html?lang=en")
    strings = module_export(b, "i18n.js", "m.STRINGS")
    keys = check_translations(strings)
    # Not left in English by mistake (a few words are the same on purpose).
    same = {"emailLabel", "statusLabel"}  # "E-mail", "Status": the same word
    for lang in ("sr-Latn", "cs"):
        untranslated = {k for k in keys if strings[lang][k] == strings["en"][k]} - same
        assert not untranslated, (lang, untranslated)


def test_every_page_is_drawn_in_the_one_shared_frame(b, stub):
    """assets/layout.js draws the frame of every page: the skip link first, the brand, the main
    menu with the page marked, the language menu, the footer and the live region, translated
    like the rest of the page."""
    open_page(b, f"{stub.base}/index.html?lang=cs")
    texts = module_export(b, "i18n.js", "m.STRINGS.cs")
    for name, current in (("index.html", "index.html"), ("track.html", "track.html"),
                          ("stats.html", "stats.html"), ("subscription.html", None),
                          ("alerts.html", "alerts.html"), ("reports.html", "reports.html")):
        open_page(b, f"{stub.base}/{name}?lang=cs")
        frame = b.execute_script("""
            const menu = document.querySelector('body > header.site-header nav.site-nav');
            return {
              first: document.querySelector('a[href], button, input, select, textarea').className,
              skip: document.querySelector('.skip-link').textContent,
              brand: document.querySelector('.brand a').textContent,
              menu: menu.getAttribute('aria-label'),
              links: [...menu.querySelectorAll('a')].map((a) =>
                [a.getAttribute('href'), a.textContent, a.getAttribute('aria-current')]),
              language: document.querySelector("label[for='lang-select']").textContent,
              languages: document.getElementById('lang-select').options.length,
              footers: document.querySelectorAll('body > footer.site-footer').length,
              footer: document.querySelector('body > footer.site-footer > .wrap > p').textContent.trim(),
              legal: [...document.querySelectorAll('body > footer.site-footer nav.footer-nav a')].map((a) =>
                [a.getAttribute('href'), a.textContent]),
              live: document.querySelectorAll('body > #live[role=status][aria-live=polite]').length,
            };
        """)
        assert frame == {
            "first": "skip-link", "skip": texts["skipLink"], "brand": "Obec Demo", "menu": texts["navLabel"],
            "links": [["index.html?lang=cs", texts["navReport"], "page" if current == "index.html" else None],
                      ["track.html?lang=cs", texts["navTrack"], "page" if current == "track.html" else None],
                      ["stats.html?lang=cs", texts["navStats"], "page" if current == "stats.html" else None],
                      ["alerts.html?lang=cs", texts["navAlerts"], "page" if current == "alerts.html" else None],
                      ["reports.html?lang=cs", texts["navMap"], "page" if current == "reports.html" else None],
                      # signed out: "Sign in" (account-menu.js; "My account" with a session)
                      ["account.html?lang=cs", texts["accountSignIn"], None]],
            "language": texts["langLabel"], "languages": len(LANGS),
            "footers": 1, "footer": texts["footerText"], "live": 1,
            "legal": [["privacy.html?lang=cs", texts["portal_privacyLink"]],
                      ["accessibility.html?lang=cs", texts["portal_accessibilityLink"]]],
        }, name


ACCOUNT_CONNECT_SRC = "connect-src 'self' https://*.amazonaws.com http://127.0.0.1:*;"


def test_pages_share_one_head_and_hold_no_copy_of_the_frame():
    """The head has to be in each page (the CSP and charset apply only from where they stand,
    before any script): every page has index.html's, but for its own title and script. The
    frame is not in the pages: they name themselves and leave their landmarks to layout.js."""
    def head(name):
        html = (WEB_DIR / name).read_text(encoding="utf-8")
        return [line.strip() for line in html[html.index("<head>"):html.index("</head>")].splitlines()]

    shared = [line for line in head("index.html")[1:] if not line.startswith(("<title>", "<script"))]
    # example-service.html stands for a municipality's own site (its head and frame are its own)
    pages = sorted(path.name for path in WEB_DIR.glob("*.html") if path.name != "example-service.html")
    assert pages == ["accessibility.html", "account.html", "alerts.html", "api.html", "index.html",
                     "my-cases.html", "privacy.html", "reports.html", "stats.html", "subscription.html",
                     "survey.html", "track.html"]
    for name in pages:
        lines = head(name)
        if name == "account.html":  # it calls the citizen pool's Cognito endpoint (docs/accounts.md)
            lines = [line.replace(ACCOUNT_CONNECT_SRC, "connect-src 'self';") for line in lines]
        assert [line for line in lines if line in shared] == shared, name
        html = (WEB_DIR / name).read_text(encoding="utf-8")
        assert f'<body data-page="{name}">' in html, name
        assert '<header class="site-header"></header>' in html, name
        assert '<footer class="site-footer"></footer>' in html, name
        assert "skip-link" not in html and "site-nav" not in html and 'id="live"' not in html, name


def test_pages_are_static_and_safe():
    """No inline handlers, scripts or styles; a self-only CSP; API texts never through innerHTML."""
    for name in ("index.html", "track.html"):
        html = (WEB_DIR / name).read_text(encoding="utf-8")
        assert "default-src 'self'" in html and "Content-Security-Policy" in html
        assert not re.search(r"\son[a-z]+\s*=", html), name
        assert not re.search(r"<script(?![^>]*\bsrc=)", html), name
        assert " style=" not in html and "<style" not in html, name
        assert "http://" not in html and "https://" not in html, name
    for path in (WEB_DIR / "assets").glob("*.js"):
        source = path.read_text(encoding="utf-8")
        assert "innerHTML" not in source and "insertAdjacentHTML" not in source, path.name
        assert "http://" not in source and "https://" not in source, path.name
