"""Citizens' SMS on the local runtime, end to end over HTTP: ``POST /_local/sms`` plays the
carrier and End User Messaging (the recorded two-way payload, published to InboundSmsTopic), the
queue feeds IngestSmsFunction, and the replies are in ``/_local/outbox``: a new case with its
auto-reply, the numbered question with two open cases, STOP on the suppression list.

The tests wait with a deadline and make no claim about speed.
"""

from __future__ import annotations

import pytest
import requests

from infra.local.runtime import LocalRuntime
from infra.local.sms_carrier import LOCAL_NUMBER
from tests.support.local_staff import id_token, outbox, register_call, wait_for
from tests.support.runtime import in_process

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("local_sms")]

DEADLINE = 20
CITIZEN = "+381641234567"
SUPERVISOR = "nenad.stojanovic"


@pytest.fixture(scope="module")
def runtime(tmp_path_factory):
    with in_process(tmp_path_factory.mktemp("local-sms")) as started:
        yield started


def text(runtime: LocalRuntime, body: str, sender: str = CITIZEN, **extra) -> requests.Response:
    return requests.post(f"{runtime.http_url}/_local/sms",
                         json={"from": sender, "to": LOCAL_NUMBER, "body": body, **extra},
                         timeout=10)


def sms_to(runtime: LocalRuntime, number: str) -> list[dict]:
    return [m for m in outbox(runtime) if m["channel"] == "sms" and number in m["to"]]


def replies_after(runtime: LocalRuntime, number: str, seen: int) -> list[dict]:
    return wait_for(lambda: sms_to(runtime, number)[seen:], DEADLINE, interval=0.2) or []


def test_an_sms_opens_a_case_then_two_open_cases_get_the_numbered_question(runtime):
    # WHEN a citizen texts the municipality's number
    answer = text(runtime, "Ne radi ulična rasveta u Njegoševoj 12.")
    assert answer.status_code == 202, answer.text
    assert answer.json()["published"]["originationNumber"] == CITIZEN
    # THEN the auto-reply comes back by SMS with the new case's number and the private link
    [reply] = replies_after(runtime, CITIZEN, 0)
    number = reply["case_number"]
    assert number and runtime.http_url in reply["text"]
    # AND it comes from the number the citizen texted, so that they can answer it
    assert reply["attributes"].get("AWS.MM.SMS.OriginationNumber") == LOCAL_NUMBER
    assert reply["sender_id"] is None
    token = id_token(runtime)
    view = requests.get(f"{runtime.http_url}/v1/admin/cases/{number}",
                        headers={"Authorization": token}, timeout=10).json()
    assert view["channel"] == "sms"
    assert [e["data"]["text"] for e in view["timeline"] if e["kind"] == "message_in"] == [
        "Ne radi ulična rasveta u Njegoševoj 12."]

    # GIVEN a second open case of the same number, registered by an operator (its confirmation)
    other = register_call(runtime, token, {"phone": "064 123 4567"})["number"]
    assert replies_after(runtime, CITIZEN, 1)
    seen = len(sms_to(runtime, CITIZEN))
    # WHEN the citizen texts again
    assert text(runtime, "I dalje ne radi.").status_code == 202
    # THEN the reply asks which case, numbered
    [question] = replies_after(runtime, CITIZEN, seen)
    assert f"1: {other}" in question["text"] and f"2: {number}" in question["text"]


def test_stop_puts_the_number_on_the_suppression_list(runtime):
    mobile = "+381651112223"
    assert text(runtime, "STOP", sender=mobile).status_code == 202
    [confirmation] = replies_after(runtime, mobile, 0)
    assert "START" in confirmation["text"]
    answer = requests.get(f"{runtime.http_url}/v1/admin/suppressions",
                          headers={"Authorization": id_token(runtime, SUPERVISOR)}, timeout=10)
    assert answer.status_code == 200, answer.text
    assert {i["address"]: i["reason"] for i in answer.json()["items"]}.get(mobile) == "sms_opt_out"


def test_the_carrier_refuses_what_end_user_messaging_would_not_deliver(runtime):
    assert text(runtime, "Slika rupe", media=["photo.jpg"]).status_code == 400
    assert text(runtime, "x", to="+381600000999").status_code == 400
    answer = requests.post(f"{runtime.http_url}/_local/sms", json={"body": "bez pošiljaoca"}, timeout=10)
    assert answer.status_code == 400
    assert requests.get(f"{runtime.http_url}/_local/sms", timeout=10).status_code == 405
