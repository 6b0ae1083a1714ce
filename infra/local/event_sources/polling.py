"""What every poller shares: a thread that polls until stopped (``Worker``) and the stop signal
its retries wait on (``StopSignal``).
"""

from __future__ import annotations

import logging
import threading
import time
from abc import ABC, abstractmethod

log = logging.getLogger("civicdesk.local")

#: Seconds between two reads of an idle shard (and of a queue within a batching window). A
#: change reaches its function within this plus the mapping's batching window.
POLL_INTERVAL = 0.1
#: How long ``stop`` lets the pollers deliver what was written before it.
DEFAULT_STOP_TIMEOUT = 5.0


class StopSignal:
    """Shared by a poller and its batch processor: set by ``stop``, with the time by which
    the thread must be done. Retries wait on it, so a stop does not sit out a retry delay."""

    def __init__(self) -> None:
        self._event = threading.Event()
        self.deadline: float | None = None

    def set(self, deadline: float) -> None:
        self.deadline = deadline
        self._event.set()

    def is_set(self) -> bool:
        return self._event.is_set()

    def wait(self, seconds: float) -> bool:
        """Sleep ``seconds`` or until stopped; whether it is stopped."""
        return self._event.wait(max(0.0, seconds))

    def out_of_time(self) -> bool:
        return self.deadline is not None and time.monotonic() >= self.deadline

    def pause(self, seconds: float) -> bool:
        """Wait before a retry. Once stopping, only if the wait fits in what is left of the
        stop's timeout: ``False`` means give up (the caller abandons its records)."""
        until = time.monotonic() + seconds
        self.wait(seconds)
        remaining = until - time.monotonic()
        if remaining <= 0:
            return True
        if self.deadline is not None and until > self.deadline:
            return False
        time.sleep(remaining)
        return True


class Worker(ABC):
    """A thread that polls until stopped, then gets the stop's timeout to finish."""

    def __init__(self, name: str, poll_interval: float, signal: StopSignal | None = None):
        self.name = name
        self.poll_interval = poll_interval
        self.signal = signal or StopSignal()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name=f"civicdesk-poll-{self.name}",
                                        daemon=True)
        self._thread.start()

    def stop(self, timeout: float = DEFAULT_STOP_TIMEOUT) -> None:
        if not self.signal.is_set():
            self.signal.set(time.monotonic() + timeout)
        self.join()

    def join(self) -> None:
        if self._thread is None:
            return
        deadline = self.signal.deadline or time.monotonic()
        # A second more than the timeout: an invocation that started in time may finish.
        self._thread.join(timeout=max(0.0, deadline - time.monotonic()) + 1)
        if self._thread.is_alive():
            log.warning("%s: still invoking its function; stopping without waiting", self.name)

    def _run(self) -> None:
        failures = 0
        while not self.signal.is_set():
            try:
                busy = self.poll_once()
                failures = 0
            except Exception:  # noqa: BLE001 - the poller must survive anything
                failures += 1
                if failures in (1, 10) or failures % 100 == 0:
                    log.exception("%s: polling failed (%d time(s) in a row); trying again",
                                  self.name, failures)
                self.signal.wait(1.0)
                continue
            if not busy:
                self.signal.wait(self.idle_wait())
        try:
            self.finish()
        except Exception:  # noqa: BLE001 - stopping anyway
            log.exception("%s: could not deliver what was pending at stop", self.name)

    @abstractmethod
    def poll_once(self) -> bool:
        """One read and whatever delivery is due; ``True`` to read again at once."""

    def idle_wait(self) -> float:
        """Seconds to wait before the next read when ``poll_once`` said there is no hurry."""
        return self.poll_interval

    def finish(self) -> None:  # noqa: B027 - a hook: most workers have nothing pending
        """Deliver what is pending before the thread ends (bounded by ``stop``'s timeout)."""

