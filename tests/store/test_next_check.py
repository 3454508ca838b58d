"""Each ticket's next check: kept with its snapshot, read by the sweep only when due, reset by new rules."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta, timezone

from sqlalchemy import BigInteger, Column, DateTime, Integer, MetaData, Table, Text, create_engine, insert

from bridge.codec import ticket_to_json
from bridge.model import Decision, Ticket
from bridge.store import Store, open_store
from bridge.store.tables import ALWAYS_DUE

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=timezone.utc)


def ticket(ticket_id: int, **changes: object) -> Ticket:
    base = Ticket(id=ticket_id, subject="s", description="d", status="open", priority="normal", type="question",
                  tags=frozenset(), created_at=NOW, updated_at=NOW)
    return replace(base, **changes)  # type: ignore[arg-type]


def keep(store: Store, t: Ticket, next_check: datetime | None) -> None:
    store.commit_decision(None, Decision(next_check=next_check), ticket_ids=[t.id], now=NOW, snapshot=t)


def due_ids(store: Store, now: datetime, batch: int = 1000) -> list[int]:
    return [t.id for page in store.snapshots.due(now=now, batch=batch) for t, _ in page]


def test_only_tickets_due_by_now_are_read(store_url: str) -> None:
    store = open_store(store_url)
    keep(store, ticket(1), NOW + timedelta(minutes=5))
    keep(store, ticket(2), NOW + timedelta(hours=5))
    keep(store, ticket(3), None)  # nothing will change with time
    keep(store, ticket(4, status="solved"), NOW)
    assert due_ids(store, NOW) == []
    assert due_ids(store, NOW + timedelta(minutes=5)) == [1]
    assert sorted(due_ids(store, NOW + timedelta(days=9), batch=1)) == [1, 2]  # paged one by one


def test_a_judged_ticket_gets_its_new_next_check_unless_it_changed_meanwhile(store_url: str) -> None:
    store = open_store(store_url)
    keep(store, ticket(1), NOW)
    keep(store, ticket(2), NOW)
    [[(_, seen_1), (_, seen_2)]] = list(store.snapshots.due(now=NOW))
    keep(store, ticket(2, updated_at=NOW + timedelta(seconds=1)), NOW + timedelta(hours=1))  # a newer view meanwhile
    later = NOW + timedelta(days=1)
    store.commit_timer_decisions([], now=NOW, next_checks=[(1, seen_1, later), (2, seen_2, later)])
    assert store.snapshots.next_check(1) == later
    assert store.snapshots.next_check(2) == NOW + timedelta(hours=1)


def test_new_rules_make_every_open_ticket_due(store_url: str) -> None:
    store = open_store(store_url)
    keep(store, ticket(1), NOW + timedelta(days=3))
    keep(store, ticket(2), None)
    keep(store, ticket(3, status="closed"), None)
    assert store.snapshots.make_all_due(at=NOW) == 2
    assert due_ids(store, NOW) == [1, 2]


def test_an_older_view_arriving_late_makes_the_ticket_due(store_url: str) -> None:
    store = open_store(store_url)
    keep(store, ticket(1, updated_at=NOW + timedelta(minutes=1)), None)
    keep(store, ticket(1), NOW + timedelta(days=1))  # older: not kept
    assert store.snapshots.get(1).updated_at == NOW + timedelta(minutes=1)  # type: ignore[union-attr]
    assert due_ids(store, NOW) == [1]


def test_marks_changed_for_linked_tickets_make_them_due(store_url: str) -> None:
    store = open_store(store_url)
    keep(store, ticket(5), None)
    store.commit_decision(None, Decision([], {(5, "jira_status"): "Done"}), ticket_ids=[5], now=NOW)
    assert due_ids(store, NOW) == [5]


def test_a_store_from_before_next_checks_gets_the_column_and_every_open_ticket_is_due(store_url: str) -> None:
    old = MetaData()
    Table("tickets", old, Column("id", BigInteger, primary_key=True), Column("open", Integer, nullable=False),
          Column("updated_at", DateTime(timezone=True), nullable=False), Column("snapshot", Text, nullable=False))
    engine = create_engine(store_url)
    old.create_all(engine)
    with engine.begin() as conn:
        conn.execute(insert(old.tables["tickets"]), [
            {"id": 1, "open": 1, "updated_at": NOW, "snapshot": ticket_to_json(ticket(1))},
            {"id": 2, "open": 0, "updated_at": NOW, "snapshot": ticket_to_json(ticket(2, status="solved"))},
        ])
    engine.dispose()
    store = open_store(store_url)
    assert store.snapshots.next_check(1) == ALWAYS_DUE
    assert store.snapshots.next_check(2) is None
    assert due_ids(store, NOW) == [1]
    open_store(store_url)  # opening it again changes nothing
