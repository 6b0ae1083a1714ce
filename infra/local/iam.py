"""Each function's IAM permissions, enforced on the AWS calls it makes, as AWS would.

moto does not check IAM: a function whose ``Policies`` in template.yaml lack an action would
pass every local test and fail on AWS with ``AccessDenied``. The runtime therefore checks every
call a function's handler makes against that function's statements:

* ``FunctionPolicy.from_template`` gathers the statements of a function's execution role the
  way SAM builds it: the inline policy documents of ``Policies``, the SAM policy templates it
  names (``DynamoDBCrudPolicy``... expanded, ``SAM_POLICY_TEMPLATES``), the managed policies
  (named in ``Policies`` or added by SAM: ``AWSLambdaBasicExecutionRole``, X-Ray's for
  ``Tracing: Active``, the stream/queue execution roles of its event source mappings), or the
  statements of the ``AWS::IAM::Role`` its ``Role`` names. References are resolved to the
  local resources' ARNs and every statement is compiled once (one regular expression per
  element); decisions are cached per (action, resource).
* ``authorization_requests`` turns one botocore operation and its parameters into what IAM
  authorizes: the action (``service:Operation``, with the documented exceptions:
  ``TransactWriteItems`` is authorized as ``PutItem``/``UpdateItem``/``DeleteItem``/
  ``ConditionCheckItem`` on each item's table, ``ListObjectsV2`` as ``s3:ListBucket``,
  ``SendMessageBatch`` as ``sqs:SendMessage``...) and the resource ARN (a table,
  ``table/<t>/index/<i>`` for a ``Query`` on an index, a bucket or ``bucket/key``, a queue, a
  topic, a secret, a user pool, an SES identity and configuration set, a Scheduler schedule
  ``schedule/<group>/<name>`` with ``iam:PassRole`` on the role a created schedule names).
* ``CURRENT`` is the identity of the function whose handler runs in this thread (set by
  ``infra.local.lambdas.LocalFunction.invoke``, through which every invocation passes: the API,
  the pollers, the asynchronous invoker, the schedules, the redrive). ``install`` adds one
  ``before-parameter-build`` handler to every botocore session made in this process from then
  on (botocore's built-in handler list), so every client -- the application's, PynamoDB's own
  -- checks its calls; a call made outside a handler (the runtime's seeding, pollers and
  emulation) has no current function and is not checked.

A denied call raises botocore's ``ClientError`` with the code and the message AWS sends (the
message followed by the statement to add to template.yaml), and is recorded in the runtime's
``denials``, since some code paths swallow errors.

Not evaluated: ``Condition`` blocks (a statement with one applies as if it held), resource-based
policies (bucket, queue, topic, key policies), permission boundaries, SCPs and KMS key
permissions.
"""

from __future__ import annotations

import contextvars
import logging
import re
import threading
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, Callable, Iterable

log = logging.getLogger("civicdesk.local")

#: The identity of the function whose handler runs now (``None``: the runtime itself).
CURRENT: contextvars.ContextVar["FunctionIdentity | None"] = contextvars.ContextVar(
    "civicdesk_local_function_identity", default=None)

#: ``CIVICDESK_LOCAL_IAM=off`` (or ``LocalRuntime(enforce_iam=False)``) turns enforcement off.
ENVIRONMENT_VARIABLE = "CIVICDESK_LOCAL_IAM"

LOGS = ("logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents")

#: The AWS managed policies SAM attaches (or a template names), as their documents grant.
MANAGED_POLICIES: dict[str, list[dict]] = {
    "AWSLambdaBasicExecutionRole": [{"Effect": "Allow", "Action": list(LOGS), "Resource": "*"}],
    "AWSXRayDaemonWriteAccess": [{"Effect": "Allow", "Action": [
        "xray:PutTraceSegments", "xray:PutTelemetryRecords", "xray:GetSamplingRules",
        "xray:GetSamplingTargets", "xray:GetSamplingStatisticSummaries"], "Resource": "*"}],
    "AWSLambdaDynamoDBExecutionRole": [{"Effect": "Allow", "Action": [
        "dynamodb:DescribeStream", "dynamodb:GetRecords", "dynamodb:GetShardIterator",
        "dynamodb:ListStreams", *LOGS], "Resource": "*"}],
    "AWSLambdaSQSQueueExecutionRole": [{"Effect": "Allow", "Action": [
        "sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes", *LOGS],
        "Resource": "*"}],
}

#: SAM's implicit managed policies for the event sources Lambda polls with the role.
EVENT_SOURCE_POLICIES = {"DynamoDB": "AWSLambdaDynamoDBExecutionRole",
                         "SQS": "AWSLambdaSQSQueueExecutionRole",
                         "Kinesis": "AWSLambdaKinesisExecutionRole"}

_TABLE = "arn:${AWS::Partition}:dynamodb:${AWS::Region}:${AWS::AccountId}:table/${TableName}"
_BUCKET = "arn:${AWS::Partition}:s3:::${BucketName}"
_QUEUE = "arn:${AWS::Partition}:sqs:${AWS::Region}:${AWS::AccountId}:${QueueName}"
_TOPIC = "arn:${AWS::Partition}:sns:${AWS::Region}:${AWS::AccountId}:${TopicName}"
_IDENTITY = "arn:${AWS::Partition}:ses:${AWS::Region}:${AWS::AccountId}:identity/${IdentityName}"

#: SAM policy templates (``Policies: [{DynamoDBCrudPolicy: {TableName: !Ref T}}]``), as SAM's
#: ``policy_templates.json`` defines them: their statements with ``${Parameter}`` placeholders.
SAM_POLICY_TEMPLATES: dict[str, list[dict]] = {
    "DynamoDBCrudPolicy": [{"Effect": "Allow", "Action": [
        "dynamodb:GetItem", "dynamodb:DeleteItem", "dynamodb:PutItem", "dynamodb:Scan",
        "dynamodb:Query", "dynamodb:UpdateItem", "dynamodb:BatchWriteItem",
        "dynamodb:BatchGetItem", "dynamodb:DescribeTable", "dynamodb:ConditionCheckItem"],
        "Resource": [_TABLE, _TABLE + "/index/*"]}],
    "DynamoDBReadPolicy": [{"Effect": "Allow", "Action": [
        "dynamodb:GetItem", "dynamodb:Scan", "dynamodb:Query", "dynamodb:BatchGetItem",
        "dynamodb:DescribeTable"], "Resource": [_TABLE, _TABLE + "/index/*"]}],
    "DynamoDBWritePolicy": [{"Effect": "Allow", "Action": [
        "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:BatchWriteItem"],
        "Resource": [_TABLE, _TABLE + "/index/*"]}],
    "DynamoDBStreamReadPolicy": [
        {"Effect": "Allow", "Action": ["dynamodb:DescribeStream", "dynamodb:GetRecords",
                                       "dynamodb:GetShardIterator"],
         "Resource": _TABLE + "/stream/${StreamName}"},
        {"Effect": "Allow", "Action": "dynamodb:ListStreams", "Resource": _TABLE + "/stream/*"}],
    "SQSSendMessagePolicy": [{"Effect": "Allow", "Action": ["sqs:SendMessage*"],
                              "Resource": _QUEUE}],
    "SQSPollerPolicy": [{"Effect": "Allow", "Action": [
        "sqs:ChangeMessageVisibility", "sqs:ChangeMessageVisibilityBatch", "sqs:DeleteMessage",
        "sqs:DeleteMessageBatch", "sqs:GetQueueAttributes", "sqs:ReceiveMessage"],
        "Resource": _QUEUE}],
    "SNSPublishMessagePolicy": [{"Effect": "Allow", "Action": "sns:Publish",
                                 "Resource": _TOPIC}],
    "S3ReadPolicy": [{"Effect": "Allow", "Action": [
        "s3:GetObject", "s3:ListBucket", "s3:GetBucketLocation", "s3:GetObjectVersion",
        "s3:GetLifecycleConfiguration"], "Resource": [_BUCKET, _BUCKET + "/*"]}],
    "S3WritePolicy": [{"Effect": "Allow", "Action": [
        "s3:PutObject", "s3:PutObjectAcl", "s3:PutLifecycleConfiguration"],
        "Resource": [_BUCKET, _BUCKET + "/*"]}],
    "S3CrudPolicy": [{"Effect": "Allow", "Action": [
        "s3:GetObject", "s3:ListBucket", "s3:GetBucketLocation", "s3:GetObjectVersion",
        "s3:PutObject", "s3:PutObjectAcl", "s3:GetLifecycleConfiguration",
        "s3:PutLifecycleConfiguration", "s3:DeleteObject"],
        "Resource": [_BUCKET, _BUCKET + "/*"]}],
    "AWSSecretsManagerGetSecretValuePolicy": [{"Effect": "Allow", "Action": [
        "secretsmanager:GetSecretValue"], "Resource": "${SecretArn}"}],
    "SESCrudPolicy": [{"Effect": "Allow", "Action": [
        "ses:GetIdentityVerificationAttributes", "ses:SendEmail", "ses:SendRawEmail",
        "ses:VerifyEmailIdentity"], "Resource": _IDENTITY}],
    "SESSendBouncePolicy": [{"Effect": "Allow", "Action": "ses:SendBounce",
                             "Resource": _IDENTITY}],
    "CloudWatchPutMetricPolicy": [{"Effect": "Allow", "Action": "cloudwatch:PutMetricData",
                                   "Resource": "*"}],
}


class PolicyTemplateError(ValueError):
    """The template names a policy the local runtime cannot evaluate."""


# -- statements --------------------------------------------------------------------------------

def _pattern(values: Iterable[str], *, ignore_case: bool) -> re.Pattern[str]:
    """One regular expression for IAM's wildcards (``*`` any run, ``?`` one character)."""
    parts = ["".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in value)
             for value in values]
    return re.compile("(?:" + "|".join(parts) + r")\Z", re.IGNORECASE if ignore_case else 0)


def _listed(value: Any) -> list[str]:
    if value is None:
        return []
    return [str(item) for item in (value if isinstance(value, list) else [value])]


@dataclass(frozen=True)
class Statement:
    """One compiled statement (``Action``/``NotAction``, ``Resource``/``NotResource``)."""

    effect: str
    sid: str | None
    actions: re.Pattern[str] | None
    not_actions: re.Pattern[str] | None
    resources: re.Pattern[str] | None
    not_resources: re.Pattern[str] | None
    has_condition: bool = False

    @classmethod
    def compile(cls, document: dict) -> "Statement":
        def pattern(key: str, ignore_case: bool) -> re.Pattern[str] | None:
            return _pattern(_listed(document[key]), ignore_case=ignore_case) \
                if key in document else None

        effect = str(document.get("Effect", ""))
        if effect not in ("Allow", "Deny"):
            raise PolicyTemplateError(f"statement {document.get('Sid')!r}: Effect {effect!r}")
        return cls(effect, document.get("Sid"), pattern("Action", True),
                   pattern("NotAction", True), pattern("Resource", False),
                   pattern("NotResource", False), bool(document.get("Condition")))

    def matches(self, action: str, resource: str) -> bool:
        if self.actions is not None and not self.actions.match(action):
            return False
        if self.not_actions is not None and self.not_actions.match(action):
            return False
        if self.resources is not None and not self.resources.match(resource):
            return False
        if self.not_resources is not None and self.not_resources.match(resource):
            return False
        return True


@dataclass(frozen=True)
class Request:
    """What IAM authorizes for (part of) one call: an action on a resource."""

    action: str
    resource: str


@dataclass(frozen=True)
class Decision:
    allowed: bool
    explicit_deny: bool = False
    statement: str | None = None


class FunctionPolicy:
    """The statements of one function's execution role, compiled, with a decision cache."""

    def __init__(self, function: str, role_arn: str, statements: list[Statement]):
        self.function = function
        self.role_arn = role_arn
        self.statements = statements
        self._denies = [s for s in statements if s.effect == "Deny"]
        self._allows = [s for s in statements if s.effect == "Allow"]
        self._cache: dict[tuple[str, str], Decision] = {}

    def decide(self, action: str, resource: str) -> Decision:
        """IAM's evaluation of identity-based statements: an explicit deny wins, else an allow
        allows, else the request is implicitly denied."""
        key = (action, resource)
        decision = self._cache.get(key)
        if decision is None:
            denied = next((s for s in self._denies if s.matches(action, resource)), None)
            if denied is not None:
                decision = Decision(False, True, denied.sid)
            else:
                allowed = next((s for s in self._allows if s.matches(action, resource)), None)
                decision = Decision(allowed is not None, False,
                                    allowed.sid if allowed is not None else None)
            self._cache[key] = decision
        return decision


# -- the template's roles ----------------------------------------------------------------------

def _substitute(text: str, values: dict[str, str], ref: Callable[[str], str]) -> str:
    return re.sub(r"\$\{([A-Za-z0-9:.]+)\}",
                  lambda m: values[m.group(1)] if m.group(1) in values else ref(m.group(1)), text)


def statements_of(template: Any, logical_id: str, ref: Callable[[str], str]) -> list[dict]:
    """The statement documents of function ``logical_id``'s execution role, references
    resolved with ``ref`` (``infra.local.aws.reference_resolver``)."""
    properties = template.resources[logical_id].get("Properties") or {}
    globals_ = template.doc.get("Globals", {}).get("Function", {})
    role = properties.get("Role")
    if role is not None:
        return _role_statements(template, role, ref)
    found: list[dict] = list(MANAGED_POLICIES["AWSLambdaBasicExecutionRole"])
    tracing = properties.get("Tracing", globals_.get("Tracing"))
    if tracing == "Active":
        found += MANAGED_POLICIES["AWSXRayDaemonWriteAccess"]
    for event in (properties.get("Events") or {}).values():
        managed = EVENT_SOURCE_POLICIES.get(event.get("Type"))
        if managed is not None:
            found += _managed(managed)
    policies = properties.get("Policies") or []
    for policy in policies if isinstance(policies, list) else [policies]:
        found += _policy_statements(template, policy, ref, logical_id)
    return found


def _managed(name: str) -> list[dict]:
    short = name.rsplit("/", 1)[-1]
    if short not in MANAGED_POLICIES:
        raise PolicyTemplateError(f"managed policy {name!r} is not known to the local runtime "
                                  f"(infra/local/iam.py MANAGED_POLICIES)")
    return MANAGED_POLICIES[short]


def _policy_statements(template: Any, policy: Any, ref: Callable[[str], str],
                       owner: str) -> list[dict]:
    if isinstance(policy, str):
        return _managed(policy)
    if not isinstance(policy, dict):
        return _managed(str(template.resolve(policy, ref)))
    if "Statement" in policy:
        return _documents(template.resolve_deep(policy["Statement"], ref))
    if "PolicyDocument" in policy:
        return _documents(template.resolve_deep(policy["PolicyDocument"].get("Statement"), ref))
    if len(policy) == 1:
        name, parameters = next(iter(policy.items()))
        if name not in SAM_POLICY_TEMPLATES:
            raise PolicyTemplateError(f"{owner}: SAM policy template {name!r} is not known to "
                                      f"the local runtime (infra/local/iam.py)")
        values = {key: str(template.resolve(value, ref))
                  for key, value in (parameters or {}).items()}
        expanded = []
        for statement in SAM_POLICY_TEMPLATES[name]:
            resources = [_substitute(item, values, ref) for item in _listed(statement["Resource"])]
            expanded.append({**statement, "Resource": resources, "Sid": name})
        return expanded
    raise PolicyTemplateError(f"{owner}: cannot read the policy {policy!r}")


def _documents(statements: Any) -> list[dict]:
    return [dict(s) for s in (statements if isinstance(statements, list) else [statements])]


def _role_statements(template: Any, role: Any, ref: Callable[[str], str]) -> list[dict]:
    from infra.local.template import reference_target

    target = reference_target(role)
    resource = template.resources.get(target or "", {})
    if resource.get("Type") != "AWS::IAM::Role":
        raise PolicyTemplateError(f"Role {role!r} is not an AWS::IAM::Role of the template")
    properties = resource.get("Properties") or {}
    found: list[dict] = []
    for arn in properties.get("ManagedPolicyArns") or []:
        found += _managed(str(template.resolve(arn, ref)))
    for policy in properties.get("Policies") or []:
        found += _policy_statements(template, policy, ref, str(target))
    return found


def role_arn(account_id: str, name_prefix: str, logical_id: str) -> str:
    """The session ARN AWS names in a denial: the function's role assumed by Lambda under the
    function's name (SAM names the role ``<Function>Role``)."""
    return (f"arn:aws:sts::{account_id}:assumed-role/{name_prefix}-{logical_id}Role/"
            f"{name_prefix}-{logical_id}")


def compile_policy(template: Any, logical_id: str, ref: Callable[[str], str], *,
                   account_id: str, name_prefix: str) -> FunctionPolicy:
    documents = statements_of(template, logical_id, ref)
    return FunctionPolicy(logical_id, role_arn(account_id, name_prefix, logical_id),
                          [Statement.compile(document) for document in documents])


# -- operations -> requests --------------------------------------------------------------------

_S3_ACTIONS = {"ListObjectsV2": "ListBucket", "ListObjects": "ListBucket",
               "HeadObject": "GetObject", "HeadBucket": "ListBucket",
               "ListObjectVersions": "ListBucketVersions", "CreateMultipartUpload": "PutObject",
               "UploadPart": "PutObject", "CompleteMultipartUpload": "PutObject",
               "ListParts": "ListMultipartUploadParts", "DeleteObjects": "DeleteObject",
               "GetObjectAttributes": "GetObject"}
_S3_OBJECT_OPERATIONS = {"GetObject", "PutObject", "HeadObject", "DeleteObject",
                         "GetObjectTagging", "PutObjectTagging", "GetObjectAcl", "PutObjectAcl",
                         "CreateMultipartUpload", "UploadPart", "CompleteMultipartUpload",
                         "AbortMultipartUpload", "ListParts", "GetObjectAttributes",
                         "RestoreObject"}
_BATCH_ACTIONS = {"SendMessageBatch": "SendMessage", "DeleteMessageBatch": "DeleteMessage",
                  "ChangeMessageVisibilityBatch": "ChangeMessageVisibility",
                  "PublishBatch": "Publish"}
_TRANSACT_WRITE = {"Put": "PutItem", "Update": "UpdateItem", "Delete": "DeleteItem",
                   "ConditionCheck": "ConditionCheckItem"}


@dataclass
class ArnBuilder:
    """Builds the resource ARNs of one account and region; ``secrets`` maps a secret's name
    to its ARN (a call may name it either way), ``mail_identities`` are SES's identities."""

    region: str
    account_id: str
    secrets: dict[str, str] = field(default_factory=dict)
    mail_identities: tuple[str, ...] = ()

    def arn(self, service: str, resource: str) -> str:
        return f"arn:aws:{service}:{self.region}:{self.account_id}:{resource}"

    def table(self, name: str, index: str | None = None) -> str:
        if name.startswith("arn:"):
            return name
        return self.arn("dynamodb", f"table/{name}" + (f"/index/{index}" if index else ""))

    def queue(self, url: str) -> str:
        return self.arn("sqs", url.rstrip("/").rsplit("/", 1)[-1])

    def secret(self, secret_id: str) -> str:
        if secret_id.startswith("arn:"):
            return secret_id
        return self.secrets.get(secret_id) or self.arn("secretsmanager", f"secret:{secret_id}")

    def ses_identity(self, address: str) -> str:
        """The identity SES authorizes a send from ``address`` against: the address when it is
        a verified identity itself, else its domain."""
        address = address.rsplit("<", 1)[-1].rstrip(">").strip()
        identity = address if address in self.mail_identities else address.rpartition("@")[2]
        return self.arn("ses", f"identity/{identity}")


def authorization_requests(service: str, signing_name: str, operation: str,
                           params: dict, arns: ArnBuilder) -> list[Request]:
    """What IAM checks for ``operation`` of botocore service ``service`` (its ``signing_name``
    is IAM's service prefix) called with ``params``."""
    prefix = signing_name
    if service == "dynamodb":
        return _dynamodb(operation, params, arns)
    if service == "dynamodbstreams":
        return [Request(f"dynamodb:{operation}", str(params.get("StreamArn", "*")))]
    if service == "s3":
        return _s3(operation, params)
    action = f"{prefix}:{_BATCH_ACTIONS.get(operation, operation)}"
    if service == "sqs":
        if "QueueUrl" in params:
            return [Request(action, arns.queue(str(params["QueueUrl"])))]
        if "QueueName" in params:
            return [Request(action, arns.arn("sqs", str(params["QueueName"])))]
        return [Request(action, "*")]
    if service == "sns":
        target = params.get("TopicArn") or params.get("TargetArn") \
            or params.get("SubscriptionArn") or params.get("ResourceArn")
        return [Request(action, str(target) if target else "*")]
    if service in ("ses", "sesv2"):
        return _ses(action, operation, params, arns)
    if service == "secretsmanager" and "SecretId" in params:
        return [Request(action, arns.secret(str(params["SecretId"])))]
    if service == "cognito-idp" and "UserPoolId" in params:
        return [Request(action, arns.arn("cognito-idp", f"userpool/{params['UserPoolId']}"))]
    if service == "firehose" and "DeliveryStreamName" in params:
        return [Request(action, arns.arn("firehose",
                                         f"deliverystream/{params['DeliveryStreamName']}"))]
    if service == "scheduler":
        return _scheduler(action, operation, params, arns)
    if service == "lambda" and "FunctionName" in params:
        name = str(params["FunctionName"])
        return [Request(action, name if name.startswith("arn:")
                        else arns.arn("lambda", f"function:{name}"))]
    return [Request(action, "*")]


def _scheduler(action: str, operation: str, params: dict, arns: ArnBuilder) -> list[Request]:
    """A schedule is ``schedule/<group>/<name>`` (the group ``default`` when none is given), a
    group ``schedule-group/<name>``; creating or updating a schedule also passes its target's
    role (``iam:PassRole`` on ``Target.RoleArn``)."""
    if operation.endswith("ScheduleGroup") or operation == "ListSchedules":
        group = params.get("Name") if operation.endswith("ScheduleGroup") else params.get("GroupName")
        return [Request(action, arns.arn("scheduler", f"schedule-group/{group}") if group else "*")]
    if "Name" not in params:
        return [Request(action, "*")]
    requests = [Request(action, arns.arn(
        "scheduler", f"schedule/{params.get('GroupName') or 'default'}/{params['Name']}"))]
    role = (params.get("Target") or {}).get("RoleArn")
    if operation in ("CreateSchedule", "UpdateSchedule") and role:
        requests.append(Request("iam:PassRole", str(role)))
    return requests


def _dynamodb(operation: str, params: dict, arns: ArnBuilder) -> list[Request]:
    if operation in ("BatchGetItem", "BatchWriteItem"):
        return [Request(f"dynamodb:{operation}", arns.table(table))
                for table in params.get("RequestItems") or {}]
    if operation == "TransactWriteItems":
        requests = []
        for item in params.get("TransactItems") or []:
            for kind, body in item.items():
                requests.append(Request(f"dynamodb:{_TRANSACT_WRITE.get(kind, kind)}",
                                        arns.table(str(body.get("TableName", "")))))
        return requests
    if operation == "TransactGetItems":
        return [Request("dynamodb:GetItem", arns.table(str(item["Get"].get("TableName", ""))))
                for item in params.get("TransactItems") or [] if "Get" in item]
    if "TableName" in params:
        return [Request(f"dynamodb:{operation}",
                        arns.table(str(params["TableName"]), params.get("IndexName")))]
    if "ResourceArn" in params:
        return [Request(f"dynamodb:{operation}", str(params["ResourceArn"]))]
    return [Request(f"dynamodb:{operation}", "*")]


def _s3(operation: str, params: dict) -> list[Request]:
    bucket = str(params.get("Bucket", ""))
    action = f"s3:{_S3_ACTIONS.get(operation, operation)}"
    if operation == "DeleteObjects":
        return [Request(action, f"arn:aws:s3:::{bucket}/{item['Key']}")
                for item in (params.get("Delete") or {}).get("Objects") or []]
    if operation == "CopyObject":
        source = params.get("CopySource")
        if isinstance(source, dict):
            source = f"{source.get('Bucket')}/{source.get('Key')}"
        return [Request("s3:PutObject", f"arn:aws:s3:::{bucket}/{params.get('Key', '')}"),
                Request("s3:GetObject", f"arn:aws:s3:::{str(source).lstrip('/')}")]
    if not bucket:
        return [Request(action, "*")]
    if operation in _S3_OBJECT_OPERATIONS:
        return [Request(action, f"arn:aws:s3:::{bucket}/{params.get('Key', '')}")]
    return [Request(action, f"arn:aws:s3:::{bucket}")]


def _ses(action: str, operation: str, params: dict, arns: ArnBuilder) -> list[Request]:
    if operation not in ("SendEmail", "SendRawEmail", "SendTemplatedEmail", "SendBulkEmail",
                         "SendBulkTemplatedEmail"):
        identity = params.get("EmailIdentity") or params.get("Identity")
        return [Request(action, arns.arn("ses", f"identity/{identity}") if identity else "*")]
    sender = (params.get("FromEmailAddressIdentityArn") or params.get("SourceArn")
              or params.get("FromArn"))
    address = params.get("FromEmailAddress") or params.get("Source")
    if sender:
        resource = str(sender)
    elif address:
        resource = arns.ses_identity(str(address))
    else:
        resource = "*"
    requests = [Request(action, resource)]
    if params.get("ConfigurationSetName"):
        requests.append(Request(action, arns.arn(
            "ses", f"configuration-set/{params['ConfigurationSetName']}")))
    return requests


# -- denial ------------------------------------------------------------------------------------

#: The error code (and HTTP status) each service answers a denied call with (SES v1 ``ses``;
#: SES v2, DynamoDB, Secrets Manager, Cognito, Firehose: ``AccessDeniedException``).
_DENIAL_CODES = {"s3": ("AccessDenied", 403), "sqs": ("AccessDenied", 403),
                 "ses": ("AccessDenied", 403), "sns": ("AuthorizationError", 403)}


@dataclass(frozen=True)
class Denial:
    """One denied call, as recorded in the runtime (``LocalRuntime.iam_denials``)."""

    function: str
    operation: str
    action: str
    resource: str
    explicit: bool
    message: str
    hint: str
    at: datetime


class FunctionIdentity:
    """What a running handler calls AWS as: its compiled policy, how to name resources, how to
    phrase the statement to add, and where denials go."""

    def __init__(self, policy: FunctionPolicy, arns: ArnBuilder,
                 expression: Callable[[str], str], record: Callable[[Denial], None]):
        self.policy = policy
        self.arns = arns
        self.expression = expression
        self.record = record

    def check(self, service: str, signing_name: str, operation: str, params: dict) -> None:
        """Raise ``ClientError`` (and record the denial) when the call is not allowed."""
        for request in authorization_requests(service, signing_name, operation, params,
                                              self.arns):
            decision = self.policy.decide(request.action, request.resource)
            if not decision.allowed:
                self._deny(service, operation, request, decision)

    def _deny(self, service: str, operation: str, request: Request, decision: Decision) -> None:
        from botocore.exceptions import ClientError

        reason = ("with an explicit deny in an identity-based policy" if decision.explicit_deny
                  else f"because no identity-based policy allows the {request.action} action")
        message = (f"User: {self.policy.role_arn} is not authorized to perform: "
                   f"{request.action} on resource: {request.resource} {reason}")
        if decision.explicit_deny:
            hint = (f"the statement {decision.statement!r} of {self.policy.function}'s Policies "
                    f"in template.yaml denies it")
        else:
            hint = (f"add to {self.policy.function}'s Policies in template.yaml: "
                    f"{{Effect: Allow, Action: {request.action}, "
                    f"Resource: {self.expression(request.resource)}}}")
        denial = Denial(self.policy.function, operation, request.action, request.resource,
                        decision.explicit_deny, message, hint, datetime.now(timezone.utc))
        self.record(denial)
        code, status = _DENIAL_CODES.get(service, ("AccessDeniedException", 400))
        raise ClientError({"Error": {"Code": code, "Message": f"{message} (local runtime: {hint})"},
                           "ResponseMetadata": {"HTTPStatusCode": status}}, operation)


def _check_call(params: dict, model: Any, context: dict | None = None, **_: Any) -> None:
    """botocore's ``before-parameter-build`` handler: the operation's model and its
    parameters as the caller passed them.

    A presigned S3 POST (``generate_presigned_post``, docs/photos.md) is signed against the
    ``CreateBucket`` model with the bucket alone: it is no CreateBucket call, and its key lies
    in the policy document, so it is not checked here (S3 checks the signer's ``s3:PutObject``
    when the browser posts)."""
    identity = CURRENT.get()
    if identity is None:
        return
    if (context or {}).get("is_presign_request") and model.name == "CreateBucket":
        return
    service_model = model.service_model
    identity.check(service_model.service_name,
                   service_model.signing_name or service_model.endpoint_prefix,
                   model.name, params)


_installed = threading.Lock()
_INSTALLED: list[bool] = []


def install() -> None:
    """Check every call of every botocore session made from now on in this process (once;
    the handler does nothing outside a function's handler). The runtime calls it before any
    client is made (before seeding)."""
    with _installed:
        if _INSTALLED:
            return
        from botocore import handlers

        handlers.BUILTIN_HANDLERS.append(("before-parameter-build", _check_call))
        _INSTALLED.append(True)


def enabled(environ: dict[str, str] | Any, default: bool = True) -> bool:
    value = environ.get(ENVIRONMENT_VARIABLE)
    if value is None:
        return default
    return value.strip().lower() not in ("0", "off", "false", "no")


def template_expressions(template: Any, ref: Callable[[str], str]) -> Callable[[str], str]:
    """How to spell a denied resource's ARN in template.yaml (``!GetAtt CasesTable.Arn``,
    ``!Sub "${MailBucket.Arn}/inbound/*"``): from the ARNs of the template's resources."""
    known: list[tuple[str, str, str]] = []  # (arn, expression, sub form)
    for logical_id, resource in template.resources.items():
        kind = resource.get("Type", "")
        try:
            if kind in ("AWS::DynamoDB::Table", "AWS::SQS::Queue", "AWS::S3::Bucket",
                        "AWS::Cognito::UserPool", "AWS::KinesisFirehose::DeliveryStream"):
                known.append((ref(f"{logical_id}.Arn"), f"!GetAtt {logical_id}.Arn",
                              f"${{{logical_id}.Arn}}"))
            elif kind in ("AWS::SNS::Topic", "AWS::SecretsManager::Secret"):
                known.append((ref(logical_id), f"!Ref {logical_id}", f"${{{logical_id}}}"))
        except Exception:  # noqa: BLE001 - a resource with no local ARN is named by its ARN
            continue
    known.sort(key=lambda item: -len(item[0]))

    def expression(arn: str) -> str:
        for known_arn, exact, sub in known:
            if arn == known_arn:
                return exact
            if arn.startswith(known_arn + "/"):
                rest = arn[len(known_arn):]
                if "/index/" in rest or "/stream/" in rest:
                    return f'!Sub "{sub}{rest}"'
                first = rest.lstrip("/").split("/", 1)[0]  # the key's first folder
                return f'!Sub "{sub}/{first}/*"' if "/" in rest.lstrip("/") else f'!Sub "{sub}/*"'
        if ":ses:" in arn:
            return '!Sub "arn:${AWS::Partition}:ses:${AWS::Region}:${AWS::AccountId}:' \
                   + arn.split(":", 5)[5] + '"'
        return arn

    return expression


def policy_resolver(resources: Any, ref: Callable[[str], str], region: str,
                    account_id: str) -> Callable[[str], str]:
    """``ref`` (``infra.local.aws.reference_resolver``) completed with the attributes IAM
    statements name and the emulation does not otherwise need: a table's ``Arn`` and
    ``StreamArn`` (``LatestStreamArn`` pattern), a bucket's ``Arn``."""

    def resolve(name: str) -> str:
        logical_id, dot, attribute = name.partition(".")
        if dot and logical_id in resources.tables:
            table = f"arn:aws:dynamodb:{region}:{account_id}:table/{resources.tables[logical_id]}"
            if attribute == "Arn":
                return table
            if attribute == "StreamArn":
                return f"{table}/stream/*"
        if dot and logical_id in resources.buckets and attribute == "Arn":
            return f"arn:aws:s3:::{resources.buckets[logical_id]}"
        return ref(name)

    return resolve
