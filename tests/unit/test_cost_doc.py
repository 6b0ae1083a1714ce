"""docs/cost.md <-> bench/cost.py: the monthly cost follows the bench's measured calls, the
catalogues' SMS and the template; the document quotes what the module computes."""

from __future__ import annotations

import copy

import pytest

from bench import cost


@pytest.fixture(scope="module")
def figures() -> dict:
    return cost.load_figures()


def total(lines: list[cost.Line], service: str | None = None) -> float:
    return sum(line.usd for line in lines if service is None or line.service == service)


def test_the_document_quotes_what_the_module_computes(figures):
    """After a change of calls, catalogues, template or prices: `python -m bench.cost`."""
    assert cost.documented() == cost.render(figures)


def test_every_service_the_stack_pays_for_is_in_the_bill(figures):
    services = {line.service for line in cost.monthly_lines(1000, figures)}
    assert {"Lambda", "API Gateway", "DynamoDB", "S3", "SES", "SNS SMS", "CloudWatch",
            "WAF"} <= services
    for line in cost.monthly_lines(1000, figures):
        assert line.quantity > 0 and line.unit_price > 0, line


def test_the_bill_follows_the_measured_calls(figures):
    heavier = copy.deepcopy(figures)
    heavier["create_case_call_log"] = heavier["create_case_call_log"] + ["TransactWriteItems"]
    before, after = (total(cost.monthly_lines(10_000, f), "DynamoDB") for f in (figures, heavier))
    assert after > before


def test_the_sms_line_follows_the_catalogues(figures, monkeypatch):
    longer = {kind: parts + 1 for kind, parts in cost.sms_parts("sr-Cyrl").items()}
    before = total(cost.monthly_lines(1000, figures), "SNS SMS")
    monkeypatch.setattr(cost, "sms_parts", lambda language="sr-Cyrl": longer)
    assert total(cost.monthly_lines(1000, figures), "SNS SMS") > before


def test_the_fixed_part_follows_the_template(figures):
    counts = cost.template_counts()
    assert counts["web_acls"] == 1 and counts["waf_rules"] >= 5
    assert counts["alarm_metrics"] >= 25 and counts["polled_queues"] == 6
    small, large = (cost.monthly_lines(n, figures) for n in cost.CASES_PER_MONTH)
    assert total(small, "WAF") == pytest.approx(total(large, "WAF"), abs=1)


def test_the_bench_reports_the_totals(figures):
    summary = cost.summary(figures)
    assert set(summary["monthly_cost_usd"]) == {str(n) for n in cost.CASES_PER_MONTH}
    small, large = (summary["monthly_cost_usd"][str(n)] for n in cost.CASES_PER_MONTH)
    assert 0 < small < large
