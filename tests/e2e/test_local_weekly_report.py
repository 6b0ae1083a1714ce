"""The weekly report job on the local runtime: cases registered this week, the job run on demand
for next Monday 07:00 twice; the supervisor's mail is in ``/_local/outbox`` once, in their
language, with the figures ``GET /v1/admin/stats`` answers for the same week. The test waits
with a deadline and makes no claim about speed."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
import requests

from tests.support.local_staff import id_token, outbox, register_call, wait_for
from tests.support.runtime import in_process

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("local_weekly_report")]

SUPERVISOR = "nenad.stojanovic"  # the demo's supervisor, sr-Cyrl
ZONE = ZoneInfo("Europe/Belgrade")
DEADLINE = 20


@pytest.fixture(scope="module")
def runtime(tmp_path_factory):
    with in_process(tmp_path_factory.mktemp("local-weekly")) as started:
        yield started


def test_the_supervisor_gets_the_weeks_figures_once_in_their_language(runtime):
    today = datetime.now(ZONE).date()
    monday = today - timedelta(days=today.weekday())
    week = (monday.isoformat(), (monday + timedelta(days=6)).isoformat())
    supervisor = id_token(runtime, SUPERVISOR)

    def opened() -> int:
        answer = requests.get(f"{runtime.http_url}/v1/admin/stats",
                              params={"from": week[0], "to": week[1], "metrics": "opened,resolved"},
                              headers={"Authorization": supervisor}, timeout=10)
        assert answer.status_code == 200, answer.text
        return answer.json()["totals"]["opened"]

    before = opened()
    # GIVEN three calls registered this week
    operator = id_token(runtime)
    numbers = [register_call(runtime, operator, {"name": "Милан", "phone": f"064 123 45{i}0"})["number"]
               for i in range(3)]
    assert wait_for(lambda: opened() == before + 3, DEADLINE, interval=0.3), "not counted"

    # WHEN the report runs for next Monday 07:00, twice
    at = datetime.combine(monday + timedelta(days=7), time(7, 0), tzinfo=ZONE).isoformat()
    url = f"{runtime.http_url}/_local/schedules/weekly_report"
    first = requests.post(url, params={"at": at}, timeout=120)
    second = requests.post(url, params={"at": at}, timeout=120)
    assert first.status_code == 200, first.text
    assert first.json()["result"]["state"] == "ran", first.json()
    assert second.json()["result"]["state"] == "done_before", second.json()

    # THEN the supervisor has one mail, in Serbian Cyrillic, with the week's figures
    mails = [m for m in outbox(runtime) if m["channel"] == "email"
             and m["headers"].get("X-CivicDesk-Report") == f"weekly:{week[0]}"]
    assert [m["to"] for m in mails] == [[f"{SUPERVISOR}@demo.civicdesk.rs"]], mails
    [mail] = mails
    assert mail["subject"].startswith("Недељни извештај")
    stats = requests.get(f"{runtime.http_url}/v1/admin/stats",
                         params={"from": week[0], "to": week[1], "metrics": "opened,resolved"},
                         headers={"Authorization": supervisor}, timeout=10).json()["totals"]
    assert f"Отворени предмети: {stats['opened']} " in mail["text"]
    assert f"Решени предмети: {stats['resolved']} " in mail["text"]
    # AND the calls nobody reacted to are overdue by Monday, the oldest named
    assert "Тренутно" in mail["text"] and numbers[0] in mail["text"]
    assert f"/console/#/stats?from={week[0]}&to={week[1]}" in mail["text"]
