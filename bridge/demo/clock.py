"""A simulated clock: the demo's day runs `speed` times faster than real time."""

from __future__ import annotations

import time
from datetime import datetime, timedelta


def next_working_morning(after: datetime) -> datetime:
    """09:00 UTC on the next Tuesday–Thursday, so the demo's SLA clocks run in office hours."""
    day = (after + timedelta(days=1)).replace(hour=9, minute=0, second=0, microsecond=0)
    while day.weekday() not in (1, 2, 3):
        day += timedelta(days=1)
    return day


class SimulatedClock:
    def __init__(self, *, start: datetime, speed: float) -> None:
        self._start = start
        self._speed = speed
        self._real_start = time.monotonic()

    def now(self) -> datetime:
        return self._start + timedelta(seconds=(time.monotonic() - self._real_start) * self._speed)

    def epoch(self) -> float:
        """Seconds since the epoch, as the sandbox keeps time."""
        return self.now().timestamp()

    def real_seconds(self, simulated: timedelta) -> float:
        return simulated.total_seconds() / self._speed
