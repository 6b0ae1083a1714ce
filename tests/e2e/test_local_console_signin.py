"""The staff console's sign-in against the local runtime, the way a browser does it: the
settings from ``GET /v1/public/staff-sign-in``, then Cognito's JSON API called with plain HTTP
(``X-Amz-Target``, no SigV4) from another origin (CORS), then the admin API with the ID token.

Depends on nothing but this machine: the runtime in this process, free ports on 127.0.0.1.
"""

from __future__ import annotations

import base64
import json

import boto3
import pytest
import requests

from infra.local.cognito import load_demo_staff
from tests.support.runtime import in_process

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("local_console_signin")]

DEMO = {user.username: user for user in load_demo_staff().users}
OPERATOR = "milica.jovanovic"
CONSOLE_HEADERS = "content-type,x-amz-target,x-amz-user-agent"


@pytest.fixture(scope="module")
def runtime(tmp_path_factory):
    with in_process(tmp_path_factory.mktemp("console-signin")) as started:
        yield started


@pytest.fixture(scope="module")
def sign_in(runtime) -> dict:
    answer = requests.get(f"{runtime.http_url}/v1/public/staff-sign-in", timeout=10)
    assert answer.status_code == 200, answer.text
    return answer.json()


def cognito(runtime, sign_in: dict, operation: str, body: dict) -> requests.Response:
    """One call of Cognito's user pools API as the console's ``fetch`` makes it."""
    return requests.post(sign_in["endpoint"], data=json.dumps(body), timeout=10, headers={
        "Content-Type": "application/x-amz-json-1.1", "Origin": runtime.http_url,
        "X-Amz-Target": f"AWSCognitoIdentityProviderService.{operation}"})


def password_sign_in(runtime, sign_in: dict, username: str, password: str) -> requests.Response:
    return cognito(runtime, sign_in, "InitiateAuth", {
        "AuthFlow": "USER_PASSWORD_AUTH", "ClientId": sign_in["client_id"],
        "AuthParameters": {"USERNAME": username, "PASSWORD": password}})


def claims(token: str) -> dict:
    payload = token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))


def me(runtime, token: str) -> requests.Response:
    return requests.get(f"{runtime.http_url}/v1/admin/me", headers={"Authorization": token}, timeout=10)


def test_the_settings_point_at_the_runtimes_pool_and_cognito(runtime, sign_in):
    assert sign_in["user_pool_id"] == runtime.staff_pool.pool_id
    assert sign_in["client_id"] == runtime.staff_client.client_id
    assert sign_in["endpoint"] == f"{runtime.aws_url}/"
    assert sign_in["region"] == runtime.staff_pool.region


def test_a_browser_may_call_cognito_from_the_consoles_origin(runtime, sign_in):
    # WHEN the browser asks before its first cross-origin POST with custom headers
    preflight = requests.options(sign_in["endpoint"], timeout=10, headers={
        "Origin": runtime.http_url, "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": CONSOLE_HEADERS})
    # THEN moto allows the origin, the method and the headers
    assert preflight.status_code in (200, 204), preflight.text
    assert preflight.headers["Access-Control-Allow-Origin"] in ("*", runtime.http_url)
    allowed = preflight.headers.get("Access-Control-Allow-Headers", "").lower()
    assert allowed == "*" or all(name in allowed for name in CONSOLE_HEADERS.split(","))
    assert "POST" in preflight.headers.get("Access-Control-Allow-Methods", "")


def test_password_sign_in_refresh_and_the_admin_api(runtime, sign_in):
    user = DEMO[OPERATOR]
    # WHEN the operator signs in with their password, over plain HTTP
    answer = password_sign_in(runtime, sign_in, user.username, user.password)
    # THEN Cognito answers the browser with tokens
    assert answer.status_code == 200, answer.text
    assert answer.headers["Access-Control-Allow-Origin"] in ("*", runtime.http_url)
    tokens = answer.json()["AuthenticationResult"]
    assert me(runtime, tokens["IdToken"]).json()["username"] == user.username
    # AND the refresh token gives a new ID token the API accepts
    refreshed = cognito(runtime, sign_in, "InitiateAuth", {
        "AuthFlow": "REFRESH_TOKEN_AUTH", "ClientId": sign_in["client_id"],
        "AuthParameters": {"REFRESH_TOKEN": tokens["RefreshToken"]}})
    assert refreshed.status_code == 200, refreshed.text
    assert me(runtime, refreshed.json()["AuthenticationResult"]["IdToken"]).status_code == 200
    # AND a wrong password is refused
    wrong = password_sign_in(runtime, sign_in, user.username, user.password + "x")
    assert wrong.status_code == 400 and "NotAuthorized" in wrong.text


def test_a_first_sign_in_sets_a_new_password_then_the_user_changes_it(runtime, sign_in):
    # GIVEN an account an administrator made with a temporary password
    admin = boto3.client("cognito-idp", region_name=sign_in["region"], endpoint_url=runtime.aws_url,
                         aws_access_key_id="testing", aws_secret_access_key="testing")
    admin.admin_create_user(UserPoolId=sign_in["user_pool_id"], Username="nova.operaterka",
                            TemporaryPassword="Privremena-Lozinka-1", MessageAction="SUPPRESS",
                            UserAttributes=[{"Name": "email", "Value": "nova@demo.civicdesk.rs"},
                                            {"Name": "custom:language", "Value": "sr-Latn"}])
    admin.admin_add_user_to_group(UserPoolId=sign_in["user_pool_id"], Username="nova.operaterka",
                                  GroupName="operator")
    # WHEN she signs in, the challenge asks for a new password, which she answers
    first = password_sign_in(runtime, sign_in, "nova.operaterka", "Privremena-Lozinka-1")
    assert first.status_code == 200, first.text
    assert first.json()["ChallengeName"] == "NEW_PASSWORD_REQUIRED"
    answered = cognito(runtime, sign_in, "RespondToAuthChallenge", {
        "ChallengeName": "NEW_PASSWORD_REQUIRED", "ClientId": sign_in["client_id"],
        "Session": first.json()["Session"],
        "ChallengeResponses": {"USERNAME": "nova.operaterka", "NEW_PASSWORD": "Nova-Lozinka-2026"}})
    assert answered.status_code == 200, answered.text
    tokens = answered.json()["AuthenticationResult"]
    assert me(runtime, tokens["IdToken"]).status_code == 200
    # AND later changes it on her profile page (ChangePassword with the access token)
    changed = cognito(runtime, sign_in, "ChangePassword", {
        "AccessToken": tokens["AccessToken"], "PreviousPassword": "Nova-Lozinka-2026",
        "ProposedPassword": "Jos-Novija-Lozinka-7"})
    assert changed.status_code == 200, changed.text
    assert password_sign_in(runtime, sign_in, "nova.operaterka", "Nova-Lozinka-2026").status_code == 400
    assert password_sign_in(runtime, sign_in, "nova.operaterka", "Jos-Novija-Lozinka-7").status_code == 200


def test_a_language_set_through_the_api_is_in_the_next_refreshed_token(runtime, sign_in):
    user = DEMO[OPERATOR]
    tokens = password_sign_in(runtime, sign_in, user.username, user.password).json()["AuthenticationResult"]
    new_language = "cs" if user.language != "cs" else "bg"
    # WHEN the operator picks another language on their profile
    answer = requests.put(f"{runtime.http_url}/v1/admin/me/language", json={"language": new_language},
                          headers={"Authorization": tokens["IdToken"]}, timeout=10)
    assert answer.status_code == 200, answer.text
    # THEN the refreshed ID token carries it, and the API answers in it
    refreshed = cognito(runtime, sign_in, "InitiateAuth", {
        "AuthFlow": "REFRESH_TOKEN_AUTH", "ClientId": sign_in["client_id"],
        "AuthParameters": {"REFRESH_TOKEN": tokens["RefreshToken"]}}).json()["AuthenticationResult"]
    assert claims(refreshed["IdToken"])["custom:language"] == new_language
    assert me(runtime, refreshed["IdToken"]).json()["language"] == new_language
