"""SES receipt rule -> the mail channel. SAM: ``Handler: app.handler``.

SES has already stored the raw message in the mail bucket (the rule's S3 action) before it
invokes this function asynchronously; a failure is retried by Lambda and then lands in the
dead-letter queue with the event, from which ``python -m civicdesk.cli.redrive`` replays it.
"""

from __future__ import annotations

from civicdesk import wiring
from civicdesk.adapters.ses_inbound import inbound_from_ses_record
from civicdesk.config import settings
from civicdesk.observability import FunctionMetrics, logger, tracer

# This function's metrics, with its service name (POWERTOOLS_SERVICE_NAME) as imported.
metrics = FunctionMetrics()


@logger.inject_lambda_context(log_event=False)
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(event, context):
    config = settings()
    service = wiring.email_intake_service()
    results = []
    for record in event.get("Records", []):
        inbound = inbound_from_ses_record(record, config.mail_bucket or "", config.mail_prefix)
        logger.append_keys(ses_message_id=inbound.ses_message_id)
        result = service.process(inbound)
        results.append({"ses_message_id": inbound.ses_message_id, "outcome": result.outcome.value,
                        "case_number": result.number, "replied": result.replied,
                        "reason": result.reason})
    # SES's Lambda action in Event mode ignores the answer; it is returned for logs and tests.
    return {"results": results}
