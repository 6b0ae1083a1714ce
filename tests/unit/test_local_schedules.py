"""The local runtime's scheduler (``infra.local.schedules``) with its own clock: what fires when,
with which event, and the schedules it refuses to load."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from infra.local.schedules import ScheduleError, Scheduler, load_schedules
from infra.local.template import Template, _Tag

UTC = timezone.utc
INPUT = '{"job": "sla", "scheduled_time": "<aws.scheduler.scheduled-time>", "arn": "<aws.scheduler.schedule-arn>"}'


def template(**schedules: dict) -> Template:
    resources = {"SlaFunction": {"Type": "AWS::Serverless::Function",
                                 "Properties": {"Handler": "app.handler", "CodeUri": "f/"}}}
    for logical_id, properties in schedules.items():
        resources[logical_id] = {"Type": "AWS::Scheduler::Schedule", "Properties": {
            "FlexibleTimeWindow": {"Mode": "OFF"},
            "Target": {"Arn": _Tag("GetAtt", "SlaFunction.Arn"), "Input": INPUT}, **properties}}
    return Template({"Parameters": {"ScheduleTimezone": {"Default": "Europe/Belgrade"}},
                     "Resources": resources})


def load(doc: Template, now: datetime):
    parameters = doc.parameter_defaults()
    return load_schedules(doc.schedules(), lambda v: doc.resolve(v, lambda n: parameters[n]),
                          {"SlaFunction"}, name_prefix="local", region="eu-central-1",
                          account_id="123456789012", now=now)


class Clock:
    def __init__(self, at: datetime):
        self.at = at

    def __call__(self) -> datetime:
        return self.at


def test_schedules_fire_when_due_once_each_with_schedulers_event():
    start = datetime(2026, 12, 1, 16, 31, 20, tzinfo=UTC)
    clock = Clock(start)
    doc = template(SlaSchedule={"ScheduleExpression": "rate(5 minutes)"},
                   NightlySchedule={"ScheduleExpression": "cron(30 2 * * ? *)",
                                    "ScheduleExpressionTimezone": _Tag("Ref", "ScheduleTimezone")})
    submitted = []
    scheduler = Scheduler(load(doc, start),
                          lambda function, event, rid: submitted.append((function, event)),
                          clock=clock, on_clock=False)
    # nothing is due at the start; the next wake is the rate's first time
    assert scheduler.tick(start) == datetime(2026, 12, 1, 16, 36, tzinfo=UTC)
    assert submitted == []
    # WHEN the clock passes two rate times at once (the machine slept), and the night
    clock.at = datetime(2026, 12, 1, 16, 47, tzinfo=UTC)
    scheduler.tick(clock.at)
    clock.at = datetime(2026, 12, 2, 1, 30, 30, tzinfo=UTC)
    scheduler.tick(clock.at)
    # THEN each late schedule fired once, for the oldest time it missed (not once per missed
    # time), and then goes on from the clock
    times = [(event["job"], event["scheduled_time"]) for _, event in submitted]
    assert times == [("sla", "2026-12-01T16:36:00Z"), ("sla", "2026-12-01T16:51:00Z"),
                     ("sla", "2026-12-02T01:30:00Z")]
    assert submitted[-1][1]["arn"] == ("arn:aws:scheduler:eu-central-1:123456789012:"
                                      "schedule/default/local-NightlySchedule")
    listed = {s["logical_id"]: s for s in scheduler.listing()}
    assert listed["NightlySchedule"]["next_run"] == "2026-12-03T01:30:00+00:00"
    assert listed["NightlySchedule"]["last_run"]["outcome"] == "running"
    assert listed["SlaSchedule"]["next_run"] == "2026-12-02T01:31:00+00:00"


def test_the_invokers_report_ends_the_run():
    start = datetime(2026, 12, 1, 16, 31, tzinfo=UTC)
    doc = template(SlaSchedule={"ScheduleExpression": "rate(5 minutes)"})
    ids = []
    scheduler = Scheduler(load(doc, start), lambda function, event, rid: ids.append(rid),
                          clock=Clock(start), on_clock=False)
    scheduler.tick(start + timedelta(minutes=5))
    scheduler.completed(ids[0], "failed", 3, None, RuntimeError("boom"))
    scheduler.completed("someone-else's", "succeeded", 1, None, None)
    [listed] = scheduler.listing()
    assert (listed["last_run"]["outcome"], listed["last_run"]["attempts"],
            listed["last_run"]["error"]) == ("failed", 3, "RuntimeError: boom")


def test_a_disabled_schedule_runs_on_demand_only():
    start = datetime(2026, 12, 1, 16, 31, tzinfo=UTC)
    doc = template(SlaSchedule={"ScheduleExpression": "rate(5 minutes)", "State": "DISABLED"})
    submitted = []
    scheduler = Scheduler(load(doc, start), lambda f, event, rid: submitted.append(rid),
                          clock=Clock(start), on_clock=False)
    assert scheduler.tick(start + timedelta(days=1)) is None and submitted == []
    run = scheduler.run_now("sla", datetime(2026, 12, 2, 9, 0, 42, tzinfo=UTC), wait=0)
    assert (run["scheduled_time"], run["outcome"]) == ("2026-12-02T09:00:00Z", "running")
    with pytest.raises(LookupError):
        scheduler.run_now("nope")


@pytest.mark.parametrize("properties, message", [
    ({"ScheduleExpression": "cron(0 7 * * MON *)"}, "day-of-month"),
    ({"ScheduleExpression": "rate(5 minutes)", "ScheduleExpressionTimezone": "Mars/Olympus"},
     "time zone"),
])
def test_a_schedule_scheduler_would_refuse_stops_the_start(properties, message):
    with pytest.raises(ScheduleError, match=message):
        load(template(Bad=properties), datetime(2026, 12, 1, tzinfo=UTC))


def test_a_schedule_that_targets_no_function_of_the_template_stops_the_start():
    doc = template(Bad={"ScheduleExpression": "rate(5 minutes)"})
    doc.resources["Bad"]["Properties"]["Target"]["Arn"] = "arn:aws:lambda:eu-central-1:1:function:x"
    with pytest.raises(ScheduleError, match="not a function"):
        load(doc, datetime(2026, 12, 1, tzinfo=UTC))
