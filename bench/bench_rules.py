"""Rules engine: evaluate throughput and an SLA sweep over generated tickets

Tickets are generated with a fixed seed to look like a year of real traffic: every
Zendesk type and priority, tier and severity tags, some routed by text, comments from
requesters and agents, about a fifth of them with recorded SLA pauses. Rules are the
shipped rules.yaml. Times are CPU time of this process (`time.process_time`), so other
work on the machine disturbs them less than wall-clock time would.
"""

from __future__ import annotations

import random
import statistics
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

from bridge.compiled import compiled_modules
from bridge.model import Comment, Ticket
from bridge.rules import Rules, evaluate, load_rules

ROOT = Path(__file__).resolve().parent.parent
TICKETS = 100_000
EVALUATE_TARGET = 50_000  # tickets/s per core (issue 4)
SWEEP_TARGET_S = 2.0  # 100,000 open tickets (issue 4)
START = datetime(2026, 1, 1, tzinfo=timezone.utc)
NOW = datetime(2026, 12, 31, 12, tzinfo=timezone.utc)

SUBJECTS = (
    "Cannot export invoices", "Reports page returns error 500", "How do I add a user?",
    "System down for all users", "Please reset my password", "Outage on the EU cluster",
    "Typo on the login page", "Sync with payroll stopped",
)
TAGS = ("tier2", "tier3", "tier4", "vip", "severe", "major", "minor", "enterprise", "product_team", "billing")


def generate(count: int, *, seed: int, open_only: bool = False) -> list[tuple[Ticket, list]]:
    """Tickets with their recorded pause intervals."""
    rng = random.Random(seed)
    result = []
    for number in range(count):
        created = START + timedelta(seconds=rng.randrange(0, 360 * 86400))
        requester = f"user{number % 5000}@client{number % 300}.example"
        comments = [Comment("1", "Please help", True, requester, created)]
        if rng.random() < 0.5:
            comments.append(Comment("2", "Looking into it", True, "agent@support.example",
                                    created + timedelta(minutes=rng.randrange(5, 600))))
        statuses = ("new", "open", "pending", "hold") if open_only else ("new", "open", "pending", "hold", "solved")
        ticket = Ticket(
            id=number,
            subject=rng.choice(SUBJECTS),
            description="Steps to reproduce: open the page, click export. " * rng.randrange(1, 8),
            status=rng.choice(statuses),
            priority=rng.choice(("urgent", "high", "normal", "normal", "low", None)),
            type=rng.choice(("incident", "problem", "question", "task", None)),
            tags=frozenset(rng.sample(TAGS, rng.randrange(0, 3))),
            created_at=created,
            updated_at=created + timedelta(hours=rng.randrange(0, 72)),
            requester_email=requester,
            organization=f"Client {number % 300}",
            comments=tuple(comments),
        )
        pauses = []
        if rng.random() < 0.2:
            begin = created + timedelta(hours=rng.randrange(1, 48))
            pauses.append((begin, begin + timedelta(hours=rng.randrange(1, 96))))
        result.append((ticket, pauses))
    return result


def _throughput(rules: Rules, tickets: list[tuple[Ticket, list]]) -> list[float]:
    seconds = []
    for _ in range(3):
        began = time.process_time()
        for ticket, pauses in tickets:
            evaluate(ticket, rules, now=NOW, paused=pauses)
        seconds.append(time.process_time() - began)
    return seconds


def _sweep(rules: Rules, tickets: list[tuple[Ticket, list]]) -> tuple[float, int, int]:
    """What the daemon's SLA sweep does: every open ticket, its alerts as of now."""
    began = time.process_time()
    warnings = breaches = 0
    for ticket, pauses in tickets:
        for alert in evaluate(ticket, rules, now=NOW, paused=pauses).sla_alerts:
            if alert.level == "warning":
                warnings += 1
            else:  # a running breach, or one a late reply stopped
                breaches += 1
    return time.process_time() - began, warnings, breaches


def run() -> list[dict[str, object]]:
    began = time.process_time()
    rules = load_rules(ROOT / "rules.yaml")
    load_ms = (time.process_time() - began) * 1000
    tickets = generate(TICKETS, seed=4)
    for ticket, pauses in tickets[:2000]:  # warm the calendar tables, as a running daemon has them
        evaluate(ticket, rules, now=NOW, paused=pauses)
    runs = _throughput(rules, tickets)
    best, median = min(runs), statistics.median(runs)
    del tickets  # the sweep holds only the open tickets, as the daemon does
    open_tickets = generate(TICKETS, seed=5, open_only=True)
    sweeps = [_sweep(rules, open_tickets) for _ in range(3)]
    sweep_s = statistics.median(seconds for seconds, _, _ in sweeps)
    _, warnings, breaches = sweeps[0]
    core = core_name()
    rows: list[dict[str, object]] = [
        {"benchmark": "load and check rules.yaml", "tickets": "-", "result": f"{load_ms:.0f} ms",
         "target": "-", "met": "-"},
        {"benchmark": "evaluate (best of 3)", "tickets": TICKETS, "result": f"{TICKETS / best:,.0f} tickets/s",
         "target": f">= {EVALUATE_TARGET:,} tickets/s", "met": "yes" if TICKETS / best >= EVALUATE_TARGET else "NO"},
        {"benchmark": "evaluate (median of 3)", "tickets": TICKETS,
         "result": f"{TICKETS / median:,.0f} tickets/s ({median / TICKETS * 1e6:.1f} µs each)",
         "target": f">= {EVALUATE_TARGET:,} tickets/s", "met": "yes" if TICKETS / median >= EVALUATE_TARGET else "NO"},
        {"benchmark": f"SLA sweep of open tickets, median of 3 ({warnings:,} warnings, {breaches:,} breaches)",
         "tickets": TICKETS, "result": f"{sweep_s:.2f} s ({sweep_s / TICKETS * 1e6:.1f} µs each)",
         "target": f"<= {SWEEP_TARGET_S} s", "met": "yes" if sweep_s <= SWEEP_TARGET_S else "NO"},
    ]
    return [{"core": core, **row} for row in rows]


def core_name() -> str:
    """Which core these figures are of: compiled (bridge/compiled.py) or the Python sources."""
    running = compiled_modules()
    return f"compiled ({len(running)} modules)" if running else "Python sources"
