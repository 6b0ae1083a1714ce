"""``python -m infra.local`` (what ``make run`` starts) as a subprocess on free ports, for the
end-to-end tests."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

from infra.local.template import ROOT

START_TIMEOUT = 60
STOP_TIMEOUT = 15


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
             "--state-dir", str(state_dir)],
            cwd=ROOT, env=env, stdout=self._log, stderr=subprocess.STDOUT)

    def output(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    def wait_until_healthy(self):
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
