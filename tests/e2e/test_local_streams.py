"""The cases table's stream on the local runtime, end to end: a case opened through the public
API becomes a timeline insert, the runtime's event source mapping invokes
``PublishEventsFunction`` with it, and the domain event reaches a subscriber of the events topic
(an SQS queue, as an outside system would subscribe), once; how fast is a figure of `make bench`
(``local_notify_latency``), not an assertion. After a restart, the restored items are not
published again.

Depends on nothing but this machine: the runtime in this process, free ports on 127.0.0.1, a
temporary state directory.
"""

from __future__ import annotations

import json
import time

import boto3
import pytest
import requests

from infra.local.runtime import LocalRuntime

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("local_streams")]

CASE = {
    "type": "signal", "category": "street_lighting", "language": "sr-Latn",
    "description": "Ne radi ulična rasveta u Ulici kralja Petra kod broja 12.",
    "location": {"lat": 44.0195, "lon": 20.918, "address": "Kralja Petra 12"},
    "contact": {"name": "Ana Jovanović", "email": "ana.jovanovic@example.rs"},
}


def client(runtime: LocalRuntime, service: str):
    return boto3.client(service, region_name="eu-central-1", endpoint_url=runtime.aws_url,
                        aws_access_key_id="testing", aws_secret_access_key="testing")


def subscribe(runtime: LocalRuntime) -> str:
    """A queue subscribed to the events topic (raw delivery); its URL."""
    sqs = client(runtime, "sqs")
    url = sqs.create_queue(QueueName="dashboard")["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url,
                                   AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    client(runtime, "sns").subscribe(TopicArn=runtime.resources.topics["EventsTopic"],
                                     Protocol="sqs", Endpoint=arn,
                                     Attributes={"RawMessageDelivery": "true"})
    return url


def events_within(runtime: LocalRuntime, queue_url: str, seconds: float,
                  until=lambda events: False) -> list[dict]:
    """The events the queue receives within ``seconds`` (or until ``until(events)``)."""
    sqs = client(runtime, "sqs")
    events: list[dict] = []
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and not until(events):
        answer = sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10,
                                     WaitTimeSeconds=0)
        for message in answer.get("Messages", []):
            events.append(json.loads(message["Body"]))
            sqs.delete_message(QueueUrl=queue_url, ReceiptHandle=message["ReceiptHandle"])
        time.sleep(0.05)
    return events


def open_case(runtime: LocalRuntime) -> str:
    created = requests.post(f"{runtime.http_url}/v1/public/cases", json=CASE, timeout=10)
    assert created.status_code == 201, created.text
    return created.json()["number"]


def opened(number: str):
    return lambda events: any(e["type"] == "case.opened" and e["case"]["number"] == number
                              for e in events)


def test_a_new_case_is_published_once_and_not_again_after_a_restart(tmp_path):
    state_dir = tmp_path / "state"
    # GIVEN the runtime, and an outside system subscribed to the events topic
    with LocalRuntime(http_port=0, aws_port=0, smtp_port=0, state_dir=state_dir) as runtime:
        queue = subscribe(runtime)

        # WHEN a citizen opens a case
        number = open_case(runtime)
        events = events_within(runtime, queue, 5, until=opened(number))

        # THEN its case.opened event arrives, once (how fast: `make bench`, local_notify_latency)
        assert opened(number)(events), events
        [event] = [e for e in events if e["type"] == "case.opened"]
        assert event["id"].startswith(f"{number}/")
        assert event["case"]["category"] == "street_lighting"

    # WHEN the runtime starts again on the same state (every item restored into a new table)
    with LocalRuntime(http_port=0, aws_port=0, smtp_port=0, state_dir=state_dir) as runtime:
        assert runtime.restored.items > 0
        queue = subscribe(runtime)
        # THEN nothing restored is published again (well past the batching window)...
        assert events_within(runtime, queue, 2.0) == []
        # ... and a new change still is
        second = open_case(runtime)
        events = events_within(runtime, queue, 5, until=opened(second))
        assert [e["case"]["number"] for e in events if e["type"] == "case.opened"] == [second]
