"""CampaignPlannerFunction: a campaign's time came (its one-time EventBridge Scheduler schedule,
``{"campaign_id"}``) or it was sent now (a message of CampaignPlanQueue): its audience resolved,
its recipients written and queued on CampaignSendQueue (``services/campaign_sending.py``).

SAM: ``Handler: app.handler``; invoked asynchronously by Scheduler (Lambda retries, then the
jobs' dead-letter queue) and by an ``SQS`` event with ``ReportBatchItemFailures``. The plan is
idempotent per campaign: a repeated schedule, a second message or a run after a crash writes
only the recipients missing and queues again those still queued.
"""

from __future__ import annotations

import json

from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response

from civicdesk import wiring
from civicdesk.observability import FunctionMetrics, logger, tracer

# This function's metrics, with its service name (POWERTOOLS_SERVICE_NAME) as imported.
metrics = FunctionMetrics()
processor = BatchProcessor(event_type=EventType.SQS, raise_on_entire_batch_failure=False)


def _plan(campaign_id: object) -> str:
    if not isinstance(campaign_id, str) or not campaign_id:
        raise ValueError("the event names no campaign_id")
    outcome = wiring.campaign_planner().plan(campaign_id)
    metrics.add_metric(name="CampaignPlanned" if outcome == "planned" else "CampaignPlanSkipped",
                       unit="Count", value=1)
    logger.info("campaign plan", extra={"campaign_id": campaign_id, "outcome": outcome})
    return outcome


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(event, context):
    if isinstance(event, dict) and "Records" in event:
        return process_partial_response(
            event=event, record_handler=lambda record: _plan(json.loads(record.body).get("campaign_id")),
            processor=processor, context=context)
    return {"campaign_id": event.get("campaign_id"), "outcome": _plan(event.get("campaign_id"))}
