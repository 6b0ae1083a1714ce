"""SlaFunction: the service-level job, every five minutes (``SlaSchedule`` in template.yaml).

SAM: ``Handler: app.handler``, invoked asynchronously by EventBridge Scheduler with
``{"job": "sla", "scheduled_time": ...}``. Each slot runs once (the job-run ledger); a run warns
the assignees of cases nearly due and escalates the cases whose due times passed, each once per
due time (``civicdesk/services/service_level_job.py``; ``docs/operations.md``, "Scheduled
jobs"). A run that fails is retried by Lambda, then parked in the jobs' dead-letter queue.
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
    run = job_run(event, "sla")
    runner = wiring.job_runner(context.get_remaining_time_in_millis() / 1000)
    return runner.run(run, wiring.service_level_job().run).as_json()
