"""template.yaml <-> what a first deployment in a real account needs.

Some of it is only visible after SAM's transform (the stages SAM adds, the order CloudFormation
creates the stage in), so these tests run the template through the SAM translator that cfn-lint
uses, the same one `sam deploy` hands to CloudFormation.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Iterator
from functools import cache
from typing import Any

import boto3
import pytest
from cfnlint.decode import decode
from samtranslator.parser.parser import Parser
from samtranslator.translator.translator import Translator

from infra.local.template import TEMPLATE as TEMPLATE_PATH
from infra.local.template import Template

TEMPLATE = Template()
PARAMETERS = TEMPLATE.doc["Parameters"]
CONDITIONS = TEMPLATE.doc["Conditions"]
#: Lambda keeps this much of the account's concurrency unreserved; a reservation that leaves
#: less fails to deploy.
LAMBDA_MINIMUM_UNRESERVED = 100
#: The concurrency quota of an account that never asked for more (Lambda's default).
DEFAULT_ACCOUNT_CONCURRENCY = 1000


@cache
def _source() -> dict:
    document, matches = decode(str(TEMPLATE_PATH))
    assert document is not None, matches
    return document


def transformed(**parameters: str) -> dict:
    """The template after SAM's transform, as CloudFormation receives it from `sam deploy`.

    The code folders become placeholder S3 locations (what `sam package` does with them).
    """
    document = copy.deepcopy(_source())
    for resource in document["Resources"].values():
        properties = resource.get("Properties", {})
        if resource["Type"] == "AWS::Serverless::Function":
            properties["CodeUri"] = "s3://artifacts/function.zip"
        elif resource["Type"] == "AWS::Serverless::LayerVersion":
            properties["ContentUri"] = "s3://artifacts/layer.zip"
    translator = Translator({}, Parser(), boto_session=boto3.Session(region_name="eu-central-1"))
    return translator.translate(document, parameter_values=dict(parameters),
                                get_managed_policy_map=dict)


def references(value: Any) -> Iterator[str]:
    """Logical ids and parameters an (untransformed-intrinsic) value refers to."""
    if isinstance(value, dict):
        if set(value) == {"Ref"}:
            yield value["Ref"]
        elif set(value) == {"Fn::GetAtt"}:
            target = value["Fn::GetAtt"]
            yield (target[0] if isinstance(target, list) else target.split(".", 1)[0])
        elif set(value) == {"Fn::Sub"}:
            text = value["Fn::Sub"] if isinstance(value["Fn::Sub"], str) else value["Fn::Sub"][0]
            yield from (name.split(".", 1)[0] for name in re.findall(r"\$\{([^}!]+)\}", text))
            if isinstance(value["Fn::Sub"], list):
                yield from references(value["Fn::Sub"][1])
        else:
            for item in value.values():
                yield from references(item)
    elif isinstance(value, list):
        for item in value:
            yield from references(item)


def created_after(resources: dict, logical_id: str) -> set[str]:
    """Every resource CloudFormation must create before ``logical_id`` (DependsOn, Ref, GetAtt,
    Sub, and what those depend on in turn)."""
    seen: set[str] = set()
    todo = [logical_id]
    while todo:
        resource = resources[todo.pop()]
        depends = resource.get("DependsOn", [])
        for name in [*([depends] if isinstance(depends, str) else depends),
                     *references(resource.get("Properties", {})),
                     *references(resource.get("Metadata", {}))]:
            if name in resources and name not in seen:
                seen.add(name)
                todo.append(name)
    return seen


def of_type(document: dict, resource_type: str) -> dict[str, dict]:
    return {lid: res for lid, res in document["Resources"].items() if res["Type"] == resource_type}


# -- item 9: one stage ----------------------------------------------------------------------------

def test_the_template_declares_the_openapi_version_so_sam_adds_no_stage_named_stage():
    assert TEMPLATE.doc["Globals"]["Api"]["OpenApiVersion"].startswith("3.")


def test_the_api_is_served_by_exactly_one_stage_the_configured_one():
    """Without an OpenApiVersion SAM's deployment also creates a stage `Stage`, serving every
    route with none of the stage's throttling, access logs or tracing."""
    document = transformed()
    stages = of_type(document, "AWS::ApiGateway::Stage")
    assert [stage["Properties"]["StageName"] for stage in stages.values()] == ["prod"]
    for deployment in of_type(document, "AWS::ApiGateway::Deployment").values():
        assert "StageName" not in deployment["Properties"]
    stage = next(iter(stages.values()))["Properties"]
    assert stage["TracingEnabled"] is True
    assert stage["AccessLogSetting"]["DestinationArn"]
    assert {s["ThrottlingRateLimit"] for s in stage["MethodSettings"]} == {50}


# -- item 8: the account's API Gateway logging role -----------------------------------------------

def test_a_fresh_account_gets_the_api_gateway_logging_role_by_default():
    parameter = PARAMETERS["CreateApiGatewayAccountRole"]
    assert parameter["Default"] == "true"
    assert sorted(parameter["AllowedValues"]) == ["false", "true"]
    account = TEMPLATE.resources["ApiGatewayAccount"]
    assert account["Type"] == "AWS::ApiGateway::Account"
    condition = account["Condition"]
    role_ref = account["Properties"]["CloudWatchRoleArn"]
    assert (role_ref.name, role_ref.value) == ("GetAtt", "ApiGatewayCloudWatchRole.Arn")
    role = TEMPLATE.resources["ApiGatewayCloudWatchRole"]
    assert role["Type"] == "AWS::IAM::Role" and role["Condition"] == condition
    statement, = role["Properties"]["AssumeRolePolicyDocument"]["Statement"]
    assert statement == {"Effect": "Allow", "Principal": {"Service": "apigateway.amazonaws.com"},
                         "Action": "sts:AssumeRole"}
    policy, = role["Properties"]["ManagedPolicyArns"]
    assert policy.value == ("arn:${AWS::Partition}:iam::aws:policy/service-role/"
                            "AmazonAPIGatewayPushToCloudWatchLogs")
    # The setting is the account's: deleting one municipality's stack must not break the logs
    # of another that relies on the same role.
    for resource in (account, role):
        assert resource["DeletionPolicy"] == resource["UpdateReplacePolicy"] == "Retain"


def test_the_stage_is_created_after_the_account_setting_when_the_stack_creates_it():
    document = transformed()
    stage_id, = of_type(document, "AWS::ApiGateway::Stage")
    assert "ApiGatewayAccount" in created_after(document["Resources"], stage_id)


@pytest.mark.parametrize("create", ["true", "false"])
def test_the_stage_dependency_resolves_with_and_without_the_account_role(create):
    """CloudFormation refuses a template whose DependsOn names a resource its conditions leave
    out; only the account resource and its role may carry the condition."""
    document = transformed(CreateApiGatewayAccountRole=create)
    resources = document["Resources"]
    conditional = {lid for lid, res in resources.items() if res.get("Condition")}
    for logical_id, resource in resources.items():
        depends = resource.get("DependsOn", [])
        depends = [depends] if isinstance(depends, str) else depends
        assert not conditional & set(depends), logical_id
    condition = resources["ApiGatewayAccount"]["Condition"]
    assert {lid for lid, res in resources.items() if res.get("Condition") == condition} \
        == {"ApiGatewayAccount", "ApiGatewayCloudWatchRole"}


# -- item 11: reserved concurrency ----------------------------------------------------------------

RESERVATIONS = {"ApiFunction": "PublicApiReservedConcurrency",
                "AdminApiFunction": "AdminApiReservedConcurrency"}


@pytest.mark.parametrize(("function", "parameter"), RESERVATIONS.items())
def test_the_public_and_the_staff_api_each_reserve_their_concurrency(function, parameter):
    definition = PARAMETERS[parameter]
    assert definition["Type"] == "Number" and definition["MinValue"] == 0
    reserved = TEMPLATE.resources[function]["Properties"]["ReservedConcurrentExecutions"]
    # !If [<condition>, !Ref <parameter>, !Ref AWS::NoValue]: 0 leaves the function unreserved
    assert reserved.name == "If"
    condition, when_set, otherwise = reserved.value
    assert (when_set.name, when_set.value) == ("Ref", parameter)
    assert (otherwise.name, otherwise.value) == ("Ref", "AWS::NoValue")
    negation = CONDITIONS[condition]
    assert negation.name == "Not"
    equals, = negation.value
    assert equals.name == "Equals"
    ref, zero = equals.value
    assert (ref.name, ref.value, str(zero)) == ("Ref", parameter, "0")


def test_the_default_reservations_fit_an_account_with_the_default_quota():
    assert int(PARAMETERS["PublicApiReservedConcurrency"]["Default"]) > 0
    assert int(PARAMETERS["AdminApiReservedConcurrency"]["Default"]) > 0
    reserved = sum(int(PARAMETERS[p]["Default"]) for p in RESERVATIONS.values())
    assert reserved + LAMBDA_MINIMUM_UNRESERVED <= DEFAULT_ACCOUNT_CONCURRENCY


def evaluate(condition: Any, parameters: dict[str, str], conditions: dict) -> bool:
    """A CloudFormation condition (as the transformed template spells it) for ``parameters``."""
    (function, argument), = condition.items()
    if function == "Condition":
        return evaluate(conditions[argument], parameters, conditions)
    if function == "Fn::Not":
        return not evaluate(argument[0], parameters, conditions)
    if function == "Fn::And":
        return all(evaluate(item, parameters, conditions) for item in argument)
    if function == "Fn::Equals":
        left, right = (str(parameters[v["Ref"]]) if isinstance(v, dict) else str(v)
                       for v in argument)
        return left == right
    raise AssertionError(f"cannot evaluate {condition!r}")


@pytest.mark.parametrize(("values", "expected"), [
    ({}, {"ApiFunction": 50, "AdminApiFunction": 20}),
    ({"PublicApiReservedConcurrency": "200", "AdminApiReservedConcurrency": "0"},
     {"ApiFunction": 200, "AdminApiFunction": None}),
])
def test_the_deployed_functions_get_the_reservation_asked_for(values, expected):
    document = transformed(**values)
    parameters = {name: str(definition.get("Default")) for name, definition in PARAMETERS.items()}
    parameters.update(values)
    for function, want in expected.items():
        properties = document["Resources"][function]["Properties"]
        condition, when_set, otherwise = properties["ReservedConcurrentExecutions"]["Fn::If"]
        applies = evaluate({"Condition": condition}, parameters, document["Conditions"])
        got = int(parameters[when_set["Ref"]]) if applies else None
        assert otherwise == {"Ref": "AWS::NoValue"}
        assert got == want, function
