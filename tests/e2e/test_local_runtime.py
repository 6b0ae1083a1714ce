"""The local runtime as ``make run`` starts it: a real process, real HTTP, real files.

Depends on nothing but this machine: moto inside the runtime, free ports, a temporary state
directory. Slow-ish (two starts of the runtime), hence the ``e2e`` mark.
"""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from infra.local.template import ROOT
from tests.support.runtime import restartable

pytestmark = pytest.mark.e2e

ADDRESS = "ana.jovanovic@example.rs"
CASE = {
    "type": "signal", "category": "street_lighting", "language": "sr-Latn",
    "description": "Ne radi ulična rasveta u Ulici kralja Petra kod broja 12.",
    "location": {"lat": 44.0195, "lon": 20.918, "address": "Kralja Petra 12"},
    "contact": {"name": "Ana Jovanović", "email": ADDRESS},
}


@pytest.fixture
def start_runtime(tmp_path):
    """Starts the runtime on ``tmp_path / "state"`` (as often as asked); always kills it."""
    with restartable(tmp_path) as start:
        yield start


def api_equivalent(tracking_url: str) -> tuple[str, str, str]:
    """``(number, token, API path)`` of the portal link ``.../track.html?number=..&token=..``."""
    query = parse_qs(urlsplit(tracking_url).query)
    number, token = query["number"][0], query["token"][0]
    return number, token, f"/v1/public/cases/{number}?token={token}"


def sequence(number: str) -> tuple[str, int]:
    year, _, serial = number.partition("-")
    return year, int(serial)


def test_make_run_serves_api_portal_and_outbox_and_keeps_state(start_runtime, tmp_path):
    # GIVEN the runtime, started the way `make run` starts it
    runtime = start_runtime()
    url = runtime.url
    state_dir = tmp_path / "state"

    # WHEN a citizen reads the public API
    municipality = requests.get(f"{url}/v1/public/municipality", timeout=10)
    categories = requests.get(f"{url}/v1/public/categories?lang=cs", timeout=10)
    # THEN the demo municipality is there, in the requested language
    assert municipality.status_code == 200, municipality.text
    assert municipality.json()["id"] == "demo"
    assert categories.status_code == 200, categories.text
    assert categories.json()["language"] == "cs"
    assert any(c["id"] == "street_lighting" for c in categories.json()["categories"])

    # WHEN they open a case with a contact address
    created = requests.post(f"{url}/v1/public/cases", json=CASE, timeout=10)
    # THEN it gets a number and a tracking link on this runtime's portal
    assert created.status_code == 201, created.text
    case = created.json()
    assert case["tracking_url"].startswith(f"{url}/")
    number, token, track_path = api_equivalent(case["tracking_url"])
    assert number == case["number"] and token == case["token"]
    tracked = requests.get(url + track_path, timeout=10)
    assert tracked.status_code == 200, tracked.text
    assert tracked.json()["status"] == "new"

    # AND the confirmation mail (sent by the notify function from the case.opened event) is in
    # the outbox, and on disk
    to_citizen = runtime.wait_for(lambda: [m for m in runtime.outbox() if ADDRESS in m["to"]],
                                  f"mail to {ADDRESS}", timeout=20)
    assert len(to_citizen) == 1, to_citizen
    mail = to_citizen[0]
    assert f"[#{number}]" in mail["subject"]
    assert case["tracking_url"] in mail["text"]
    assert mail["case_number"] == number
    eml_files = list((state_dir / "outbox").glob(f"*-{mail['id']}.eml"))
    assert len(eml_files) == 1
    raw = requests.get(f"{url}/_local/outbox/{mail['id']}.eml", timeout=10)
    assert raw.status_code == 200 and raw.content == eml_files[0].read_bytes()
    page = requests.get(f"{url}/_local/outbox.html", timeout=10)
    assert page.status_code == 200 and f"[#{number}]" in page.text

    # AND the portal's form is served next to the API
    portal = requests.get(f"{url}/", timeout=10)
    assert portal.status_code == 200
    assert portal.headers["Content-Type"].startswith("text/html")
    assert portal.content == (ROOT / "web" / "index.html").read_bytes()

    # WHEN it is stopped with Ctrl-C
    # THEN it exits cleanly
    assert runtime.interrupt() == 0, runtime.output()

    # WHEN it starts again on the same state directory
    restarted = start_runtime()
    url = restarted.url
    # THEN the case is still trackable with its token, and its mail still listed
    again = requests.get(url + track_path, timeout=10)
    assert again.status_code == 200, again.text
    assert again.json()["number"] == number and again.json()["status"] == "new"
    assert [m["id"] for m in restarted.outbox() if ADDRESS in m["to"]] == [mail["id"]]
    # AND the numbering goes on where it stopped
    second = requests.post(f"{url}/v1/public/cases", json=CASE, timeout=10)
    assert second.status_code == 201, second.text
    year, serial = sequence(number)
    assert sequence(second.json()["number"]) == (year, serial + 1)
    assert restarted.interrupt() == 0, restarted.output()


def test_unknown_api_paths_and_methods_answer_in_the_api_error_shape(start_runtime):
    # GIVEN the runtime
    url = start_runtime().url
    # WHEN a path under /v1/ matches no route, or a route is called with the wrong method
    missing = requests.get(f"{url}/v1/public/nothing-here", timeout=10)
    wrong_method = requests.delete(f"{url}/v1/public/municipality", timeout=10)
    # THEN the gateway answers like the API does
    assert missing.status_code == 404
    assert missing.json() == {"error": {"code": "not_found", "message": "Not found."}}
    assert wrong_method.status_code == 405
    assert wrong_method.json()["error"]["code"] == "method_not_allowed"
    # AND the static side serves nothing outside web/ and lists no directory
    assert requests.get(f"{url}/../template.yaml", timeout=10).status_code == 404
    assert requests.get(f"{url}/%2e%2e/template.yaml", timeout=10).status_code == 404
    assert requests.get(f"{url}/assets/", timeout=10).status_code == 404
    script = next((ROOT / "web").rglob("*.js"), None)
    if script is not None:
        served = requests.get(f"{url}/{script.relative_to(ROOT / 'web').as_posix()}", timeout=10)
        assert served.headers["Content-Type"].startswith("text/javascript")
