"""NotifyFunction: the notify queue (domain events from the events topic) -> messages to people.

SAM: ``Handler: app.handler``; an ``SQS`` event with ``ReportBatchItemFailures``. Each message is
one domain event; a message whose sends failed is reported alone and comes back after the
queue's visibility timeout (recipients already told are not told again), and after the queue's
``maxReceiveCount`` it rests in the dead-letter queue (``aws sqs start-message-move-task
--source-arn <NotifyDeadLetterQueueArn>`` moves it back). See
``civicdesk/services/notifications.py``.
"""

from __future__ import annotations

from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response

from civicdesk import wiring
from civicdesk.observability import FunctionMetrics, logger, tracer

# This function's metrics, with its service name (POWERTOOLS_SERVICE_NAME) as imported.
metrics = FunctionMetrics()

# A batch whose every record failed answers every record as failed (the same retries as raising,
# without an invocation error in the metrics).
processor = BatchProcessor(event_type=EventType.SQS, raise_on_entire_batch_failure=False)


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(event, context):
    service = wiring.notification_service()

    def notify(record) -> None:
        for outcome in service.handle(record.body):
            if outcome.state == "sent":
                metrics.add_metric(name="NotificationSent", unit="Count", value=1)

    return process_partial_response(event=event, record_handler=notify, processor=processor,
                                    context=context)
