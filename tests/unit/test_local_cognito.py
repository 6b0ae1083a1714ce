"""The local runtime's Cognito provisioning, translated from template.yaml: pure, no sockets.

botocore's service model (local data files) says which parameters each API takes; the template
says everything else.
"""

from __future__ import annotations

import json

import boto3
import pytest

from infra.local import aws
from infra.local.banner import cli_token_command, local_info, token_command
from infra.local.cognito import (
    DEMO_USERS,
    UserPool,
    UserPoolClient,
    UserPoolGroup,
    demo_pool,
    load_demo_staff,
    passthrough_request,
    password_problems,
    user_pool_requests,
)
from infra.local.template import ROOT, Template

TEMPLATE = Template()
POOL_ID = "eu-central-1_Staff"
POOL = UserPool("StaffUserPool", POOL_ID,
                f"arn:aws:cognito-idp:eu-central-1:123456789012:userpool/{POOL_ID}",
                "civicdesk-local-staff", "eu-central-1", username_case_sensitive=False,
                password_policy=TEMPLATE.resources["StaffUserPool"]["Properties"]["Policies"]
                ["PasswordPolicy"])


@pytest.fixture(scope="module")
def model():
    """``CreateUserPool`` & co. parameter names, from botocore's bundled service model."""
    client = boto3.client("cognito-idp", region_name="eu-central-1",
                          aws_access_key_id="unused", aws_secret_access_key="unused")
    return lambda operation: set(
        client.meta.service_model.operation_model(operation).input_shape.members)


CITIZEN_POOL_ID = "eu-central-1_Citizens"
CITIZEN_POOL = UserPool("CitizenUserPool", CITIZEN_POOL_ID,
                        f"arn:aws:cognito-idp:eu-central-1:123456789012:userpool/{CITIZEN_POOL_ID}",
                        "civicdesk-local-citizens", "eu-central-1", username_case_sensitive=False)
#: Each app client's pool (issue 16 added the citizen pool and the portal's client).
CLIENT_POOLS = {"StaffUserPoolClient": POOL_ID, "CitizenUserPoolClient": CITIZEN_POOL_ID}


def resolved(logical_id: str) -> dict:
    refs = {"AWS::StackName": "civicdesk-local", "StaffUserPool": POOL_ID,
            "CitizenUserPool": CITIZEN_POOL_ID, "AWS::Partition": "aws",
            "AWS::Region": "eu-central-1", "AWS::AccountId": "123456789012",
            "MailDomain": "demo.civicdesk.rs"}
    return TEMPLATE.resolve_deep(TEMPLATE.resources[logical_id]["Properties"], refs.__getitem__)


def test_every_user_pool_property_of_the_template_is_created_or_applied(model):
    # GIVEN each user pool of the template
    for logical_id in TEMPLATE.of_type("AWS::Cognito::UserPool"):
        properties = resolved(logical_id)
        # WHEN it is translated into API requests
        requests = user_pool_requests(properties, "fallback", model("CreateUserPool"))
        # THEN nothing is left out, and what CloudFormation applies separately is separate
        assert requests.ignored == [], requests.ignored
        assert requests.create["PoolName"] == properties.get("UserPoolName", "fallback")
        for name in set(properties) - {"UserPoolName", "EnabledMfas"}:
            assert requests.create[name] == properties[name]
        assert "EnabledMfas" not in requests.create


def test_the_staff_pool_keeps_its_custom_attributes_policy_and_case_insensitivity(model):
    requests = user_pool_requests(resolved("StaffUserPool"), "fallback", model("CreateUserPool"))
    assert requests.create["PoolName"] == "civicdesk-local-staff"
    names = {attribute["Name"] for attribute in requests.create["Schema"]}
    assert {"departments", "language"} <= names
    assert requests.create["UsernameConfiguration"] == {"CaseSensitive": False}
    assert requests.create["Policies"]["PasswordPolicy"]["MinimumLength"] == 12
    assert requests.mfa == {"MfaConfiguration": "OPTIONAL",
                            "SoftwareTokenMfaConfiguration": {"Enabled": True}}


def test_mfa_is_not_configured_when_it_is_off():
    requests = user_pool_requests({"MfaConfiguration": "OFF", "EnabledMfas": ["SMS_MFA"]},
                                  "pool", {"MfaConfiguration"})
    assert requests.mfa is None


def test_clients_and_groups_pass_through_under_their_api_names(model):
    for logical_id in TEMPLATE.of_type("AWS::Cognito::UserPoolClient"):
        request, ignored = passthrough_request(resolved(logical_id), model("CreateUserPoolClient"))
        assert ignored == [] and request["UserPoolId"] == CLIENT_POOLS[logical_id]
    groups = [passthrough_request(resolved(logical_id), model("CreateGroup"))[0]
              for logical_id in TEMPLATE.of_type("AWS::Cognito::UserPoolGroup")]
    assert {group["GroupName"] for group in groups} == {
        "operator", "department_agent", "supervisor", "administrator"}
    assert all(group["UserPoolId"] == POOL_ID for group in groups)


def test_refs_and_getatts_of_cognito_resources_resolve():
    # GIVEN provisioned Cognito resources
    resources = aws.Resources(
        tables={lid: f"t-{lid}" for lid in TEMPLATE.of_type("AWS::DynamoDB::Table")},
        buckets={lid: f"b-{lid}" for lid in TEMPLATE.of_type("AWS::S3::Bucket")},
        queues={lid: f"https://sqs.eu-central-1.amazonaws.com/123456789012/{lid}"
                for lid in TEMPLATE.of_type("AWS::SQS::Queue")},
        schedule_groups={lid: f"g-{lid}" for lid in TEMPLATE.of_type("AWS::Scheduler::ScheduleGroup")},
        roles={lid: f"arn:aws:iam::123456789012:role/{lid}" for lid in TEMPLATE.of_type("AWS::IAM::Role")},
        topics={lid: f"arn:aws:sns:eu-central-1:123456789012:{lid}"
                for lid in TEMPLATE.of_type("AWS::SNS::Topic")},
        configuration_sets={lid: f"cs-{lid}" for lid in TEMPLATE.of_type("AWS::SES::ConfigurationSet")},
        secrets={lid: f"arn:aws:secretsmanager:eu-central-1:123456789012:secret:{lid}"
                 for lid in TEMPLATE.of_type("AWS::SecretsManager::Secret")},
        user_pools={"StaffUserPool": POOL, "CitizenUserPool": CITIZEN_POOL},
        user_pool_clients={"StaffUserPoolClient": UserPoolClient(
            "StaffUserPoolClient", "client-1", "civicdesk-console", POOL_ID),
            "CitizenUserPoolClient": UserPoolClient(
            "CitizenUserPoolClient", "client-2", "civicdesk-portal", CITIZEN_POOL_ID)},
        user_pool_groups={"OperatorGroup": UserPoolGroup("OperatorGroup", "operator", POOL_ID)})
    ref = aws.reference_resolver(resources, {})
    # THEN !Ref gives CloudFormation's Ref of each type and !GetAtt the attributes
    assert ref("StaffUserPool") == POOL_ID
    assert ref("StaffUserPoolClient") == "client-1"
    assert ref("OperatorGroup") == "operator"
    assert ref("StaffUserPool.Arn") == POOL.arn
    assert ref("StaffUserPool.ProviderURL") == POOL.issuer
    # AND the admin function's environment names the pool
    environment = aws.function_environment(TEMPLATE, resources, {
        **TEMPLATE.parameter_defaults(), "PublicUrl": "http://portal.test"})
    staff_pool_variables = [name for spec in TEMPLATE.functions().values()
                            for name, value in spec.environment.items()
                            if repr(value) == "!Ref 'StaffUserPool'"]
    assert staff_pool_variables
    assert all(environment[name] == POOL_ID for name in staff_pool_variables)
    # AND the authorizer's pool ARN resolves
    arn = TEMPLATE.authorizers("CivicDeskApi")["StaffAuthorizer"].user_pool_arns[0]
    assert TEMPLATE.resolve(arn, ref) == POOL.arn


def test_an_unknown_reference_is_a_startup_error():
    with pytest.raises(aws.StartupError):
        aws.reference_resolver(aws.Resources(), {})("StaffUserPool.Arn")


# -- the demo staff --------------------------------------------------------------------------------

def test_the_demo_staff_cover_every_role_and_one_and_two_departments():
    demo = load_demo_staff()
    users = demo.users
    departments = {d["id"] for d in json.loads(
        (ROOT / "infra/config/departments.json").read_text(encoding="utf-8"))["departments"]}
    assert {role for user in users for role in user.roles} == {
        "operator", "department_agent", "supervisor", "administrator"}
    agents = [user for user in users if "department_agent" in user.roles]
    assert ("roads_traffic",) in [user.departments for user in agents]
    assert {"public_utilities", "green_areas"} in [set(user.departments) for user in agents]
    for user in users:
        assert user.email.endswith("@demo.civicdesk.rs")
        assert set(user.departments) <= departments
        assert user.language
        assert password_problems(user.password, POOL.password_policy) == [], user.username
    assert len({user.username for user in users}) == len(users)
    assert demo_pool(demo, {"StaffUserPool": POOL}) is POOL


def test_the_demo_users_file_is_valid_for_the_staff_tool():
    from civicdesk.cli.staff import known_departments
    from civicdesk.services.staff_accounts import validate

    known = known_departments(ROOT / "infra/config")
    for user in load_demo_staff(DEMO_USERS).users:
        member = validate(user.username, user.email, user.name, user.roles, user.departments,
                          user.language, known_departments=known)
        assert member.username == user.username  # already in the stored (lower-case) form


@pytest.mark.parametrize("password, problems", [
    ("Demo-Admin-2026", []),
    ("short1A", ["at least 12 characters"]),
    ("alllowercase123", ["an upper-case letter"]),
    ("NoDigitsAtAllHere", ["a digit"]),
])
def test_passwords_are_checked_against_the_templates_policy(password, problems):
    assert password_problems(password, POOL.password_policy) == problems


def test_local_json_says_where_to_sign_in_and_as_whom():
    client = UserPoolClient("StaffUserPoolClient", "client-1", "civicdesk-console", POOL_ID)
    users = load_demo_staff().users
    info = local_info(POOL, client, "http://127.0.0.1:4566", users,
                      {"portal": "http://127.0.0.1:8000/"}, config_dir="/cfg")
    assert info["cognito"] == {
        "user_pool_id": POOL_ID, "user_pool_arn": POOL.arn, "client_id": "client-1",
        "endpoint": "http://127.0.0.1:4566", "region": "eu-central-1", "issuer": POOL.issuer,
        "jwks_url": f"http://127.0.0.1:4566/{POOL_ID}/.well-known/jwks.json",
        "username_case_sensitive": False}
    assert [u["username"] for u in info["users"]] == [u.username for u in users]
    assert set(info["users"][0]) == {"username", "name", "email", "roles", "departments",
                                     "language", "password"}
    assert info["urls"] == {"portal": "http://127.0.0.1:8000/"} and info["config_dir"] == "/cfg"
    json.dumps(info)  # it is JSON


def test_the_aws_cli_line_signs_in_like_the_token_command():
    line = cli_token_command("http://127.0.0.1:4566", "eu-central-1", "client-1", "ana", "Pw-1")
    assert line.startswith("aws cognito-idp initiate-auth --endpoint-url http://127.0.0.1:4566 ")
    assert "--auth-flow USER_PASSWORD_AUTH" in line and "USERNAME=ana,PASSWORD=Pw-1" in line


def test_requests_are_told_apart_by_service_so_signing_in_is_not_a_dynamodb_request():
    # InitiateAuth is an unsigned JSON call: not served under the DynamoDB lock
    assert aws._service({"REQUEST_METHOD": "POST", "HTTP_X_AMZ_TARGET":
                         "AWSCognitoIdentityProviderService.InitiateAuth"}) is None
    signed_cognito = "AWS4-HMAC-SHA256 Credential=AK/20261121/eu-central-1/cognito-idp/aws4_request"
    assert aws._service({"REQUEST_METHOD": "POST",
                         "HTTP_AUTHORIZATION": signed_cognito}) == "cognito-idp"
    assert aws._service({"HTTP_X_AMZ_TARGET": "DynamoDB_20120810.PutItem"}) == "dynamodb"


def test_the_printed_commands_name_the_python_the_runtime_runs_on(monkeypatch, tmp_path):
    # `python` on the path has none of the dependencies: the lines name the venv's interpreter
    import sys

    monkeypatch.setattr(sys, "executable", str(ROOT / ".venv" / "bin" / "python"))
    assert token_command("ana") == ".venv/bin/python -m infra.local.token ana"
    monkeypatch.setattr(sys, "executable", "/usr/local/bin/python3.12")
    assert token_command("ana", tmp_path) == (
        f"/usr/local/bin/python3.12 -m infra.local.token ana --state-dir {tmp_path}")
