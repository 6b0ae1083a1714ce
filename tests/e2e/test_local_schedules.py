"""The local runtime's EventBridge Scheduler: the schedules of a copy of template.yaml with a
probe job (``tests/fixtures/functions/job_probe``) are listed, in the banner, run on demand as if
scheduled at a given time with Scheduler's event, once per slot, and a failing one ends in the
jobs' dead-letter queue after Lambda's retries."""

from __future__ import annotations

import copy
import json
import sys

import boto3
import pytest
import requests

from infra.local.runtime import LocalRuntime
from infra.local.template import Template, _Tag

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("local_schedules")]

PROBE_MODULE = "civicdesk_local_JobProbeFunction"
INPUT = ('{"job": "probe", "scheduled_time": "<aws.scheduler.scheduled-time>", '
         '"execution_id": "<aws.scheduler.execution-id>", '
         '"attempt": "<aws.scheduler.attempt-number>"%s}')


def schedule(expression: str, extra: str = "", state: str = "ENABLED") -> dict:
    return {"Type": "AWS::Scheduler::Schedule", "Properties": {
        "ScheduleExpression": expression,
        "ScheduleExpressionTimezone": _Tag("Ref", "ScheduleTimezone"),
        "FlexibleTimeWindow": {"Mode": "OFF"}, "State": state,
        "Target": {"Arn": _Tag("GetAtt", "JobProbeFunction.Arn"),
                   "RoleArn": _Tag("GetAtt", "JobProbeScheduleRole.Arn"),
                   "Input": INPUT % extra,
                   "RetryPolicy": {"MaximumRetryAttempts": 3, "MaximumEventAgeInSeconds": 3600},
                   "DeadLetterConfig": {"Arn": _Tag("GetAtt", "JobsDeadLetterQueue.Arn")}}}}


def template_with_probe() -> Template:
    document = copy.deepcopy(Template().doc)
    document["Resources"].update({
        "JobProbeFunction": {"Type": "AWS::Serverless::Function", "Properties": {
            "CodeUri": "tests/fixtures/functions/job_probe/", "Handler": "app.handler",
            # The job-run ledger's items (claims, outcomes, effects) in the cases table, as
            # every scheduled job's role needs (the runtime enforces it: infra/local/iam.py).
            "Policies": [{"Statement": [{
                "Sid": "JobRunLedger", "Effect": "Allow",
                "Action": ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem"],
                "Resource": _Tag("GetAtt", "CasesTable.Arn")}]}],
            "EventInvokeConfig": {"MaximumRetryAttempts": 1, "DestinationConfig": {"OnFailure": {
                "Type": "SQS", "Destination": _Tag("GetAtt", "JobsDeadLetterQueue.Arn")}}}}},
        "JobProbeScheduleRole": {"Type": "AWS::IAM::Role", "Properties": {}},
        "NightlyProbeSchedule": schedule("cron(30 2 * * ? *)"),
        "FailingProbeSchedule": schedule("rate(1 day)", ', "fail": true', state="DISABLED"),
    })
    return Template(document)


def test_schedules_are_listed_and_run_on_demand_once_per_slot(tmp_path):
    with LocalRuntime(http_port=0, aws_port=0, smtp_port=0, state_dir=tmp_path / "state",
                      template=template_with_probe(), run_schedules=False) as runtime:
        url = runtime.http_url
        # GIVEN the schedules, listed with their expression, zone and next time, and in the banner
        listed = {s["logical_id"]: s for s in
                  requests.get(f"{url}/_local/schedules", timeout=10).json()["schedules"]}
        nightly = listed["NightlyProbeSchedule"]
        assert (nightly["expression"], nightly["timezone"], nightly["state"], nightly["job"]) == \
            ("cron(30 2 * * ? *)", "Europe/Belgrade", "ENABLED", "probe")
        assert nightly["next_run"] and nightly["last_run"] is None
        assert listed["FailingProbeSchedule"]["next_run"] is None  # disabled: on demand only
        assert "NightlyProbeSchedule" in runtime.summary()

        # WHEN tomorrow's nightly run is made on demand, twice (a repeated delivery)
        at = "2026-12-02T02:30:00+01:00"
        first = requests.post(f"{url}/_local/schedules/NightlyProbeSchedule",
                              params={"at": at}, timeout=60)
        second = requests.post(f"{url}/_local/schedules/probe", params={"at": at}, timeout=60)
        # AND the next day's once
        requests.post(f"{url}/_local/schedules/NightlyProbeSchedule",
                      params={"at": "2026-12-03T01:30:00Z"}, timeout=60)

        # THEN the function got Scheduler's event with the scheduled time, in UTC
        assert first.status_code == 200, first.text
        run = first.json()
        assert run["scheduled_time"] == "2026-12-02T01:30:00Z" and run["outcome"] == "succeeded"
        assert run["result"] == {"job": "probe", "slot": "2026-12-02T01:30Z", "state": "ran",
                                 "outcome": {"day": "2026-12-02", "effects": 1,
                                             "effects_done_before": 0}}
        # AND the repeat changed nothing: the ledger knew the slot
        assert second.json()["result"]["state"] == "done_before"
        probe = sys.modules[PROBE_MODULE]
        assert probe.worked == ["2026-12-02T01:30Z", "2026-12-03T01:30Z"]
        assert probe.effects == ["2026-12-02", "2026-12-03"]
        # AND the listing shows the last run and its outcome
        listed = {s["logical_id"]: s for s in
                  requests.get(f"{url}/_local/schedules", timeout=10).json()["schedules"]}
        last = listed["NightlyProbeSchedule"]["last_run"]
        assert (last["scheduled_time"], last["outcome"], last["trigger"]) == \
            ("2026-12-03T01:30:00Z", "succeeded", "on_demand")

        # WHEN the failing schedule runs
        failed = requests.post(f"{url}/_local/schedules/FailingProbeSchedule", timeout=60).json()
        # THEN it failed after Lambda's retry and its event rests in the jobs' dead-letter queue
        assert (failed["outcome"], failed["attempts"]) == ("failed", 2)
        assert "on purpose" in failed["error"]
        sqs = boto3.client("sqs", region_name="eu-central-1", endpoint_url=runtime.aws_url,
                           aws_access_key_id="testing", aws_secret_access_key="testing")
        messages = sqs.receive_message(QueueUrl=runtime.resources.queues["JobsDeadLetterQueue"],
                                       MaxNumberOfMessages=10, WaitTimeSeconds=1)["Messages"]
        [record] = [json.loads(m["Body"]) for m in messages]
        assert record["requestPayload"]["job"] == "probe"
        assert record["requestPayload"]["scheduled_time"] == failed["scheduled_time"]
        assert record["requestContext"]["condition"] == "RetriesExhausted"

        # AND an unknown schedule, a bad time and a GET are refused
        assert requests.post(f"{url}/_local/schedules/nope", timeout=10).status_code == 404
        assert requests.post(f"{url}/_local/schedules/probe", params={"at": "tomorrow"},
                             timeout=10).status_code == 400
        assert requests.get(f"{url}/_local/schedules/probe", timeout=10).status_code == 405
