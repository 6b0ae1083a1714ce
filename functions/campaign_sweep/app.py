"""CampaignSweepFunction: the campaigns' job, every two minutes (``CampaignSweepSchedule``):
recipients past their confirmation time move to their next channel (or the call list), SMS
held by the quiet hours and recipients whose queue message was lost are queued again, and a
campaign with nobody left open completes (``services/campaign_sending.py``).

SAM: ``Handler: app.handler``, invoked asynchronously by EventBridge Scheduler with
``{"job": "campaign_sweep", "scheduled_time": ...}``; each slot runs once (the job-run ledger), a
campaign completes once (``RunContext.once``); every recipient's move is version-checked, so
overlapping runs never move one twice.
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
    run = job_run(event, "campaign_sweep")
    runner = wiring.job_runner(context.get_remaining_time_in_millis() / 1000)
    return runner.run(run, wiring.campaign_sweep().run).as_json()
