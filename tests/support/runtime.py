"""The local runtime for the end-to-end tests: ``python -m infra.local`` (what ``make run``
starts) as a subprocess on free ports, or :class:`~infra.local.runtime.LocalRuntime` in this
process, likewise on free ports."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TypeVar

import boto3
import pytest
import requests

from infra.local.runtime import LocalRuntime
from infra.local.template import ROOT

START_TIMEOUT = 60
STOP_TIMEOUT = 15
#: How long :meth:`RuntimeProcess.wait_for` waits by default for what the runtime does in the
#: background (a mail in the outbox, a case from a mail).
PROCESS_TIMEOUT = 15

T = TypeVar("T")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class RuntimeProcess:
    """The runtime on free HTTP, AWS and SMTP ports, its output in a file for diagnosis."""

    def __init__(self, state_dir: Path, log_path: Path):
        self.http_port, self.aws_port, self.smtp_port = free_port(), free_port(), free_port()
        self.url = f"http://127.0.0.1:{self.http_port}"
        self.state_dir = Path(state_dir)
        self.log_path = log_path
        env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "CIVICDESK_"))}
        self._log = log_path.open("wb")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "infra.local", "--http-port", str(self.http_port),
             "--aws-port", str(self.aws_port), "--smtp-port", str(self.smtp_port),
             "--state-dir", str(state_dir), "--no-schedules"],
            cwd=ROOT, env=env, stdout=self._log, stderr=subprocess.STDOUT)

    def output(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    def wait_until_healthy(self) -> RuntimeProcess:
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                pytest.fail(f"the runtime exited with {self.process.returncode}:\n{self.output()}")
            try:
                if requests.get(f"{self.url}/_local/health", timeout=1).json() == {"ok": True}:
                    return self
            except requests.RequestException:
                pass
            time.sleep(0.2)
        pytest.fail(f"the runtime was not healthy within {START_TIMEOUT} s:\n{self.output()}")

    def settings(self) -> dict:
        """``local.json``: what the runtime wrote for consoles and commands (its Cognito pool,
        the demo users with their passwords, its addresses)."""
        return json.loads((self.state_dir / "local.json").read_text(encoding="utf-8"))

    def id_token(self, user: dict) -> str:
        """The ID token of ``user`` (an entry of ``settings()["users"]``) from the runtime's
        Cognito pool, as a console signs in."""
        pool = self.settings()["cognito"]
        cognito = boto3.client("cognito-idp", region_name=pool["region"], endpoint_url=pool["endpoint"],
                               aws_access_key_id="testing", aws_secret_access_key="testing")
        answer = cognito.initiate_auth(ClientId=pool["client_id"], AuthFlow="USER_PASSWORD_AUTH",
                                       AuthParameters={"USERNAME": user["username"],
                                                       "PASSWORD": user["password"]})
        return answer["AuthenticationResult"]["IdToken"]

    def outbox(self) -> list[dict]:
        """``/_local/outbox``: every mail and SMS the runtime captured, oldest first."""
        return requests.get(f"{self.url}/_local/outbox", timeout=10).json()

    def wait_for(self, condition: Callable[[], T], what: str, timeout: float = PROCESS_TIMEOUT) -> T:
        """``condition()`` until it is truthy; its answer. Fails with the runtime's output when
        ``timeout`` seconds pass first, saying there is no ``what``."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            value = condition()
            if value:
                return value
            time.sleep(0.2)
        pytest.fail(f"no {what} within {timeout} s:\n{self.output()[-5000:]}")

    def interrupt(self) -> int:
        """Ctrl-C, and the exit code (fails if it does not stop in time)."""
        self.process.send_signal(signal.SIGINT)
        try:
            return self.process.wait(timeout=STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            pytest.fail(f"the runtime did not stop within {STOP_TIMEOUT} s:\n{self.output()}")

    def kill(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=STOP_TIMEOUT)
        self._log.close()


@contextmanager
def running(directory: Path, kind: type[RuntimeProcess] = RuntimeProcess) -> Iterator[RuntimeProcess]:
    """The runtime as a process on ``directory / "state"``, healthy, until the block ends.

    Parameters
    ----------
    directory
        Where its state directory and its log (``runtime.log``) go.
    kind
        :class:`RuntimeProcess` or a subclass with what a test module does with it.

    Yields
    ------
    RuntimeProcess
        The runtime; it is killed when the block ends.
    """
    process = kind(directory / "state", directory / "runtime.log")
    try:
        yield process.wait_until_healthy()
    finally:
        process.kill()


@contextmanager
def restartable(directory: Path, kind: type[RuntimeProcess] = RuntimeProcess,
                ) -> Iterator[Callable[[], RuntimeProcess]]:
    """``start()``: the runtime as a process on ``directory / "state"``, healthy, as often as a
    test asks (after a stop, on the same state), each start with its own log.

    Parameters
    ----------
    directory
        Where the state directory and the logs (``runtime-0.log``, ...) go.
    kind
        :class:`RuntimeProcess` or a subclass.

    Yields
    ------
    callable
        ``start``; every runtime it started is killed when the block ends.
    """
    started: list[RuntimeProcess] = []

    def start() -> RuntimeProcess:
        runtime = kind(directory / "state", directory / f"runtime-{len(started)}.log")
        started.append(runtime)
        return runtime.wait_until_healthy()

    try:
        yield start
    finally:
        for runtime in started:
            runtime.kill()


def in_process(directory: Path) -> LocalRuntime:
    """The runtime in this process on free ports with its state in ``directory / "state"``;
    use it as a context manager (which starts and stops it). Its scheduled jobs run on demand
    only: a service-level run on the clock would add entries and mails to a test's cases."""
    return LocalRuntime(http_port=0, aws_port=0, smtp_port=0, state_dir=directory / "state",
                        run_schedules=False)
