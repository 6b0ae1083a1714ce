"""The account settings a deploy must not break (the ports of ``civicdesk.services.preflight``):
SES's receipt rule sets, API Gateway's logging role.

Receipt rules exist only in SES's first API (``ses``), not in ``sesv2``.
"""

from __future__ import annotations

from typing import Any

from ..services.preflight import ActiveRuleSet, ReceiptRule


class SesReceiptRuleSets:
    def __init__(self, client: Any):
        self._client = client

    def active(self) -> ActiveRuleSet | None:
        response = self._client.describe_active_receipt_rule_set()
        metadata = response.get("Metadata")
        if not metadata:
            return None
        return ActiveRuleSet(metadata["Name"], tuple(
            ReceiptRule(rule["Name"], tuple(rule.get("Recipients") or ()))
            for rule in response.get("Rules") or ()))

    def exists(self, name: str) -> bool:
        try:
            self._client.describe_receipt_rule_set(RuleSetName=name)
        except self._client.exceptions.RuleSetDoesNotExistException:
            return False
        return True


class ApiGatewayAccountSetting:
    """``GetAccount`` of API Gateway, and the stack's own role through CloudFormation."""

    #: The template's logical id of the role it creates with CreateApiGatewayAccountRole=true.
    ROLE_LOGICAL_ID = "ApiGatewayCloudWatchRole"

    def __init__(self, apigateway: Any, cloudformation: Any):
        self._apigateway = apigateway
        self._cloudformation = cloudformation

    def logging_role_arn(self) -> str | None:
        return self._apigateway.get_account().get("cloudwatchRoleArn") or None

    def stack_logging_role_name(self, stack: str) -> str | None:
        try:
            resource = self._cloudformation.describe_stack_resource(
                StackName=stack, LogicalResourceId=self.ROLE_LOGICAL_ID)["StackResourceDetail"]
        except self._cloudformation.exceptions.ClientError:
            return None  # no such stack (a first deploy), or no such resource in it
        return resource.get("PhysicalResourceId") or None  # a role's physical id is its name
