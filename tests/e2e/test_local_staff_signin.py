"""Staff sign-in on the local runtime, end to end: Cognito (moto) issues the tokens, the local
API Gateway verifies them against the pool's JWKS over HTTP, the admin function answers.

Depends on nothing but this machine: the runtime in this process (and once as ``make run``
starts it), free ports on 127.0.0.1, a temporary state directory.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time

import boto3
import pytest
import requests
from joserfc import jwt
from joserfc.jwk import RSAKey

from infra.local.cognito import load_demo_staff
from infra.local.runtime import LocalRuntime
from infra.local.template import ROOT, Template
from tests.support.runtime import RuntimeProcess, in_process

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("local_cognito")]

DEMO = load_demo_staff().users
UNAUTHORIZED = Template().gateway_responses("CivicDeskApi")["UNAUTHORIZED"]


@pytest.fixture(scope="module")
def runtime(tmp_path_factory):
    with in_process(tmp_path_factory.mktemp("staff-signin")) as started:
        yield started


def cognito(runtime: LocalRuntime):
    return boto3.client("cognito-idp", region_name="eu-central-1", endpoint_url=runtime.aws_url,
                        aws_access_key_id="testing", aws_secret_access_key="testing")


def id_token(runtime: LocalRuntime, username: str, password: str) -> str:
    answer = cognito(runtime).initiate_auth(
        ClientId=runtime.staff_client.client_id, AuthFlow="USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": username, "PASSWORD": password})
    return answer["AuthenticationResult"]["IdToken"]


def me(runtime: LocalRuntime, authorization: str | None) -> requests.Response:
    headers = {"Authorization": authorization} if authorization is not None else {}
    return requests.get(f"{runtime.http_url}/v1/admin/me", headers=headers, timeout=10)


def assert_is_the_gateways_401(answer: requests.Response) -> None:
    assert answer.status_code == int(UNAUTHORIZED["StatusCode"]), answer.text
    assert answer.json() == json.loads(UNAUTHORIZED["ResponseTemplates"]["application/json"])
    for name, value in UNAUTHORIZED["ResponseParameters"]["Headers"].items():
        assert answer.headers[name] == value.strip("'")


def resigned(token: str, key, **changes) -> str:
    """``token``'s claims with ``changes``, signed by ``key`` as kid ``dummy`` (moto's)."""
    claims = jwt.decode(token, RSAKey.import_key(moto_private_key().as_dict(private=False))).claims
    claims.update(changes)
    return jwt.encode({"alg": "RS256", "kid": "dummy"}, claims, key)


def moto_private_key() -> RSAKey:
    """The key moto signs every pool's tokens with (a fixed one in moto's package)."""
    from moto.utilities.utils import load_resource

    return RSAKey.import_key(load_resource("moto.cognitoidp.models", "resources/jwks-private.json"))


def clean_environment() -> dict[str, str]:
    """This process's environment without the runtime's AWS settings: the commands must find
    everything in local.json."""
    return {name: value for name, value in os.environ.items()
            if not name.startswith(("AWS_", "CIVICDESK_"))}


def run(*command: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, *command], cwd=ROOT, env=env or clean_environment(),
                          capture_output=True, text=True, timeout=60)


# -- the authorizer ----------------------------------------------------------------------------

def test_a_staff_route_without_a_token_gets_the_gateways_401(runtime):
    # WHEN the admin API is called without a token, or with an empty one
    # THEN API Gateway answers by itself, in the template's UNAUTHORIZED shape
    assert_is_the_gateways_401(me(runtime, None))
    assert_is_the_gateways_401(me(runtime, ""))
    assert_is_the_gateways_401(me(runtime, "Bearer "))


@pytest.mark.parametrize("user", DEMO, ids=[user.username for user in DEMO])
def test_every_demo_user_signs_in_and_is_who_the_demo_file_says(runtime, user):
    # GIVEN a demo user's ID token from the pool
    token = id_token(runtime, user.username, user.password)
    # WHEN they ask who they are, with the raw token and with a Bearer prefix
    for authorization in (token, f"Bearer {token}"):
        answer = me(runtime, authorization)
        # THEN the function saw the verified claims: their roles and departments
        assert answer.status_code == 200, answer.text
        body = answer.json()
        assert body["username"] == user.username
        assert sorted(role["id"] for role in body["roles"]) == sorted(user.roles)
        assert sorted(d["id"] for d in body["departments"]) == sorted(user.departments)
        assert body["language"] == user.language


def test_a_wrong_password_gets_no_token(runtime):
    with pytest.raises(cognito(runtime).exceptions.NotAuthorizedException):
        id_token(runtime, DEMO[0].username, DEMO[0].password + "x")


def test_expired_forged_and_foreign_tokens_are_refused(runtime):
    user = DEMO[1]
    token = id_token(runtime, user.username, user.password)
    impostor = RSAKey.generate_key(2048, parameters={"kid": "dummy"}, private=True)
    refused = {
        "expired": resigned(token, moto_private_key(), exp=int(time.time()) - 5),
        "another key with moto's kid": resigned(token, impostor),
        "promoted to administrator": resigned(token, impostor,
                                              **{"cognito:groups": ["administrator"]}),
        "another pool": resigned(token, moto_private_key(),
                                 iss="https://cognito-idp.eu-central-1.amazonaws.com/"
                                     "eu-central-1_SomeoneElse"),
        "another app client": resigned(token, moto_private_key(), aud="not-a-client-of-it"),
        "truncated": token[:-10],
        "garbage": "not a token at all",
    }
    for case, forged in refused.items():
        answer = me(runtime, f"Bearer {forged}")
        assert answer.status_code == 401, (case, answer.text)
        assert_is_the_gateways_401(answer)
    # AND the genuine token, for contrast, still passes
    assert me(runtime, token).status_code == 200


def test_public_routes_take_no_authorizer_even_with_a_bad_token(runtime):
    answer = requests.get(f"{runtime.http_url}/v1/public/municipality",
                          headers={"Authorization": "Bearer garbage"}, timeout=10)
    assert answer.status_code == 200, answer.text


# -- local.json and the commands built on it ---------------------------------------------------

def test_local_json_tells_where_and_as_whom_to_sign_in(runtime):
    info = json.loads(runtime.local_info_path.read_text(encoding="utf-8"))
    pool = runtime.staff_pool
    assert info["cognito"]["user_pool_id"] == pool.pool_id == runtime.resources.user_pools[
        "StaffUserPool"].pool_id
    assert info["cognito"]["client_id"] == runtime.resources.user_pool_clients[
        "StaffUserPoolClient"].client_id
    assert info["cognito"]["endpoint"] == runtime.aws_url
    assert info["cognito"]["region"] == "eu-central-1"
    assert [(u["username"], u["roles"], u["departments"], u["password"]) for u in info["users"]] \
        == [(u.username, list(u.roles), list(u.departments), u.password) for u in DEMO]
    assert info["urls"]["api"] == f"{runtime.http_url}/v1/"
    assert info["urls"]["aws"] == runtime.aws_url
    # AND the functions were given the same pool (CIVICDESK_STAFF_USER_POOL_ID: !Ref StaffUserPool)
    assert os.environ["CIVICDESK_STAFF_USER_POOL_ID"] == pool.pool_id
    # AND the summary says it all
    summary = runtime.summary()
    for expected in (pool.pool_id, info["cognito"]["client_id"], runtime.aws_url,
                     "python -m infra.local.token", "aws cognito-idp initiate-auth",
                     "python -m civicdesk.cli.staff create --local",
                     *(u.password for u in DEMO)):
        assert expected in summary


def test_the_token_command_prints_a_token_the_api_accepts(runtime):
    done = run("-m", "infra.local.token", DEMO[3].username.upper(),
               "--state-dir", str(runtime.state_dir))
    assert done.returncode == 0, done.stderr
    answer = me(runtime, done.stdout.strip())
    assert answer.status_code == 200 and answer.json()["username"] == DEMO[3].username


def test_the_staff_command_creates_a_user_who_can_sign_in(runtime):
    # GIVEN the staff command, pointed at the local runtime through local.json
    env = {**clean_environment(), "PYTHONPATH": str(ROOT / "functions" / "shared")}
    state = ["--local", "--state-dir", str(runtime.state_dir)]
    # WHEN it creates a department agent of two departments, with a password
    created = run("-m", "civicdesk.cli.staff", "create", *state, "--username", "Vesna.Ilic",
                  "--email", "vesna.ilic@demo.civicdesk.rs", "--name", "Vesna Ilić",
                  "--role", "department_agent", "--department", "roads_traffic",
                  "--department", "water_sewage", "--language", "sr-Cyrl",
                  "--password", "Vesna-Demo-2026", env=env)
    assert created.returncode == 0, created.stderr
    # THEN she signs in (as the token command does) and the API knows her departments
    token = run("-m", "infra.local.token", "vesna.ilic", "--password", "Vesna-Demo-2026",
                "--state-dir", str(runtime.state_dir))
    assert token.returncode == 0, token.stderr
    answer = me(runtime, f"Bearer {token.stdout.strip()}")
    assert answer.status_code == 200, answer.text
    assert answer.json()["username"] == "vesna.ilic"
    assert sorted(d["id"] for d in answer.json()["departments"]) == ["roads_traffic",
                                                                     "water_sewage"]
    # AND she is listed with her role
    listed = run("-m", "civicdesk.cli.staff", "list", *state, "--json", env=env)
    assert listed.returncode == 0, listed.stderr
    vesna = next(m for m in json.loads(listed.stdout) if m["username"] == "vesna.ilic")
    assert vesna["roles"] == ["department_agent"] and vesna["status"] == "CONFIRMED"


def test_a_user_created_without_a_password_chooses_one_at_first_sign_in(runtime):
    env = {**clean_environment(), "PYTHONPATH": str(ROOT / "functions" / "shared")}
    created = run("-m", "civicdesk.cli.staff", "create", "--local", "--state-dir",
                  str(runtime.state_dir), "--username", "goran.savic",
                  "--email", "goran.savic@demo.civicdesk.rs", "--name", "Goran Savić",
                  "--role", "operator", env=env)
    assert created.returncode == 0, created.stderr
    # Cognito would mail her a temporary password (moto mails nothing): an administrator sets
    # one instead, as they can in AWS
    cognito(runtime).admin_set_user_password(UserPoolId=runtime.staff_pool.pool_id,
                                             Username="goran.savic", Password="Privremena-1234",
                                             Permanent=False)
    state = ["--state-dir", str(runtime.state_dir)]
    first = run("-m", "infra.local.token", "goran.savic", "--password", "Privremena-1234", *state)
    assert first.returncode == 2 and "--new-password" in first.stderr
    chosen = run("-m", "infra.local.token", "goran.savic", "--password", "Privremena-1234",
                 "--new-password", "Goranova-Lozinka-1", *state)
    assert chosen.returncode == 0, chosen.stderr
    assert me(runtime, chosen.stdout.strip()).json()["roles"][0]["id"] == "operator"


def test_the_staff_command_refuses_an_agent_without_departments(runtime):
    env = {**clean_environment(), "PYTHONPATH": str(ROOT / "functions" / "shared")}
    refused = run("-m", "civicdesk.cli.staff", "create", "--local", "--state-dir",
                  str(runtime.state_dir), "--username", "nobody", "--email",
                  "nobody@demo.civicdesk.rs", "--name", "Nobody", "--role", "department_agent",
                  env=env)
    assert refused.returncode == 2 and "at least one --department" in refused.stderr


# -- as `make run` starts it ---------------------------------------------------------------------

def test_make_run_prints_the_staff_and_keeps_the_pool_across_a_restart(tmp_path):
    # GIVEN the runtime as a process
    first = RuntimeProcess(tmp_path / "state", tmp_path / "first.log")
    try:
        first.wait_until_healthy()
        info = json.loads((tmp_path / "state" / "local.json").read_text(encoding="utf-8"))
        deadline = time.monotonic() + 10
        while "Demo staff" not in first.output() and time.monotonic() < deadline:
            time.sleep(0.1)
        # THEN its summary lists the demo staff with their passwords
        assert all(user.username in first.output() and user.password in first.output()
                   for user in DEMO), first.output()
        token = run("-m", "infra.local.token", DEMO[0].username,
                    "--state-dir", str(tmp_path / "state"))
        assert token.returncode == 0, token.stderr
        assert first.interrupt() == 0, first.output()
    finally:
        first.kill()
    # WHEN it starts again on the same state directory
    second = RuntimeProcess(tmp_path / "state", tmp_path / "second.log")
    try:
        second.wait_until_healthy()
        again = json.loads((tmp_path / "state" / "local.json").read_text(encoding="utf-8"))
        # THEN the pool and app client ids are the same, so a token from before still works
        assert again["cognito"]["user_pool_id"] == info["cognito"]["user_pool_id"]
        assert again["cognito"]["client_id"] == info["cognito"]["client_id"]
        answer = requests.get(f"{second.url}/v1/admin/me",
                              headers={"Authorization": token.stdout.strip()}, timeout=10)
        assert answer.status_code == 200, answer.text
        assert second.interrupt() == 0, second.output()
    finally:
        second.kill()
