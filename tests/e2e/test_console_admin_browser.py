"""The console's staff, canned replies, quarantine and suppression screens in headless Chromium
against the local runtime: quarantined mail read and released by an operator into a case, a
bounced address lifted by the supervisor with a reason, the staff list filtered by department
with a colleague's open cases, canned replies kept by an administrator and only read by an
operator, the menu per role, axe in two languages, and a tablet's width."""

from __future__ import annotations

import smtplib
import time
import uuid
from email.message import EmailMessage
from email.utils import make_msgid

import pytest
import requests
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import Select

from tests.support.browser import SCREENSHOT_DIR, chromium, clean_console, skip_without_chromium, wait
from tests.support.console import axe_violations, demo_user, menu, open_screen, sign_in, sign_out
from tests.support.runtime import running

skip_without_chromium(module=True)
pytestmark = [pytest.mark.e2e, pytest.mark.browser, pytest.mark.xdist_group("console-admin-browser")]

DOMAIN = "demo.civicdesk.rs"
SCREENS = ["/staff", "/canned-replies", "/quarantine", "/suppressions"]


@pytest.fixture(scope="module")
def runtime(tmp_path_factory):
    with running(tmp_path_factory.mktemp("console-admin")) as process:
        yield process


@pytest.fixture(scope="module")
def browser():
    with chromium() as driver:
        yield driver


def call(runtime, user: dict, method: str, path: str, body: object = None, lang: str = "en") -> requests.Response:
    headers = {"Authorization": runtime.id_token(user), "Accept-Language": lang}
    return requests.request(method, f"{runtime.url}{path}", json=body, headers=headers, timeout=15)


def quarantine_spam(runtime, subject: str, text: str) -> str:
    """A mail SES would call spam, with an attachment, delivered over SMTP; its SES id."""
    message = EmailMessage()
    message["From"] = "Petar Ilić <petar.ilic@example.rs>"
    message["To"] = f"kjs@{DOMAIN}"
    message["Subject"] = subject
    message["Message-ID"] = make_msgid(domain="example.rs")
    message["X-CivicDesk-Local-Verdicts"] = "spam=FAIL"
    message.set_content(text)
    message.add_attachment(b"%PDF-1.4 fotografija", maintype="application", subtype="pdf", filename="rupa.pdf")
    with smtplib.SMTP("127.0.0.1", runtime.smtp_port, timeout=10) as client:
        client.ehlo()
        client.mail("petar.ilic@example.rs")
        assert client.rcpt(f"kjs@{DOMAIN}")[0] == 250
        code, reply = client.data(message.as_bytes())
    assert code == 250, reply
    ses_id = reply.decode().split()[-1]

    def listed():
        items = requests.get(f"{runtime.url}/_local/quarantine", timeout=10).json()["items"]
        return [i for i in items if i["ses_message_id"] == ses_id]

    runtime.wait_for(listed, "the quarantined mail")
    return ses_id


def bounced_address(runtime) -> str:
    """A citizen's address that bounced hard: a case with it, SES's bounce of the mail to it."""
    address = f"nepostoji.{uuid.uuid4().hex[:8]}@example.rs"
    answer = requests.post(f"{runtime.url}/v1/public/cases", timeout=15, json={
        "type": "signal", "category": "street_lighting", "description": "Не ради улична расвета код броја 12.",
        "contact": {"email": address}})
    assert answer.status_code == 201, answer.text
    sent = runtime.wait_for(lambda: [m for m in runtime.outbox() if address in str(m.get("to", ""))
                                     or address in str(m.get("destination", ""))], "the mail to the citizen")
    report = requests.post(f"{runtime.url}/_local/ses-events", json={"id": sent[0]["id"], "type": "bounce"}, timeout=15)
    assert report.status_code < 300, report.text
    return address


def suppressed(runtime, user, address) -> bool:
    items = call(runtime, user, "GET", "/v1/admin/suppressions?limit=100").json()["items"]
    return any(i["address"] == address for i in items)


def reply_card(b, title: str):
    """The canned reply ``title`` once the list shows it."""
    xpath = f"//li[contains(@class,'canned-reply')][.//h3[normalize-space()='{title}']]"
    return wait(b, lambda d: d.find_elements(By.XPATH, xpath), f"no canned reply {title}")[0]


def screenshot(b, name: str) -> None:
    if SCREENSHOT_DIR:
        b.save_screenshot(f"{SCREENSHOT_DIR}/console-admin-{name}.png")


def rows(b) -> list[str]:
    """The rows of the screen's tables, read at once (a re-render never leaves a stale one)."""
    return b.execute_script("return [...document.querySelectorAll('table.admin-table tbody tr')]"
                            ".map((r) => r.innerText.split(/\\s+/).join(' ').trim())")


def text(b, selector: str) -> str:
    return b.execute_script("const e = document.querySelector(arguments[0]); return e ? e.innerText : ''", selector)


def no_horizontal_scroll(b) -> bool:
    return b.execute_script("return document.documentElement.scrollWidth <= document.documentElement.clientWidth")


# -- the menu -----------------------------------------------------------------------------------

def test_a_department_agent_sees_the_staff_and_the_canned_replies_only(browser, runtime):
    agent = demo_user(runtime, "department_agent", department="roads_traffic")
    with clean_console(browser, expected=["403"]) as b:
        sign_in(b, runtime.url, agent, path="/quarantine")
        entries = menu(b)
        assert "Zaposleni" in entries and "Gotovi odgovori" in entries, entries
        assert "Karantin" not in entries and "Blokirane adrese" not in entries, entries
        # A screen the role may not use is refused by the console too, before any request.
        assert text(b, "main .alert-error") == "Nemate pravo na ovu radnju."
        sign_out(b)


def check_menu(b, shown: list[str], hidden: list[str]) -> None:
    """The menu's entries: ``shown`` in this order, none of ``hidden``."""
    entries = menu(b)
    assert [e for e in entries if e in shown] == shown and not set(hidden) & set(entries), entries


# -- quarantine ---------------------------------------------------------------------------------

def test_an_operator_reads_a_quarantined_mail_and_releases_it_into_a_case(browser, runtime):
    subject = f"Рупа у Улици краља Петра {uuid.uuid4().hex[:4]}"
    quarantine_spam(runtime, subject, "Поштовани, рупа на коловозу код броја 7 је све већа.")
    operator = demo_user(runtime, "operator")
    with clean_console(browser) as b:
        sign_in(b, runtime.url, operator, path="/quarantine")
        check_menu(b, ["Запослени", "Готови одговори", "Карантин", "Мој профил"], ["Блокиране адресе"])
        [row] = [r for r in b.find_elements(By.CSS_SELECTOR, "table.admin-table tbody tr") if "Нежељена пошта" in r.text]
        # Spam is held before it is read: the list cannot name its sender or subject.
        assert "види се кад се отвори" in row.text
        # With the keyboard: the row's button opens the message, its heading takes the focus.
        row.find_element(By.TAG_NAME, "button").send_keys(Keys.ENTER)
        heading = wait(b, lambda d: d.find_elements(By.ID, "quarantine-message-title"), "no message")[0]
        wait(b, lambda d: d.switch_to.active_element == heading, "the message heading has no focus")
        message = b.find_element(By.CSS_SELECTOR, ".quarantine-message")
        assert heading.text == subject
        assert "Petar Ilić <petar.ilic@example.rs>" in message.text
        assert "рупа на коловозу код броја 7" in message.find_element(By.CSS_SELECTOR, ".quarantine-text").text
        assert "rupa.pdf" in message.find_element(By.CSS_SELECTOR, ".quarantine-attachments").text
        assert "нежељена пошта: није прошла" in message.text
        assert b.find_elements(By.CSS_SELECTOR, ".quarantine-attachments a") == []  # never opened from here
        screenshot(b, "quarantine")

        release = [x for x in message.find_elements(By.TAG_NAME, "button") if x.text == "Пусти"][0]
        release.send_keys(Keys.ENTER)
        dialog = wait(b, lambda d: d.find_elements(By.CSS_SELECTOR, "dialog[open]"), "no confirmation")[0]
        assert "Пустити ову поруку?" in dialog.text
        confirm = dialog.find_element(By.CSS_SELECTOR, "button[type=submit]")
        confirm.send_keys(Keys.ENTER)
        wait(b, lambda d: text(d, ".quarantine-message .alert-success"), "not released")
        assert text(b, ".quarantine-message .alert-success").startswith("Пуштена: отворен је предмет ")
        number = b.execute_script("return document.querySelector('.quarantine-message .alert-success a')"
                                  ".getAttribute('href')").rsplit("/", 1)[-1]
        assert b.find_elements(By.CSS_SELECTOR, "dialog[open]") == []
        wait(b, lambda d: "Пуштена" in text(d, ".admin-selected"), "the list not refreshed")
        wait(b, lambda d: "Пуштена " in text(d, ".quarantine-message .facts"), "the message not refreshed")
        assert not [x for x in b.find_elements(By.CSS_SELECTOR, ".quarantine-message button") if x.text == "Пусти"]
        sign_out(b)
    case = requests.get(f"{runtime.url}/_local/cases/{number}", timeout=10).json()
    assert case["case"]["subject"] == subject


# -- suppressions -------------------------------------------------------------------------------

def test_the_supervisor_lifts_a_bounced_address_with_a_reason(browser, runtime):
    address = bounced_address(runtime)
    supervisor = demo_user(runtime, "supervisor")
    runtime.wait_for(lambda: suppressed(runtime, supervisor, address), "the address suppressed")
    with clean_console(browser) as b:
        sign_in(b, runtime.url, supervisor, path="/suppressions")
        check_menu(b, ["Запослени", "Готови одговори", "Карантин", "Блокиране адресе", "Мој профил"], [])
        row = [r for r in b.find_elements(By.CSS_SELECTOR, "table.admin-table tbody tr") if address in r.text][0]
        assert "Трајно враћена" in row.text and "Предмет " in row.text and "враћено: 1" in row.text
        screenshot(b, "suppressions")
        row.find_element(By.TAG_NAME, "button").click()
        dialog = wait(b, lambda d: d.find_elements(By.CSS_SELECTOR, "dialog[open]"), "no dialog")[0]
        dialog.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
        assert dialog.find_element(By.CSS_SELECTOR, ".field-error").text == "Попуните ово поље."
        assert suppressed(runtime, supervisor, address)
        dialog.find_element(By.NAME, "reason").send_keys("Грађанин је телефоном исправио адресу.")
        dialog.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
        notice = wait(b, lambda d: d.find_elements(By.CSS_SELECTOR, "main .alert-success"), "not lifted")[0]
        assert notice.text == f"Адреса {address} поново прима пошту."
        wait(b, lambda d: not any(address in r for r in rows(d)), "the address is still listed")
        sign_out(b)
    assert not suppressed(runtime, supervisor, address)


# -- staff --------------------------------------------------------------------------------------

def test_the_staff_list_filters_by_department_and_shows_a_colleagues_open_cases(browser, runtime):
    operator, administrator = demo_user(runtime, "operator"), demo_user(runtime, "administrator")
    agent = demo_user(runtime, "department_agent", department="roads_traffic")
    opened = call(runtime, operator, "POST", "/v1/admin/cases", {
        "type": "signal", "channel": "phone", "category": "road_damage",
        "description": "Ударна рупа на раскрсници код пијаце.", "requester": {"name": "Зоран", "phone": "+381641234567"}})
    assert opened.status_code == 201, opened.text
    number = opened.json()["number"]
    assigned = call(runtime, operator, "POST", f"/v1/admin/cases/{number}/assignment",
                    {"assignee": agent["username"], "version": opened.json()["version"]})
    assert assigned.status_code == 200, assigned.text
    with clean_console(browser) as b:
        sign_in(b, runtime.url, administrator, path="/staff")
        check_menu(b, ["Staff", "Canned replies", "Quarantine", "Suppressed addresses", "My profile"], [])
        link = b.find_element(By.LINK_TEXT, "API documentation")
        assert link.get_attribute("href") == f"{runtime.url}/api.html"
        console_tab = b.current_window_handle
        link.click()  # a new tab: the console stays where it was
        wait(b, lambda d: len(d.window_handles) == 2, "no documentation tab")
        b.switch_to.window([h for h in b.window_handles if h != console_tab][0])
        try:
            wait(b, lambda d: d.find_elements(
                By.CSS_SELECTOR, "article.op[data-path='/v1/admin/quarantine/{quarantine_id}']"),
                "the documentation does not show the runtime's API")
        finally:
            b.close()
            b.switch_to.window(console_tab)
        everyone = rows(b)
        assert any("Jelena Petrović" in r for r in everyone) and any(agent["name"] in r for r in everyone)
        Select(b.find_element(By.NAME, "department")).select_by_visible_text("Roads and Traffic Department")
        wait(b, lambda d: "department=roads_traffic" in d.current_url and not any("Jelena Petrović" in r for r in rows(d)),
             "not filtered")
        filtered = rows(b)
        assert any(agent["name"] in r and "Roads and Traffic Department" in r for r in filtered), filtered
        assert any(operator["name"] in r for r in filtered)  # an operator works on every department
        Select(b.find_element(By.NAME, "role")).select_by_value("department_agent")
        wait(b, lambda d: len(rows(d)) == 1 and agent["name"] in rows(d)[0], "not filtered by role")
        b.find_element(By.XPATH, f"//button[normalize-space()='{agent['name']}']").click()
        panel = wait(b, lambda d: d.find_elements(By.CSS_SELECTOR, "[aria-labelledby=staff-cases-title]"), "no cases")[0]
        wait(b, lambda d: number in panel.text, "the colleague's case is not listed")
        link = panel.find_element(By.LINK_TEXT, number)
        assert link.get_attribute("href").endswith(f"#/cases/{number}")
        screenshot(b, "staff")
        b.refresh()  # the filters and the colleague are in the URL
        wait(b, lambda d: d.find_elements(By.CSS_SELECTOR, "[aria-labelledby=staff-cases-title]"), "no cases after reload")
        assert Select(b.find_element(By.NAME, "department")).first_selected_option.get_attribute("value") == "roads_traffic"
        sign_out(b)


# -- canned replies -----------------------------------------------------------------------------

def test_an_administrator_keeps_canned_replies_and_an_operator_only_reads_them(browser, runtime):
    administrator, operator = demo_user(runtime, "administrator"), demo_user(runtime, "operator")
    title = f"Рупа: поправка заказана {uuid.uuid4().hex[:4]}"
    with clean_console(browser) as b:
        sign_in(b, runtime.url, administrator, path="/canned-replies")
        b.find_element(By.XPATH, "//button[normalize-space()='New canned reply']").click()
        form = wait(b, lambda d: d.find_elements(By.CSS_SELECTOR, "form.canned-form"), "no form")[0]
        form.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
        assert [e.text for e in form.find_elements(By.CSS_SELECTOR, ".field-error")] == ["Fill this in."] * 2
        form.find_element(By.NAME, "title").send_keys(title)
        Select(form.find_element(By.NAME, "language")).select_by_value("sr-Cyrl")
        form.find_element(By.NAME, "text").send_keys("Поштовани, поправка је заказана за следећу недељу.")
        form.find_element(By.CSS_SELECTOR, "input[value=road_damage]").click()
        form.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
        wait(b, lambda d: f"“{title}” was saved." in d.find_element(By.TAG_NAME, "main").text, "not created")
        reply = reply_card(b, title)
        assert "Road damage" in reply.text or "road" in reply.text.lower()

        # Another administrator changes it meanwhile: the edit meets a 409 and shows their text.
        reply.find_element(By.XPATH, ".//button[normalize-space()='Edit']").click()
        form = wait(b, lambda d: d.find_elements(By.CSS_SELECTOR, "form.canned-form"), "no edit form")[0]
        [stored] = [r for r in call(runtime, administrator, "GET", "/v1/admin/canned-replies?lang=sr-Cyrl").json()["items"]
                    if r["title"] == title]
        changed = call(runtime, administrator, "PUT", f"/v1/admin/canned-replies/{stored['id']}",
                       {**{k: stored[k] for k in ("title", "language", "categories", "version")},
                        "text": "Поштовани, поправка је у току."})
        assert changed.status_code == 200, changed.text
        field = form.find_element(By.NAME, "text")
        field.clear()
        field.send_keys("Поштовани, поправка је заказана за понедељак.")
        form.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
        warning = wait(b, lambda d: d.find_elements(By.CSS_SELECTOR, "form.canned-form .alert-warning"), "no conflict")[0]
        assert "Поштовани, поправка је у току." in warning.text and "version 2" in warning.text
        screenshot(b, "canned-replies-conflict")
        warning.find_element(By.XPATH, ".//button[normalize-space()='Keep my text']").click()
        form.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
        wait(b, lambda d: f"Your changes to “{title}” were saved." in d.find_element(By.TAG_NAME, "main").text, "not saved")
        [stored] = [r for r in call(runtime, administrator, "GET", "/v1/admin/canned-replies").json()["items"]
                    if r["title"] == title]
        assert (stored["text"], stored["version"]) == ("Поштовани, поправка је заказана за понедељак.", 3)
        screenshot(b, "canned-replies")
        sign_out(b)

        # The operator reads it in her language's list, with nothing to change it by.
        sign_in(b, runtime.url, operator, path="/canned-replies")
        Select(b.find_element(By.NAME, "lang")).select_by_value("sr-Cyrl")
        wait(b, lambda d: title in text(d, ".canned-list"), "not listed for the operator")
        assert b.find_elements(By.CSS_SELECTOR, ".canned-reply button") == []
        assert not [x for x in b.find_elements(By.CSS_SELECTOR, "main button") if x.text == "Нови готов одговор"]
        sign_out(b)

        sign_in(b, runtime.url, administrator, path="/canned-replies")
        reply = reply_card(b, title)
        reply.find_element(By.XPATH, ".//button[normalize-space()='Delete']").click()
        dialog = wait(b, lambda d: d.find_elements(By.CSS_SELECTOR, "dialog[open]"), "no confirmation")[0]
        dialog.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
        wait(b, lambda d: f"“{title}” was deleted." in d.find_element(By.TAG_NAME, "main").text, "not deleted")
        wait(b, lambda d: title not in text(d, ".canned-list"), "the deleted reply is still listed")
        sign_out(b)
    assert not [r for r in call(runtime, administrator, "GET", "/v1/admin/canned-replies").json()["items"]
                if r["title"] == title]


# -- accessibility and widths -------------------------------------------------------------------

@pytest.fixture(scope="module")
def listed(runtime):
    """A message waiting in quarantine and a suppressed address, for the screens to show."""
    quarantine_spam(runtime, "Оглас", "Купите одмах.")
    address = bounced_address(runtime)
    supervisor = demo_user(runtime, "supervisor")
    runtime.wait_for(lambda: suppressed(runtime, supervisor, address), "a suppression")


@pytest.mark.parametrize("role", ["supervisor", "administrator"])  # sr-Cyrl and en
def test_axe_finds_nothing_on_the_screens_and_a_tablet_needs_no_horizontal_scroll(browser, runtime, listed, role):
    user = demo_user(runtime, role)
    with clean_console(browser) as b:
        sign_in(b, runtime.url, user, path="/staff")
        for path in SCREENS:
            open_screen(b, path)
            wait(b, lambda d: not d.find_elements(By.CSS_SELECTOR, ".loading"), f"{path} loading")
            assert axe_violations(b) == [], (role, path)
        if role == "administrator":
            open_screen(b, "/canned-replies")
            b.find_element(By.CSS_SELECTOR, ".page-actions button").click()
            wait(b, lambda d: d.find_elements(By.CSS_SELECTOR, "form.canned-form"), "no form")
            assert axe_violations(b) == [], (role, "the canned reply form")
        open_screen(b, "/quarantine")
        b.find_element(By.CSS_SELECTOR, "table.admin-table tbody tr button").click()
        wait(b, lambda d: d.find_elements(By.CSS_SELECTOR, ".quarantine-text"), "no message")
        assert axe_violations(b) == [], (role, "a quarantined message")
        open_screen(b, "/suppressions")
        b.find_element(By.CSS_SELECTOR, "table.admin-table tbody tr button").click()
        wait(b, lambda d: d.find_elements(By.CSS_SELECTOR, "dialog[open]"), "no dialog")
        assert axe_violations(b) == [], (role, "the lift dialog")
        b.find_element(By.CSS_SELECTOR, "dialog[open]").send_keys(Keys.ESCAPE)
        wait(b, lambda d: not d.find_elements(By.CSS_SELECTOR, "dialog[open]"), "the dialog stays open")

        b.set_window_size(768, 1000)
        try:
            for path in SCREENS:
                open_screen(b, path)
                wait(b, lambda d: not d.find_elements(By.CSS_SELECTOR, ".loading"), f"{path} loading")
                time.sleep(0.1)
                assert no_horizontal_scroll(b), (role, path)
                screenshot(b, f"768-{role}-{path.strip('/')}")
            open_screen(b, "/quarantine")
            b.find_element(By.CSS_SELECTOR, "table.admin-table tbody tr button").click()
            wait(b, lambda d: d.find_elements(By.CSS_SELECTOR, ".quarantine-text"), "no message")
            assert no_horizontal_scroll(b), (role, "a quarantined message")
        finally:
            b.set_window_size(1280, 900)
        sign_out(b)
