"""PublishEventsFunction: the cases table's stream (timeline inserts) -> the events topic.

SAM: ``Handler: app.handler``; a ``DynamoDB`` event with ``ReportBatchItemFailures``. A record that
fails is reported (Powertools' batch processor), so Lambda retries from it, bisects, and after its
retries parks it in the dead-letter queue: a poison record never blocks the stream. Records after a
failed one may be published again on the retry; every event carries a stable id
(``<number>/<entry id>``) by which consumers recognise a repeat (``docs/events.md``).
"""

from __future__ import annotations

from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response

from civicdesk import wiring
from civicdesk.adapters.dynamodb.mappers import timeline_entry_if_readable, timeline_entry_of_record
from civicdesk.observability import FunctionMetrics, logger, tracer

# This function's metrics, with its service name (POWERTOOLS_SERVICE_NAME) as imported.
metrics = FunctionMetrics()

processor = BatchProcessor(event_type=EventType.DynamoDBStreams)


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(event, context):
    publisher = wiring.event_publisher()
    records = event.get("Records") or []
    publisher.prepare(timeline_entry_if_readable(record) for record in records)

    def publish(record) -> None:
        published = publisher.publish(timeline_entry_of_record(record.raw_event))
        if published is not None:
            metrics.add_metric(name="EventPublished", unit="Count", value=1)

    return process_partial_response(event=event, record_handler=publish, processor=processor,
                                    context=context)
