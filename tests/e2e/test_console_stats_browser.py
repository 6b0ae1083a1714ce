"""The statistics dashboard of the staff console and the portal's statistics page in headless
Chromium against the local runtime: cases come in through three channels (a phone call entered
by an operator, the public web form, a mail), one is resolved; the dashboard's key figures and
table, GET /v1/admin/stats's JSON and its CSV (the API's and the one the download button saves)
say the same; a row opens the queue with the cases it counts; an agent sees their department
only; the portal's page shows GET /v1/public/stats with small counts held back; axe finds
nothing on either, in two languages, and the dashboard fits a tablet's width."""

from __future__ import annotations

import csv
import io
import os
import re
import smtplib
from datetime import datetime
from email import policy
from email.message import EmailMessage
from email.utils import make_msgid
from zoneinfo import ZoneInfo

import pytest
import requests
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import Select

from tests.support.browser import chromium, clean_console, skip_without_chromium, wait
from tests.support.console import axe_violations, demo_user, menu, open_screen, sign_in, sign_out, wait_for_screen
from tests.support.runtime import RuntimeProcess, running

skip_without_chromium(module=True)
pytestmark = [pytest.mark.e2e, pytest.mark.browser, pytest.mark.xdist_group("console-stats-browser")]

DOMAIN = "demo.civicdesk.rs"
ROADS = "roads_traffic"
SCREENSHOTS = os.environ.get("CIVICDESK_SCREENSHOTS")
#: What the dashboard asks for and its CSV holds (js/stats/data.js FIGURES).
FIGURES = ["opened", "resolved", "first_reaction_count", "first_reaction_median", "first_reaction_p90",
           "resolution_count", "resolution_median", "resolution_p90"]


class Runtime(RuntimeProcess):
    def send(self, message: EmailMessage) -> None:
        with smtplib.SMTP("127.0.0.1", self.smtp_port, timeout=10) as client:
            client.ehlo()
            client.mail("jovana.ilic@example.rs")
            assert client.rcpt(f"kjs@{DOMAIN}")[0] == 250
            code, reply = client.data(message.as_bytes(policy=policy.SMTP))
        assert code == 250, reply

    def call(self, user: dict, method: str, path: str, body: dict | None = None, *,
             params: dict | None = None, expect: int = 200) -> requests.Response:
        answer = requests.request(method, f"{self.url}{path}", json=body, params=params, timeout=10,
                                  headers={"Authorization": self.id_token(user)})
        assert answer.status_code == expect, (path, answer.status_code, answer.text)
        return answer

    def stats(self, user: dict, **params) -> dict:
        return self.call(user, "GET", "/v1/admin/stats", params=params).json()


@pytest.fixture(scope="module")
def runtime(tmp_path_factory):
    with running(tmp_path_factory.mktemp("console-stats"), Runtime) as process:
        yield process


@pytest.fixture(scope="module")
def browser():
    with chromium() as driver:
        yield driver


def today() -> str:
    return datetime.now(ZoneInfo("Europe/Belgrade")).date().isoformat()


@pytest.fixture(scope="module")
def cases(runtime) -> dict:
    """A phone call (roads, resolved by the roads agent), a web form case (trees) and a mail;
    returned once the kept statistics count all three."""
    operator, agent = demo_user(runtime, "operator"), demo_user(runtime, "department_agent", department=ROADS)
    supervisor = demo_user(runtime, "supervisor")
    phone = runtime.call(operator, "POST", "/v1/admin/cases", {
        "type": "signal", "channel": "phone", "category": "road_damage",
        "description": "Рупа на коловозу у Улици кнеза Милоша, пријављено телефоном.",
        "requester": {"name": "Милан Јовановић", "phone": "064 123 4567"}}, expect=201).json()
    web = requests.post(f"{runtime.url}/v1/public/cases", timeout=10, json={
        "type": "signal", "category": "trees", "language": "sr-Latn",
        "description": "Grana velikog drveta visi iznad trotoara u Ulici Vuka Karadžića.",
        "contact": {"email": "petar@example.rs"}})
    assert web.status_code == 201, web.text
    mail = EmailMessage()
    mail["From"] = "Јована Илић <jovana.ilic@example.rs>"
    mail["To"] = f"kjs@{DOMAIN}"
    mail["Subject"] = "Контејнер није испражњен"
    mail["Message-ID"] = make_msgid(domain="example.rs")
    mail.set_content("Поштовани, контејнер испред зграде у Улици Светог Саве 8 није испражњен већ недељу дана.")
    runtime.send(mail)
    number = phone["number"]
    for status in ("in_progress", "resolved"):
        version = runtime.call(agent, "GET", f"/v1/admin/cases/{number}").json()["version"]
        runtime.call(agent, "POST", f"/v1/admin/cases/{number}/status",
                     {"status": status, "reason": "Екипа је санирала рупу.", "version": version})
    # the dashboard's default period: this month so far (the module's cases are all of today)
    period = {"from": today()[:8] + "01", "to": today()}

    def counted():
        totals = runtime.stats(supervisor, **period, metrics="opened,resolved")["totals"]
        return totals if totals.get("opened") == 3 and totals.get("resolved") == 1 else None
    runtime.wait_for(counted, "the statistics to count the three cases")
    return {"phone": number, "period": period}


def figures(driver) -> list[str]:
    return [e.text for e in driver.find_elements(By.CSS_SELECTOR, ".stats-figure .stats-figure-value")]


def main_table(driver) -> list[list[str]]:
    rows = driver.find_elements(By.CSS_SELECTOR, "section[aria-labelledby=stats-table] table tbody tr")
    return [[cell.text for cell in row.find_elements(By.CSS_SELECTOR, "th, td")] for row in rows]


def wait_for_figures(driver) -> None:
    wait(driver, lambda d: d.find_elements(By.CSS_SELECTOR, ".stats-body[aria-busy=false] .stats-figure")
         and d.find_elements(By.CSS_SELECTOR, ".stats-chart canvas"), "no figures on the dashboard")


def minutes_of(text: str) -> int | None:
    """Working minutes back from "1 сат 5 минута", "2 сата", "5 минута" (sr-Cyrl), "–": None."""
    numbers = [int(n) for n in re.findall(r"\d+", text)]
    if not numbers:
        return None
    if len(numbers) == 2:
        return numbers[0] * 60 + numbers[1]
    return numbers[0] * 60 if "сат" in text else numbers[0]


def no_horizontal_scroll(driver) -> bool:
    return driver.execute_script(
        "return document.documentElement.scrollWidth <= document.documentElement.clientWidth")


def too_wide(driver) -> list[str]:
    """What sticks out of the page on the right (to say why it scrolls)."""
    return driver.execute_script(
        "const w = document.documentElement.clientWidth; return [...document.querySelectorAll('body *')]"
        ".filter((e) => e.getBoundingClientRect().right > w + 1 && !e.parentElement.closest('.table-wrap')).slice(0, 8)"
        ".map((e) => e.tagName + '.' + e.className + ' ' + Math.round(e.getBoundingClientRect().right));")


def screenshot(driver, name: str) -> None:
    if SCREENSHOTS:
        driver.execute_script("document.body.style.zoom = '1'")
        height = driver.execute_script("return document.documentElement.scrollHeight")
        width = driver.get_window_size()["width"]
        driver.set_window_size(width, min(height + 100, 4000))
        driver.save_screenshot(os.path.join(SCREENSHOTS, f"{name}.png"))


CAPTURE_DOWNLOAD = """
window.__saved = null;
const create = URL.createObjectURL.bind(URL);
URL.createObjectURL = (blob) => { window.__blob = blob; return create(blob); };
HTMLAnchorElement.prototype.click = function () { if (this.download) window.__saved = this.download; };
"""


def test_the_dashboard_the_json_and_the_csv_agree_and_a_row_opens_its_queue(browser, runtime, cases):
    supervisor = demo_user(runtime, "supervisor")
    period = cases["period"]
    answer = runtime.stats(supervisor, **period, group_by="channel", metrics=",".join(FIGURES), lang="sr-Cyrl")
    totals = answer["totals"]
    assert totals["opened"] == 3 and totals["resolved"] == 1
    with clean_console(browser) as b:
        sign_in(b, runtime.url, supervisor, path="/stats?group_by=channel")
        assert wait_for_screen(b) == "Статистика"  # his language, sr-Cyrl
        assert "Статистика" in menu(b)
        wait_for_figures(b)
        # THEN the key figures are the API's totals
        shown = figures(b)
        assert shown[:2] == [str(totals["opened"]), str(totals["resolved"])]
        median = totals["resolution_median"]  # rounded half up, as the console does (Math.round)
        assert minutes_of(shown[3]) == (int(median + 0.5) if median is not None else None)
        assert "сва одељења" in b.find_element(By.CSS_SELECTOR, ".stats-scope").text
        measured = b.find_elements(By.CSS_SELECTOR, ".stats-figure-detail")[1].text
        assert f"{totals['resolution_count']} измерен" in measured, measured
        # AND the table has the API's rows, channel by channel
        table = {row[0]: row[1:3] for row in main_table(b)}
        expected = {row["dimensions"]["channel"]["name"]: [str(row["values"]["opened"]), str(row["values"]["resolved"])]
                    for row in answer["rows"]}
        assert table == expected and len(table) == 3, (table, expected)
        # AND the download button saves the API's CSV, with the API's name
        b.execute_script(CAPTURE_DOWNLOAD)
        b.find_element(By.XPATH, "//button[normalize-space()='Преузми CSV']").click()
        wait(b, lambda d: d.execute_script("return window.__saved"), "nothing was saved")
        saved = b.execute_script("return window.__saved")
        content = bytes(b.execute_async_script(
            "const done = arguments[0]; window.__blob.arrayBuffer().then((a) => done(Array.from(new Uint8Array(a))));"))
        csv_answer = runtime.call(supervisor, "GET", "/v1/admin/stats", params={
            **period, "group_by": "channel", "metrics": ",".join(FIGURES), "format": "csv", "lang": "sr-Cyrl"})
        assert saved == f"civicdesk-stats-{period['from']}-{period['to']}.csv"
        assert content == csv_answer.content and content.startswith("\ufeff".encode())
        lines = list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))
        assert {line[0]: line[1:3] for line in lines[1:-1]} == expected
        assert lines[-1][1:3] == [str(totals["opened"]), str(totals["resolved"])]
        # WHEN the phone row's link is followed (with the keyboard)
        phone_name = next(row["dimensions"]["channel"]["name"] for row in answer["rows"]
                          if row["dimensions"]["channel"]["id"] == "phone")
        link = b.find_element(By.CSS_SELECTOR, f"section[aria-labelledby=stats-table] a[aria-label$='{phone_name}']")
        link.send_keys("\ue007")  # Enter
        # THEN the queue opens with the row's filters and shows the phone case only
        wait(b, lambda d: d.execute_script("return location.hash.startsWith('#/cases?')"), "no queue")
        wait_for_screen(b)
        query = b.execute_script("return Object.fromEntries(new URLSearchParams(location.hash.split('?')[1]))")
        assert query == {"state": "all", "from": period["from"], "to": period["to"], "channel": "phone"}
        wait(b, lambda d: d.find_elements(By.CSS_SELECTOR, f"a[href='#/cases/{cases['phone']}']"), "the phone case is not in the queue")
        numbers = {a.get_attribute("href").split("/cases/")[1]
                   for a in b.find_elements(By.CSS_SELECTOR, "main a[href*='#/cases/20']")}
        assert numbers == {cases["phone"]}
        # AND a click on the phone bar of the channels' chart (horizontal bars) opens the same queue
        open_screen(b, "/stats?group_by=channel")
        wait_for_figures(b)
        canvas = b.find_element(By.CSS_SELECTOR, "section[aria-labelledby=stats-bars-channel] canvas")
        bar = b.execute_script(
            "const chart = Chart.getChart(arguments[0]); const i = chart.data.labels.indexOf(arguments[1]);"
            "const bar = chart.getDatasetMeta(0).data[i]; const box = arguments[0].getBoundingClientRect();"
            "return [(bar.x + bar.base) / 2 - box.width / 2, bar.y - box.height / 2];", canvas, phone_name)
        ActionChains(b).move_to_element_with_offset(canvas, round(bar[0]), round(bar[1])).click().perform()
        wait(b, lambda d: d.execute_script("return location.hash.startsWith('#/cases?')"), "the bar opened no queue")
        wait_for_screen(b)
        assert b.execute_script("return Object.fromEntries(new URLSearchParams(location.hash.split('?')[1]))") == query
        # AND a preset keeps the figures of a period that holds today
        open_screen(b, "/stats?group_by=channel")
        wait_for_figures(b)
        Select(b.find_element(By.NAME, "preset")).select_by_value("last_30_days")
        wait(b, lambda d: "preset=last_30_days" in d.current_url, "the preset is not in the URL")
        wait_for_figures(b)
        wait(b, lambda d: figures(d)[:2] == ["3", "1"], f"other figures for the last 30 days: {figures(b)}")
        assert b.find_elements(By.CSS_SELECTOR, "select[name=group_by_second]")
        sign_out(b)


def test_an_agent_sees_the_figures_of_their_department_only(browser, runtime, cases):
    agent = demo_user(runtime, "department_agent", department=ROADS)
    answer = runtime.stats(agent, **cases["period"], group_by="department", metrics="opened,resolved", lang="sr-Latn")
    assert answer["departments"] == [ROADS] and answer["totals"]["opened"] == 1
    with clean_console(browser) as b:
        sign_in(b, runtime.url, agent, path="/stats")
        assert wait_for_screen(b) == "Statistika"
        wait_for_figures(b)
        department = answer["rows"][0]["dimensions"]["department"]["name"]
        assert b.find_element(By.CSS_SELECTOR, ".stats-scope").text == f"Brojevi obuhvataju odeljenje: {department}."
        assert figures(b)[:2] == ["1", "1"]
        assert [row[0] for row in main_table(b)] == [department]
        # The department bars' table (the chart's text alternative) has the one department too.
        bars = b.find_elements(By.CSS_SELECTOR, "section[aria-labelledby=stats-bars-department] tbody th")
        assert [e.get_attribute("textContent") for e in bars] == [department]
        # With the keyboard: the grouping's first select, one down (department -> category).
        b.find_element(By.NAME, "group_by_first").send_keys(Keys.ARROW_DOWN)
        wait(b, lambda d: "group_by=category" in d.current_url, "the grouping did not change")
        wait_for_figures(b)
        category = runtime.stats(agent, **cases["period"], group_by="category", metrics="opened", lang="sr-Latn")
        wait(b, lambda d: [row[0] for row in main_table(d)] == [r["dimensions"]["category"]["name"] for r in category["rows"]],
             "the table is not by category")
        sign_out(b)
    operator = demo_user(runtime, "operator")
    with clean_console(browser) as b:
        sign_in(b, runtime.url, operator, path="/profile")
        assert "Статистика" not in menu(b)
        sign_out(b)


def test_axe_finds_nothing_on_the_dashboard_in_two_languages_and_it_fits_a_tablet(browser, runtime, cases):
    for role, path in (("supervisor", "/stats?group_by=category,channel"),
                       ("administrator", "/stats?preset=this_year&group_by=area,status")):
        user = demo_user(runtime, role)
        with clean_console(browser) as b:
            sign_in(b, runtime.url, user, path=path)
            wait_for_figures(b)
            for details in b.find_elements(By.CSS_SELECTOR, "details.stats-alternative"):
                b.execute_script("arguments[0].open = true", details)
            assert axe_violations(b) == [], role
            screenshot(b, f"stats-{role}-desktop")
            b.set_window_size(768, 1000)
            try:
                wait_for_figures(b)
                # The charts follow the width once Chart.js has seen the resize.
                try:
                    wait(b, no_horizontal_scroll)
                except Exception:
                    raise AssertionError((role, too_wide(b), b.execute_script("return [document.documentElement.scrollWidth, document.documentElement.clientWidth]"))) from None
                screenshot(b, f"stats-{role}-tablet")
                assert axe_violations(b) == [], role
            finally:
                b.set_window_size(1280, 900)
            if role == "administrator":
                # The queue has no area filter: the rows' links say they show more.
                links = b.find_elements(By.CSS_SELECTOR, "section[aria-labelledby=stats-table] tbody a")
                assert links and all(a.text.endswith("*") for a in links)
                assert "no filter by area" in b.find_element(By.CSS_SELECTOR, "section[aria-labelledby=stats-table] .stats-note").text
                # A custom period that ends before it starts is refused in words, this month shown.
                open_screen(b, "/stats?preset=custom&from=2026-12-05&to=2026-12-01")
                wait_for_figures(b)
                assert "ends before it starts" in b.find_element(By.CSS_SELECTOR, ".alert-warning").text
                assert b.find_element(By.NAME, "from").get_attribute("value") == "2026-12-05"  # as entered
            sign_out(b)


def test_the_portal_statistics_page_shows_the_open_data_with_small_counts_held_back(browser, runtime, cases):
    public = requests.get(f"{runtime.url}/v1/public/stats", params={"lang": "en"}, timeout=10).json()
    assert public["opened"], public
    with clean_console(browser, runtime.url) as b:
        b.get(f"{runtime.url}/index.html?lang=en")
        wait(b, lambda d: d.find_elements(By.CSS_SELECTOR, "nav.site-nav a[href^='stats.html']"), "no link to the statistics")
        b.find_element(By.CSS_SELECTOR, "nav.site-nav a[href^='stats.html']").click()
        wait(b, lambda d: d.find_elements(By.CSS_SELECTOR, "#stats:not([hidden]) #opened-table table"), "no statistics")
        assert b.find_element(By.ID, "page-title").text == "Statistics"
        # Each category of the month: its count, or "fewer than 3" where the API held it back.
        rows = {row.find_element(By.TAG_NAME, "th").text: [c.text for c in row.find_elements(By.TAG_NAME, "td")]
                for row in b.find_elements(By.CSS_SELECTOR, "#opened-table tbody tr")}
        months = sorted({item["month"] for item in public["opened"]})
        for item in public["opened"]:
            cell = rows[item["category"]["name"]][months.index(item["month"])]
            assert cell == ("fewer than 3" if item.get("suppressed") else str(item["count"])), (item, cell)
        assert any(item.get("suppressed") for item in public["opened"])  # one case per category
        resolution = {row.find_element(By.TAG_NAME, "th").text: [c.text for c in row.find_elements(By.TAG_NAME, "td")]
                      for row in b.find_elements(By.CSS_SELECTOR, "#resolution-table tbody tr")}
        for item in public["resolution"]:
            shown = resolution[item["category"]["name"]]
            if item["median_working_minutes"] is None:
                assert shown[1] == "not shown (fewer than 5 resolved)"
        assert axe_violations(b) == []
        screenshot(b, "portal-stats")
        Select(b.find_element(By.ID, "lang-select")).select_by_value("sr-Cyrl")
        wait(b, lambda d: d.find_element(By.ID, "page-title").text == "Статистика", "not in Serbian")
        wait(b, lambda d: "мање од 3" in d.find_element(By.ID, "opened-table").text, "no held-back count in Serbian")
        assert axe_violations(b) == []
