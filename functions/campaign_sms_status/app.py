"""CampaignSmsStatusFunction: the SMS service's delivery events (End User Messaging SMS's event
destination, or SNS's SMS delivery status) from SmsDeliveryEventsQueue -> the campaign's
recipient: delivered, or failed and on to its next channel (``services/campaign_sending.py``).

SAM: ``Handler: app.handler``; an ``SQS`` event with ``ReportBatchItemFailures``. Recording is
idempotent: a repeated event changes nothing. An event about an SMS of no campaign (a case's
reply) is counted and dropped.
"""

from __future__ import annotations

from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response

from civicdesk import wiring
from civicdesk.domain.campaign_sms_events import parse_sms_event
from civicdesk.domain.campaigns import RecipientState
from civicdesk.observability import FunctionMetrics, logger, tracer

# This function's metrics, with its service name (POWERTOOLS_SERVICE_NAME) as imported.
metrics = FunctionMetrics()
processor = BatchProcessor(event_type=EventType.SQS, raise_on_entire_batch_failure=False)


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(event, context):
    feedback = wiring.campaign_feedback()

    def handle(record) -> None:
        found = parse_sms_event(record.body)
        if found is None:
            return  # not final (queued, pending, handed to the carrier)
        state = RecipientState.DELIVERED if found.delivered else RecipientState.FAILED
        known = feedback.record(found.message_id, state, found.detail, found.at)
        metrics.add_metric(name="CampaignSmsReport" if known else "SmsReportWithoutCampaign",
                           unit="Count", value=1)

    return process_partial_response(event=event, record_handler=handle, processor=processor,
                                    context=context)
