"""The events topic: domain events as SNS messages with filterable attributes."""

from __future__ import annotations

import json
from typing import Any, Callable

from ..domain.events import DomainEvent


class SnsEventBus:
    def __init__(self, client_factory: Callable[[], Any], topic_arn: str):
        self._client_factory = client_factory
        self._topic_arn = topic_arn

    def publish(self, event: DomainEvent) -> str:
        answer = self._client_factory().publish(
            TopicArn=self._topic_arn,
            Message=json.dumps(event.body(), ensure_ascii=False, separators=(",", ":")),
            MessageAttributes={name: {"DataType": "String", "StringValue": value}
                               for name, value in event.attributes().items() if value})
        return answer["MessageId"]
