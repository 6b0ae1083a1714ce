"""The pre-deploy check of the account's one active SES receipt rule set, through the CLI
against moto's SES (``make preflight``; docs/operations.md, "Several municipalities in one
account")."""

from __future__ import annotations

import json

import boto3
import pytest

from civicdesk.cli import preflight
from tests.support import aws


@pytest.fixture
def ses(moto_account):
    return boto3.client("ses", region_name=aws.REGION)


def run(capsys, *arguments: str) -> tuple[int, str]:
    status = preflight.main(["--region", aws.REGION, *arguments])
    return status, capsys.readouterr().out


def add_stack_rule(ses, rule_set: str, stack: str, domain: str) -> None:
    """What a deployed stack's InboundRule is in SES (template.yaml)."""
    boto3.client("s3", region_name=aws.REGION).create_bucket(
        Bucket=f"{stack}-mail", CreateBucketConfiguration={"LocationConstraint": aws.REGION})
    ses.create_receipt_rule(RuleSetName=rule_set, Rule={
        "Name": f"{stack}-store-then-ingest", "Enabled": True, "Recipients": [domain],
        "Actions": [{"S3Action": {"BucketName": f"{stack}-mail", "ObjectKeyPrefix": "inbound/"}}]})


def test_the_first_municipality_in_a_region_may_create_its_own_rule_set(ses, capsys):
    status, out = run(capsys, "--stack-name", "vrsac", "--mail-domain", "vrsac.rs")
    assert status == 0, out
    assert "aws ses set-active-receipt-rule-set --rule-set-name vrsac-inbound" in out


def test_a_second_municipality_with_a_rule_set_of_its_own_is_refused(ses, capsys):
    # GIVEN the first municipality's own rule set, active
    ses.create_receipt_rule_set(RuleSetName="vrsac-inbound")
    add_stack_rule(ses, "vrsac-inbound", "vrsac", "vrsac.rs")
    ses.set_active_receipt_rule_set(RuleSetName="vrsac-inbound")
    # WHEN a second stack would create and activate its own
    status, out = run(capsys, "--stack-name", "pancevo", "--mail-domain", "pancevo.rs")
    # THEN the check refuses and names the parameter that shares the active set
    assert status == 1
    assert "The active receipt rule set is vrsac-inbound" in out
    assert "SharedReceiptRuleSetName=vrsac-inbound" in out


def test_a_second_municipality_sharing_the_active_rule_set_may_deploy(ses, capsys):
    ses.create_receipt_rule_set(RuleSetName="civicdesk-shared")
    add_stack_rule(ses, "civicdesk-shared", "vrsac", "vrsac.rs")
    ses.set_active_receipt_rule_set(RuleSetName="civicdesk-shared")
    status, out = run(capsys, "--stack-name", "pancevo", "--mail-domain", "pancevo.rs",
                      "--shared-receipt-rule-set", "civicdesk-shared")
    assert status == 0, out
    assert "civicdesk-shared is active" in out


def test_a_redeploy_of_a_stack_already_in_the_shared_set_passes(ses, capsys):
    ses.create_receipt_rule_set(RuleSetName="civicdesk-shared")
    add_stack_rule(ses, "civicdesk-shared", "pancevo", "pancevo.rs")
    ses.set_active_receipt_rule_set(RuleSetName="civicdesk-shared")
    status, out = run(capsys, "--stack-name", "pancevo", "--mail-domain", "pancevo.rs",
                      "--shared-receipt-rule-set", "civicdesk-shared")
    assert status == 0, out


def test_a_shared_rule_set_that_is_not_active_is_refused(ses, capsys):
    ses.create_receipt_rule_set(RuleSetName="civicdesk-shared")
    status, out = run(capsys, "--stack-name", "pancevo", "--mail-domain", "pancevo.rs",
                      "--shared-receipt-rule-set", "civicdesk-shared")
    assert status == 1
    assert "none is active" in out
    assert "aws ses set-active-receipt-rule-set --rule-set-name civicdesk-shared" in out


def test_a_shared_rule_set_that_does_not_exist_says_how_to_create_it(ses, capsys):
    status, out = run(capsys, "--stack-name", "pancevo", "--mail-domain", "pancevo.rs",
                      "--shared-receipt-rule-set", "civicdesk-shared")
    assert status == 1
    assert "aws ses create-receipt-rule-set --rule-set-name civicdesk-shared" in out


@pytest.mark.parametrize(("theirs", "ours", "clash"), [
    ("vrsac.rs", "vrsac.rs", True),
    ("podrska@vrsac.rs", "vrsac.rs", True),  # one of our addresses
    (".vrsac.rs", "prijave.vrsac.rs", True),  # every subdomain
    ("vrsac.rs", "prijave.vrsac.rs", False),  # SES: a domain is not its subdomains
    ("vrsac.rs", "pancevo.rs", False),
])
def test_two_stacks_receiving_for_the_same_addresses_are_refused(ses, capsys, theirs, ours, clash):
    ses.create_receipt_rule_set(RuleSetName="civicdesk-shared")
    add_stack_rule(ses, "civicdesk-shared", "vrsac", theirs)
    ses.set_active_receipt_rule_set(RuleSetName="civicdesk-shared")
    status, out = run(capsys, "--stack-name", "second", "--mail-domain", ours,
                      "--shared-receipt-rule-set", "civicdesk-shared")
    assert status == (1 if clash else 0), out
    assert ("vrsac-store-then-ingest" in out and "would go to both stacks" in out) == clash


def test_the_names_the_check_assumes_are_the_templates():
    """The check recognises the stack's own rule set and rule by the names template.yaml gives
    them."""
    from civicdesk.services.preflight import own_rule_name, own_rule_set_name
    from infra.local.template import Template

    resources = Template().resources
    assert resources["InboundRuleSet"]["Properties"]["RuleSetName"].value \
        == own_rule_set_name("${AWS::StackName}")
    assert resources["InboundRule"]["Properties"]["Rule"]["Name"].value \
        == own_rule_name("${AWS::StackName}")


# -- the account's API Gateway logging role (CreateApiGatewayAccountRole) ------------------------

ROLE_TRUST = ('{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": '
              '{"Service": "apigateway.amazonaws.com"}, "Action": "sts:AssumeRole"}]}')


def set_logging_role(name: str) -> str:
    arn = boto3.client("iam", region_name=aws.REGION).create_role(
        RoleName=name, AssumeRolePolicyDocument=ROLE_TRUST)["Role"]["Arn"]
    boto3.client("apigateway", region_name=aws.REGION).update_account(patchOperations=[
        {"op": "replace", "path": "/cloudwatchRoleArn", "value": arn}])
    return arn


def deploy_stack_with_role(stack: str) -> str:
    """A deployed stack that created its logging role (the template's ApiGatewayCloudWatchRole),
    and the account setting pointing at it."""
    template = {"Resources": {"ApiGatewayCloudWatchRole": {"Type": "AWS::IAM::Role", "Properties": {
        "AssumeRolePolicyDocument": {"Version": "2012-10-17", "Statement": [{
            "Effect": "Allow", "Principal": {"Service": "apigateway.amazonaws.com"},
            "Action": "sts:AssumeRole"}]}}}}}
    cloudformation = boto3.client("cloudformation", region_name=aws.REGION)
    cloudformation.create_stack(StackName=stack, TemplateBody=json.dumps(template))
    name = cloudformation.describe_stack_resource(
        StackName=stack, LogicalResourceId="ApiGatewayCloudWatchRole")["StackResourceDetail"]["PhysicalResourceId"]
    arn = boto3.client("iam", region_name=aws.REGION).get_role(RoleName=name)["Role"]["Arn"]
    boto3.client("apigateway", region_name=aws.REGION).update_account(patchOperations=[
        {"op": "replace", "path": "/cloudwatchRoleArn", "value": arn}])
    return arn


def logging_problems(out: str) -> list[str]:
    return [line for line in out.splitlines() if line.startswith("PROBLEM") and "logging role" in line]


def test_a_fresh_account_gets_its_logging_role_from_the_stack(ses, capsys):
    status, out = run(capsys, "--stack-name", "vrsac", "--mail-domain", "vrsac.rs")
    assert status == 0, out
    assert "API Gateway logging role: this stack sets it." in out


def test_a_fresh_account_without_the_role_parameter_is_refused(ses, capsys):
    status, out = run(capsys, "--stack-name", "vrsac", "--mail-domain", "vrsac.rs",
                      "--create-api-gateway-account-role", "false")
    assert status == 1
    assert "would fail to create" in logging_problems(out)[0]


def test_a_second_stack_must_not_replace_the_accounts_logging_role(ses, capsys):
    arn = deploy_stack_with_role("vrsac")
    status, out = run(capsys, "--stack-name", "pancevo", "--mail-domain", "pancevo.rs")
    assert status == 1
    problem, = logging_problems(out)
    assert arn in problem and "CreateApiGatewayAccountRole=false" in problem
    status, out = run(capsys, "--stack-name", "pancevo", "--mail-domain", "pancevo.rs",
                      "--create-api-gateway-account-role", "false")
    assert status == 0, out


def test_the_stack_that_set_the_role_may_redeploy(ses, capsys):
    deploy_stack_with_role("vrsac")
    status, out = run(capsys, "--stack-name", "vrsac", "--mail-domain", "vrsac.rs")
    assert status == 0, out
    # and turning it off would leave the setting unmanaged
    status, out = run(capsys, "--stack-name", "vrsac", "--mail-domain", "vrsac.rs",
                      "--create-api-gateway-account-role", "false")
    assert status == 1 and "is this stack's own" in logging_problems(out)[0]


def test_a_role_the_administrator_set_is_kept(ses, capsys):
    set_logging_role("apigateway-cloudwatch")
    status, out = run(capsys, "--stack-name", "vrsac", "--mail-domain", "vrsac.rs",
                      "--create-api-gateway-account-role", "false")
    assert status == 0, out
    assert "(kept as it is)" in out
