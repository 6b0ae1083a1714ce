"""The local runtime under load (``make bench``; issue 11, item 16): submissions per second from
concurrent clients, their latency, and the runtime's memory, with few and with many cases in it.

The runtime runs as ``make run`` starts it (``python -m infra.local``, a process of its own, so
its memory is its own). The cases already in it are seeded quickly, straight into its state
directory before it starts: a real case is made first (through the API, with its confirmation
and notifications), then its partition is copied under new numbers and the case counter set past
them. The submissions measured go through the real HTTP API, each with the notifications it
causes running alongside, as in use.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import requests

from infra.local.template import ROOT

CLIENTS = int(os.environ.get("BENCH_LOAD_CLIENTS", "4"))
#: Seconds each load lasts (after one warm-up submission per client).
DURATION = float(os.environ.get("BENCH_LOAD_SECONDS", "20"))
#: The case counts the load is measured at: the cost of a write must not depend on it.
SIZES = tuple(int(n) for n in os.environ.get("BENCH_LOAD_SIZES", "10,10000").split(","))
START_TIMEOUT = 300

CASE = {"type": "signal", "category": "street_lighting", "language": "sr-Latn",
        "description": "Ne radi ulična rasveta u Ulici kralja Petra kod broja 12.",
        "location": {"lat": 44.018, "lon": 20.92, "address": "Kralja Petra 12"}}


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Runtime:
    """``python -m infra.local`` on free ports and ``state_dir``, its output in a file."""

    def __init__(self, state_dir: Path, root: Path = ROOT):
        self.http_port = _free_port()
        self.url = f"http://127.0.0.1:{self.http_port}"
        env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "CIVICDESK_"))}
        self._log = (state_dir.parent / f"{state_dir.name}.log").open("wb")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "infra.local", "--http-port", str(self.http_port),
             "--aws-port", "0", "--smtp-port", str(_free_port()), "--state-dir", str(state_dir)],
            cwd=root, env=env, stdout=self._log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"the runtime exited with {self.process.returncode}")
            try:
                if requests.get(f"{self.url}/_local/health", timeout=2).ok:
                    return
            except requests.RequestException:
                pass
            time.sleep(0.3)
        self.stop()
        raise RuntimeError(f"the runtime was not healthy within {START_TIMEOUT} s")

    def rss_mb(self) -> float:
        for line in Path(f"/proc/{self.process.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return round(int(line.split()[1]) / 1024, 1)
        return 0.0

    def stop(self) -> float:
        """Ctrl-C; seconds until it exited."""
        started = time.monotonic()
        self.process.send_signal(signal.SIGINT)
        try:
            self.process.wait(timeout=120)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self._log.close()
        return round(time.monotonic() - started, 2)


def submit(url: str, address: str) -> tuple[float, int]:
    started = time.perf_counter()
    answer = requests.post(f"{url}/v1/public/cases", timeout=300,
                           json={**CASE, "contact": {"name": "Bench", "email": address}})
    return time.perf_counter() - started, answer.status_code


def template_case(directory: Path, root: Path = ROOT) -> tuple[str, list[tuple[str, str]]]:
    """A real case made through the API, with everything its notifications wrote: its number
    and the ``(key, image)`` rows of its partition in the state database."""
    import sqlite3

    state = directory / "template"
    runtime = Runtime(state, root)
    try:
        seconds, status = submit(runtime.url, "template@example.rs")
        if status != 201:
            raise RuntimeError(f"the template case was answered {status}")
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and not any(
                "template@example.rs" in entry["to"]
                for entry in requests.get(f"{runtime.url}/_local/outbox", timeout=10).json()):
            time.sleep(0.3)
        time.sleep(2)  # the department's mail and the delivery reports
    finally:
        runtime.stop()
    year = datetime.now(ZoneInfo("Europe/Belgrade")).year
    number = f"{year}-000001"
    with sqlite3.connect(state / "state.sqlite3") as db:
        rows = db.execute("SELECT key, image FROM items WHERE tbl = 'CasesTable' AND key LIKE ?",
                          (f'%"CASE#{number}"%',)).fetchall()
    return number, rows


def seed(state: Path, cases: int, number: str, rows: list[tuple[str, str]]) -> None:
    """``cases`` copies of the template case under their own numbers, and the year's counter
    past them, written into a new state directory (``infra.local.store``)."""
    from infra.local.store import DurableStore, ItemChange, item_key

    year = number.split("-")[0]
    store = DurableStore(state)
    try:
        batch: list = []
        for serial in range(1, cases + 1):
            other = f"{year}-{serial:06d}"
            for key, image in rows:
                batch.append(ItemChange("CasesTable", key.replace(number, other),
                                        json.loads(image.replace(number, other))))
            if len(batch) >= 5000:
                store.apply(batch)
                batch = []
        counter = {"PK": {"S": f"COUNTER#case#{year}"}, "SK": {"S": "#COUNTER"},
                   "value": {"N": str(cases)}}
        batch.append(ItemChange("CasesTable", item_key(counter, ("PK", "SK")), counter))
        store.apply(batch)
    finally:
        store.close()


def load(url: str, label: str) -> dict:
    """``CLIENTS`` clients submitting cases for ``DURATION`` seconds."""
    latencies: list[float] = []
    statuses: dict[int, int] = {}
    lock = threading.Lock()
    deadline = time.monotonic() + DURATION

    def client(index: int) -> None:
        submit(url, f"warm{label}{index}@example.rs")
        count = 0
        while time.monotonic() < deadline:
            seconds, status = submit(url, f"load{label}.{index}.{count}@example.rs")
            count += 1
            with lock:
                latencies.append(seconds)
                statuses[status] = statuses.get(status, 0) + 1

    started = time.monotonic()
    threads = [threading.Thread(target=client, args=(i,)) for i in range(CLIENTS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.monotonic() - started
    latencies.sort()
    return {"submissions": len(latencies), "statuses": statuses,
            "per_second": round(statuses.get(201, 0) / elapsed, 2),
            "p50_seconds": round(statistics.median(latencies), 3) if latencies else None,
            "p95_seconds": round(latencies[max(0, int(len(latencies) * 0.95) - 1)], 3)
            if latencies else None}


def local_load() -> dict:
    figures: dict = {"local_load_clients": CLIENTS, "local_load_seconds": DURATION}
    with tempfile.TemporaryDirectory() as tmp:
        directory = Path(tmp)
        number, rows = template_case(directory)
        figures["local_load_items_per_case"] = len(rows)
        for size in SIZES:
            state = directory / f"cases-{size}"
            started = time.monotonic()
            seed(state, size, number, rows)
            seeded = time.monotonic() - started
            started = time.monotonic()
            runtime = Runtime(state)
            try:
                start_seconds = time.monotonic() - started
                rss_start = runtime.rss_mb()
                result = load(runtime.url, str(size))
                time.sleep(3)  # the notifications of the last submissions
                rss_end = runtime.rss_mb()
            finally:
                exit_seconds = runtime.stop()
            figures[f"local_load_{size}"] = {
                **result, "seed_seconds": round(seeded, 2),
                "start_seconds": round(start_seconds, 2), "rss_mb_start": rss_start,
                "rss_mb_end": rss_end, "exit_seconds": exit_seconds}
    big = figures[f"local_load_{max(SIZES)}"]
    figures["local_submissions_per_second"] = big["per_second"]
    figures["local_submission_p95_seconds"] = big["p95_seconds"]
    figures["local_rss_mb"] = big["rss_mb_end"]
    figures["local_load_cases"] = max(SIZES)
    return figures


def describe(figures: dict) -> list[str]:
    lines = []
    for size in SIZES:
        f = figures[f"local_load_{size}"]
        lines.append(
            f"  local load, {size} cases: {f['per_second']} submissions/s from "
            f"{figures['local_load_clients']} clients over {figures['local_load_seconds']:g} s, "
            f"p50 {f['p50_seconds']} s, p95 {f['p95_seconds']} s; RSS {f['rss_mb_start']} -> "
            f"{f['rss_mb_end']} MB; start {f['start_seconds']} s, exit {f['exit_seconds']} s "
            f"(statuses {f['statuses']})")
    return lines


def main() -> int:
    figures = local_load()
    print("\n".join(describe(figures)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
