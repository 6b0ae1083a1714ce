"""Replaying the incoming mail events that failed every retry (the ingest dead-letter queue).

Lambda's on-failure destination puts one message per failed invocation on the queue, with the
original SES event as ``requestPayload``. The raw mail itself is still in the mail bucket, so a
replay processes the message exactly as the first attempt would have (and exactly once: a
message that did get through is recognised by its marker). Used by
``python -m civicdesk.cli.redrive`` in AWS and by the local runtime (``infra.local.redrive``).
"""

from __future__ import annotations

import json
from typing import Callable, Protocol

from msgspec import Struct


class RedriveReport(Struct):
    replayed: int = 0
    failed: int = 0
    skipped: int = 0


class DeadLetter(Struct, frozen=True):
    """One message of the queue; ``receipt`` is what deleting it takes."""

    message_id: str
    body: str
    receipt: str


class DeadLetterQueue(Protocol):
    """An on-failure queue (``civicdesk.adapters.sqs_redrive``)."""

    def receive(self) -> list[DeadLetter]:
        """The next few messages, hidden from other readers while they are replayed; none when
        the queue is empty."""

    def delete(self, letter: DeadLetter) -> None: ...


def failed_event(body: str) -> dict | None:
    """The original event inside an on-failure destination record (or a plain event)."""
    try:
        record = json.loads(body)
    except ValueError:
        return None
    if isinstance(record, dict) and isinstance(record.get("requestPayload"), dict):
        return record["requestPayload"]
    if isinstance(record, dict) and "Records" in record:
        return record
    return None


def redrive(queue: DeadLetterQueue, invoke: Callable[[dict], None], *,
            max_messages: int = 1000, dry_run: bool = False,
            log: Callable[[str], None] = print) -> RedriveReport:
    """Hand every failed event on ``queue`` to ``invoke``; delete it when that succeeds."""
    report = RedriveReport()
    while report.replayed + report.failed + report.skipped < max_messages:
        letters = queue.receive()
        if not letters:
            break
        for letter in letters:
            event = failed_event(letter.body)
            if event is None:
                report.skipped += 1
                log(f"skipped {letter.message_id}: not a failed event")
                continue
            ids = [r.get("ses", {}).get("mail", {}).get("messageId")
                   for r in event.get("Records", [])]
            if dry_run:
                report.skipped += 1
                log(f"would replay {', '.join(filter(None, ids))}")
                continue
            try:
                invoke(event)
            except Exception as error:  # keep it on the queue; report and go on
                report.failed += 1
                log(f"failed {', '.join(filter(None, ids))}: {error}")
                continue
            queue.delete(letter)
            report.replayed += 1
            log(f"replayed {', '.join(filter(None, ids))}")
    return report
