"""DeliveryFeedbackFunction: SES's delivery events (delivered, bounced, complained, rejected,
delayed) from DeliveryEventsQueue -> recipients, cases, the suppression list, the SMS fallback.

SAM: ``Handler: app.handler``; an ``SQS`` event with ``ReportBatchItemFailures``. Each queue
message is one SES event (raw SNS delivery). A message that fails -- unreadable, a table error,
an SMS that could not be sent -- is reported alone and comes back after the queue's visibility
timeout; after five receives it rests in the dead-letter queue. Recording is idempotent, so a
message that comes twice changes nothing the second time and sends no second SMS.
"""

from __future__ import annotations

from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response

from civicdesk import wiring
from civicdesk.observability import FunctionMetrics, logger, tracer

# This function's metrics, with its service name (POWERTOOLS_SERVICE_NAME) as imported.
metrics = FunctionMetrics()

# A batch whose every message failed is answered like any other (each message listed), not
# raised: the messages come back after the visibility timeout either way.
processor = BatchProcessor(event_type=EventType.SQS, raise_on_entire_batch_failure=False)
#: The service's outcome of each report -> the metric counting it.
METRICS = {"recorded": "DeliveryReportRecorded", "duplicate": "DeliveryReportRepeated",
           "no_case": "DeliveryReportWithoutCase", "campaign": "DeliveryReportOfCampaign"}


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(event, context):
    service = wiring.delivery_feedback_service()

    def handle(record) -> None:
        for outcome in service.handle(record.body):
            metrics.add_metric(name=METRICS[outcome], unit="Count", value=1)

    return process_partial_response(event=event, record_handler=handle, processor=processor,
                                    context=context)
