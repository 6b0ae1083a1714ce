"""Working cases through a running local runtime the way the console does: a demo staff member
signs in against the runtime's Cognito pool and calls the admin API over HTTP; the outbox is read
over HTTP too. Used by the e2e tests and by ``bench`` (the change -> outbox latency)."""

from __future__ import annotations

import time
from typing import Callable, TypeVar

import boto3
import requests

from infra.local.cognito import load_demo_staff

T = TypeVar("T")
DEMO = {user.username: user for user in load_demo_staff().users}
#: An operator registers calls and may change the status of any case (docs/roles.md).
OPERATOR = "milica.jovanovic"


def id_token(runtime, username: str = OPERATOR) -> str:
    """A demo staff member's ID token from the runtime's pool (sent as ``Authorization``)."""
    cognito = boto3.client("cognito-idp", region_name="eu-central-1",
                           endpoint_url=runtime.aws_url, aws_access_key_id="testing",
                           aws_secret_access_key="testing")
    answer = cognito.initiate_auth(
        ClientId=runtime.staff_client.client_id, AuthFlow="USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": username, "PASSWORD": DEMO[username].password})
    return answer["AuthenticationResult"]["IdToken"]


def register_call(runtime, token: str, requester: dict, *, category: str = "road_damage",
                  description: str = "Рупа на коловозу у Улици Вука Караџића 5.") -> dict:
    """A phone call registered by staff; the case as the API returns it."""
    answer = requests.post(f"{runtime.http_url}/v1/admin/cases", headers={"Authorization": token},
                           json={"type": "signal", "channel": "phone", "category": category,
                                 "description": description, "requester": requester},
                           timeout=10)
    assert answer.status_code == 201, answer.text
    return answer.json()


def change_status(runtime, token: str, case: dict, status: str,
                  message_to_citizen: str | None = None) -> dict:
    """``POST /v1/admin/cases/{number}/status``; the case after the change."""
    body = {"status": status, "reason": "Екипа је распоређена.", "version": case["version"]}
    if message_to_citizen is not None:
        body["message_to_citizen"] = message_to_citizen
    answer = requests.post(f"{runtime.http_url}/v1/admin/cases/{case['number']}/status",
                           headers={"Authorization": token}, json=body, timeout=10)
    assert answer.status_code == 200, answer.text
    return answer.json()


def outbox(runtime) -> list[dict]:
    """``/_local/outbox``: every mail and SMS, oldest first."""
    answer = requests.get(f"{runtime.http_url}/_local/outbox", timeout=10)
    assert answer.status_code == 200, answer.text
    return answer.json()


def wait_for(find: Callable[[], T], seconds: float, interval: float = 0.02) -> T | None:
    """``find()`` until it returns something truthy or ``seconds`` passed; its last answer."""
    deadline = time.monotonic() + seconds
    while True:
        found = find()
        if found or time.monotonic() >= deadline:
            return found
        time.sleep(interval)
