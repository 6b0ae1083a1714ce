"""CampaignSenderFunction: one message of CampaignSendQueue names up to 25 recipients of one
campaign; each gets its message on its current channel, at most once per channel (the claim
before the send), at this sender's share of the account's rate (``services/campaign_sending.py``).

SAM: ``Handler: app.handler``; an ``SQS`` event (batch size 1, reserved concurrency: see
docs/campaigns.md, "Rates") with ``ReportBatchItemFailures``. A message that fails comes back
after the visibility timeout; what was sent is not sent again; after five receives it rests in
the dead-letter queue, and the sweep queues its recipients again when their time is over.
"""

from __future__ import annotations

import json

from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response

from civicdesk import wiring
from civicdesk.observability import FunctionMetrics, logger, tracer

# This function's metrics, with its service name (POWERTOOLS_SERVICE_NAME) as imported.
metrics = FunctionMetrics()
processor = BatchProcessor(event_type=EventType.SQS, raise_on_entire_batch_failure=False)
#: The sender's outcomes worth a metric.
METRICS = {"sent": "CampaignMessageSent", "deferred": "CampaignSmsDeferred",
           "claimed_before": "CampaignSendRepeated", "cancelled": "CampaignRecipientCancelled",
           "bounced": "CampaignSendSuppressed", "failed": "CampaignSendFailed"}


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(event, context):
    sender = wiring.campaign_sender()

    def handle(record) -> None:
        for outcome, count in sender.handle(json.loads(record.body)).items():
            name = METRICS.get(outcome.removeprefix("fallback_"))
            if name:
                metrics.add_metric(name=name, unit="Count", value=count)

    return process_partial_response(event=event, record_handler=handle, processor=processor,
                                    context=context)
