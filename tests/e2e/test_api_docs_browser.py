"""The API documentation page (web/api.html) in a real headless Chromium, driven through Selenium.

A http.server thread on 127.0.0.1 serves web/ as static files plus the sample OpenAPI document of
tests/fixtures at /openapi-sample.json (and a few broken answers); the page is opened as
api.html?spec=/openapi-sample.json. The thread is a daemon and the module's fixture shuts it down.
"""

from __future__ import annotations

import json
import re
import shlex
import threading
from urllib.parse import urlsplit

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import Select

from infra.local.template import ROOT
from tests.support.browser import (
    LANGS,
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

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("api-docs-browser")]

FIXTURE = ROOT / "tests" / "fixtures" / "openapi-sample.json"
METHODS = ["get", "put", "post", "patch", "delete", "head", "options", "trace"]
SPEC = json.loads(FIXTURE.read_text(encoding="utf-8"))


def fixture_operations():
    """(METHOD, path, secured) of every operation of the sample, in document order."""
    out = []
    for path, item in SPEC["paths"].items():
        for method in METHODS:
            if method in item:
                op = item[method]
                security = op.get("security", SPEC.get("security", []))
                out.append((method.upper(), path, any(requirement for requirement in security)))
    return out


OPERATIONS = fixture_operations()

# --------------------------------------------------------------------------- checks without a browser


def test_sample_document_is_valid_openapi_3_1():
    validator = pytest.importorskip("openapi_spec_validator")
    assert SPEC["openapi"].startswith("3.1")
    validator.validate(SPEC)
    # What the browser tests rely on.
    assert SPEC["components"]["securitySchemes"]["StaffAuthorizer"] == {
        **SPEC["components"]["securitySchemes"]["StaffAuthorizer"],
        "type": "apiKey", "in": "header", "name": "Authorization"}
    secured = [(m, p) for m, p, s in OPERATIONS if s]
    assert ("GET", "/v1/admin/cases") in secured and ("POST", "/v1/public/cases") not in secured
    assert SPEC["paths"]["/v1/admin/cases"]["get"]["security"] == [{"StaffAuthorizer": []}]
    department = SPEC["components"]["schemas"]["Department"]
    assert department["properties"]["parent"] == {"$ref": "#/components/schemas/Department"}  # a cycle


def test_api_page_is_static_and_safe():
    """The rules test_web_browser.py applies to the other pages, and the same CSP as they have."""
    html = (WEB_DIR / "api.html").read_text(encoding="utf-8")
    assert "default-src 'self'" in html and "Content-Security-Policy" in html
    assert not re.search(r"\son[a-z]+\s*=", html)
    assert not re.search(r"<script(?![^>]*\bsrc=)", html)
    assert " style=" not in html and "<style" not in html
    assert "http://" not in html and "https://" not in html

    def csp(text):
        return re.search(r'http-equiv="Content-Security-Policy" content="([^"]+)"', text).group(1)

    assert csp(html) == csp((WEB_DIR / "index.html").read_text(encoding="utf-8"))
    for name in ("api-docs.js",):
        source = (WEB_DIR / "assets" / name).read_text(encoding="utf-8")
        assert "innerHTML" not in source and "insertAdjacentHTML" not in source and "outerHTML" not in source
        assert "eval(" not in source and "new Function" not in source and "document.write" not in source
        assert "http://" not in source and "https://" not in source
    css = (WEB_DIR / "assets" / "api.css").read_text(encoding="utf-8")
    assert "@import" not in css and "url(" not in css and "//" not in css.replace("/*", "").replace("*/", "")
    # Every local file the page loads exists.
    for ref in re.findall(r'(?:src|href)="([^"#?]+)"', html):
        assert (WEB_DIR / ref).is_file(), ref


# --------------------------------------------------------------------------- server and browser

class DocsState:
    def __init__(self):
        self.lock = threading.Lock()
        self.reset()

    def reset(self):
        with self.lock:
            self.requests = []
            self.flaky_calls = 0


class DocsHandler(WebHandler):
    state: DocsState

    def do_GET(self):
        path = urlsplit(self.path).path
        with self.state.lock:
            self.state.requests.append(self.path)
        if path == "/openapi-sample.json":
            return self.send_body(200, FIXTURE.read_bytes(), "application/json")
        if path == "/flaky.json":  # fails once, then answers
            with self.state.lock:
                self.state.flaky_calls += 1
                first = self.state.flaky_calls == 1
            if first:
                return self.send_body(503, b'{"error": {"code": "internal_error"}}', "application/json")
            return self.send_body(200, FIXTURE.read_bytes(), "application/json")
        if path == "/not-json.json":
            return self.send_body(200, b"<!doctype html><title>Oops</title>", "text/html")
        if path == "/not-openapi.json":
            return self.send_body(200, b'{"swagger": "2.0", "paths": {}}', "application/json")
        if path == "/drop.json":  # no answer at all: the connection just closes
            self.close_connection = True
            return None
        if path.startswith("/v1/"):  # no API behind this server
            return self.send_body(404, b'{"error": {"code": "not_found", "message": "Not found."}}', "application/json")
        return super().do_GET()


@pytest.fixture(scope="module")
def server():
    with serve_web(DocsHandler, DocsState(), "api-docs-server") as state:
        yield state


@pytest.fixture(scope="module")
def browser():
    skip_without_chromium()
    with chromium() as driver:
        yield driver


@pytest.fixture
def expected_console():
    """Substrings of console messages a test causes on purpose (a failing fetch)."""
    return []


@pytest.fixture
def b(browser, server, expected_console):
    """The browser at desktop size, no stored language; no console error may be left over."""
    server.reset()
    with clean_console(browser, server.base, severe=True, expected=expected_console):
        yield browser


# --------------------------------------------------------------------------- helpers

def open_docs(driver, base, query="spec=/openapi-sample.json&lang=en"):
    open_page(driver, f"{base}/api.html?{query}")


def article(driver, method, path):
    return driver.find_element(By.CSS_SELECTOR, f"article.op[data-method='{method.lower()}'][data-path='{path}']")


def text_of(element):
    """All text, also of closed <details> (Selenium's .text is only what is displayed)."""
    return element.get_attribute("textContent")


def field(container, path):
    return container.find_element(By.CSS_SELECTOR, f"li.field-item[data-field='{path}']")


def field_paths(container):
    return [li.get_attribute("data-field") for li in container.find_elements(By.CSS_SELECTOR, "li.field-item[data-field]")]


def own_head(item):
    return item.find_element(By.CSS_SELECTOR, ":scope > .field-head")


def constraints(item):
    """{constraint: text} of a field's own rules."""
    found = {}
    for li in item.find_elements(By.CSS_SELECTOR, ":scope > .constraints > li"):
        found[li.get_attribute("data-constraint")] = text_of(li).strip()
    return found


def visible_operations(driver):
    return [(a.get_attribute("data-method").upper(), a.get_attribute("data-path"))
            for a in driver.find_elements(By.CSS_SELECTOR, "article.op") if a.is_displayed()]


def active_element_info(driver):
    return driver.execute_script("""
        const el = document.activeElement;
        const style = getComputedStyle(el);
        return {id: el.id, tag: el.tagName, href: el.getAttribute('href'), outline: style.outlineStyle,
                outlineWidth: parseFloat(style.outlineWidth), boxShadow: style.boxShadow};
    """)


def curl_words(text):
    """The example request as the shell would split it (line continuations joined)."""
    return shlex.split(text.replace("\\\n", " "))


# --------------------------------------------------------------------------- tests

def test_operations_listed_by_tag_with_methods_paths_and_anchors(b, server):
    open_docs(b, server.base)
    assert server.requests.count("/openapi-sample.json") == 1
    assert b.find_element(By.TAG_NAME, "html").get_attribute("lang") == "en"
    assert by_id(b, "page-title").text == "CivicDesk API"
    assert by_id(b, "doc-kicker").text.lower() == "api documentation"
    assert b.title == "CivicDesk API — API documentation"
    meta = by_id(b, "doc-meta").text
    assert "2026.11.0" in meta and "OpenAPI 3.1.0" in meta and server.base in meta
    assert by_id(b, "doc-summary").text == SPEC["info"]["summary"]

    # Every operation of the document, in document order within its tag's section.
    listed = [(a.get_attribute("data-method").upper(), a.get_attribute("data-path"))
              for a in b.find_elements(By.CSS_SELECTOR, "article.op")]
    assert sorted(listed) == sorted((m, p) for m, p, _ in OPERATIONS)
    sections = b.find_elements(By.CSS_SELECTOR, "#doc-body > section.tag-section")
    assert [s.find_element(By.TAG_NAME, "h2").text for s in sections] == ["public", "staff", "Other operations"]
    public_ops = [a.get_attribute("data-path") for a in sections[0].find_elements(By.CSS_SELECTOR, "article.op")]
    assert public_ops == ["/v1/public/municipality", "/v1/public/cases", "/v1/public/cases/{number}"]
    assert sections[0].find_element(By.CSS_SELECTOR, ".tag-desc").text == SPEC["tags"][0]["description"]

    post = article(b, "POST", "/v1/public/cases")
    title = post.find_element(By.CSS_SELECTOR, "h3.op-title")
    assert title.find_element(By.CSS_SELECTOR, ".method").text == "POST"
    assert "method-post" in title.find_element(By.CSS_SELECTOR, ".method").get_attribute("class")
    assert title.find_element(By.CSS_SELECTOR, ".op-path").text == "/v1/public/cases"
    assert title.find_element(By.CSS_SELECTOR, ".op-summary").text == "Open a case (report a problem or ask a question)"
    assert "Idempotency-Key" in post.find_element(By.CSS_SELECTOR, ".op-desc").text

    # Table of contents: grouped by tag, method + path + summary, anchors that exist.
    toc = by_id(b, "toc")
    assert toc.tag_name == "nav" and toc.get_attribute("aria-labelledby") == "toc-title"
    groups = b.find_elements(By.CSS_SELECTOR, "#toc-list > li > a")
    assert [g.text for g in groups] == ["Authentication", "public", "staff", "Other operations"]
    links = b.find_elements(By.CSS_SELECTOR, "#toc-list .toc-ops a")
    assert len(links) == len(OPERATIONS)
    for link in links:
        target = link.get_attribute("hash")[1:]
        op = by_id(b, target)
        assert op.tag_name == "article"
        assert link.find_element(By.CSS_SELECTOR, ".method").text == op.get_attribute("data-method").upper()
        assert link.find_element(By.CSS_SELECTOR, ".toc-path").text == op.get_attribute("data-path")
    staff_link = b.find_element(By.CSS_SELECTOR, "#toc-list a[href='#op-listCases']")
    assert "List cases of a queue" in staff_link.text
    staff_link.click()
    wait(b, lambda d: d.execute_script("return location.hash") == "#op-listCases")
    top = b.execute_script("return document.getElementById('op-listCases').getBoundingClientRect().top")
    assert 0 <= top < 100, top

    # Deep link: the fragment is honoured once the document has been drawn.
    open_docs(b, server.base, "spec=/openapi-sample.json&lang=en#op-changeStatus")
    wait(b, lambda d: 0 <= d.execute_script(
        "return document.getElementById('op-changeStatus').getBoundingClientRect().top") < 100, "not scrolled")


def test_document_text_is_rendered_as_text_not_html(b, server):
    open_docs(b, server.base)
    description = by_id(b, "doc-description")
    assert "<script>alert('never run')</script> stays plain text." in description.text
    assert not description.find_elements(By.TAG_NAME, "script")
    assert description.find_element(By.TAG_NAME, "strong").text == "plain text"
    paragraphs = description.find_elements(By.CSS_SELECTOR, ":scope > p")
    assert paragraphs[0].text == "The HTTP API behind the CivicDesk citizen portal and the staff contact centre."
    items = description.find_elements(By.CSS_SELECTOR, ":scope > ul > li")
    assert [i.text.split(":")[0] for i in items] == ["code", "message", "fields"]
    assert "application/json; charset=utf-8" in [c.text for c in description.find_elements(By.TAG_NAME, "code")]
    assert b.execute_script("return document.querySelectorAll('script').length") == 1  # only api-docs.js
    assert b.execute_script("return typeof window.alert === 'function' && !document.querySelector('#doc script')")


def test_request_body_is_a_nested_field_tree_with_required_marks_and_resolved_refs(b, server):
    open_docs(b, server.base)
    post = article(b, "POST", "/v1/public/cases")
    body = post.find_element(By.CSS_SELECTOR, ".op-body")
    assert body.find_element(By.TAG_NAME, "h4").text.startswith("Request body")
    assert body.find_element(By.CSS_SELECTOR, "h4 .badge-required").text == "required"
    assert body.find_element(By.CSS_SELECTOR, ".media-type").text == "application/json"
    # $ref to #/components/schemas/PublicCase resolved, with its name shown.
    assert body.find_element(By.CSS_SELECTOR, ".schema-head .schema-ref").text.endswith("PublicCase")
    assert field_paths(body) == [
        "type", "category", "description", "language", "channel",
        "location", "location.lat", "location.lon", "location.address",
        "contact", "contact.name", "contact.email", "contact.phone"]

    required = {path for path in field_paths(body)
                if own_head(field(body, path)).find_elements(By.CSS_SELECTOR, ".badge-required")}
    assert required == {"type", "category", "description"}
    assert field(body, "type").find_element(By.CSS_SELECTOR, ".badge-required").is_displayed()

    description = field(body, "description")
    assert own_head(description).find_element(By.CSS_SELECTOR, ".field-type").text == "string"
    assert constraints(description) == {"minLength": "min. length 10", "maxLength": "max. length 5000"}
    assert constraints(field(body, "language"))["enum"] == "one of sr-Cyrl, sr-Latn, bg, cs, en"
    assert constraints(field(body, "channel"))["default"] == "default web"
    assert constraints(field(body, "contact.email"))["format"] == "format email"
    assert constraints(field(body, "contact.phone"))["pattern"] == r"pattern ^\+?[0-9][0-9 ()./-]{4,38}$"

    # A nested $ref (Location), its numbers, descriptions and dependentRequired.
    location = field(body, "location")
    assert own_head(location).find_element(By.CSS_SELECTOR, ".schema-ref").text.endswith("Location")
    assert location.find_element(By.CSS_SELECTOR, ":scope > .field-desc").text == "Where the problem is"
    assert constraints(location) == {"additionalProperties": "no other fields"}
    lat = field(body, "location.lat")
    assert own_head(lat).find_element(By.CSS_SELECTOR, ".field-type").text == "number"
    assert constraints(lat) == {"minimum": "minimum -90", "maximum": "maximum 90", "together": "only together with lon"}
    assert lat.find_element(By.CSS_SELECTOR, ".field-desc").text == "Latitude, WGS 84"
    assert lat.is_displayed()


def test_responses_resolve_refs_and_cycles_stop(b, server):
    open_docs(b, server.base)
    post = article(b, "POST", "/v1/public/cases")
    responses = post.find_elements(By.CSS_SELECTOR, "li.response")
    assert [r.get_attribute("data-status") for r in responses] == ["201", "400", "413", "429"]
    created, invalid = responses[0], responses[1]
    assert created.find_element(By.CSS_SELECTOR, ".status-code").text == "201"
    assert "status-2xx" in created.find_element(By.CSS_SELECTOR, ".status-code").get_attribute("class")
    assert created.find_element(By.CSS_SELECTOR, "details").get_attribute("open") == "true"  # first 2xx open
    assert field_paths(created) == ["number", "token", "tracking_url", "status", "language"]
    assert constraints(field(created, "status")) == {"const": "always new"}

    # 400 is a $ref to #/components/responses/ValidationFailed, whose schema is a $ref to Error.
    assert invalid.find_element(By.CSS_SELECTOR, ".response-desc").text == \
        "Some fields are not valid, or the body is not JSON"
    details = invalid.find_element(By.CSS_SELECTOR, "details")
    assert details.get_attribute("open") is None
    summary = details.find_element(By.TAG_NAME, "summary")
    assert "application/json" in summary.text and summary.find_element(By.CSS_SELECTOR, ".schema-ref").text.endswith("Error")
    assert not field(invalid, "error.code").is_displayed()
    summary.click()  # opens with the keyboard too: it is a <summary>
    code = field(invalid, "error.code")
    assert code.is_displayed()
    assert field_paths(invalid) == ["error", "error.code", "error.message", "error.fields",
                                    "error.fields[].field", "error.fields[].code", "error.fields[].message"]
    assert "validation_failed" in constraints(code)["enum"]
    fields_head = own_head(field(invalid, "error.fields"))
    assert fields_head.find_element(By.CSS_SELECTOR, ".field-type").text == "array of FieldError"
    assert "Retry-After" in text_of(responses[3].find_element(By.CSS_SELECTOR, ".response-headers"))

    # Department.parent refers to Department: shown once, then marked as recursive.
    me = article(b, "GET", "/v1/admin/me")
    paths = field_paths(me)
    assert "departments[].parent" in paths and "departments[].parent.id" not in paths
    parent = field(me, "departments[].parent")
    assert "recursive: Department" in text_of(parent)
    assert field_paths(me)[:4] == ["id", "name", "roles", "departments"]
    roles = field(me, "roles")
    assert "each item:" in text_of(roles) and "department_agent" in text_of(roles)

    # A 3.1 type list.
    cases = article(b, "GET", "/v1/admin/cases")
    cursor = field(cases, "next_cursor")
    assert own_head(cursor).find_element(By.CSS_SELECTOR, ".field-type").get_attribute("textContent") == "string | null"


def test_parameters_with_location_type_rules_and_path_level_merge(b, server):
    open_docs(b, server.base)
    track = article(b, "GET", "/v1/public/cases/{number}")
    rows = track.find_elements(By.CSS_SELECTOR, ".op-params li.param")
    assert [(r.get_attribute("data-param"), r.get_attribute("data-in")) for r in rows] == [
        ("number", "path"), ("token", "query"), ("lang", "query")]
    number, token, lang = rows
    # "In" is said to screen readers, not only shown as a pill.
    assert text_of(own_head(number).find_element(By.CSS_SELECTOR, ".param-in")) == "In: path"
    assert own_head(number).find_element(By.CSS_SELECTOR, ".param-in .visually-hidden").get_attribute("textContent") == "In: "
    assert own_head(number).find_element(By.CSS_SELECTOR, ".field-type").text == "string"
    assert own_head(number).find_elements(By.CSS_SELECTOR, ".badge-required")
    assert constraints(number) == {"pattern": "pattern ^[0-9]{4}-[0-9]{6}$", "example": "example 2026-000123"}
    assert number.find_element(By.CSS_SELECTOR, ".field-desc").text == "The case number, as on the confirmation"
    assert not own_head(token).find_elements(By.CSS_SELECTOR, ".badge-required")
    assert constraints(token) == {"maxLength": "max. length 64"}
    assert constraints(lang) == {"enum": "one of sr-Cyrl, sr-Latn, bg, cs, en"}

    listing = article(b, "GET", "/v1/admin/cases")
    names = [r.get_attribute("data-param") for r in listing.find_elements(By.CSS_SELECTOR, "li.param")]
    assert names == ["status", "department", "assignee", "limit", "cursor"]
    limit = listing.find_element(By.CSS_SELECTOR, "li.param[data-param='limit']")
    assert own_head(limit).find_element(By.CSS_SELECTOR, ".field-type").text == "integer"
    assert constraints(limit) == {"minimum": "minimum 1", "maximum": "maximum 100", "default": "default 25"}
    status = listing.find_element(By.CSS_SELECTOR, "li.param[data-param='status']")
    assert constraints(status)["enum"].startswith("one of new, in_progress, waiting_for_citizen")

    post = article(b, "POST", "/v1/public/cases")
    header = post.find_element(By.CSS_SELECTOR, "li.param[data-param='Idempotency-Key']")
    assert header.get_attribute("data-in") == "header"
    assert constraints(header)["pattern"] == "pattern ^[A-Za-z0-9-]{8,100}$"

    # The path item's own parameters apply to its operations.
    change = article(b, "POST", "/v1/admin/cases/{number}/status")
    assert [r.get_attribute("data-param") for r in change.find_elements(By.CSS_SELECTOR, "li.param")] == ["number"]


def test_staff_sign_in_marker_only_on_secured_operations(b, server):
    open_docs(b, server.base)
    for method, path, secured in OPERATIONS:
        op = article(b, method, path)
        markers = op.find_elements(By.CSS_SELECTOR, ".auth-required")
        if secured:
            assert len(markers) == 1, (method, path)
            assert markers[0].find_element(By.CSS_SELECTOR, ".auth-label").text == "Staff sign-in required"
            scheme = markers[0].find_element(By.CSS_SELECTOR, "a.scheme-link")
            assert scheme.text == "StaffAuthorizer" and scheme.get_attribute("hash") == "#scheme-StaffAuthorizer"
            assert not op.find_elements(By.CSS_SELECTOR, ".auth-public")
        else:
            assert not markers, (method, path)
            assert op.find_element(By.CSS_SELECTOR, ".auth-public").text == "No sign-in needed"
    assert len(b.find_elements(By.CSS_SELECTOR, ".auth-required")) == 3

    # The security scheme, explained.
    scheme = by_id(b, "scheme-StaffAuthorizer")
    text = scheme.text
    assert scheme.find_element(By.TAG_NAME, "h3").text == "StaffAuthorizer"
    assert "apiKey" in text
    assert "Sent in the header “Authorization”." in text
    assert "ID token of a staff member signed in to the Amazon Cognito user pool" in text
    assert "(no Bearer prefix)" in text
    assert "Operations that need it: 3." in text
    assert by_id(b, "auth").find_element(By.TAG_NAME, "h2").text == "Authentication"


def test_example_requests_are_copyable_curl_lines(b, server):
    b.execute_cdp_cmd("Browser.grantPermissions", {
        "origin": server.base, "permissions": ["clipboardReadWrite", "clipboardSanitizedWrite"]})
    open_docs(b, server.base)
    post = article(b, "POST", "/v1/public/cases")
    text = text_of(post.find_element(By.CSS_SELECTOR, "pre.example-request"))
    assert text.splitlines()[0] == f"curl -X POST '{server.base}/v1/public/cases' \\"
    words = curl_words(text)
    assert words[:4] == ["curl", "-X", "POST", f"{server.base}/v1/public/cases"]
    assert ["-H", "Content-Type: application/json"] == words[4:6]
    assert "Idempotency-Key: 4b3c8f0e-2a7d-4c1e-9f6a-0d2b7e5c9a11" in words
    body = json.loads(words[words.index("--data") + 1])
    assert body == SPEC["paths"]["/v1/public/cases"]["post"]["requestBody"]["content"]["application/json"]["example"]

    track = text_of(article(b, "GET", "/v1/public/cases/{number}").find_element(By.CSS_SELECTOR, "pre"))
    assert curl_words(track) == ["curl", f"{server.base}/v1/public/cases/2026-000123"]

    listing = text_of(article(b, "GET", "/v1/admin/cases").find_element(By.CSS_SELECTOR, "pre"))
    assert '-H "Authorization: $ID_TOKEN"' in listing
    assert curl_words(listing) == ["curl", f"{server.base}/v1/admin/cases", "-H", "Authorization: $ID_TOKEN"]

    change = text_of(article(b, "POST", "/v1/admin/cases/{number}/status").find_element(By.CSS_SELECTOR, "pre"))
    words = curl_words(change)
    assert words[3] == f"{server.base}/v1/admin/cases/2026-000123/status"
    assert json.loads(words[words.index("--data") + 1]) == {"status": "in_progress"}  # made from the schema

    # Copy: the button says what it copies, copies it, and says so.
    button = post.find_element(By.CSS_SELECTOR, "button.copy-button")
    assert button.text == "Copy"
    assert button.get_attribute("aria-label") == "Copy the example request: POST /v1/public/cases"
    button.click()
    status = post.find_element(By.CSS_SELECTOR, ".copy-status")
    wait(b, lambda d: status.text == "Copied.", "not copied")  # clipboard permission granted above
    pasted = b.execute_async_script(
        "const done = arguments[arguments.length - 1];"
        "navigator.clipboard.readText().then(done, (e) => done('ERR ' + e));")
    assert pasted == text
    wait(b, lambda d: status.text in by_id(d, "live").get_attribute("textContent"), "copy result not announced")


def test_filter_hides_operations_that_do_not_match(b, server):
    open_docs(b, server.base)
    total = len(OPERATIONS)
    assert by_id(b, "filter-count").text == f"Operations shown: {total} of {total}."
    box = by_id(b, "filter")
    assert b.find_element(By.CSS_SELECTOR, "label[for='filter']").text == "Filter operations"

    box.send_keys("admin")
    staff = [(m, p) for m, p, _ in OPERATIONS if p.startswith("/v1/admin/")]
    wait(b, lambda d: visible_operations(d) == staff, "filter 'admin' did not narrow the list")
    assert by_id(b, "filter-count").text == f"Operations shown: 3 of {total}."
    assert not by_id(b, "tag-public").is_displayed()
    assert by_id(b, "tag-staff").is_displayed()
    assert not by_id(b, "auth").is_displayed()  # only operations while filtering
    toc_visible = [a.get_attribute("hash") for a in b.find_elements(By.CSS_SELECTOR, "#toc-list .toc-ops a")
                   if a.is_displayed()]
    assert toc_visible == ["#op-adminMe", "#op-listCases", "#op-changeStatus"]
    wait(b, lambda d: "3 of" in by_id(d, "live").get_attribute("textContent"), "count not announced")

    # Several words must all match; parameter names and methods count.
    box.clear()
    box.send_keys("idempotency post")
    wait(b, lambda d: visible_operations(d) == [("POST", "/v1/public/cases")], "parameter name did not match")
    box.clear()
    box.send_keys("TRACK")  # summary text, any case
    wait(b, lambda d: visible_operations(d) == [("GET", "/v1/public/cases/{number}")], "summary did not match")

    box.clear()
    box.send_keys("no such thing")
    wait(b, lambda d: visible_operations(d) == [], "non-matching filter left operations")
    assert by_id(b, "filter-empty").is_displayed()
    assert by_id(b, "filter-empty").text == "No operation matches this filter."

    # Escape clears the filter.
    box.send_keys(Keys.ESCAPE)
    wait(b, lambda d: len(visible_operations(d)) == total, "Escape did not clear the filter")
    assert box.get_attribute("value") == ""
    assert not by_id(b, "filter-empty").is_displayed() and by_id(b, "auth").is_displayed()


CHROME = {
    # lang: (contents heading, filter label, staff marker, "Parameters", language label from i18n.js)
    "sr-Cyrl": ("Садржај", "Филтрирај операције", "Потребно је пријављивање запосленог", "Параметри", "Језик"),
    "sr-Latn": ("Sadržaj", "Filtriraj operacije", "Potrebno je prijavljivanje zaposlenog", "Parametri", "Jezik"),
    "bg": ("Съдържание", "Филтриране на операциите", "Изисква вход на служител", "Параметри", "Език"),
    "cs": ("Obsah", "Filtrovat operace", "Vyžaduje přihlášení zaměstnance", "Parametry", "Jazyk"),
    "en": ("Contents", "Filter operations", "Staff sign-in required", "Parameters", "Language"),
}


def chrome_texts(driver):
    listing = article(driver, "GET", "/v1/admin/cases")
    return (
        by_id(driver, "toc-title").text,
        driver.find_element(By.CSS_SELECTOR, "label[for='filter']").text,
        listing.find_element(By.CSS_SELECTOR, ".auth-label").text,
        listing.find_element(By.CSS_SELECTOR, ".op-params h4").text,
        driver.find_element(By.CSS_SELECTOR, "label[for='lang-select']").text,
    )


def test_language_switch_translates_the_chrome_not_the_document(b, server):
    open_docs(b, server.base)
    assert chrome_texts(b) == CHROME["en"]
    options = [o.get_attribute("value") for o in Select(by_id(b, "lang-select")).options]
    assert options == LANGS
    by_id(b, "filter").send_keys("admin")
    wait(b, lambda d: len(visible_operations(d)) == 3)

    for lang in ["cs", "sr-Cyrl", "sr-Latn", "bg", "en"]:
        Select(by_id(b, "lang-select")).select_by_value(lang)
        wait(b, lambda d, lang=lang: d.find_element(By.TAG_NAME, "html").get_attribute("lang") == lang,
             f"{lang} not applied")
        assert chrome_texts(b) == CHROME[lang], lang
        assert f"lang={lang}" in b.current_url
        # The document's own texts stay as they are, and the filter still applies.
        assert by_id(b, "page-title").text == "CivicDesk API"
        assert article(b, "GET", "/v1/admin/cases").find_element(By.CSS_SELECTOR, ".op-summary").text == \
            "List cases of a queue"
        assert len(visible_operations(b)) == 3
        assert by_id(b, "filter").get_attribute("value") == "admin"

    Select(by_id(b, "lang-select")).select_by_value("cs")
    wait(b, lambda d: d.find_element(By.TAG_NAME, "html").get_attribute("lang") == "cs")
    assert b.title == "CivicDesk API — Dokumentace API"
    assert by_id(b, "filter-count").text == f"Zobrazené operace: 3 z {len(OPERATIONS)}."
    assert b.find_element(By.CSS_SELECTOR, ".site-nav a[href^='index.html']").text == "Nahlásit problém"
    assert "lang=cs" in b.find_element(By.CSS_SELECTOR, ".site-nav a[href^='track.html']").get_attribute("href")
    assert b.execute_script("return localStorage.getItem('civicdesk.lang')") == "cs"

    # The choice is remembered, like on the other pages of the portal.
    open_docs(b, server.base, "spec=/openapi-sample.json")
    assert b.find_element(By.TAG_NAME, "html").get_attribute("lang") == "cs"
    assert by_id(b, "toc-title").text == "Obsah"


def test_unreachable_document_shows_a_clear_error(b, server, expected_console):
    expected_console += ["Failed to load resource", "/v1/openapi.json", "/missing.json", "/drop.json",
                         "/flaky.json"]
    # Default address (/v1/openapi.json), no API here: 404.
    open_docs(b, server.base, "lang=en")
    assert "/v1/openapi.json" in server.requests
    error = by_id(b, "load-error")
    assert error.is_displayed() and not by_id(b, "doc").is_displayed()
    assert not by_id(b, "load-status").is_displayed()
    assert by_id(b, "load-error-title").text == "The API description could not be loaded."
    assert by_id(b, "load-error-reason").text == "The server answered with status 404."
    assert by_id(b, "load-error-address").text == f"{server.base}/v1/openapi.json"
    assert by_id(b, "page-title").text == "API documentation"
    wait(b, lambda d: "could not be loaded" in by_id(d, "live").get_attribute("textContent"), "error not announced")

    cases = [
        ("/missing.json", "The server answered with status 404."),
        ("/drop.json", "The server could not be reached. Check your connection."),
        ("/not-json.json", "The answer is not a JSON document."),
        ("/not-openapi.json", "The answer is not an OpenAPI 3 document."),
    ]
    for spec, reason in cases:
        open_docs(b, server.base, f"spec={spec}&lang=en")
        assert by_id(b, "load-error").is_displayed(), spec
        assert by_id(b, "load-error-reason").text == reason, spec

    # Another site is refused before any request (the CSP would block it anyway).
    server.reset()
    open_docs(b, server.base, "spec=//other.example/openapi.json&lang=en")
    assert by_id(b, "load-error-reason").text == "Only a document from this site can be shown here."
    assert "/api.html" in [urlsplit(r).path for r in server.requests]
    assert not [r for r in server.requests if "openapi" in urlsplit(r).path]

    # The error is translated with the rest of the chrome.
    Select(by_id(b, "lang-select")).select_by_value("sr-Cyrl")
    wait(b, lambda d: by_id(d, "load-error-title").text == "Опис API-ја није могао да се учита.")
    assert by_id(b, "load-error-reason").text == "Овде може да се прикаже само документ са овог сајта."
    assert by_id(b, "load-retry").text == "Покушај поново"

    # "Try again" loads the document once it is there.
    open_docs(b, server.base, "spec=/flaky.json&lang=en")
    assert by_id(b, "load-error-reason").text == "The server answered with status 503."
    by_id(b, "load-retry").click()
    wait(b, lambda d: by_id(d, "doc").is_displayed(), "retry did not load the document")
    assert not by_id(b, "load-error").is_displayed()
    assert len(b.find_elements(By.CSS_SELECTOR, "article.op")) == len(OPERATIONS)


def test_landmarks_headings_and_visible_keyboard_focus(b, server):
    open_docs(b, server.base)
    landmarks = b.execute_script("""
        return {
          banner: document.querySelectorAll('body > header').length,
          main: document.querySelectorAll('main#main').length,
          footer: document.querySelectorAll('body > footer').length,
          search: document.querySelectorAll('[role=search]').length,
          navs: [...document.querySelectorAll('nav')].map((n) =>
            n.getAttribute('aria-label') || document.getElementById(n.getAttribute('aria-labelledby')).textContent),
        };
    """)
    assert landmarks == {"banner": 1, "main": 1, "footer": 1, "search": 1, "navs": ["Main menu", "Contents", "About this site"]}  # the footer's privacy and accessibility links
    assert b.find_element(By.CSS_SELECTOR, ".site-nav a[aria-current='page']").get_attribute("href").endswith("api.html")

    # One h1; no heading level skipped on the way down.
    levels = b.execute_script(
        "return [...document.querySelectorAll('h1,h2,h3,h4,h5,h6')].filter((e) => e.offsetParent !== null || "
        "e.closest('details')).map((e) => Number(e.tagName[1]))")
    assert levels.count(1) == 1 and levels[0] == 1
    for previous, current in zip(levels, levels[1:], strict=False):
        assert current <= previous + 1, levels
    # Every control has a name.
    unnamed = b.execute_script("""
        return [...document.querySelectorAll('button, input, select, a[href]')].filter((el) => {
          const label = el.labels && el.labels.length ? el.labels[0].textContent : '';
          return !(el.getAttribute('aria-label') || label.trim() || el.textContent.trim());
        }).map((el) => el.outerHTML.slice(0, 80));
    """)
    assert unnamed == []

    # Keyboard: the skip link comes first, is shown when focused and leads to main.
    b.find_element(By.TAG_NAME, "body").send_keys(Keys.TAB)
    info = active_element_info(b)
    assert info["href"] == "#main" and info["outline"] == "solid" and info["outlineWidth"] >= 2
    assert b.execute_script("return document.activeElement.getBoundingClientRect().top") >= 0
    b.switch_to.active_element.send_keys(Keys.ENTER)
    wait(b, lambda d: active_element_info(d)["id"] == "main", "skip link did not move focus to main")

    # The filter shows focus; Tab goes on to the contents, whose links show focus too.
    by_id(b, "filter").click()
    b.switch_to.active_element.send_keys(Keys.SHIFT, Keys.TAB)
    b.switch_to.active_element.send_keys(Keys.TAB)
    info = active_element_info(b)
    assert info["id"] == "filter" and info["outline"] == "solid" and info["boxShadow"] != "none"
    b.switch_to.active_element.send_keys(Keys.TAB)
    info = active_element_info(b)
    assert info["href"] == "#auth" and info["outline"] == "solid" and info["outlineWidth"] >= 2
    b.switch_to.active_element.send_keys(Keys.ENTER)
    wait(b, lambda d: d.execute_script("return location.hash") == "#auth")
    # A collapsed response body opens from the keyboard.
    summary = article(b, "POST", "/v1/public/cases").find_element(By.CSS_SELECTOR, "li.response[data-status='400'] summary")
    b.execute_script("arguments[0].focus()", summary)
    summary.send_keys(Keys.ENTER)
    wait(b, lambda d: summary.find_element(By.XPATH, "..").get_attribute("open") == "true", "summary did not open")
    screenshot(b, "civicdesk-api-desktop")


def test_phone_width_has_no_horizontal_scroll_and_big_enough_targets(b, server, expected_console):
    expected_console.append("/missing.json")
    phone(b)
    open_docs(b, server.base, "spec=/openapi-sample.json&lang=sr-Cyrl")
    for details in b.find_elements(By.CSS_SELECTOR, "details"):  # the widest content too
        b.execute_script("arguments[0].open = true", details)
    scroll_width, inner_width, body_width = no_horizontal_scroll(b)
    assert inner_width == 375
    assert scroll_width <= inner_width and body_width <= inner_width, (scroll_width, body_width)
    for element in (by_id(b, "lang-select"), by_id(b, "filter"), b.find_element(By.CSS_SELECTOR, ".copy-button"),
                    b.find_element(By.CSS_SELECTOR, "#toc-list .toc-ops a"),
                    b.find_element(By.CSS_SELECTOR, "details summary")):
        assert element.size["height"] >= 44, element.get_attribute("outerHTML")[:80]
    screenshot(b, "civicdesk-api-phone")

    open_docs(b, server.base, "spec=/missing.json&lang=bg")
    assert no_horizontal_scroll(b)[0] <= 375


def test_page_strings_complete_and_serbian_scripts_match(b, server):
    open_docs(b, server.base)
    strings = module_export(b, "api-docs.js", "m.DOC_STRINGS")
    keys = check_translations(strings)
    # Not left in English by mistake (a few words are the same on purpose).
    same = {"navApi", "metaLicence", "metaFormat", "c_format", "in_cookie"}
    for lang in ("sr-Latn", "cs", "bg"):
        untranslated = {k for k in keys if strings[lang][k] == strings["en"][k]} - same
        assert not untranslated, (lang, untranslated)
    # Every key the page uses exists (a missing one would show as the key itself).
    source = (WEB_DIR / "assets" / "api-docs.js").read_text(encoding="utf-8")
    used = set(re.findall(r"tr\('(\w+)'", source)) | set(re.findall(r"constraint\('(\w+)'", source))
    html = (WEB_DIR / "api.html").read_text(encoding="utf-8")
    layout = (WEB_DIR / "assets" / "layout.js").read_text(encoding="utf-8")
    used |= set(re.findall(r"'data-i18n(?:-aria-label)?': '(\w+)'", layout))
    used |= set(re.findall(r"key: '(\w+)'", layout))
    portal = module_export(b, "i18n.js", "Object.keys(m.STRINGS.en)")
    for key in used | set(re.findall(r'data-i18n(?:-aria-label)?="(\w+)"', html)):
        assert key in keys or key in portal, key
