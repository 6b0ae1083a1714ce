"""``python -m infra.local`` (``make run``): CivicDesk on 127.0.0.1 until Ctrl-C.

Ports and the state directory come from the options, else from ``CIVICDESK_HTTP_PORT``,
``CIVICDESK_AWS_PORT``, ``CIVICDESK_SMTP_PORT`` and ``CIVICDESK_STATE_DIR``, else the defaults. It always listens on
127.0.0.1 only: the runtime has no authentication worth the name (moto takes any credentials, and
the demo staff's passwords are printed at start) and must not be reachable from the network.
"""

from __future__ import annotations

import argparse
import logging
import os
import signal
import sys
import threading
import traceback

from infra.local.aws import StartupError
from infra.local.runtime import DEFAULT_AWS_PORT, DEFAULT_HTTP_PORT, DEFAULT_SMTP_PORT, DEFAULT_STATE_DIR, LocalRuntime
from infra.local.state import StateError


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    env = os.environ
    parser = argparse.ArgumentParser(prog="python -m infra.local",
                                     description=__doc__.splitlines()[0])
    parser.add_argument("--http-port", type=int,
                        default=int(env.get("CIVICDESK_HTTP_PORT", DEFAULT_HTTP_PORT)),
                        help="portal and API port (0: any free port; default %(default)s)")
    parser.add_argument("--aws-port", type=int,
                        default=int(env.get("CIVICDESK_AWS_PORT", DEFAULT_AWS_PORT)),
                        help="moto's port (0 or taken: any free port; default %(default)s)")
    parser.add_argument("--smtp-port", type=int,
                        default=int(env.get("CIVICDESK_SMTP_PORT", DEFAULT_SMTP_PORT)),
                        help="incoming mail (SMTP) port (0 or taken: any free port; "
                             "default %(default)s)")
    parser.add_argument("--state-dir",
                        default=env.get("CIVICDESK_STATE_DIR", str(DEFAULT_STATE_DIR)),
                        help="where data, mail and snapshots are kept (default %(default)s)")
    parser.add_argument("--no-schedules", action="store_true",
                        help="run the scheduled jobs on demand only (POST /_local/schedules/"
                             "<name>), never on their schedules: the end-to-end tests")
    return parser.parse_args(argv)


def configure_logging() -> None:
    # Warnings from libraries (botocore, moto's werkzeug would log every SDK call at INFO);
    # the runtime's own lines (one per HTTP request) at INFO. The functions' Powertools loggers
    # have their own handlers and print JSON, as they do in CloudWatch.
    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(message)s",
                        datefmt="%H:%M:%S")
    logging.getLogger("civicdesk.local").setLevel(logging.INFO)
    # werkzeug raises its own logger to INFO unless a level is set, and records reach the root
    # handler whatever the root's level.
    logging.getLogger("werkzeug").setLevel(logging.WARNING)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    configure_logging()
    stopping = threading.Event()

    def request_stop(signum: int, _frame: object) -> None:
        if stopping.is_set():
            print("\nStopping without the final snapshot.", file=sys.stderr, flush=True)
            os._exit(128 + signum)
        print("\nStopping (Ctrl-C again to force)...", file=sys.stderr, flush=True)
        stopping.set()

    signal.signal(signal.SIGINT, request_stop)
    signal.signal(signal.SIGTERM, request_stop)

    runtime = LocalRuntime(http_port=args.http_port, aws_port=args.aws_port,
                           smtp_port=args.smtp_port, state_dir=args.state_dir,
                           run_schedules=not args.no_schedules)
    try:
        runtime.start()
    except (StartupError, StateError) as error:
        # Expected problems (a port taken, a bad snapshot): one clear line, no traceback.
        print(f"civicdesk: cannot start: {error}", file=sys.stderr, flush=True)
        return 1
    except Exception:  # noqa: BLE001 - a bug, in the code or the configuration: show where
        traceback.print_exc()
        print("civicdesk: cannot start (see the error above)", file=sys.stderr, flush=True)
        return 1
    print(runtime.summary(), flush=True)
    while not stopping.wait(0.5):
        pass
    runtime.stop()
    print("Stopped; state saved in", runtime.state_dir, flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
