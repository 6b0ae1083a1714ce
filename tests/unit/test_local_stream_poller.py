"""Polling a shard (``infra.local.event_sources.stream_poller``, with the stop signal of
``polling``): filtering, batch size, batching window, order, surviving a failing read, stopping
promptly. A fake shard and a fake clock.
"""

from __future__ import annotations

import json
import threading
import time

import pytest
from aws_lambda_powertools.utilities.parser.models import DynamoDBStreamModel

from infra.local.event_sources.mappings import StreamMapping
from infra.local.event_sources.polling import StopSignal
from infra.local.event_sources.stream_batches import StreamBatchProcessor
from infra.local.event_sources.stream_poller import StreamPoller
from tests.support.event_sources import (
    REGION,
    STREAM_ARN,
    TIMELINE_PATTERN,
    FakeFunction,
    seq,
    stream_record,
)

FUNCTION_ARN = "arn:aws:lambda:eu-central-1:123456789012:function:civicdesk-local-Publish"
SHARD = "shardId-00000001541626099285-f35f62ef"


class FakeShard:
    """A shard whose records are appended by the test; ``read`` returns what is new."""

    shard_id = SHARD

    def __init__(self):
        self.raw: list[dict] = []
        self.position = 0

    def write(self, *items: dict) -> None:
        for item in items:
            raw = json.loads(json.dumps(item))
            raw["dynamodb"]["SequenceNumber"] = str(1000 + len(self.raw) + 1)
            raw["eventVersion"], raw["awsRegion"] = "1.0", "us-east-1"
            del raw["eventSourceARN"]
            self.raw.append(raw)

    def read(self, limit: int) -> list[dict]:
        new = self.raw[self.position:self.position + limit]
        self.position += len(new)
        return new


class FakeClock:
    def __init__(self):
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


class _Shard:
    shard_id = "shardId-1"

    def __init__(self, batches):
        self.batches = list(batches)

    def read(self, limit):
        return self.batches.pop(0) if self.batches else []


def poller(function: FakeFunction, shard: FakeShard, clock: FakeClock, on_done=None, **options):
    mapping = StreamMapping(**{**dict(function="Publish", event="Inserts", table="Cases",
                                      retry_delays=(0,)), **options})
    deliver = StreamBatchProcessor(mapping, invoke=function.invoke,
                                   send_failure=lambda record: None, function_arn=FUNCTION_ARN,
                                   stream_arn=STREAM_ARN, shard_id=SHARD,
                                   wait=lambda seconds: True)
    return StreamPoller(mapping, shard, deliver, stream_arn=STREAM_ARN, region=REGION,
                        clock=clock, **({"on_done": on_done} if on_done else {}))


def test_the_poller_reports_the_last_record_it_is_done_with_after_each_batch():
    # GIVEN a poller with the template's filter, reporting its checkpoint
    function, shard, clock = FakeFunction(), FakeShard(), FakeClock()
    done: list[str] = []
    poll = poller(function, shard, clock, on_done=done.append, batch_size=2,
                  batching_window=10.0, filters=(TIMELINE_PATTERN,))
    # WHEN a filtered record comes alone, then three entries (two batches)
    shard.write(stream_record(1, "MODIFY", entity="case"))
    poll.poll_once()
    shard.write(stream_record(2), stream_record(3), stream_record(4))
    poll.poll_once()
    # THEN the checkpoint moved past the filtered record, then past each full batch; the
    # record still waiting for its batch is not done
    assert done == ["1001", "1003"]
    poll.finish()
    assert done == ["1001", "1003", "1004"]


def test_the_poller_drops_filtered_records_and_builds_lambdas_event():
    # GIVEN the template's filter, and a shard with a case change between two timeline entries
    function, shard, clock = FakeFunction(), FakeShard(), FakeClock()
    events: list[dict] = []
    function.behave = lambda sequences: None
    original = function.invoke
    function.invoke = lambda event, request_id: (events.append(event),
                                                 original(event, request_id))[1]
    poll = poller(function, shard, clock, filters=(TIMELINE_PATTERN,))
    shard.write(stream_record(1), stream_record(2, "MODIFY", entity="case"), stream_record(3))

    # WHEN it polls
    poll.poll_once()

    # THEN one invocation, with the two timeline entries, shaped as Lambda's event
    assert function.batches == [["1001", "1003"]]
    assert poll.filtered_out == 1 and poll.delivered == 2
    DynamoDBStreamModel.model_validate(events[0])
    record = events[0]["Records"][0]
    assert (record["eventVersion"], record["awsRegion"], record["eventSourceARN"]) == \
        ("1.1", REGION, STREAM_ARN)


def test_the_batching_window_and_the_batch_size_decide_when_to_invoke():
    function, shard, clock = FakeFunction(), FakeShard(), FakeClock()
    poll = poller(function, shard, clock, batch_size=3, batching_window=1.0)

    # A record waits for the window...
    shard.write(stream_record(1))
    poll.poll_once()
    clock.now += 0.5
    shard.write(stream_record(2))
    poll.poll_once()
    assert function.batches == []
    # ... which closes one second after the first record arrived
    clock.now += 0.5
    poll.poll_once()
    assert function.batches == [seq(1, 2)]
    # A full batch goes at once, in batches of BatchSize, in order; the rest waits
    shard.write(*(stream_record(n) for n in range(3, 10)))
    poll.poll_once()
    assert function.batches[1:] == [seq(3, 4, 5), seq(6, 7, 8)]
    # At stop, what is left is delivered without waiting for the window
    poll.finish()
    assert function.batches[3:] == [seq(9)]


def test_a_poller_waits_for_the_batching_window_to_close_not_for_the_next_poll():
    clock = FakeClock()
    mapping = StreamMapping("F", "E", "T", batching_window=1.0)
    record = {"eventID": "1", "eventName": "INSERT", "dynamodb": {
        "Keys": {"PK": {"S": "a"}}, "NewImage": {"PK": {"S": "a"}}, "SequenceNumber": "1",
        "SizeBytes": 1, "StreamViewType": "NEW_AND_OLD_IMAGES"}}
    delivered = []
    processor = type("P", (), {"process": lambda self, batch: delivered.append(batch) or []})()
    poller = StreamPoller(mapping, _Shard([[record]]), processor, stream_arn="arn",
                          region=REGION, poll_interval=0.3, clock=clock)
    assert poller.idle_wait() == 0.3  # nothing gathered
    poller.poll_once()
    clock.now += 0.85
    assert poller.idle_wait() == pytest.approx(0.15)  # the window closes before the next poll
    clock.now += 0.15
    poller.poll_once()
    assert len(delivered) == 1 and poller.idle_wait() == 0.3


def test_the_poller_survives_a_failing_read_and_stops_promptly():
    function, shard = FakeFunction(), FakeShard()
    failures = [RuntimeError("connection refused")]

    def read(limit):
        if failures:
            raise failures.pop()
        return FakeShard.read(shard, limit)

    shard.read = read
    poll = poller(function, shard, time.monotonic)
    poll.poll_interval = 0.01
    shard.write(stream_record(1))
    poll.start()
    deadline = time.monotonic() + 5
    while not function.batches and time.monotonic() < deadline:
        time.sleep(0.05)
    started = time.monotonic()
    poll.stop(timeout=2)

    assert function.batches == [seq(1)]
    assert time.monotonic() - started < 1


def test_a_stop_does_not_sit_out_a_retry_delay_longer_than_its_timeout():
    signal = StopSignal()
    threading.Timer(0.05, lambda: signal.set(time.monotonic() + 0.2)).start()
    started = time.monotonic()

    assert signal.pause(30) is False
    assert time.monotonic() - started < 1
    # a delay that fits before the deadline is still waited
    signal.set(time.monotonic() + 5)
    assert signal.pause(0.05) is True
