"""Logger, tracer and metrics, created once and applied by decorator or middleware.

Powertools reads its settings (service name, namespace, log level, sampling) from the
environment that ``template.yaml`` sets for every function.

Lambda's active tracing (``Tracing: Active``) records every invocation in X-Ray without any code
here. Subsegments for each AWS call need the X-Ray SDK, whose import and botocore patching cost
a noticeable part of every cold start; they are therefore switched on per stack (the
``TraceAwsCalls`` parameter, ``CIVICDESK_TRACE_AWS_CALLS``), and the SDK is not imported while
they are off (``LazyTracer``). ``POWERTOOLS_TRACE_DISABLED=true`` (the tests, the local runtime)
keeps them off regardless.

Metrics are kept per function and per invocation, not in Powertools' process-wide ``Metrics``
singleton, for two reasons:

- A function's service name (``POWERTOOLS_SERVICE_NAME``) is fixed when its handler module is
  imported (``FunctionMetrics()`` at module level). Several functions share one process in the
  local runtime and the tests (each module imported with its own service name, see
  ``infra.local.lambdas.load_module``), and the singleton would give all of them the name of
  whichever was configured last.
- CloudWatch names a metric by its namespace, name *and dimension set*: ``CaseOpened`` with
  ``channel, type, service`` and ``CaseOpened`` with one dimension more are two metrics. Every
  dimension set is therefore written as its own EMF document at the end of the invocation, so
  that ``MailReceived``'s ``outcome`` never joins ``CaseOpened`` when a mail opens a case.

A metric recorded outside an invocation (an operator tool calling a service) is not written: it
belongs to no function.
"""

from __future__ import annotations

import functools
import os
import warnings
from contextvars import ContextVar
from typing import Any, Callable, Mapping

from aws_lambda_powertools import Logger
from aws_lambda_powertools.metrics import EphemeralMetrics, MetricUnit

from . import coldstart

logger = Logger()


def tracing_enabled(environ: Mapping[str, str] | None = None) -> bool:
    """Whether AWS calls are traced: the stack's ``CIVICDESK_TRACE_AWS_CALLS``, unless
    Powertools' own ``POWERTOOLS_TRACE_DISABLED`` says no."""
    env = os.environ if environ is None else environ
    wanted = env.get("CIVICDESK_TRACE_AWS_CALLS", "").strip().lower() == "true"
    return wanted and env.get("POWERTOOLS_TRACE_DISABLED", "").strip().lower() not in ("true", "1")


class LazyTracer:
    """Powertools' ``Tracer``, built (and the X-Ray SDK imported, botocore patched) only when
    tracing is enabled as the handler is decorated; otherwise the handler is left as it is."""

    def __init__(self):
        self._tracer: Any = None

    def provider(self) -> Any:
        if self._tracer is None:
            from aws_lambda_powertools import Tracer

            # Only botocore is traced: patching every supported library imports them all
            # (about 0.14 s of cold start) although CivicDesk makes no other outgoing calls.
            self._tracer = Tracer(patch_modules=("botocore",))
        return self._tracer

    def capture_lambda_handler(self, lambda_handler: Callable[..., Any] | None = None,
                               **options: Any) -> Any:
        if lambda_handler is None:
            return functools.partial(self.capture_lambda_handler, **options)
        if not tracing_enabled():
            return lambda_handler
        return self.provider().capture_lambda_handler(lambda_handler, **options)


tracer = LazyTracer()

# Read-only requests publish no metric; that is expected, not worth a warning per request.
warnings.filterwarnings("ignore", message="No application metrics to publish")


class InvocationMetrics:
    """What one invocation measured: one EMF document per dimension set (and metadata)."""

    def __init__(self, service: str):
        self.service = service
        self._documents: dict[tuple, EphemeralMetrics] = {}

    def add(self, name: str, dimensions: Mapping[str, str] | None = None,
            metadata: Mapping[str, str] | None = None, *,
            unit: MetricUnit | str = MetricUnit.Count, value: float = 1) -> None:
        key = (tuple((dimensions or {}).items()), tuple(sorted((metadata or {}).items())))
        document = self._documents.get(key)
        if document is None:
            document = self._documents[key] = EphemeralMetrics(service=self.service)
            for dimension, dimension_value in key[0]:
                document.add_dimension(name=dimension, value=dimension_value)
            for metadata_key, metadata_value in key[1]:
                document.add_metadata(key=metadata_key, value=metadata_value)
        document.add_metric(name=name, unit=unit, value=value)

    def flush(self) -> None:
        """Print every document (Lambda's log is CloudWatch's EMF input)."""
        documents, self._documents = list(self._documents.values()), {}
        for document in documents:
            document.flush_metrics()


_current: ContextVar[InvocationMetrics | None] = ContextVar("civicdesk_metrics", default=None)


def _record(name: str, dimensions: Mapping[str, str] | None = None,
            metadata: Mapping[str, str] | None = None) -> None:
    invocation = _current.get()
    if invocation is not None:
        invocation.add(name, dimensions, metadata)


class FunctionMetrics:
    """One function's metrics, with its own service name (the environment's when the function's
    module is imported); ``log_metrics`` writes each invocation's metrics at its end.

    Examples
    --------
    >>> metrics = FunctionMetrics(service="notify")
    >>> @metrics.log_metrics
    ... def handler(event, context):
    ...     metrics.add_metric(name="NotificationSent", unit="Count", value=1)
    """

    def __init__(self, service: str | None = None):
        self.service = service or os.environ.get("POWERTOOLS_SERVICE_NAME") or "service_undefined"

    def log_metrics(self, handler: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(handler)
        def measured(event, context):
            invocation = InvocationMetrics(self.service)
            token = _current.set(invocation)
            try:
                return handler(event, context)
            finally:
                _current.reset(token)
                invocation.flush()
                coldstart.first_invocation_ended()

        return measured

    def add_metric(self, name: str, unit: MetricUnit | str = MetricUnit.Count,
                   value: float = 1) -> None:
        """A metric of the running invocation, with the service as its only dimension."""
        invocation = _current.get()
        if invocation is not None:
            invocation.add(name, unit=unit, value=value)


class PowertoolsMetricsSink:
    """The services' ``MetricsSink`` port, as CloudWatch embedded metrics of the running
    invocation (written by its function's ``FunctionMetrics.log_metrics``)."""

    def case_opened(self, channel: str, case_type: str) -> None:
        _record("CaseOpened", {"channel": channel, "type": case_type})

    def mail_failed(self, kind: str) -> None:
        _record("MailFailed", metadata={"failed_mail_kind": kind})

    def mail_received(self, outcome: str) -> None:
        _record("MailReceived", {"outcome": outcome})
