"""The daemon's SLA sweep: 100,000 open tickets read from the store, judged and planned

What the daemon's timer really does (`bridge.sync.sweep`): page through the stored ticket
snapshots, load what the store knows of each (links, planned actions, marks, pauses),
run `decide`, and plan the new notices in one transaction per page. The first sweep after
an import plans a notice for every overdue ticket; later sweeps find them planned already.
"""

from __future__ import annotations

import tempfile
import time
from datetime import timedelta
from pathlib import Path

from bench.bench_rules import NOW, generate
from bridge.rules import load_rules
from bridge.store import open_store
from bridge.store.tickets import save_snapshot
from bridge.sync.sweep import sweep

ROOT = Path(__file__).resolve().parent.parent
COUNT = 100_000


def run() -> list[dict[str, object]]:
    rules = load_rules(ROOT / "rules.yaml")
    store = open_store(f"sqlite:///{Path(tempfile.mkdtemp(prefix='bench-sweep-')) / 'bridge.db'}")
    tickets = [ticket for ticket, _ in generate(COUNT, seed=11, open_only=True)]
    started = time.perf_counter()
    with store.engine.begin() as conn:
        for ticket in tickets:
            save_snapshot(conn, ticket)
    stored = time.perf_counter() - started
    rows: list[dict[str, object]] = [
        {"step": "store 100,000 snapshots (setup)", "tickets": COUNT, "seconds": stored, "actions planned": 0}
    ]
    for label, now in (("first sweep (every overdue ticket is new)", NOW), ("next sweep, a minute later", NOW + timedelta(minutes=1))):
        started = time.perf_counter()
        planned = sweep(store=store, rules=rules, now=now, default_project="SUP", clock=lambda: now)
        rows.append({"step": label, "tickets": COUNT, "seconds": time.perf_counter() - started, "actions planned": planned})
    return rows
