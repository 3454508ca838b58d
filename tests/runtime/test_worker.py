"""A worker through failing rounds: it waits longer each time and says so without flooding the log."""

from __future__ import annotations

import logging
import time
from pathlib import Path
from typing import Callable

import pytest
from sqlalchemy import create_engine, text

from bridge.runtime.worker import MAX_RETRY_WAIT, Worker, retry_wait
from tests.e2e.harness import eventually


class Flaky:
    """A step that fails its first `failures` calls with `error()`, then finds nothing to do."""

    def __init__(self, failures: int, error: type[Exception] | None = None, *, database: Path | None = None) -> None:
        self.left = failures
        self.error = error
        self.database = database
        self.calls: list[float] = []

    def __call__(self) -> int:
        self.calls.append(time.monotonic())
        if self.left:
            self.left -= 1
            if self.database is not None:  # a store that cannot be opened: SQLite's own error
                with create_engine(f"sqlite:///{self.database}").connect() as conn:
                    conn.execute(text("SELECT 1"))
            assert self.error is not None
            raise self.error("the export job's queue is corrupt")
        return 0


def _run_until(worker: Worker, done: Callable[[], object]) -> None:
    worker.start()
    try:
        eventually(done, timeout=10, what="the worker's rounds")
    finally:
        worker.stop()


def _bridge_records(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.name == "bridge.runtime.worker"]


def test_a_store_outage_is_one_line_when_it_begins_and_one_when_it_ends(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    step = Flaky(4, database=tmp_path / "no such directory" / "bridge.db")
    _run_until(Worker([step], name="worker-0", idle_wait=0.01), lambda: len(step.calls) >= 6)

    said = [r.getMessage() for r in _bridge_records(caplog)]
    assert len(said) == 2, said
    assert said[0].startswith("worker-0: store unavailable (OperationalError: unable to open database file)")
    assert said[1].startswith("worker-0: store answers again (")
    assert not any(r.exc_info for r in caplog.records)


def test_another_failure_shows_its_traceback_once_then_a_line_as_it_repeats(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO)
    step = Flaky(5, ValueError)
    _run_until(Worker([step], name="worker-1", idle_wait=0.01), lambda: len(step.calls) >= 7)

    records = _bridge_records(caplog)
    assert [r.exc_info is not None for r in records] == [True, False, False, False]
    assert records[0].getMessage() == "worker-1 failed"
    assert [r.getMessage() for r in records[1:3]] == [
        "worker-1 still failing (2 times in a row): ValueError: the export job's queue is corrupt",
        "worker-1 still failing (4 times in a row): ValueError: the export job's queue is corrupt",
    ]
    assert records[3].getMessage().startswith("worker-1 works again after 5 failures in ")


def test_each_failed_round_waits_twice_as_long_as_the_last() -> None:
    step = Flaky(4, ValueError)
    _run_until(Worker([step], name="worker-2", idle_wait=0.05), lambda: len(step.calls) >= 5)

    gaps = [later - earlier for earlier, later in zip(step.calls, step.calls[1:])]
    assert all(gap >= 0.05 * 2**n for n, gap in enumerate(gaps[:4])), gaps


def test_the_wait_between_failed_rounds_has_a_ceiling() -> None:
    assert retry_wait(1, 0.5) == 0.5
    assert retry_wait(3, 0.5) == 2.0
    assert retry_wait(7, 0.5) == MAX_RETRY_WAIT
    assert retry_wait(10_000, 0.5) == MAX_RETRY_WAIT
