"""Replay the ingest dead-letter queue of a running local runtime.

Incoming mail whose processing failed every retry ends on the on-failure queue of the function
(``IngestDeadLetterQueue``), with its SES event; the raw mail is still in the mail bucket. Once
the cause is fixed (and the runtime restarted with the fix), replay it::

    python -m infra.local.redrive                  # the runtime on CIVICDESK_HTTP_PORT or 8000
    python -m infra.local.redrive --url http://127.0.0.1:8123 --dry-run

which asks the runtime (``POST /_local/redrive``) to hand every queued event to the function's
handler in its process, with ``civicdesk.services.redrive.redrive``, the same code the AWS
command uses.
An event is deleted from the queue only once the handler returned; one that fails again stays
on the queue, visible again at once for the next replay (as are the ones a ``--dry-run`` lists).
The queue lives in moto's memory: it does not survive a restart of the runtime (the raw mails
do, in the mail bucket).

In AWS the same is done with the stack's outputs::

    python -m civicdesk.cli.redrive --queue-url <IngestDeadLetterQueueUrl> \\
        --function-name <IngestEmailFunctionName> [--max N] [--dry-run]
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
import urllib.error
import urllib.parse
import urllib.request
from typing import Any, Iterable

log = logging.getLogger("civicdesk.local")


class _ReceiptTracker:
    """The SQS client, noting which received messages were not deleted, so that ``release``
    makes them visible again once the replay is over (not during it: ``redrive`` would then
    receive a failing message over and over)."""

    def __init__(self, client: Any):
        self._client = client
        self.kept: dict[str, str] = {}  # receipt handle -> queue URL

    def receive_message(self, **kwargs: Any) -> dict:
        answer = self._client.receive_message(**kwargs)
        for message in answer.get("Messages", []):
            self.kept[message["ReceiptHandle"]] = kwargs["QueueUrl"]
        return answer

    def delete_message(self, **kwargs: Any) -> Any:
        answer = self._client.delete_message(**kwargs)
        self.kept.pop(kwargs["ReceiptHandle"], None)
        return answer

    def release(self) -> None:
        for handle, queue_url in self.kept.items():
            try:
                self._client.change_message_visibility(QueueUrl=queue_url, ReceiptHandle=handle,
                                                       VisibilityTimeout=0)
            except Exception:  # noqa: BLE001 - it becomes visible after its timeout anyway
                log.warning("redrive: message %s stays invisible until its timeout", handle[:20])
        self.kept.clear()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._client, name)


def replay(sqs_client: Any, targets: Iterable[tuple[Any, str]], *, max_messages: int = 1000,
           dry_run: bool = False) -> dict:
    """Replay each ``(function, queue_url)``'s queue into ``function.invoke`` (synchronously,
    in this process); returns ``{"replayed", "failed", "skipped"}`` over all queues. Messages
    that failed or were skipped are visible again afterwards."""
    from civicdesk.adapters.sqs_redrive import SqsDeadLetterQueue
    from civicdesk.services.redrive import redrive

    total = {"replayed": 0, "failed": 0, "skipped": 0}
    tracker = _ReceiptTracker(sqs_client)
    try:
        for function, queue_url in targets:
            name = getattr(getattr(function, "spec", None), "logical_id", "function")

            def invoke(event: dict, function: Any = function) -> None:
                function.invoke(event)

            report = redrive(SqsDeadLetterQueue(tracker, queue_url), invoke, dry_run=dry_run,
                             max_messages=max(0, max_messages - sum(total.values())),
                             log=lambda line, name=name: log.info("redrive %s: %s", name, line))
            total["replayed"] += report.replayed
            total["failed"] += report.failed
            total["skipped"] += report.skipped
    finally:
        tracker.release()
    return total


def main(argv: list[str] | None = None) -> int:
    default_url = f"http://127.0.0.1:{os.environ.get('CIVICDESK_HTTP_PORT', '8000')}"
    parser = argparse.ArgumentParser(
        prog="python -m infra.local.redrive", formatter_class=argparse.RawDescriptionHelpFormatter,
        description="Replay failed incoming mail events of a running local runtime.",
        epilog="In AWS: python -m civicdesk.cli.redrive --queue-url <IngestDeadLetterQueueUrl> "
               "--function-name <IngestEmailFunctionName> (the stack's outputs).")
    parser.add_argument("--url", default=default_url,
                        help="the local runtime (default %(default)s)")
    parser.add_argument("--max", type=int, default=1000, help="at most this many messages")
    parser.add_argument("--dry-run", action="store_true", help="list, replay nothing")
    args = parser.parse_args(argv)
    query = urllib.parse.urlencode({"max": args.max, **({"dry_run": "1"} if args.dry_run else {})})
    request = urllib.request.Request(f"{args.url.rstrip('/')}/_local/redrive?{query}",
                                     data=b"", method="POST")
    direct = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        with direct.open(request, timeout=600) as answer:
            report = json.loads(answer.read())
    except urllib.error.HTTPError as error:
        print(f"the local runtime answered {error.code}: "
              f"{error.read().decode('utf-8', 'replace')}", file=sys.stderr)
        return 2
    except (urllib.error.URLError, OSError, ValueError) as error:
        print(f"cannot reach the local runtime at {args.url}: {error}\n"
              f"Is `make run` running? (--url to point elsewhere)", file=sys.stderr)
        return 2
    print(f"replayed {report['replayed']}, failed {report['failed']}, "
          f"skipped {report['skipped']}")
    return 1 if report["failed"] else 0


if __name__ == "__main__":
    sys.exit(main())
