"""Worker threads: process the inbox and execute actions until told to stop."""

from __future__ import annotations

import logging
import threading
from typing import Callable, Sequence

from bridge.runtime.outage import FailureLog

log = logging.getLogger(__name__)

MAX_RETRY_WAIT = 30.0  # seconds between tries while the steps keep failing (a store outage)


class Worker:
    """Runs its steps in a loop; rests `idle_wait` seconds when none had work, unless woken.

    While its steps fail (the store down, most often) it waits twice as long after each
    failed round, up to MAX_RETRY_WAIT, and says so once rather than at every try."""

    def __init__(self, steps: Sequence[Callable[[], int]], *, name: str, idle_wait: float = 0.5) -> None:
        self._steps = steps
        self._idle_wait = idle_wait
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._failures = FailureLog(log, name)
        self._thread = threading.Thread(target=self._loop, name=name, daemon=True)

    def start(self) -> None:
        self._thread.start()

    @property
    def failing_rounds(self) -> int:
        """How many rounds in a row have failed (0 while all goes well)."""
        return self._failures.failures

    def wake(self) -> None:
        """New work arrived (a webhook, a poll): skip the rest of the idle wait."""
        self._wake.set()

    def stop(self, timeout: float = 10.0) -> None:
        self._stop.set()
        self._wake.set()
        self._thread.join(timeout)

    def _loop(self) -> None:
        while not self._stop.is_set():
            busy = self._round()
            if self._failures.failures:
                self._rest(retry_wait(self._failures.failures, self._idle_wait))
            elif not busy:
                self._rest(self._idle_wait)

    def _round(self) -> int:
        """Each step once; how much work they did. A failed step does not keep the next from its turn."""
        busy, failed = 0, False
        for step in self._steps:
            try:
                busy += step()
            except Exception as error:  # noqa: BLE001 — a worker must outlive any one failure
                if not failed:  # one failure per round: the rounds are what waits longer
                    self._failures.failed(error)
                failed = True
        if not failed:
            self._failures.succeeded()
        return busy

    def _rest(self, seconds: float) -> None:
        self._wake.wait(seconds)
        self._wake.clear()


def retry_wait(failures: int, idle_wait: float) -> float:
    """Seconds to wait after `failures` failed rounds in a row: doubling from the idle wait."""
    return min(MAX_RETRY_WAIT, idle_wait * 2 ** min(failures - 1, 16))
