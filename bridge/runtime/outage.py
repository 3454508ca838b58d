"""Saying once that something keeps failing, and once that it recovered.

A worker retries every few seconds, the scheduler every tick: through a database restart
each retry would otherwise log the same failure again, and the one line that matters (when
it began, when it ended) would drown.
"""

from __future__ import annotations

import logging
import time

from sqlalchemy.exc import DBAPIError

from bridge.store import store_problem, store_unavailable


class FailureLog:
    """The failures of one repeating task (a worker, the sweep …), told to `log`.

    A store outage is one warning line when it begins and one when it ends. Any other failure
    is logged with its traceback the first time (a warning line alone for the `expected`
    kinds, such as an API's answer, whose message says it all); while the same failure
    repeats, a line after 2, 4, 8 … repeats says it still does."""

    def __init__(self, log: logging.Logger, task: str, *, expected: tuple[type[BaseException], ...] = ()) -> None:
        self._log = log
        self._task = task
        self._expected = expected
        self._last: str | None = None  # the failure being repeated, None while all goes well
        self._outage = False  # that failure is the store's
        self._repeats = 0  # of that failure
        self._in_a_row = 0  # failures of any kind since the last success
        self._since = 0.0

    @property
    def failures(self) -> int:
        """How many times in a row the task has failed, whatever the failures."""
        return self._in_a_row

    def failed(self, error: BaseException) -> None:
        outage = store_unavailable(error)
        if self._in_a_row == 0:
            self._since = time.monotonic()
        self._in_a_row += 1
        # A database error's text holds the statement's values (a time, say): compared in
        # full, each repeat would look new and bring its traceback again.
        what = store_problem(error) if isinstance(error, DBAPIError) else f"{type(error).__name__}: {error}"
        if outage:
            what = f"store unavailable ({what})"
        if what != self._last and not (outage and self._outage):
            if outage:
                self._log.warning("%s: %s; trying again until it answers", self._task, what)
            elif isinstance(error, self._expected):
                self._log.warning("%s failed: %s", self._task, error)
            else:
                self._log.error("%s failed", self._task, exc_info=error)
            self._last, self._outage, self._repeats = what, outage, 1
            return
        self._repeats += 1
        if not outage and self._repeats & (self._repeats - 1) == 0:  # 2, 4, 8 …
            self._log.warning("%s still failing (%d times in a row): %s", self._task, self._repeats, what)

    def succeeded(self) -> None:
        if self._in_a_row == 0:
            return
        took = time.monotonic() - self._since
        if self._outage:
            self._log.warning("%s: store answers again (%.0f s after the first failure)", self._task, took)
        else:
            self._log.warning("%s works again after %d failures in %.0f s", self._task, self._in_a_row, took)
        self._last, self._outage, self._repeats, self._in_a_row = None, False, 0, 0
