"""Issue 5's promise on the local runtime, end to end over HTTP: a status change an operator makes
through the admin API reaches the requester -- by mail when they gave an address, by SMS when
only a phone is known -- and shows up in ``/_local/outbox``. The whole way is the deployed one:
the table's stream, PublishEventsFunction, EventsTopic, NotifyQueue (its subscription's filter
policy), NotifyFunction, SES or SNS.

The tests wait for the message with a deadline and make no claim about speed: ``make bench``
measures how long the way takes (target: two seconds).
"""

from __future__ import annotations

import pytest

from infra.local.runtime import LocalRuntime
from tests.support.local_staff import change_status, id_token, outbox, register_call, wait_for
from tests.support.runtime import in_process

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("local_notify")]

#: Generous: the way takes about a second and a quarter on a laptop (``make bench``).
DEADLINE = 15


@pytest.fixture(scope="module")
def runtime(tmp_path_factory):
    with in_process(tmp_path_factory.mktemp("local-notify")) as started:
        yield started


def mails_to(runtime: LocalRuntime, address: str, number: str) -> list[dict]:
    return [entry for entry in outbox(runtime) if entry["channel"] == "email"
            and address in entry["to"] and entry["headers"].get("X-CivicDesk-Case") == number]


def sms_to(runtime: LocalRuntime, phone: str, number: str) -> list[dict]:
    return [entry for entry in outbox(runtime) if entry["channel"] == "sms"
            and entry["to"] == [phone] and entry["case_number"] == number]


def test_a_status_change_with_a_message_reaches_the_requesters_mailbox(runtime):
    # GIVEN a call registered for a citizen who gave an e-mail address
    token = id_token(runtime)
    address = "ana.jovanovic@example.rs"
    case = register_call(runtime, token, {"name": "Ana Jovanović", "email": address})
    message = "Екипа излази на терен сутра ујутру."

    # WHEN the operator changes its status with a message to the citizen
    change_status(runtime, token, case, "in_progress", message)

    # THEN the outbox gets a mail to the citizen about the case, with the official's message
    def notified() -> list[dict]:
        return [mail for mail in mails_to(runtime, address, case["number"])
                if message in mail["text"]]

    found = wait_for(notified, DEADLINE)
    assert found, mails_to(runtime, address, case["number"])
    [mail] = found
    assert f"[#{case['number']}]" in mail["subject"]


def test_a_status_change_reaches_a_requester_known_only_by_phone_by_sms(runtime):
    # GIVEN a call registered for a citizen who left only a mobile number, and its confirmation
    token = id_token(runtime)
    phone = "+381641234567"
    case = register_call(runtime, token, {"name": "Петар Петровић", "phone": "064 123 4567"})
    confirmation = wait_for(lambda: sms_to(runtime, phone, case["number"]), DEADLINE)
    assert confirmation, "no confirmation SMS"
    before = {sms["id"] for sms in sms_to(runtime, phone, case["number"])}

    # WHEN the operator changes its status
    change_status(runtime, token, case, "in_progress", "Екипа излази на терен сутра.")

    # THEN one more SMS about the case reaches the number
    def notified() -> list[dict]:
        return [sms for sms in sms_to(runtime, phone, case["number"]) if sms["id"] not in before]

    found = wait_for(notified, DEADLINE)
    assert found, sms_to(runtime, phone, case["number"])
    assert len(found) == 1
