"""Logger, tracer and metrics, created once and applied by decorator or middleware.

Powertools reads its settings (service name, namespace, log level, sampling) from the
environment that ``template.yaml`` sets for every function.
"""

from __future__ import annotations

import warnings

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.metrics import MetricUnit

logger = Logger()
# Only botocore is traced: patching every supported library imports them all (about 0.14 s of
# cold start) although CivicDesk makes no other outgoing calls.
tracer = Tracer(patch_modules=("botocore",))
metrics = Metrics()

# Read-only requests publish no metric; that is expected, not worth a warning per request.
warnings.filterwarnings("ignore", message="No application metrics to publish")


class PowertoolsMetricsSink:
    """The services' ``MetricsSink`` port, as CloudWatch embedded metrics flushed by
    ``metrics.log_metrics`` at the end of each invocation."""

    def case_opened(self, channel: str, case_type: str) -> None:
        metrics.add_dimension(name="channel", value=channel)
        metrics.add_dimension(name="type", value=case_type)
        metrics.add_metric(name="CaseOpened", unit=MetricUnit.Count, value=1)

    def mail_failed(self, kind: str) -> None:
        metrics.add_metadata(key="failed_mail_kind", value=kind)
        metrics.add_metric(name="MailFailed", unit=MetricUnit.Count, value=1)

    def mail_received(self, outcome: str) -> None:
        metrics.add_dimension(name="outcome", value=outcome)
        metrics.add_metric(name="MailReceived", unit=MetricUnit.Count, value=1)
