"""The account's SES receipt rule sets (``ReceiptRuleSets`` of ``civicdesk.services.preflight``).

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
