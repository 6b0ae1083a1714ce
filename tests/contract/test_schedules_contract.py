"""template.yaml <-> scheduled jobs (issue 14, item 1): every EventBridge Scheduler schedule
targets a job function of its own folder under ``functions/``, says which job and scheduled time
it runs (the Input the job-run ledger keys on), has a dead-letter queue with its alarm, and a role
that may invoke that function and nothing else.

``schedule_problems`` is run against the template and against hand-made schedules, so that a
schedule added later the wrong way fails here."""

from __future__ import annotations

import copy
import json
from datetime import datetime, timezone
from typing import Any

from civicdesk.domain.jobs import JOB_NAME
from infra.local.schedules import render_input
from infra.local.template import ROOT, SCHEDULE, Template, _Tag, reference_target
from tests.contract.test_deployment_contract import transformed
from tests.contract.test_operations_contract import dead_letter_queues, missing_alarms

CONTEXT = "<aws.scheduler.scheduled-time>"


def _statements(role: dict) -> list[dict]:
    found = []
    for policy in (role.get("Properties") or {}).get("Policies") or ():
        found += (policy.get("PolicyDocument") or {}).get("Statement") or []
    return found


def _as_list(value: Any) -> list:
    return value if isinstance(value, list) else [value]


def schedule_problems(doc: dict) -> list[str]:
    """What is wrong with the schedules of ``doc`` (a template as ``Template`` loads it)."""
    template = Template(doc)
    resources = doc["Resources"]
    functions = template.functions()
    problems = []
    for spec in template.schedules():
        where = spec.logical_id
        props = resources[where]["Properties"]
        target = props.get("Target") or {}
        if (props.get("FlexibleTimeWindow") or {}).get("Mode") != "OFF":
            problems.append(f"{where}: FlexibleTimeWindow Mode is not OFF")
        zone = props.get("ScheduleExpressionTimezone")
        if not (isinstance(zone, _Tag) and zone.name == "Ref" and zone.value == "ScheduleTimezone"):
            problems.append(f"{where}: ScheduleExpressionTimezone is not !Ref ScheduleTimezone")
        function = functions.get(spec.function or "")
        if function is None:
            problems.append(f"{where}: its target is not a function of the template")
            continue
        folder = function.code_uri.rstrip("/")
        job = folder.rsplit("/", 1)[-1]
        if not folder.startswith("functions/") or folder.count("/") != 1 \
                or not (ROOT / folder / "app.py").is_file() or not (ROOT / folder / "Makefile").is_file():
            problems.append(f"{where}: {spec.function} is not a function folder of its own "
                            f"under functions/ (app.py and Makefile)")
        if function.handler != "app.handler":
            problems.append(f"{where}: {spec.function}'s handler is not app.handler")
        text = spec.input if isinstance(spec.input, str) else ""
        payload = render_input(text or None, schedule_arn="arn", execution_id="e",
                               scheduled_time=datetime(2026, 12, 1, tzinfo=timezone.utc))
        if CONTEXT not in text or not isinstance(payload, dict) \
                or payload.get("scheduled_time") != "2026-12-01T00:00:00Z":
            problems.append(f"{where}: the Input does not carry scheduled_time {CONTEXT}")
        elif payload.get("job") != job or not JOB_NAME.match(str(payload.get("job"))):
            problems.append(f"{where}: the Input's job is {payload.get('job')!r}, its function's "
                            f"folder functions/{job}/")
        if not target.get("RetryPolicy"):
            problems.append(f"{where}: no RetryPolicy")
        dlq = spec.dead_letter_queue
        if dlq is None or (resources.get(dlq) or {}).get("Type") != "AWS::SQS::Queue":
            problems.append(f"{where}: no DeadLetterConfig to a queue of the template")
        on_failure = (template.event_invoke_config(spec.function or "").get("DestinationConfig")
                      or {}).get("OnFailure") or {}
        if dlq is not None and reference_target(on_failure.get("Destination")) != dlq:
            problems.append(f"{where}: {spec.function}'s EventInvokeConfig does not send failed "
                            f"runs to {dlq}")
        role = resources.get(spec.role or "")
        if role is None or role.get("Type") != "AWS::IAM::Role":
            problems.append(f"{where}: no role of its own (Target.RoleArn)")
            continue
        assume = (role["Properties"].get("AssumeRolePolicyDocument") or {}).get("Statement") or []
        if [s.get("Principal") for s in assume] != [{"Service": "scheduler.amazonaws.com"}]:
            problems.append(f"{where}: its role is not assumed by scheduler.amazonaws.com alone")
        for statement in _statements(role):
            actions = set(_as_list(statement.get("Action")))
            targets = {reference_target(r) or r for r in _as_list(statement.get("Resource"))}
            if actions == {"lambda:InvokeFunction"} and targets == {spec.function}:
                continue
            if actions == {"sqs:SendMessage"} and targets == {dlq}:
                continue
            problems.append(f"{where}: its role allows {sorted(actions)} on {sorted(map(str, targets))}")
        others = [lid for lid, res in resources.items() if res.get("Type") == SCHEDULE
                  and lid != where and (res["Properties"].get("Target") or {}).get("RoleArn")
                  == target.get("RoleArn")]
        if others:
            problems.append(f"{where}: shares its role with {', '.join(others)}")
    return problems


def a_job(doc: dict, job: str = "notify", function: str = "NotifyFunction") -> dict:
    """``doc`` with a well-formed schedule of the function ``function`` (folder functions/<job>)."""
    doc = copy.deepcopy(doc)
    resources = doc["Resources"]
    resources[function]["Properties"]["EventInvokeConfig"] = {
        "MaximumRetryAttempts": 2, "DestinationConfig": {"OnFailure": {
            "Type": "SQS", "Destination": _Tag("GetAtt", "JobsDeadLetterQueue.Arn")}}}
    resources["ProbeScheduleRole"] = {"Type": "AWS::IAM::Role", "Properties": {
        "AssumeRolePolicyDocument": {"Version": "2012-10-17", "Statement": [{
            "Effect": "Allow", "Principal": {"Service": "scheduler.amazonaws.com"},
            "Action": "sts:AssumeRole",
            "Condition": {"StringEquals": {"aws:SourceAccount": _Tag("Ref", "AWS::AccountId")}}}]},
        "Policies": [{"PolicyName": "invoke", "PolicyDocument": {"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Action": "lambda:InvokeFunction",
             "Resource": _Tag("GetAtt", f"{function}.Arn")},
            {"Effect": "Allow", "Action": "sqs:SendMessage",
             "Resource": _Tag("GetAtt", "JobsDeadLetterQueue.Arn")}]}}]}}
    resources["ProbeSchedule"] = {"Type": SCHEDULE, "Properties": {
        "ScheduleExpression": "rate(5 minutes)",
        "ScheduleExpressionTimezone": _Tag("Ref", "ScheduleTimezone"),
        "FlexibleTimeWindow": {"Mode": "OFF"},
        "Target": {"Arn": _Tag("GetAtt", f"{function}.Arn"),
                   "RoleArn": _Tag("GetAtt", "ProbeScheduleRole.Arn"),
                   "Input": json.dumps({"job": job, "scheduled_time": CONTEXT}),
                   "RetryPolicy": {"MaximumRetryAttempts": 3, "MaximumEventAgeInSeconds": 300},
                   "DeadLetterConfig": {"Arn": _Tag("GetAtt", "JobsDeadLetterQueue.Arn")}}}}
    return doc


def test_every_schedule_of_the_template_is_a_job_as_documented():
    assert schedule_problems(Template().doc) == []


def test_a_well_formed_job_passes_and_each_mistake_is_reported():
    doc = a_job(Template().doc)
    assert schedule_problems(doc) == []

    def broken(change) -> list[str]:
        copy_ = copy.deepcopy(doc)
        change(copy_["Resources"])
        return schedule_problems(copy_)

    def too_broad(res):
        res["ProbeScheduleRole"]["Properties"]["Policies"][0]["PolicyDocument"]["Statement"][0][
            "Resource"] = "*"

    assert any("allows ['lambda:InvokeFunction'] on ['*']" in p for p in broken(too_broad))
    assert any("no DeadLetterConfig" in p for p in broken(
        lambda res: res["ProbeSchedule"]["Properties"]["Target"].pop("DeadLetterConfig")))
    assert any("does not send failed runs" in p for p in broken(
        lambda res: res["NotifyFunction"]["Properties"].pop("EventInvokeConfig")))
    assert any("scheduled_time" in p for p in broken(
        lambda res: res["ProbeSchedule"]["Properties"]["Target"].update(Input='{"job": "notify"}')))
    assert any("the Input's job is 'sla'" in p for p in broken(
        lambda res: res["ProbeSchedule"]["Properties"]["Target"].update(
            Input=json.dumps({"job": "sla", "scheduled_time": CONTEXT}))))
    assert any("Timezone" in p for p in broken(
        lambda res: res["ProbeSchedule"]["Properties"].update(ScheduleExpressionTimezone="UTC")))
    assert any("not a function folder" in p for p in broken(
        lambda res: res["NotifyFunction"]["Properties"].update(CodeUri="tests/fixtures/functions/job_probe/")))


def test_the_jobs_dead_letter_queue_is_alarmed_and_on_the_dashboard():
    document = transformed()
    assert "JobsDeadLetterQueue" in dead_letter_queues(document)
    assert not [m for m in missing_alarms(document) if "JobsDeadLetterQueue" in m]
    assert "JobsDeadLetterQueue.QueueName" in json.dumps(
        Template().doc["Resources"]["OperationsDashboard"]["Properties"]["DashboardBody"].value)


def test_a_well_formed_job_survives_sams_transform_with_its_failures_parked(monkeypatch):
    """What CloudFormation gets: the schedule as written, and the function's event invoke config
    (SAM makes it an AWS::Lambda::EventInvokeConfig) sending failed runs to the jobs' queue."""
    from tests.contract import test_deployment_contract as deployment

    monkeypatch.setattr(deployment, "_source", lambda: plain(a_job(Template().doc)))
    result = deployment.transformed()
    assert result["Resources"]["ProbeSchedule"]["Type"] == SCHEDULE
    configs = [r for r in result["Resources"].values() if r["Type"] == "AWS::Lambda::EventInvokeConfig"]
    assert any(c["Properties"]["DestinationConfig"]["OnFailure"]["Destination"]
               == {"Fn::GetAtt": ["JobsDeadLetterQueue", "Arn"]} for c in configs)


def plain(value: Any) -> Any:
    """A template as ``Template`` loads it, with CloudFormation's JSON intrinsics instead."""
    if isinstance(value, _Tag):
        if value.name == "Ref":
            return {"Ref": value.value}
        inner = value.value
        if value.name == "GetAtt" and isinstance(inner, str):
            inner = inner.split(".", 1)
        return {f"Fn::{value.name}": plain(inner)}
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [plain(v) for v in value]
    return value
