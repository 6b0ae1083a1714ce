"""Delivery feedback on the local runtime, end to end over HTTP: a reply to a requester whose
address is SES's bounce simulator bounces for good -- the runtime publishes the event SES would
publish to the configuration set's topic, DeliveryEventsQueue feeds DeliveryFeedbackFunction --
and the case records the bounce, the address is suppressed, and the requester's phone gets the
SMS in ``/_local/outbox``. ``POST /_local/ses-events`` makes any sent mail bounce.

The tests wait with a deadline and make no claim about speed.
"""

from __future__ import annotations

import pytest
import requests

from infra.local.runtime import LocalRuntime
from tests.support.local_staff import id_token, outbox, register_call, wait_for
from tests.support.runtime import in_process

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("local_delivery")]

DEADLINE = 15
BOUNCING = "bounce@simulator.amazonses.com"
MOBILE = "+381641234567"
SUPERVISOR = "nenad.stojanovic"


@pytest.fixture(scope="module")
def runtime(tmp_path_factory):
    with in_process(tmp_path_factory.mktemp("local-delivery")) as started:
        yield started


def case_view(runtime: LocalRuntime, token: str, number: str) -> dict:
    answer = requests.get(f"{runtime.http_url}/v1/admin/cases/{number}",
                          headers={"Authorization": token}, timeout=10)
    assert answer.status_code == 200, answer.text
    return answer.json()


def entries(runtime: LocalRuntime, token: str, number: str, kind: str) -> list[dict]:
    return [e for e in case_view(runtime, token, number)["timeline"] if e["kind"] == kind]


def reply(runtime: LocalRuntime, token: str, number: str, text: str) -> dict:
    version = case_view(runtime, token, number)["version"]
    answer = requests.post(f"{runtime.http_url}/v1/admin/cases/{number}/replies",
                           headers={"Authorization": token},
                           json={"text": text, "version": version}, timeout=10)
    assert answer.status_code == 200, answer.text
    return answer.json()


def suppressed(runtime: LocalRuntime) -> dict[str, dict]:
    answer = requests.get(f"{runtime.http_url}/v1/admin/suppressions",
                          headers={"Authorization": id_token(runtime, SUPERVISOR)}, timeout=10)
    assert answer.status_code == 200, answer.text
    return {item["address"]: item for item in answer.json()["items"]}


def test_a_reply_to_the_bounce_simulator_bounces_and_the_requester_gets_an_sms(runtime):
    # GIVEN a call registered for a citizen whose address bounces, with a mobile number
    token = id_token(runtime)
    case = register_call(runtime, token, {"name": "Марко Петровић", "email": BOUNCING,
                                          "phone": "064 123 4567"})
    number = case["number"]

    # WHEN the operator answers by mail
    answered = reply(runtime, token, number, "Екипа излази сутра ујутру.")
    assert answered["channel"] == "email"

    # THEN SES's permanent bounce comes back and is recorded on the case, with the failure
    def bounced() -> list[dict]:
        return [e for e in entries(runtime, token, number, "delivery_report")
                if e["data"]["status"] == "bounced"]

    reports = wait_for(bounced, DEADLINE, interval=0.2)
    assert reports, case_view(runtime, token, number)["timeline"]
    assert all(r["data"]["to"] == BOUNCING and r["data"]["bounce_type"] == "Permanent"
               for r in reports)
    assert wait_for(lambda: entries(runtime, token, number, "delivery_failed"), DEADLINE, 0.2)
    # ... the address is on the suppression list
    assert suppressed(runtime)[BOUNCING]["reason"] == "bounce"
    # ... and the SMS telling the requester shows in the outbox
    def texted() -> list[dict]:
        return [e for e in outbox(runtime) if e["channel"] == "sms" and e["to"] == [MOBILE]
                and number in e["text"]]

    assert wait_for(texted, DEADLINE, interval=0.2), outbox(runtime)
    assert wait_for(lambda: [e for e in entries(runtime, token, number, "notification")
                             if e["data"].get("kind") == "email_bounced"], DEADLINE, 0.2)

    # WHEN the operator answers again: no mail goes to the suppressed address, the SMS does
    mails_before = [e["id"] for e in outbox(runtime) if e["channel"] == "email"
                    and BOUNCING in e["to"]]
    again = reply(runtime, token, number, "Рупа је санирана.")
    assert again["delivery"] == "sms_fallback"
    assert [e["id"] for e in outbox(runtime) if e["channel"] == "email"
            and BOUNCING in e["to"]] == mails_before
    assert wait_for(lambda: [e for e in outbox(runtime) if e["channel"] == "sms"
                             and "Рупа је санирана." in e["text"]], DEADLINE, 0.2)


def test_any_sent_mail_can_be_made_to_bounce(runtime):
    # GIVEN a reply delivered to an ordinary address (SES reports the delivery)
    token = id_token(runtime)
    address = "ana.jovanovic@example.rs"
    number = register_call(runtime, token, {"name": "Ана Јовановић", "email": address})["number"]
    message_id = reply(runtime, token, number, "Примили смо Вашу пријаву.")["message_id"]
    assert wait_for(lambda: [e for e in entries(runtime, token, number, "delivery_report")
                             if e["data"]["status"] == "delivered"
                             and e["data"]["message_id"] == message_id], DEADLINE, 0.2)

    # WHEN the developer makes it bounce
    answer = requests.post(f"{runtime.http_url}/_local/ses-events",
                           json={"message_id": message_id, "type": "bounce"}, timeout=10)

    # THEN the runtime published SES's event, and the bounce is recorded and suppresses
    assert answer.status_code == 202, answer.text
    assert [e["eventType"] for e in answer.json()["published"]] == ["Bounce"]
    assert wait_for(lambda: [e for e in entries(runtime, token, number, "delivery_report")
                             if e["data"]["status"] == "bounced"], DEADLINE, 0.2)
    assert wait_for(lambda: address in suppressed(runtime), DEADLINE, 0.2)
    # An unknown mail and an unknown type are refused
    assert requests.post(f"{runtime.http_url}/_local/ses-events",
                         json={"message_id": "0102-nope", "type": "bounce"},
                         timeout=10).status_code == 404
    assert requests.post(f"{runtime.http_url}/_local/ses-events",
                         json={"message_id": message_id, "type": "open"},
                         timeout=10).status_code == 400
