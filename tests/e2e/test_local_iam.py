"""IAM on the local runtime, end to end: a function whose statements lack an action it uses is
denied the call as AWS would deny it, the denial is recorded with the statement to add, and the
same flow with the template's statements publishes the event.

The template is the real one with ``PublishEventsFunction``'s ``ReadCaseFacts`` statement (its
``BatchGetItem`` on the cases table) taken out: the gap this enforcement was written for.
"""

from __future__ import annotations

import copy
import time

import pytest

from infra.local.runtime import LocalRuntime
from infra.local.template import Template
from tests.e2e.test_local_streams import events_within, open_case, opened, subscribe

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("local_iam")]


def without_statement(function: str, sid: str) -> Template:
    document = copy.deepcopy(Template().doc)
    [policy] = document["Resources"][function]["Properties"]["Policies"]
    kept = [s for s in policy["Statement"] if s.get("Sid") != sid]
    assert len(kept) == len(policy["Statement"]) - 1, f"{function} has no statement {sid}"
    policy["Statement"] = kept
    return Template(document)


def test_a_call_the_functions_statements_do_not_allow_is_denied_as_aws_denies_it(tmp_path):
    # GIVEN the runtime with PublishEventsFunction missing its BatchGetItem statement
    template = without_statement("PublishEventsFunction", "ReadCaseFacts")
    with LocalRuntime(http_port=0, aws_port=0, smtp_port=0, state_dir=tmp_path / "state",
                      template=template) as runtime:
        queue = subscribe(runtime)

        # WHEN a citizen opens a case (the API's own calls are allowed)
        number = open_case(runtime)
        deadline = time.monotonic() + 10
        while not runtime.iam_denials and time.monotonic() < deadline:
            time.sleep(0.05)

        # THEN the events function was denied its read, with AWS's message and the fix
        denial = runtime.iam_denials[0]
        assert (denial.function, denial.operation, denial.action) == (
            "PublishEventsFunction", "BatchGetItem", "dynamodb:BatchGetItem")
        table = runtime.resources.tables["CasesTable"]
        assert denial.resource == f"arn:aws:dynamodb:eu-central-1:123456789012:table/{table}"
        assert denial.message == (
            "User: arn:aws:sts::123456789012:assumed-role/civicdesk-local-PublishEventsFunctionRole/"
            "civicdesk-local-PublishEventsFunction is not authorized to perform: "
            f"dynamodb:BatchGetItem on resource: {denial.resource} because no identity-based "
            "policy allows the dynamodb:BatchGetItem action")
        assert denial.hint == ("add to PublishEventsFunction's Policies in template.yaml: "
                               "{Effect: Allow, Action: dynamodb:BatchGetItem, "
                               "Resource: !GetAtt CasesTable.Arn}")
        # AND nothing was published, as on AWS
        assert not opened(number)(events_within(runtime, queue, 1))
    # (the retries of the batch were denied too, until the runtime stopped)
    assert {d.function for d in runtime.iam_denials} == {"PublishEventsFunction"}
    runtime.iam_denials.clear()  # expected here: not a gap of the real template


def test_enforcement_can_be_turned_off(tmp_path):
    # GIVEN the same gap, with enforcement off
    template = without_statement("PublishEventsFunction", "ReadCaseFacts")
    with LocalRuntime(http_port=0, aws_port=0, smtp_port=0, state_dir=tmp_path / "state",
                      template=template, enforce_iam=False) as runtime:
        queue = subscribe(runtime)
        # WHEN a case is opened THEN it is published as moto alone would let it be
        number = open_case(runtime)
        assert opened(number)(events_within(runtime, queue, 10, until=opened(number)))
        assert runtime.iam_denials == []
