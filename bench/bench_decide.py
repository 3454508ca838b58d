"""The pure core: `decide` over 100,000 generated tickets (rules, SLA, escalation plans, notices)

`decide` is what every ticket event and every sweep runs: `evaluate` plus building the
actions (an escalation's full issue text, SLA notices) and dropping those planned before.
Three cases:

- ticket events: tickets as webhooks and polls bring them, created in the last five days
  and changed in the last hour, each judged at its own moment (seconds after its change),
  on a store that has planned nothing for them yet;
- a months-old backlog (a year of tickets, most still open, a fifth with recorded SLA
  pauses) on an empty store: the first sweep after the bridge is installed, every overdue
  notice new; a sweep judges all its tickets at one moment;
- the same backlog once all of that is planned: what later sweeps of it cost.

Times are CPU time of this process (`time.process_time`): one core, as the target says.
"""

from __future__ import annotations

import random
import statistics
import time
from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path

from bench.bench_rules import NOW, SUBJECTS, TAGS, core_name, generate
from bridge.model import Comment, Decision, Ticket, TicketState
from bridge.rules import Rules, load_rules
from bridge.sync.decide import decide

ROOT = Path(__file__).resolve().parent.parent
COUNT = 100_000
TARGET = 50_000  # tickets/s per core
AGENT = "agent@support.example"


def generate_events(count: int, *, seed: int) -> list[tuple[Ticket, datetime]]:
    """Tickets as the daemon hears of them, each with the moment it is judged: created within
    five days of `NOW`, changed within its last hour, judged 0.5 to 20 seconds after the
    change; zero to three comments since the first, from the requester or an agent."""
    rng = random.Random(seed)
    events = []
    for number in range(count):
        created = NOW - timedelta(seconds=rng.randrange(60, 5 * 86400))
        updated = max(created, NOW - timedelta(seconds=rng.randrange(1, 3600)))
        requester = f"user{number % 5000}@client{number % 300}.example"
        comments = [Comment("1", "Please help", True, requester, created)]
        for n in range(rng.randrange(0, 4)):
            comments.append(Comment(
                str(n + 2), "Looking into it", rng.random() < 0.7, rng.choice((requester, AGENT)),
                created + (updated - created) * (n + 1) / 4,
            ))
        ticket = Ticket(
            id=number,
            subject=rng.choice(SUBJECTS),
            description="Steps to reproduce: open the page, click export. " * rng.randrange(1, 8),
            status=rng.choice(("new", "open", "open", "open", "pending", "hold", "solved")),
            priority=rng.choice(("urgent", "high", "normal", "normal", "low", None)),
            type=rng.choice(("incident", "problem", "question", "task", None)),
            tags=frozenset(rng.sample(TAGS, rng.randrange(0, 3))),
            created_at=created,
            updated_at=updated,
            requester_email=requester,
            organization=f"Client {number % 300}",
            comments=tuple(comments),
        )
        events.append((ticket, updated + timedelta(microseconds=rng.randrange(500_000, 20_000_000))))
    return events


Job = tuple[Ticket, TicketState, datetime]  # a ticket, what the store knows of it, when it is judged


def _measure(rules: Rules, jobs: list[Job]) -> tuple[list[float], int]:
    """Tickets per second of three runs, and the actions planned in one."""
    rates, actions = [], 0
    for _ in range(3):
        began = time.process_time()
        actions = sum(len(decide(t, state, rules, now=now, default_project="SUP").actions) for t, state, now in jobs)
        rates.append(len(jobs) / (time.process_time() - began))
    return rates, actions


def _after(decision: Decision, state: TicketState) -> TicketState:
    """What the store knows of a ticket once `decision` is committed: its actions planned, its marks kept."""
    marks = {**state.marks, **{name: value for (_, name), value in decision.marks.items()}}
    return replace(state, planned=state.planned | {a.key for a in decision.actions}, marks=marks)


def run() -> list[dict[str, object]]:
    rules = load_rules(ROOT / "rules.yaml")
    empty = TicketState()
    events = [(ticket, empty, now) for ticket, now in generate_events(COUNT, seed=7)]
    backlog = [(ticket, TicketState(pauses=tuple(pauses)), NOW) for ticket, pauses in generate(COUNT, seed=5)]
    seen = [(t, _after(decide(t, state, rules, now=now, default_project="SUP"), state), now) for t, state, now in backlog]
    cases: list[tuple[str, list[Job]]] = [
        ("ticket events (changed in the last hour), nothing planned yet", events),
        ("months-old backlog, empty store: first sweep", backlog),
        ("months-old backlog, everything planned before: later sweeps", seen),
    ]
    rows: list[dict[str, object]] = []
    for label, jobs in cases:
        rates, actions = _measure(rules, jobs)
        median = statistics.median(rates)
        rows.append({
            "core": core_name(), "case": label, "tickets": len(jobs), "actions planned": actions,
            "median tickets/s": median, "µs each": f"{1e6 / median:.1f}", "best tickets/s": max(rates),
            "target": f">= {TARGET:,}/s", "met": "yes" if median >= TARGET else "no",
        })
    return rows
