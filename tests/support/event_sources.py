"""Helpers shared by the unit tests of the local runtime's event sources
(``infra.local.event_sources``): stream records as a function receives them, the template's
timeline mapping, a function that fails on cue, and waiting for moto.
"""

from __future__ import annotations

import time

from infra.local.template import EventSourceSpec, Template

REGION = "eu-central-1"
STREAM_ARN = "arn:aws:dynamodb:eu-central-1:123456789012:table/cases/stream/2026-11-21T00:00:00"
#: The pattern of PublishEventsFunction.TimelineInserts in template.yaml.
TIMELINE_PATTERN = {"eventName": ["INSERT"],
                    "dynamodb": {"NewImage": {"entity": {"S": ["event"]}}}}


def template_mapping() -> EventSourceSpec:
    """``PublishEventsFunction.TimelineInserts`` as template.yaml declares it."""
    [spec] = [s for s in Template().event_sources()
              if (s.function, s.event) == ("PublishEventsFunction", "TimelineInserts")]
    return spec


def stream_record(sequence: int, event_name: str = "INSERT", entity: str = "event",
                  created: float | None = None, **new_image: dict) -> dict:
    """A record as the function receives it (``lambda_stream_record``'s output)."""
    image = {"PK": {"S": "CASE#2026-000001"}, "SK": {"S": f"EVENT#{sequence:05d}"},
             "entity": {"S": entity}, **new_image}
    dynamodb = {"ApproximateCreationDateTime": int(created if created is not None
                                                   else time.time()),
                "Keys": {"PK": image["PK"], "SK": image["SK"]}, "NewImage": image,
                "SequenceNumber": str(1000 + sequence), "SizeBytes": 100,
                "StreamViewType": "NEW_AND_OLD_IMAGES"}
    if event_name == "MODIFY":
        dynamodb["OldImage"] = dict(image)
    return {"eventID": f"e{sequence}", "eventName": event_name, "eventVersion": "1.1",
            "eventSource": "aws:dynamodb", "awsRegion": REGION, "dynamodb": dynamodb,
            "eventSourceARN": STREAM_ARN}


class FakeFunction:
    """Records each batch it gets (as sequence numbers); ``behave(sequences)`` decides: return
    a response, or raise."""

    def __init__(self, behave=lambda sequences: None):
        self.behave = behave
        self.batches: list[list[str]] = []
        self.request_ids: list[str] = []

    def invoke(self, event: dict, request_id: str):
        sequences = [r["dynamodb"]["SequenceNumber"] for r in event["Records"]]
        self.batches.append(sequences)
        self.request_ids.append(request_id)
        return self.behave(sequences)


def seq(*numbers: int) -> list[str]:
    return [str(1000 + n) for n in numbers]


def until(condition, seconds: float = 5.0) -> bool:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() >= deadline:
            return False
        time.sleep(0.02)
    return True


def until_found(find, seconds: float = 5.0):
    deadline = time.monotonic() + seconds
    while not (found := find()) and time.monotonic() < deadline:
        time.sleep(0.02)
    return found


def bodies(client, url: str) -> list[str]:
    answer = client.receive_message(QueueUrl=url, MaxNumberOfMessages=10, VisibilityTimeout=30)
    return sorted(m["Body"] for m in answer.get("Messages", []))
