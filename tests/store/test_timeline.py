"""Each ticket's timeline: its status and tags at every change the bridge saw."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta, timezone

from bridge.model import Decision, Ticket
from bridge.store import Store, open_store
from bridge.store.reporting import recorded_since
from bridge.store.tables import timeline
from bridge.store.timeline import timelines_of

T0 = datetime(2026, 11, 2, 9, 0, tzinfo=timezone.utc)


def ticket(ticket_id: int = 1, minutes: int = 0, **changes: object) -> Ticket:
    base = Ticket(id=ticket_id, subject="s", description="d", status="new", priority="normal", type="incident",
                  tags=frozenset({"billing"}), created_at=T0, updated_at=T0 + timedelta(minutes=minutes))
    return replace(base, **changes)  # type: ignore[arg-type]


def keep(store: Store, t: Ticket) -> None:
    store.commit_decision(None, Decision(), ticket_ids=[t.id], now=t.updated_at, snapshot=t)


def changes(store: Store, ticket_id: int = 1) -> list[tuple[int, str, list[str]]]:
    """(minutes after T0, status, tags) of each change kept."""
    with store.engine.connect() as conn:
        found = timelines_of(conn, [ticket_id]).get(ticket_id, [])
    return [(int((c.at - T0).total_seconds() // 60), c.status, sorted(c.tags)) for c in found]


def test_a_change_of_status_or_tags_is_kept_and_a_view_with_neither_is_not(store_url: str) -> None:
    store = open_store(store_url)
    keep(store, ticket(minutes=0))
    keep(store, ticket(minutes=5, subject="edited"))  # the same status and tags: nothing new
    keep(store, ticket(minutes=10, status="open"))
    keep(store, ticket(minutes=20, status="open", tags=frozenset({"billing", "stage_in_progress"})))
    keep(store, ticket(minutes=30, status="solved", tags=frozenset({"billing", "stage_in_progress"})))
    assert changes(store) == [
        (0, "new", ["billing"]),
        (10, "open", ["billing"]),
        (20, "open", ["billing", "stage_in_progress"]),
        (30, "solved", ["billing", "stage_in_progress"]),
    ]


def test_a_view_older_than_the_newest_adds_nothing(store_url: str) -> None:
    store = open_store(store_url)
    keep(store, ticket(minutes=0))
    keep(store, ticket(minutes=30, status="pending"))
    keep(store, ticket(minutes=10, status="open"))  # a late webhook of an earlier change
    assert changes(store) == [(0, "new", ["billing"]), (30, "pending", ["billing"])]


def test_the_report_reads_tickets_updated_in_its_period_and_every_open_one(store_url: str) -> None:
    store = open_store(store_url)
    start = T0 + timedelta(days=20)
    keep(store, ticket(1, minutes=0, status="solved"))  # solved before the period: not read
    keep(store, ticket(2, minutes=0, status="open"))  # open: its targets may fall due in the period
    keep(store, ticket(3, minutes=30 * 24 * 60, status="closed"))  # closed in the period
    store.links.add(3, "SUP-7", now=T0 + timedelta(days=1))
    read = [r for batch in recorded_since(store.engine, start, batch=1) for r in batch]
    assert [r.ticket.id for r in read] == [2, 3]
    assert [c.status for c in read[1].changes] == ["closed"]
    assert (read[0].linked_at, read[1].linked_at) == (None, T0 + timedelta(days=1))


def test_a_ticket_stored_before_timelines_were_kept_starts_its_timeline_with_that_view(store_url: str) -> None:
    store = open_store(store_url)
    keep(store, ticket(minutes=0, status="open"))
    with store.engine.begin() as conn:  # as a store from an earlier version has it: a snapshot, no timeline
        conn.execute(timeline.delete())
    keep(store, ticket(minutes=40, status="solved"))
    assert changes(store) == [(0, "open", ["billing"]), (40, "solved", ["billing"])]
