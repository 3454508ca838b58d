"""Worker threads: process the inbox and execute actions until told to stop."""

from __future__ import annotations

import logging
import threading
from typing import Callable, Sequence

log = logging.getLogger(__name__)


class Worker:
    """Runs its steps in a loop; rests `idle_wait` seconds when none had work, unless woken."""

    def __init__(self, steps: Sequence[Callable[[], int]], *, name: str, idle_wait: float = 0.5) -> None:
        self._steps = steps
        self._idle_wait = idle_wait
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._thread = threading.Thread(target=self._loop, name=name, daemon=True)

    def start(self) -> None:
        self._thread.start()

    def wake(self) -> None:
        """New work arrived (a webhook, a poll): skip the rest of the idle wait."""
        self._wake.set()

    def stop(self, timeout: float = 10.0) -> None:
        self._stop.set()
        self._wake.set()
        self._thread.join(timeout)

    def _loop(self) -> None:
        while not self._stop.is_set():
            busy = 0
            for step in self._steps:
                try:
                    busy += step()
                except Exception:  # noqa: BLE001 — a worker must outlive any one failure
                    log.exception("worker step failed")
            if not busy:
                self._wake.wait(self._idle_wait)
                self._wake.clear()
