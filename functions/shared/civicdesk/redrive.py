"""Replay incoming mail events that failed every retry (the ingest dead-letter queue).

Lambda's on-failure destination puts one message per failed invocation on the queue, with the
original SES event as ``requestPayload``. The raw mail itself is still in the mail bucket, so a
replay processes the message exactly as the first attempt would have (and exactly once: a
message that did get through is recognised by its marker).

Usage (AWS)::

    python -m civicdesk.redrive --queue-url URL --function-name NAME [--max N] [--dry-run]

Each message is re-invoked asynchronously (``InvocationType=Event``) and deleted from the queue
only once the invocation was accepted; a message that fails again comes back through the same
retries and the same queue.
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import dataclass
from typing import Callable


@dataclass
class RedriveReport:
    replayed: int = 0
    failed: int = 0
    skipped: int = 0


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


def redrive(sqs_client, queue_url: str, invoke: Callable[[dict], None], *,
            max_messages: int = 1000, dry_run: bool = False,
            log: Callable[[str], None] = print) -> RedriveReport:
    """Hand every failed event on ``queue_url`` to ``invoke``; delete it when that succeeds."""
    report = RedriveReport()
    while report.replayed + report.failed + report.skipped < max_messages:
        batch = sqs_client.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10,
                                           WaitTimeSeconds=1, VisibilityTimeout=60)
        messages = batch.get("Messages", [])
        if not messages:
            break
        for message in messages:
            event = failed_event(message["Body"])
            if event is None:
                report.skipped += 1
                log(f"skipped {message['MessageId']}: not a failed event")
                continue
            ids = [r.get("ses", {}).get("mail", {}).get("messageId") for r in event.get("Records", [])]
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
            sqs_client.delete_message(QueueUrl=queue_url, ReceiptHandle=message["ReceiptHandle"])
            report.replayed += 1
            log(f"replayed {', '.join(filter(None, ids))}")
    return report


def lambda_invoker(lambda_client, function_name: str) -> Callable[[dict], None]:
    def invoke(event: dict) -> None:
        response = lambda_client.invoke(FunctionName=function_name, InvocationType="Event",
                                        Payload=json.dumps(event).encode("utf-8"))
        if response.get("StatusCode") != 202:
            raise RuntimeError(f"invoke answered {response.get('StatusCode')}")

    return invoke


def main(argv: list[str] | None = None) -> int:
    import boto3

    parser = argparse.ArgumentParser(description="Replay failed incoming mail events.")
    parser.add_argument("--queue-url", required=True)
    parser.add_argument("--function-name", required=True)
    parser.add_argument("--max", type=int, default=1000)
    parser.add_argument("--dry-run", action="store_true")
    args = parser.parse_args(argv)
    report = redrive(boto3.client("sqs"), args.queue_url,
                     lambda_invoker(boto3.client("lambda"), args.function_name),
                     max_messages=args.max, dry_run=args.dry_run)
    print(f"replayed {report.replayed}, failed {report.failed}, skipped {report.skipped}")
    return 1 if report.failed else 0


if __name__ == "__main__":
    sys.exit(main())
