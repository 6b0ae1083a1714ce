"""StatsNightlyFunction: the nightly statistics job (EventBridge Scheduler, 01:15 every day in
``ScheduleTimezone``): closes the day that ended, records the backlog by age and checks a sample
of the day's changed cases against a recount from their timelines, once per run
(``civicdesk/services/stats_nightly.py``; ``docs/operations.md``, "Scheduled jobs").

SAM: ``Handler: app.handler``. The drift found is the ``StatisticsDrift`` metric (cases whose
kept statistics differ from their recount; its alarm fires above 0) and a warning in the log
with the cases and their differences.
"""

from __future__ import annotations

from civicdesk import wiring
from civicdesk.domain.jobs import job_run
from civicdesk.observability import FunctionMetrics, logger, tracer

# This function's metrics, with its service name (POWERTOOLS_SERVICE_NAME) as imported.
metrics = FunctionMetrics()


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(event, context):
    run = job_run(event, "stats_nightly")
    runner = wiring.job_runner(context.get_remaining_time_in_millis() / 1000)

    def drift(count: int) -> None:
        metrics.add_metric(name="StatisticsDrift", unit="Count", value=count)

    return runner.run(run, wiring.nightly_statistics(drift).run).as_json()
