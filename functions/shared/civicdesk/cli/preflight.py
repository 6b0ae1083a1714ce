"""Checks to run before ``sam deploy`` (``make preflight``): what the stack would break in the
account: the one active SES receipt rule set and the one API Gateway logging role per account
and region (``civicdesk.services.preflight``).

Usage (AWS, the account and region of the deploy)::

    python -m civicdesk.cli.preflight --stack-name NAME --mail-domain DOMAIN
        [--shared-receipt-rule-set NAME] [--create-api-gateway-account-role true|false]
        [--region REGION]

Exit status 0 when the deploy may go ahead, 1 when it would break mail (each problem printed
with what to do).
"""

from __future__ import annotations

import argparse
import sys

from .. import wiring
from ..services.preflight import check_api_gateway_logging, check_receipt_rules


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m civicdesk.cli.preflight",
                                     description="Check the account before deploying a stack.")
    parser.add_argument("--stack-name", required=True)
    parser.add_argument("--mail-domain", required=True, help="the MailDomain parameter")
    parser.add_argument("--shared-receipt-rule-set", default="",
                        help="the SharedReceiptRuleSetName parameter (empty: the stack's own)")
    parser.add_argument("--create-api-gateway-account-role", choices=("true", "false"),
                        default="true", help="the CreateApiGatewayAccountRole parameter")
    parser.add_argument("--region")
    parser.add_argument("--endpoint-url", help="an emulator's endpoint (tests)")
    args = parser.parse_args(argv)
    report = check_receipt_rules(
        wiring.receipt_rule_sets(region=args.region, endpoint_url=args.endpoint_url),
        stack=args.stack_name, mail_domain=args.mail_domain,
        shared_rule_set=args.shared_receipt_rule_set)
    check_api_gateway_logging(
        wiring.api_gateway_account(region=args.region, endpoint_url=args.endpoint_url),
        stack=args.stack_name, creates_role=args.create_api_gateway_account_role == "true",
        report=report)
    for problem in report.problems:
        print(f"PROBLEM: {problem}")
    for note in report.notes:
        print(f"ok: {note}")
    return 0 if report.ok else 1


if __name__ == "__main__":
    sys.exit(main())
