"""The operator tools (``civicdesk.cli``): a resource named on the command line, not in settings."""

from __future__ import annotations


def staff_pool(user_pool_id: str, *, region: str | None = None, endpoint_url: str | None = None,
               local: bool = False):
    """The staff user pool administered (``python -m civicdesk.cli.staff``)."""
    from ..adapters.cognito_admin import CognitoStaffPool

    return CognitoStaffPool.connect(user_pool_id, region=region, endpoint_url=endpoint_url,
                                    local=local)


def dead_letter_queue(queue_url: str):
    """An on-failure queue to replay (``python -m civicdesk.cli.redrive``)."""
    from ..adapters.operator_clients import operator_client
    from ..adapters.sqs_redrive import SqsDeadLetterQueue

    return SqsDeadLetterQueue(operator_client("sqs"), queue_url)


def event_invoker(function_name: str):
    """The asynchronous invocation of a function with a replayed event."""
    from ..adapters.operator_clients import operator_client
    from ..adapters.sqs_redrive import LambdaEventInvoker

    return LambdaEventInvoker(operator_client("lambda"), function_name)


def receipt_rule_sets(*, region: str | None = None, endpoint_url: str | None = None):
    """The account's SES receipt rule sets (``python -m civicdesk.cli.preflight``)."""
    from ..adapters.account_settings import SesReceiptRuleSets
    from ..adapters.operator_clients import operator_client

    return SesReceiptRuleSets(operator_client("ses", region=region, endpoint_url=endpoint_url))


def api_gateway_account(*, region: str | None = None, endpoint_url: str | None = None):
    """API Gateway's account setting and the stacks' roles (``python -m civicdesk.cli.preflight``)."""
    from ..adapters.account_settings import ApiGatewayAccountSetting
    from ..adapters.operator_clients import operator_client

    return ApiGatewayAccountSetting(
        operator_client("apigateway", region=region, endpoint_url=endpoint_url),
        operator_client("cloudformation", region=region, endpoint_url=endpoint_url))

