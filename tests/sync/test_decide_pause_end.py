"""A pause ends with the ticket's update that ended it, whenever the decision runs."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path

from bridge.model import Comment, Ticket, TicketState
from bridge.rules import load_rules
from bridge.sync.decide import decide

ROOT = Path(__file__).resolve().parents[2]
MONDAY = datetime(2026, 11, 23, 8, 0, tzinfo=timezone.utc)  # gmt-office opens at 08:00


def test_due_times_after_a_pause_ends_do_not_depend_on_when_the_decision_runs() -> None:
    rules = load_rules(ROOT / "rules.yaml")
    # P1 technical support: resolution in 4 working hours, warned at 75 %. Awaiting the client
    # from 08:05; the client answered at 08:20 and the ticket is open again.
    ticket = Ticket(
        id=9, subject="Checkout is down", description="All cards fail", status="open", priority="urgent",
        type="incident", tags=frozenset(), created_at=MONDAY, updated_at=MONDAY + timedelta(minutes=20),
        requester_email="dana@acme.example",
        comments=(Comment("1", "All cards fail", True, "dana@acme.example", MONDAY),),
    )
    state = TicketState(pauses=((MONDAY + timedelta(minutes=5), None),))  # still open in the store
    keys = [
        {a.key for a in decide(ticket, state, rules, now=MONDAY + timedelta(hours=h), default_project="SUP").actions
         if a.key.startswith("notify:sla:9:resolution")}
        for h in (3.5, 3.9)
    ]
    # 4 working hours plus the 15 paused minutes: due 12:15, warned from 11:15 — at both moments the same notice.
    assert keys[0] == keys[1] == {"notify:sla:9:resolution:warning:2026-11-23T12:15:00+00:00"}
