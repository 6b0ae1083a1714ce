"""The statistics on the local runtime, end to end over HTTP: cases through the public form and
the operators' intake, a status change by an agent; the runtime's second stream mapping runs
KeepStatisticsFunction, and ``/v1/admin/stats`` (JSON and CSV) and ``/v1/public/stats`` show
them. Tokens come from the runtime's Cognito pool (demo users). The test waits with a deadline
and makes no claim about speed."""

from __future__ import annotations

import csv
import io
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import requests

from tests.support.local_staff import change_status, id_token, register_call, wait_for
from tests.support.runtime import in_process

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("local_stats")]

SUPERVISOR, AGENT = "nenad.stojanovic", "dragan.nikolic"  # the agent works roads_traffic
DEADLINE = 20
WEB_CASE = {"type": "signal", "category": "road_damage", "language": "sr-Latn",
            "description": "Velika rupa na kolovozu u Ulici kralja Petra kod broja 12.",
            "contact": {"email": "petar@example.rs"}}


@pytest.fixture(scope="module")
def runtime(tmp_path_factory):
    with in_process(tmp_path_factory.mktemp("local-stats")) as started:
        yield started


def stats(runtime, token: str, **params) -> requests.Response:
    return requests.get(f"{runtime.http_url}/v1/admin/stats", params=params,
                        headers={"Authorization": token}, timeout=10)


@pytest.fixture(scope="module")
def counted(runtime) -> dict:
    """A phone call and a web form case, one moved on by the roads agent, once the stats
    function has counted them: the rows by channel. A fixture, not the first test, because
    pytest-xdist's ``loadgroup`` does not keep a group's tests in the file's order."""
    today = datetime.now(ZoneInfo("Europe/Belgrade")).date().isoformat()
    supervisor = id_token(runtime, SUPERVISOR)
    period = {"from": today, "to": today}
    before = stats(runtime, supervisor, **period, group_by="channel", metrics="opened")
    assert before.status_code == 200, before.text
    counted_before = {row["dimensions"]["channel"]["id"]: row["values"]["opened"]
                      for row in before.json()["rows"]}
    case = register_call(runtime, id_token(runtime), {"name": "Милан", "phone": "064 123 4567"})
    web = requests.post(f"{runtime.http_url}/v1/public/cases", json=WEB_CASE, timeout=10)
    assert web.status_code == 201, web.text
    change_status(runtime, id_token(runtime, AGENT), case, "in_progress")

    # the stream is read in the background
    def counted() -> dict | None:
        answer = stats(runtime, supervisor, **period, group_by="channel",
                       metrics="opened,status_changes,first_reaction_count", lang="en")
        rows = {row["dimensions"]["channel"]["id"]: row["values"] for row in answer.json()["rows"]}
        phone, form = rows.get("phone", {}), rows.get("web", {})
        done = (phone.get("opened", 0) == counted_before.get("phone", 0) + 1
                and form.get("opened", 0) == counted_before.get("web", 0) + 1
                and phone.get("first_reaction_count", 0) >= 1)
        return rows if done else None

    rows = wait_for(counted, DEADLINE, interval=0.3)
    assert rows, "the statistics did not count the new cases"
    return rows


def test_cases_through_two_channels_show_in_the_stats_and_the_csv(runtime, counted):
    # GIVEN a phone call and a web form case, one moved on by the roads agent, counted
    rows = counted
    today = datetime.now(ZoneInfo("Europe/Belgrade")).date().isoformat()
    supervisor = id_token(runtime, SUPERVISOR)
    period = {"from": today, "to": today}
    # AND the CSV says the same
    answer = stats(runtime, supervisor, **period, group_by="channel", metrics="opened",
                   format="csv", lang="en")
    assert answer.status_code == 200
    assert answer.content.startswith("\ufeff".encode("utf-8"))
    table = list(csv.reader(io.StringIO(answer.content.decode("utf-8-sig"))))
    assert table[0] == ["Channel", "Opened"]
    assert {"Phone", "Web form"} <= {line[0] for line in table[1:-1]}
    assert table[-1][1] == str(sum(values["opened"] for values in rows.values()))
    # AND the agent sees their department only
    mine = stats(runtime, id_token(runtime, AGENT), **period, metrics="opened")
    assert mine.status_code == 200 and mine.json()["departments"] == ["roads_traffic"]
    # AND the open data answers without a token
    public = requests.get(f"{runtime.http_url}/v1/public/stats", params=period, timeout=10)
    assert public.status_code == 200, public.text
    assert public.headers["Cache-Control"].startswith("public")


def test_the_nightly_job_closes_the_day_on_demand_once_without_drift(runtime, counted):
    """After the cases above are counted: the nightly job run on demand for the coming night
    closes today, once (the same slot again is done before), and finds no drift."""
    from datetime import time, timedelta

    zone = ZoneInfo("Europe/Belgrade")
    today = datetime.now(zone).date()
    at = datetime.combine(today + timedelta(days=1), time(1, 15), tzinfo=zone).isoformat()
    listed = {s["job"]: s for s in
              requests.get(f"{runtime.http_url}/_local/schedules", timeout=10).json()["schedules"]}
    assert listed["stats_nightly"]["expression"] == "cron(15 1 * * ? *)"
    first = requests.post(f"{runtime.http_url}/_local/schedules/stats_nightly", params={"at": at},
                          timeout=120)
    assert first.status_code == 200, first.text
    run = first.json()
    assert run["outcome"] == "succeeded", run
    assert run["result"]["state"] == "ran"
    outcome = run["result"]["outcome"]
    assert outcome["day"] == today.isoformat() and outcome["checked"] >= 2
    assert outcome["drifted"] == 0 and outcome["opened"] >= 2
    again = requests.post(f"{runtime.http_url}/_local/schedules/StatsNightlySchedule",
                          params={"at": at}, timeout=120).json()
    assert again["result"]["state"] == "done_before"
