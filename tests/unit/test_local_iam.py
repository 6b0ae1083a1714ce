"""The local runtime's IAM evaluation (infra/local/iam.py): statements, SAM's policy templates,
the actions and resources of each operation, the denial botocore raises."""

from __future__ import annotations

import botocore.config
import botocore.session
import pytest
from botocore.exceptions import ClientError

from infra.local import iam
from infra.local.template import Template, _Tag

REGION, ACCOUNT = "eu-central-1", "123456789012"
TABLE = f"arn:aws:dynamodb:{REGION}:{ACCOUNT}:table/cases"
ARNS = iam.ArnBuilder(REGION, ACCOUNT, secrets={"link-key": f"arn:aws:secretsmanager:{REGION}:"
                                                f"{ACCOUNT}:secret:link-key-AbCdEf"},
                      mail_identities=("opstina.rs",))


def policy(*statements: dict) -> iam.FunctionPolicy:
    return iam.FunctionPolicy("F", iam.role_arn(ACCOUNT, "p", "F"),
                              [iam.Statement.compile(s) for s in statements])


def requests(service: str, operation: str, params: dict, signing: str | None = None):
    return [(r.action, r.resource) for r in iam.authorization_requests(
        service, signing or service, operation, params, ARNS)]


def test_an_allow_allows_and_nothing_else_does():
    p = policy({"Effect": "Allow", "Action": ["dynamodb:GetItem"], "Resource": TABLE})
    assert p.decide("dynamodb:GetItem", TABLE).allowed
    assert not p.decide("dynamodb:PutItem", TABLE).allowed
    assert not p.decide("dynamodb:GetItem", TABLE + "x").allowed  # the resource mismatches
    assert not p.decide("dynamodb:GetItem", TABLE + "/index/by-status").allowed


def test_wildcards_in_actions_and_resources_and_action_case():
    p = policy({"Effect": "Allow", "Action": "sqs:SendMessage*",
                "Resource": f"arn:aws:sqs:{REGION}:{ACCOUNT}:dead-?"})
    assert p.decide("sqs:SendMessage", f"arn:aws:sqs:{REGION}:{ACCOUNT}:dead-1").allowed
    assert p.decide("SQS:sendmessagebatch", f"arn:aws:sqs:{REGION}:{ACCOUNT}:dead-2").allowed
    assert not p.decide("sqs:SendMessage", f"arn:aws:sqs:{REGION}:{ACCOUNT}:dead-10").allowed
    assert not p.decide("sqs:ReceiveMessage", f"arn:aws:sqs:{REGION}:{ACCOUNT}:dead-1").allowed


def test_an_explicit_deny_wins_over_an_allow():
    p = policy({"Effect": "Allow", "Action": "s3:*", "Resource": "*"},
               {"Sid": "NoDeletes", "Effect": "Deny", "Action": "s3:DeleteObject",
                "Resource": "arn:aws:s3:::mail/*"})
    assert p.decide("s3:GetObject", "arn:aws:s3:::mail/a").allowed
    decision = p.decide("s3:DeleteObject", "arn:aws:s3:::mail/a")
    assert (decision.allowed, decision.explicit_deny, decision.statement) == (False, True, "NoDeletes")


def test_not_action_and_not_resource():
    p = policy({"Effect": "Allow", "NotAction": "dynamodb:DeleteItem", "Resource": TABLE},
               {"Effect": "Deny", "Action": "dynamodb:*", "NotResource": [TABLE, TABLE + "/*"]})
    assert p.decide("dynamodb:PutItem", TABLE).allowed
    assert not p.decide("dynamodb:DeleteItem", TABLE).allowed
    assert p.decide("dynamodb:PutItem", TABLE + "-other").explicit_deny


def test_a_query_on_an_index_is_authorized_on_the_index_arn():
    assert requests("dynamodb", "Query", {"TableName": "cases", "IndexName": "by-status"}) == [
        ("dynamodb:Query", TABLE + "/index/by-status")]
    assert requests("dynamodb", "Query", {"TableName": "cases"}) == [("dynamodb:Query", TABLE)]


def test_a_transaction_is_authorized_item_by_item_with_the_item_actions():
    items = [{"Put": {"TableName": "cases"}}, {"Update": {"TableName": "cases"}},
             {"Delete": {"TableName": "other"}}, {"ConditionCheck": {"TableName": "cases"}}]
    assert requests("dynamodb", "TransactWriteItems", {"TransactItems": items}) == [
        ("dynamodb:PutItem", TABLE), ("dynamodb:UpdateItem", TABLE),
        ("dynamodb:DeleteItem", f"arn:aws:dynamodb:{REGION}:{ACCOUNT}:table/other"),
        ("dynamodb:ConditionCheckItem", TABLE)]
    assert requests("dynamodb", "TransactGetItems",
                    {"TransactItems": [{"Get": {"TableName": "cases"}}]}) == [
        ("dynamodb:GetItem", TABLE)]
    p = policy({"Effect": "Allow", "Action": ["dynamodb:PutItem", "dynamodb:UpdateItem"],
                "Resource": TABLE})
    identity = iam.FunctionIdentity(p, ARNS, lambda arn: arn, lambda denial: None)
    with pytest.raises(ClientError) as raised:
        identity.check("dynamodb", "dynamodb", "TransactWriteItems", {"TransactItems": items[:2] + items[3:]})
    assert "dynamodb:ConditionCheckItem on resource: " + TABLE in str(raised.value)


def test_batch_operations_name_every_table():
    assert requests("dynamodb", "BatchGetItem", {"RequestItems": {"cases": {}, "other": {}}}) == [
        ("dynamodb:BatchGetItem", TABLE),
        ("dynamodb:BatchGetItem", f"arn:aws:dynamodb:{REGION}:{ACCOUNT}:table/other")]
    assert requests("sqs", "SendMessageBatch", {"QueueUrl": "http://x/123456789012/dlq"}) == [
        ("sqs:SendMessage", f"arn:aws:sqs:{REGION}:{ACCOUNT}:dlq")]


def test_s3_objects_buckets_and_renamed_actions():
    assert requests("s3", "GetObject", {"Bucket": "mail", "Key": "inbound/m1"}) == [
        ("s3:GetObject", "arn:aws:s3:::mail/inbound/m1")]
    assert requests("s3", "ListObjectsV2", {"Bucket": "mail"}) == [
        ("s3:ListBucket", "arn:aws:s3:::mail")]
    assert requests("s3", "HeadObject", {"Bucket": "mail", "Key": "k"}) == [
        ("s3:GetObject", "arn:aws:s3:::mail/k")]


def test_the_resources_of_the_other_services():
    assert requests("secretsmanager", "GetSecretValue", {"SecretId": "link-key"}) == [
        ("secretsmanager:GetSecretValue", ARNS.secrets["link-key"])]
    assert requests("cognito-idp", "AdminGetUser", {"UserPoolId": "eu-central-1_X"}) == [
        ("cognito-idp:AdminGetUser", f"arn:aws:cognito-idp:{REGION}:{ACCOUNT}:userpool/eu-central-1_X")]
    assert requests("sns", "Publish", {"PhoneNumber": "+381601234567"}) == [("sns:Publish", "*")]
    assert requests("sesv2", "SendEmail", {"FromEmailAddress": "Opština <info@opstina.rs>",
                                           "ConfigurationSetName": "mail"}, "ses") == [
        ("ses:SendEmail", f"arn:aws:ses:{REGION}:{ACCOUNT}:identity/opstina.rs"),
        ("ses:SendEmail", f"arn:aws:ses:{REGION}:{ACCOUNT}:configuration-set/mail")]
    schedule = f"arn:aws:scheduler:{REGION}:{ACCOUNT}:schedule/campaigns/campaign-1"
    role = f"arn:aws:iam::{ACCOUNT}:role/schedules"
    assert requests("scheduler", "DeleteSchedule", {"Name": "campaign-1", "GroupName": "campaigns"}) == [
        ("scheduler:DeleteSchedule", schedule)]
    assert requests("scheduler", "CreateSchedule", {
        "Name": "campaign-1", "GroupName": "campaigns", "ScheduleExpression": "at(2026-12-01T20:00:00)",
        "Target": {"Arn": "arn:aws:sqs:x", "RoleArn": role}}) == [
        ("scheduler:CreateSchedule", schedule), ("iam:PassRole", role)]
    assert requests("scheduler", "GetSchedule", {"Name": "nightly"}) == [
        ("scheduler:GetSchedule", f"arn:aws:scheduler:{REGION}:{ACCOUNT}:schedule/default/nightly")]


def _function_template(policies: list, events: dict | None = None) -> Template:
    return Template({"Globals": {"Function": {"Tracing": "Active"}}, "Resources": {
        "Table": {"Type": "AWS::DynamoDB::Table"},
        "F": {"Type": "AWS::Serverless::Function", "Properties": {
            "Handler": "app.handler", "CodeUri": "f/", "Policies": policies,
            "Events": events or {}}}}})


def _ref(name: str) -> str:
    return {"Table": "cases", "Table.Arn": TABLE, "AWS::Region": REGION,
            "AWS::AccountId": ACCOUNT, "AWS::Partition": "aws"}[name]


def test_sam_policy_templates_are_expanded_with_their_parameters():
    template = _function_template([{"DynamoDBReadPolicy": {"TableName": _Tag("Ref", "Table")}}])
    p = iam.compile_policy(template, "F", _ref, account_id=ACCOUNT, name_prefix="p")
    assert p.decide("dynamodb:Query", TABLE + "/index/by-status").allowed
    assert p.decide("dynamodb:BatchGetItem", TABLE).allowed
    assert not p.decide("dynamodb:PutItem", TABLE).allowed
    with pytest.raises(iam.PolicyTemplateError, match="NoSuchPolicy"):
        iam.compile_policy(_function_template([{"NoSuchPolicy": {}}]), "F", _ref,
                           account_id=ACCOUNT, name_prefix="p")


def test_the_roles_sam_adds_managed_policies_and_inline_statements():
    template = _function_template(
        ["AWSLambdaBasicExecutionRole", {"Statement": [
            {"Effect": "Allow", "Action": "dynamodb:GetItem", "Resource": _Tag("GetAtt", "Table.Arn")}]}],
        {"Changes": {"Type": "DynamoDB", "Properties": {}}})
    p = iam.compile_policy(template, "F", _ref, account_id=ACCOUNT, name_prefix="p")
    assert p.decide("dynamodb:GetItem", TABLE).allowed
    assert p.decide("dynamodb:GetRecords", TABLE + "/stream/2026").allowed  # the event source
    assert p.decide("xray:PutTraceSegments", "*").allowed  # Tracing: Active
    assert p.decide("logs:PutLogEvents", "*").allowed
    assert not p.decide("dynamodb:BatchGetItem", TABLE).allowed


def test_a_denied_call_raises_what_aws_sends_names_the_statement_and_is_recorded():
    denials: list[iam.Denial] = []
    identity = iam.FunctionIdentity(
        policy({"Effect": "Allow", "Action": "sns:Publish", "Resource": "*"}), ARNS,
        lambda arn: "!GetAtt CasesTable.Arn", denials.append)
    iam.install()
    client = botocore.session.get_session().create_client(
        "dynamodb", region_name=REGION, endpoint_url="http://127.0.0.1:9",
        aws_access_key_id="x", aws_secret_access_key="x")
    token = iam.CURRENT.set(identity)
    try:
        with pytest.raises(ClientError) as raised:
            client.batch_get_item(RequestItems={"cases": {"Keys": [{"pk": {"S": "a"}}]}})
    finally:
        iam.CURRENT.reset(token)
    error = raised.value.response["Error"]
    assert error["Code"] == "AccessDeniedException"
    assert error["Message"].startswith(
        f"User: arn:aws:sts::{ACCOUNT}:assumed-role/p-FRole/p-F is not authorized to perform: "
        f"dynamodb:BatchGetItem on resource: {TABLE} because no identity-based policy allows "
        f"the dynamodb:BatchGetItem action")
    assert "{Effect: Allow, Action: dynamodb:BatchGetItem, Resource: !GetAtt CasesTable.Arn}" \
        in error["Message"]
    assert [(d.function, d.action, d.resource) for d in denials] == [
        ("F", "dynamodb:BatchGetItem", TABLE)]


def test_a_call_outside_a_function_is_not_checked():
    iam.install()
    client = botocore.session.get_session().create_client(
        "dynamodb", region_name=REGION, endpoint_url="http://127.0.0.1:9",
        aws_access_key_id="x", aws_secret_access_key="x",
        config=botocore.config.Config(retries={"max_attempts": 0}, connect_timeout=0.2))
    with pytest.raises(Exception) as raised:  # the endpoint refuses: the call was sent
        client.get_item(TableName="cases", Key={"pk": {"S": "a"}})
    assert not isinstance(raised.value, ClientError)


def test_enforcement_is_turned_off_by_the_variable():
    assert iam.enabled({}) and iam.enabled({"CIVICDESK_LOCAL_IAM": "on"})
    assert not iam.enabled({"CIVICDESK_LOCAL_IAM": "off"})
    assert not iam.enabled({"CIVICDESK_LOCAL_IAM": "0"})


@pytest.mark.parametrize(("service", "signing", "operation", "params", "code", "status"), [
    ("sns", "sns", "Publish", {"PhoneNumber": "+381601234567"}, "AuthorizationError", 403),
    ("s3", "s3", "GetObject", {"Bucket": "mail", "Key": "inbound/m1"}, "AccessDenied", 403),
    ("sqs", "sqs", "SendMessage", {"QueueUrl": "http://x/1/q"}, "AccessDenied", 403),
    ("secretsmanager", "secretsmanager", "GetSecretValue", {"SecretId": "link-key"},
     "AccessDeniedException", 400),
])
def test_each_service_denies_with_its_own_error_code(service, signing, operation, params, code,
                                                     status):
    identity = iam.FunctionIdentity(policy({"Effect": "Allow", "Action": "logs:*",
                                            "Resource": "*"}), ARNS, str, lambda denial: None)
    with pytest.raises(ClientError) as raised:
        identity.check(service, signing, operation, params)
    assert raised.value.response["Error"]["Code"] == code
    assert raised.value.response["ResponseMetadata"]["HTTPStatusCode"] == status
    assert raised.value.operation_name == operation


def test_the_denied_resource_is_named_as_template_yaml_spells_it():
    template = Template({"Resources": {"Files": {"Type": "AWS::S3::Bucket"},
                                       "Cases": {"Type": "AWS::DynamoDB::Table"},
                                       "Topic": {"Type": "AWS::SNS::Topic"}}})
    arns = {"Files.Arn": "arn:aws:s3:::files", "Cases.Arn": TABLE,
            "Topic": f"arn:aws:sns:{REGION}:{ACCOUNT}:topic"}
    expression = iam.template_expressions(template, lambda name: arns[name])
    assert expression("arn:aws:s3:::files/cases/2026-000001/t/a.pdf") == \
        '!Sub "${Files.Arn}/cases/*"'
    assert expression(TABLE) == "!GetAtt Cases.Arn"
    assert expression(TABLE + "/index/by-status") == '!Sub "${Cases.Arn}/index/by-status"'
    assert expression(arns["Topic"]) == "!Ref Topic"
    assert expression("*") == "*"
