"""`decide` gives exactly what it gave before its speed-ups, on a generated sample.

The digests in data/decide_golden.txt were written by the code before it was made
faster (`python -m tests.sync.test_decide_golden` rewrites them: only do that for a
change in behaviour you mean). A line per ticket and moment, so a failure names them.
"""

from __future__ import annotations

import hashlib
import json
from datetime import datetime, timedelta, timezone
from pathlib import Path

from bench.bench_rules import generate
from bridge.model import Decision, Link, TicketState
from bridge.rules import Rules, load_rules
from bridge.sync.decide import decide

ROOT = Path(__file__).resolve().parents[2]
GOLDEN = Path(__file__).parent / "data" / "decide_golden.txt"
MOMENTS = (
    datetime(2026, 12, 31, 12, tzinfo=timezone.utc),  # the benchmarks' moment: most clocks breached
    datetime(2026, 6, 15, 9, 20, tzinfo=timezone.utc),  # a Monday morning: clocks warn and breach
    datetime(2026, 6, 13, 22, 5, tzinfo=timezone.utc),  # a Saturday night: quiet hours hold notices back
)


def _digest(decision: Decision) -> str:
    canonical = json.dumps(
        {
            "actions": [
                [a.kind.value, a.key, a.ticket_id, a.issue_key, dict(a.params), a.after] for a in decision.actions
            ],
            "marks": sorted([list(k), v] for k, v in decision.marks.items()),
            "pauses": [[t, change, at.isoformat()] for t, change, at in decision.pauses],
            "expect": sorted([list(k), v] for k, v in decision.expect.items()),
            "notes": [list(note) for note in decision.notes],
            **({"caught_up": [list(found) for found in decision.caught_up]} if decision.caught_up else {}),
        },
        sort_keys=True,
        default=str,
    )
    return hashlib.sha256(canonical.encode()).hexdigest()[:16]


def digests(rules: Rules) -> list[str]:
    lines = []
    for number, (ticket, pauses) in enumerate(generate(1500, seed=21)):
        link = Link(ticket.id, f"SUP-{ticket.id}", ticket.created_at + timedelta(hours=1)) if number % 7 == 0 else None
        state = TicketState(link=link, pauses=tuple(pauses))
        for moment in MOMENTS:
            if moment < ticket.created_at:
                continue
            decision = decide(ticket, state, rules, now=moment, default_project="SUP")
            lines.append(f"{ticket.id} {moment:%Y-%m-%dT%H:%M} {_digest(decision)}")
    return lines


def test_decide_gives_what_it_gave_before() -> None:
    rules = load_rules(ROOT / "rules.yaml")
    expected = GOLDEN.read_text(encoding="utf-8").splitlines()
    got = digests(rules)
    assert len(got) == len(expected)
    different = [mine for mine, theirs in zip(got, expected) if mine != theirs]
    assert not different, f"{len(different)} decisions differ, e.g. {different[:3]}"


if __name__ == "__main__":
    GOLDEN.write_text("\n".join(digests(load_rules(ROOT / "rules.yaml"))) + "\n", encoding="utf-8")
