"""`bridge report`: a year of 100,000 tickets in the store, summed up by month

The store holds what the daemon keeps of a year of tickets: each ticket's newest snapshot,
its timeline (status and tags at each change: new, open, sometimes a spell awaiting the
client or on hold at "Raised with Development", then solved for most), its SLA pauses and,
for one in ten, its link to Jira. The report reads them in pages, judges each with the
shipped rules (policy, due times, a replay of the stop conditions at every change and
reply, time in each status) and sums up twelve months; then the HTML page and the CSV file
are written. Wall-clock time of this process, SQLite on local disk.
"""

from __future__ import annotations

import io
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context
import random
import resource
import tempfile
import time
from datetime import timedelta
from pathlib import Path

from bench.bench_rules import NOW, SUBJECTS, TAGS
from bridge.codec import ticket_to_json
from bridge.model import Comment, Ticket
from bridge.report.build import build_report
from bridge.report.csv_out import write_csv
from bridge.report.html_out import to_html
from bridge.report.monthly import months_to
from bridge.rules import load_rules
from bridge.store import open_store
from bridge.store.tables import links, pauses, tickets, timeline
from bridge.store.tickets import BODY_LIMIT

ROOT = Path(__file__).resolve().parent.parent
COUNT = 100_000
AGENT = "agent@support.example"


def generate(count: int, *, seed: int) -> tuple[list[dict], list[dict], list[dict], list[dict]]:  # type: ignore[type-arg]
    """Rows of the tickets, timeline, pauses and links tables."""
    rng = random.Random(seed)
    ticket_rows, change_rows, pause_rows, link_rows = [], [], [], []
    for number in range(1, count + 1):
        created = NOW - timedelta(minutes=rng.randrange(60, 365 * 24 * 60))
        tags = set(rng.sample(TAGS, rng.randrange(0, 3))) | {rng.choice(("cards", "invoices", "reports", "export"))}
        moment = created + timedelta(minutes=rng.randrange(1, 90))
        steps = [(created, "new", set()), (moment, "open", set())]
        if rng.random() < 0.3:  # awaiting the client for a while
            moment += timedelta(hours=rng.randrange(1, 30))
            steps.append((moment, "pending", set()))
            resumed = moment + timedelta(hours=rng.randrange(1, 48))
            pause_rows.append({"ticket_id": number, "started": moment, "ended": resumed})
            moment = resumed
            steps.append((moment, "open", set()))
        if rng.random() < 0.15:  # with development
            moment += timedelta(hours=rng.randrange(1, 60))
            steps.append((moment, "hold", {"stage_raised_with_development"}))
            link_rows.append({"ticket_id": number, "issue_key": f"SUP-{number}", "created_at": moment})
        moment += timedelta(hours=rng.randrange(1, 200))
        if moment < NOW and rng.random() < 0.85:
            steps.append((moment, "solved", set()))
        steps = [step for step in steps if step[0] <= NOW]
        requester = f"user{number % 5000}@client{number % 300}.example"
        comments = [Comment("1", "Please help", True, requester, created)]
        for n in range(rng.randrange(0, 4)):
            when = created + timedelta(minutes=rng.randrange(5, 3000))
            if when <= steps[-1][0]:
                comments.append(Comment(str(n + 2), "Looking into it", True, rng.choice((AGENT, requester)), when))
        comments.sort(key=lambda c: c.created_at)
        last, status, _ = steps[-1]
        ticket = Ticket(
            id=number, subject=rng.choice(SUBJECTS), description="Steps to reproduce: open the page, click export.",
            status=status, priority=rng.choice(("urgent", "high", "normal", "normal", "low")),
            type=rng.choice(("incident", "problem", "question", "task")), tags=frozenset(tags | steps[-1][2]),
            created_at=created, updated_at=last, requester_email=requester, organization=f"Client {number % 300}",
            comments=tuple(comments),
        )
        ticket_rows.append({"id": number, "open": int(status != "solved"), "updated_at": last,
                            "snapshot": ticket_to_json(ticket, limit=BODY_LIMIT), "next_check_at": None})
        change_rows += [{"ticket_id": number, "at": at, "status": st, "tags": " ".join(sorted(tags | extra))}
                        for at, st, extra in steps]
    return ticket_rows, change_rows, pause_rows, link_rows


def fill(url: str) -> int:
    """Store the generated year at `url`; the number of timeline changes."""
    store = open_store(url)
    ticket_rows, change_rows, pause_rows, link_rows = generate(COUNT, seed=21)
    with store.engine.begin() as conn:
        for table, rows in ((tickets, ticket_rows), (timeline, change_rows), (pauses, pause_rows), (links, link_rows)):
            conn.execute(table.insert(), rows)
    store.close()
    return len(change_rows)


def run() -> list[dict[str, object]]:
    rules = load_rules(ROOT / "rules.yaml")
    url = f"sqlite:///{Path(tempfile.mkdtemp(prefix='bench-report-')) / 'bridge.db'}"
    began = time.perf_counter()
    with ProcessPoolExecutor(1, mp_context=get_context("spawn")) as setup:  # its memory is not the report's
        changes = setup.submit(fill, url).result()
    stored = time.perf_counter() - began
    store = open_store(url)
    rss_before = _peak_rss_mb()
    began = time.perf_counter()
    report = build_report(store.engine, rules, months_to(NOW.year, NOW.month, 12), now=NOW)
    judged = time.perf_counter() - began
    rss_after = _peak_rss_mb()
    began = time.perf_counter()
    page = to_html(report)
    table = io.StringIO()
    write_csv(report, table)
    rendered = time.perf_counter() - began
    store.close()
    return [
        {"step": "store a year of tickets with their timelines (setup)", "tickets": COUNT,
         "timeline changes": changes, "seconds": stored, "µs per ticket": "-", "peak memory": "-"},
        {"step": "read and judge every ticket, sum up 12 months", "tickets": report.tickets,
         "timeline changes": "-", "seconds": judged, "µs per ticket": f"{1e6 * judged / max(report.tickets, 1):.0f}",
         "peak memory": f"{rss_after:.0f} MB ({rss_after - rss_before:+.0f} MB while reporting)"},
        {"step": "write the HTML page and the CSV file", "tickets": "-", "timeline changes": "-", "seconds": rendered,
         "µs per ticket": "-", "peak memory": f"{len(page) // 1024} KB of HTML, {len(table.getvalue()) // 1024} KB of CSV"},
    ]


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kilobytes on Linux
