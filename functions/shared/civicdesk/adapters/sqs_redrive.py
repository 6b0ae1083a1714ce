"""The ingest dead-letter queue on SQS and the asynchronous invocation that replays its events
(``DeadLetterQueue`` and the ``invoke`` of ``civicdesk.services.redrive``)."""

from __future__ import annotations

import json
from typing import Any

from ..services.redrive import DeadLetter


class SqsDeadLetterQueue:
    """One SQS queue: messages are received ten at a time and hidden for a minute, which is
    time enough to hand each to its function."""

    def __init__(self, client: Any, queue_url: str):
        self._client = client
        self._queue_url = queue_url

    def receive(self) -> list[DeadLetter]:
        batch = self._client.receive_message(QueueUrl=self._queue_url, MaxNumberOfMessages=10,
                                             WaitTimeSeconds=1, VisibilityTimeout=60)
        return [DeadLetter(message["MessageId"], message["Body"], message["ReceiptHandle"])
                for message in batch.get("Messages", [])]

    def delete(self, letter: DeadLetter) -> None:
        self._client.delete_message(QueueUrl=self._queue_url, ReceiptHandle=letter.receipt)


class LambdaEventInvoker:
    """Invoke a function asynchronously (``InvocationType=Event``) with an event: accepted, it
    goes through the function's own retries and on-failure queue again."""

    def __init__(self, client: Any, function_name: str):
        self._client = client
        self._function_name = function_name

    def __call__(self, event: dict) -> None:
        response = self._client.invoke(FunctionName=self._function_name, InvocationType="Event",
                                       Payload=json.dumps(event).encode("utf-8"))
        if response.get("StatusCode") != 202:
            raise RuntimeError(f"invoke answered {response.get('StatusCode')}")
