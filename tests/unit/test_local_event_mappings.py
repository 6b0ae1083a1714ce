"""The local runtime's event source mappings as ``template.yaml`` configures them
(``infra.local.event_sources.mappings``): the template's own mappings, Lambda's defaults, and
what ``CreateEventSourceMapping`` refuses stopping the start.
"""

from __future__ import annotations

import pytest

from infra.local.aws import StartupError
from infra.local.event_sources import mappings
from infra.local.event_sources.mappings import queue_mapping, stream_mapping
from infra.local.template import EventSourceSpec, Template, _Tag
from tests.support.event_sources import TIMELINE_PATTERN, template_mapping


def spec(**properties) -> EventSourceSpec:
    return EventSourceSpec("Worker", "Jobs", "SQS",
                           {"Queue": _Tag("GetAtt", "JobsQueue.Arn"), **properties})


def test_the_template_mapping_is_read_with_its_destination_resolved():
    mapping = stream_mapping(template_mapping(), {"EventsDeadLetterQueue": "http://q/dlq"},
                             retry_delays=(0.1,))

    assert mapping.table == "CasesTable"
    assert (mapping.batch_size, mapping.batching_window) == (100, 0.0)
    assert mapping.bisect and mapping.report_item_failures
    assert (mapping.maximum_retry_attempts, mapping.maximum_record_age) == (5, 86400)
    assert mapping.on_failure_queue_url == "http://q/dlq"
    assert mapping.filters == (TIMELINE_PATTERN,)
    assert mapping.delay_before(1) == mapping.delay_before(5) == 0.1


def test_lambda_defaults_apply_and_what_cannot_be_emulated_stops_the_start():
    spec = EventSourceSpec("F", "E", "DynamoDB", {"Stream": _Tag("GetAtt", "T.StreamArn")})
    mapping = stream_mapping(spec, {})
    assert (mapping.batch_size, mapping.batching_window, mapping.bisect) == (100, 0.0, False)
    assert mapping.maximum_retry_attempts == mappings.INFINITE
    assert not mapping.report_item_failures and mapping.on_failure_queue_url is None

    literal = EventSourceSpec("F", "E", "DynamoDB", {"Stream": "arn:aws:dynamodb:...:stream/x"})
    with pytest.raises(StartupError, match="F.E: Stream must be"):
        stream_mapping(literal, {})
    bad_filter = EventSourceSpec("F", "E", "DynamoDB", {
        "Stream": _Tag("GetAtt", "T.StreamArn"),
        "FilterCriteria": {"Filters": [{"Pattern": '{"a": [{"cidr": "10.0.0.0/8"}]}'}]}})
    with pytest.raises(StartupError, match="F.E: FilterCriteria: .*'cidr'"):
        stream_mapping(bad_filter, {})
    queue = EventSourceSpec("F", "Q", "SQS", {"Queue": _Tag("GetAtt", "Jobs.Arn")})
    assert queue_mapping(queue, {"Jobs": "http://q/jobs"}).batch_size == 10
    with pytest.raises(StartupError, match="F.Q: Queue must be"):
        queue_mapping(queue, {})


@pytest.mark.parametrize("properties, message", [
    ({"BatchSize": 0}, "BatchSize 0"),
    ({"BatchSize": 10001, "MaximumBatchingWindowInSeconds": 5}, "BatchSize 10001"),
    ({"BatchSize": 11}, "needs MaximumBatchingWindowInSeconds of at least 1"),
    ({"MaximumBatchingWindowInSeconds": 301}, "MaximumBatchingWindowInSeconds 301"),
    ({"ScalingConfig": {"MaximumConcurrency": 1}}, "MaximumConcurrency 1"),
])
def test_what_lambda_refuses_stops_the_start(properties, message):
    with pytest.raises(StartupError, match=message):
        queue_mapping(spec(**properties), {"JobsQueue": "url"})


def test_the_mapping_keeps_its_batching_scaling_and_retry_settings():
    mapping = queue_mapping(spec(BatchSize=100, MaximumBatchingWindowInSeconds=2,
                                 FunctionResponseTypes=["ReportBatchItemFailures"],
                                 ScalingConfig={"MaximumConcurrency": 5}),
                            {"JobsQueue": "url"}, retry_delays=(0.5, 1.0))
    assert (mapping.batch_size, mapping.batching_window, mapping.report_item_failures,
            mapping.maximum_concurrency, mapping.retry_delays) == (100, 2.0, True, 5, (0.5, 1.0))
    assert queue_mapping(spec(), {"JobsQueue": "url"}).retry_delays is None


def test_the_notify_mapping_of_the_template_is_accepted():
    [notify] = [s for s in Template().event_sources() if s.function == "NotifyFunction"]
    mapping = queue_mapping(notify, {notify.source: "url"})
    assert mapping.report_item_failures


def test_the_modules_examples_hold():
    import doctest

    assert doctest.testmod(mappings).failed == 0
