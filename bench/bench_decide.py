"""The pure core: `decide` over 100,000 generated tickets (rules, SLA, escalation plans, notices)

`decide` is what every ticket event and every sweep runs: `evaluate` plus building the
actions (an escalation's full issue text, SLA notices) and dropping those planned before.
Two cases: a fresh store (everything is planned) and a store that has seen it all.
"""

from __future__ import annotations

import statistics
import time
from pathlib import Path

from bench.bench_rules import NOW, generate
from bridge.model import TicketState
from bridge.rules import load_rules
from bridge.sync.decide import decide

ROOT = Path(__file__).resolve().parent.parent
COUNT = 100_000
TARGET = 50_000  # tickets/s per core


def run() -> list[dict[str, object]]:
    rules = load_rules(ROOT / "rules.yaml")
    tickets = [ticket for ticket, _ in generate(COUNT, seed=5)]
    empty = TicketState()
    seen = {t.id: TicketState(planned=frozenset(a.key for a in decide(t, empty, rules, now=NOW, default_project="SUP").actions)) for t in tickets}
    rows: list[dict[str, object]] = []
    for label, state_of in (("fresh store", lambda t: empty), ("everything planned before", lambda t: seen[t.id])):
        rates = []
        for _ in range(3):
            started = time.perf_counter()
            actions = sum(len(decide(t, state_of(t), rules, now=NOW, default_project="SUP").actions) for t in tickets)
            rates.append(COUNT / (time.perf_counter() - started))
        rows.append({
            "case": label, "tickets": COUNT, "actions planned": actions,
            "median tickets/s": statistics.median(rates), "target": f">= {TARGET:,}/s",
            "met": "yes" if statistics.median(rates) >= TARGET else "no",
        })
    return rows
