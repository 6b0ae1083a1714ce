"""The supervisors' live feed on the local runtime, end to end over HTTP: a supervisor's console
polls ``/v1/admin/feed`` with its cursor while a department agent changes a case's status; the
change shows in one of the next polls, once.

Tokens come from the runtime's Cognito pool (demo users), the local API Gateway verifies them.
The test polls with a deadline and makes no claim about speed (``make bench`` counts the calls a
poll costs).
"""

from __future__ import annotations

import time

import pytest
import requests

from infra.local.runtime import LocalRuntime
from tests.support.local_staff import change_status, id_token, register_call, wait_for
from tests.support.runtime import in_process

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("local_feed")]

SUPERVISOR, AGENT = "nenad.stojanovic", "dragan.nikolic"  # the agent works roads_traffic
DEADLINE = 15
#: How often the console polls (a real console: every few seconds).
INTERVAL = 0.5


@pytest.fixture(scope="module")
def runtime(tmp_path_factory):
    with in_process(tmp_path_factory.mktemp("local-feed")) as started:
        yield started


def feed(runtime: LocalRuntime, token: str, **params) -> requests.Response:
    return requests.get(f"{runtime.http_url}/v1/admin/feed", params=params,
                        headers={"Authorization": token}, timeout=10)


class Console:
    """A supervisor's console: polls with the cursor of its previous answer, keeps every change."""

    def __init__(self, runtime: LocalRuntime, token: str):
        self.runtime, self.token = runtime, token
        first = feed(runtime, token)
        assert first.status_code == 200, first.text
        self.cursor = first.json()["cursor"]
        self.changes: list[dict] = first.json()["changes"]

    def poll(self) -> list[dict]:
        answer = feed(self.runtime, self.token, cursor=self.cursor, lang="en")
        assert answer.status_code == 200, answer.text
        self.cursor = answer.json()["cursor"]
        self.changes += answer.json()["changes"]
        return answer.json()["changes"]


def test_a_supervisor_sees_an_agents_status_change_without_reloading(runtime):
    # GIVEN a supervisor's console polling the feed, and a road damage call
    console = Console(runtime, id_token(runtime, SUPERVISOR))
    operator = id_token(runtime)
    case = register_call(runtime, operator, {"name": "Милан", "phone": "064 123 4567"})
    agent = id_token(runtime, AGENT)

    # WHEN the roads department's agent changes its status over HTTP
    change_status(runtime, agent, case, "in_progress")

    # THEN a poll of the console shows it
    def status_change() -> list[dict]:
        console.poll()
        found = [c for c in console.changes
                 if c["number"] == case["number"] and c["kind"] == "status_changed"]
        if not found:
            time.sleep(INTERVAL)
        return found

    found = wait_for(status_change, DEADLINE, interval=0)
    assert found, console.changes
    [change] = found
    assert change["status"] == "in_progress" and change["previous_status"] == "new"
    assert change["department"] == "roads_traffic" and change["actor"] == f"staff:{AGENT}"
    assert change["text"] == 'Status changed to "In progress".'
    # AND the case's opening came too, before it
    kinds = [c["kind"] for c in console.changes if c["number"] == case["number"]]
    assert kinds.index("case_opened") < kinds.index("status_changed")
    # AND later polls never return it again
    for _ in range(3):
        again = console.poll()
        assert not [c for c in again if c["id"] == change["id"]]


def test_the_agent_may_not_read_the_feed(runtime):
    answer = feed(runtime, id_token(runtime, AGENT))
    assert answer.status_code == 403, answer.text
    assert answer.json()["error"]["code"] == "forbidden"
