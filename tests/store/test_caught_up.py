"""The catch-up summary's reading of the history: every line counted once, however writers interleave."""

from __future__ import annotations

import threading
import time
from datetime import datetime, timezone

from sqlalchemy import text

from bridge.store import open_store
from bridge.store.history import caught_up_lines, record_many

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=timezone.utc)


def test_a_line_committed_after_a_later_one_is_not_passed_over(postgres_url: str) -> None:
    store = open_store(postgres_url)
    slow = store.engine.connect()
    slow_tx = slow.begin()
    # A worker takes the smaller id, then another commits a larger one before it.
    record_many(slow, caught_up_lines([(1, "sla_breach", "response due 2026-03-01 09:30 UTC")]), now=NOW)
    with store.engine.begin() as fast:
        record_many(fast, caught_up_lines([(2, "stale", "stale since 2026-03-01 10:00 UTC")]), now=NOW)

    found: list = []
    reader = threading.Thread(target=lambda: found.append(store.history.caught_up_after(0)))
    reader.start()
    deadline = time.monotonic() + 10
    with store.engine.connect() as probe:  # the reader waits for the open writer
        while not probe.execute(text("SELECT count(*) FROM pg_locks WHERE NOT granted")).scalar():
            assert time.monotonic() < deadline, "the summary read did not wait for the open writer"
            time.sleep(0.01)  # polling interval of the probe
    slow_tx.commit()
    slow.close()
    reader.join(10)

    [(top, summary)] = found
    assert summary is not None and summary.by_kind == {"sla_breach": (1, 1), "stale": (1, 1)} and summary.tickets == 2
    assert top == 2


def test_the_bookmark_moves_past_lines_with_no_old_news(store_url: str) -> None:
    store = open_store(store_url)
    for ticket_id in (1, 2, 3):
        store.history.add(ticket_id, "timer", "notify:sla:1:response:warning:x", now=NOW)
    assert store.history.caught_up_after(0) == (3, None)  # the summary moves its bookmark to 3: read once
    with store.engine.begin() as conn:
        record_many(conn, caught_up_lines([(4, "stale", "stale since 2026-03-01 10:00 UTC")]), now=NOW)
    top, found = store.history.caught_up_after(3)
    assert top == 4 and found is not None and found.first == [(4, [("stale", "stale since 2026-03-01 10:00 UTC")])]
