"""IngestSmsFunction: citizens' SMS to the municipality's number (AWS End User Messaging SMS
two-way messaging -> InboundSmsTopic -> InboundSmsQueue) -> cases, keywords, replies.

SAM: ``Handler: app.handler``; an ``SQS`` event with ``ReportBatchItemFailures``. Each queue
message is one inbound SMS (raw SNS delivery of End User Messaging's JSON). A message that fails
(a table error, SNS throttling the reply) is reported alone and comes back after the queue's
visibility timeout; after five receives it rests in the dead-letter queue. Each SMS is claimed by
its ``inboundMessageId`` with its effect, so a message that comes twice changes nothing and sends
nothing the second time. See ``civicdesk/services/sms_intake.py`` and ``docs/sms.md``.
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


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(event, context):
    service = wiring.sms_intake_service()

    def handle(record) -> None:
        result = service.handle(record.body)
        metrics.add_metric(name="SmsReceived", unit="Count", value=1)
        if result.replied:
            metrics.add_metric(name="SmsReplied", unit="Count", value=1)
        if result.outcome == "quarantined":
            metrics.add_metric(name="SmsQuarantined", unit="Count", value=1)

    return process_partial_response(event=event, record_handler=handle, processor=processor,
                                    context=context)
