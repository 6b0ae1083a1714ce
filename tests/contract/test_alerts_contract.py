"""The deployed limits of the alerts' public writes that mail and text any address and number
(``template.yaml``'s web ACL; ``docs/alerts.md``)."""

from __future__ import annotations

import pytest

from tests.contract.test_deployment_contract import transformed
from tests.contract.test_operations_contract import DEFAULTS, TEMPLATE, ref, requests_matched, rules


@pytest.fixture(scope="module")
def document() -> dict:
    return transformed()


def test_subscribing_and_new_sms_codes_have_their_own_low_per_client_limit(document):
    by_name = rules(document)
    rule = by_name["alerts-per-client"]
    sending = {(r.method.upper(), r.path) for r in TEMPLATE.routes()
               if r.event in ("PublicSubscribeAlerts", "PublicResendAlertCode")}
    assert sending == {("POST", "/v1/public/alerts"), ("POST", "/v1/public/alerts/{subscription_id}/sms-code")}
    assert requests_matched(rule) == sending
    assert "Block" in rule["Action"]
    limit = int(DEFAULTS[ref(rule["Statement"]["RateBasedStatement"]["Limit"])])
    public = int(DEFAULTS[ref(by_name["public-routes-per-client"]["Statement"]["RateBasedStatement"]["Limit"])])
    assert 10 <= limit and limit * 10 <= public
    priorities = [r["Priority"] for r in by_name.values()]
    assert len(priorities) == len(set(priorities))
