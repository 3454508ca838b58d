"""The daemon's SLA sweep: 100,000 open tickets in the store, judged when due and planned

What the daemon's timer really does (`bridge.sync.sweep`): page through the stored snapshots
of the open tickets whose next check is due, load what the store knows of them (links,
planned actions, marks, pauses), run `decide`, plan the new notices and keep each ticket's
next check, in one transaction per page. The snapshots are stored as a store from before
next checks has them (every open ticket due, nothing planned); the first sweep judges all of
them, plans a notice for every overdue one that is news (what began more than a day before is
recorded for the catch-up summary instead, and the summary is planned) and keeps each ticket's
next check, as every later decision does. Rows, in order, on the same store:

- first sweep: every ticket judged, everything overdue new (a store from an earlier version, or an import);
- (setup) the workers' full reads of the tickets the sweep found escalating, as in the daemon;
- a minute later: only the tickets whose next check came within that minute are judged;
- after a rules reload: every open ticket is due again and judged; the notices are planned already.

The generated tickets are months old, so every clock on them has run out and a minute
brings nothing new. The same rows follow for a working queue: the same tickets, each moved
to have been created within the last three to seventeen days, so clocks are still running
and some warnings, breaches and stale moments fall within the minute.
"""

from __future__ import annotations

import random
import tempfile
import time
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

from sqlalchemy import func, select

from bench.bench_rules import NOW, generate
from bridge.model import Ticket
from bridge.rules import load_rules
from bridge.store import open_store
from bridge.store.tables import ALWAYS_DUE, tickets as tickets_table
from bridge.store.tickets import save_snapshot
from bridge.sync.catch_up import catch_up_summary
from bridge.sync.decide import decide
from bridge.sync.sweep import sweep

ROOT = Path(__file__).resolve().parent.parent
COUNT = 100_000
TARGET_S = 2.0  # a routine sweep of 100,000 open tickets


def run() -> list[dict[str, object]]:
    rules = load_rules(ROOT / "rules.yaml")
    generated = [ticket for ticket, _ in generate(COUNT, seed=11, open_only=True)]
    rows = _sweeps(rules, generated, "months-old tickets")
    return rows + _sweeps(rules, _recent(generated, seed=12), "working queue")


def _sweeps(rules, tickets, queue: str) -> list[dict[str, object]]:  # type: ignore[no-untyped-def]
    store = open_store(f"sqlite:///{Path(tempfile.mkdtemp(prefix='bench-sweep-')) / 'bridge.db'}")
    started = time.perf_counter()
    with store.engine.begin() as conn:
        for ticket in tickets:
            save_snapshot(conn, ticket, next_check=ALWAYS_DUE, now=NOW)
    rows = [_row(queue, "store 100,000 snapshots, all due (setup)", time.perf_counter() - started, 0, 0)]

    def timed(label: str, now, *, before=lambda: None) -> None:  # type: ignore[no-untyped-def]
        before()
        due = _due(store, now)
        started = time.perf_counter()
        planned = sweep(store=store, rules=rules, now=now, default_project="SUP", clock=lambda: now)
        planned += catch_up_summary(store=store, rules=rules, now=now)  # the daemon's timer does both
        rows.append(_row(queue, label, time.perf_counter() - started, planned, due))

    timed("first sweep: every ticket due, everything overdue new (old news: one summary)", NOW)
    started = time.perf_counter()
    reads = _process_full_reads(store, rules, NOW)
    rows.append(_row(queue, "workers process the full reads it queued (escalations; setup)", time.perf_counter() - started, 0, reads))
    timed("routine sweep a minute later: only due tickets judged", NOW + timedelta(minutes=1))
    later = NOW + timedelta(minutes=2)
    timed("sweep after a rules reload: every ticket due again", later,
          before=lambda: store.snapshots.make_all_due(at=later))
    store.close()
    return rows


def _recent(tickets: list[Ticket], *, seed: int) -> list[Ticket]:
    """The same tickets, each moved (with its comments) to have been created 3 to 17 days before NOW."""
    rng = random.Random(seed)
    moved = []
    for ticket in tickets:
        shift = NOW - timedelta(seconds=rng.uniform(3 * 86400, 17 * 86400)) - ticket.created_at
        moved.append(replace(
            ticket,
            created_at=ticket.created_at + shift,
            updated_at=ticket.updated_at + shift,
            comments=tuple(replace(c, created_at=c.created_at + shift) for c in ticket.comments),
        ))
    return moved


def _process_full_reads(store, rules, now) -> int:  # type: ignore[no-untyped-def]
    """What workers do, seconds after the sweep, with the timer events it queued for tickets that
    need a full read (an escalation): decide on the ticket and commit the decision with its next
    check. The stored snapshot stands in for the Zendesk read."""
    processed = 0
    while claimed := store.inbox.claim(now=now, limit=500, lease=timedelta(minutes=5)):
        for stored in claimed:
            ticket = store.snapshots.get(int(stored.event.subject))
            decision = decide(ticket, store.ticket_state(ticket.id), rules, now=now, default_project="SUP")
            store.commit_decision(stored, decision, ticket_ids=[ticket.id], now=now, snapshot=ticket)
            processed += 1
    return processed


def _due(store, now) -> int:  # type: ignore[no-untyped-def]
    with store.engine.connect() as conn:
        return int(conn.execute(
            select(func.count()).where(tickets_table.c.open == 1, tickets_table.c.next_check_at <= now)
        ).scalar())


def _row(queue: str, step: str, seconds: float, planned: int, judged: int) -> dict[str, object]:
    return {"queue": queue, "step": step, "open tickets": COUNT, "judged": judged, "seconds": seconds,
            "actions planned": planned}
