"""KeepStatisticsFunction: the cases table's stream (timeline inserts) -> the statistics.

SAM: ``Handler: app.handler``; the table's second stream reader (the events publisher is the
first), filtered like it to inserted timeline entries, with ``ReportBatchItemFailures``. A shard's
records come in order, so each case's entries are counted in the order they were written; a
record that fails is reported (Powertools' batch processor) and Lambda retries from it, so the
records after it come again and their claims make them count nothing twice; after its retries a
poison record is parked in the dead-letter queue (``docs/operations.md``). See
``civicdesk/services/statistics.py`` and ``docs/decisions.md`` (why the stream, not the topic).
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
    keeper = wiring.statistics_keeper()
    records = event.get("Records") or []
    keeper.prepare(timeline_entry_if_readable(record) for record in records)

    def keep(record) -> None:
        updates = keeper.keep(timeline_entry_of_record(record.raw_event))
        if updates:
            metrics.add_metric(name="StatisticsCounted", unit="Count", value=1)

    return process_partial_response(event=event, record_handler=keep, processor=processor,
                                    context=context)
