"""WeeklyReportFunction: the weekly report job (EventBridge Scheduler, Mondays at 07:00 in
``ScheduleTimezone``): mails every supervisor last week's figures against the week before, what
is overdue now and the dashboard's link, each once per week (``civicdesk/services/
weekly_report.py``; ``docs/operations.md``, "Scheduled jobs").

SAM: ``Handler: app.handler``.
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
    run = job_run(event, "weekly_report")
    runner = wiring.job_runner(context.get_remaining_time_in_millis() / 1000)
    return runner.run(run, wiring.weekly_report().run).as_json()
