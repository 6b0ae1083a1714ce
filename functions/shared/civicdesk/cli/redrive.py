"""Replay incoming mail events that failed every retry (the ingest dead-letter queue).

Usage (AWS)::

    python -m civicdesk.cli.redrive --queue-url URL --function-name NAME [--max N] [--dry-run]

Each message is re-invoked asynchronously (``InvocationType=Event``) and deleted from the queue
only once the invocation was accepted; a message that fails again comes back through the same
retries and the same queue. What a replay does is ``civicdesk.services.redrive``.
"""

from __future__ import annotations

import argparse
import sys

from .. import wiring
from ..services.redrive import redrive


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m civicdesk.cli.redrive",
                                     description="Replay failed incoming mail events.")
    parser.add_argument("--queue-url", required=True)
    parser.add_argument("--function-name", required=True)
    parser.add_argument("--max", type=int, default=1000)
    parser.add_argument("--dry-run", action="store_true")
    args = parser.parse_args(argv)
    report = redrive(wiring.dead_letter_queue(args.queue_url),
                     wiring.event_invoker(args.function_name),
                     max_messages=args.max, dry_run=args.dry_run)
    print(f"replayed {report.replayed}, failed {report.failed}, skipped {report.skipped}")
    return 1 if report.failed else 0


if __name__ == "__main__":
    sys.exit(main())
