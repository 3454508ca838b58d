"""`Decision.next_check`: when the sweep must judge a ticket again though nothing happens to it."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from bridge.model import TicketState
from bridge.rules import Rules
from bridge.sync.decide import decide
from tests.sync.test_decide import rules, ticket  # noqa: F401 - the fixture

MONDAY_9 = datetime(2026, 3, 2, 9, 0, tzinfo=timezone.utc)
# Quiet hours of the shipped rules: 20:00-07:00 Europe/London (GMT in March).
SATURDAY_23 = datetime(2026, 3, 7, 23, 0, tzinfo=timezone.utc)


def test_a_running_clock_is_checked_again_at_its_warning(rules: Rules) -> None:  # noqa: F811
    question = ticket(id=7, type="question", priority="normal", tags=frozenset(), created_at=MONDAY_9,
                      updated_at=MONDAY_9, comments=ticket().comments[:1])
    decision = decide(question, TicketState(), rules, now=MONDAY_9 + timedelta(minutes=1), default_project="SUP")
    assert not decision.actions
    assert decision.next_check == MONDAY_9 + timedelta(minutes=22, seconds=30)  # 75 % of 30 minutes


def test_a_notice_held_back_by_quiet_hours_is_looked_at_when_they_end(rules: Rules) -> None:  # noqa: F811
    # product_team notices wait for the quiet hours; nothing else about this ticket changes with time.
    quiet = ticket(id=8, type="question", tags=frozenset({"product_team"}), status="open",
                   created_at=SATURDAY_23 - timedelta(days=30), updated_at=SATURDAY_23 - timedelta(days=30))
    held = decide(quiet, TicketState(), rules, now=SATURDAY_23, default_project="SUP")
    assert not any(a.key.startswith("notify:product_team") for a in held.actions)
    assert held.next_check == datetime(2026, 3, 8, 7, 0, tzinfo=timezone.utc)
    sent = decide(quiet, TicketState(), rules, now=held.next_check, default_project="SUP")
    assert any(a.key.startswith("notify:product_team") for a in sent.actions)


def test_a_closed_pause_makes_the_ticket_due_at_once_an_opened_one_does_not(rules: Rules) -> None:  # noqa: F811
    pending = ticket(id=9, status="pending", updated_at=MONDAY_9)
    opened = decide(pending, TicketState(), rules, now=MONDAY_9, default_project="SUP")
    assert opened.pauses[0][1] == "open"
    # Paused clocks do not ask to be looked at; staleness does: 2 working days after the update.
    assert opened.next_check == datetime(2026, 3, 4, 9, 0, tzinfo=timezone.utc)
    answered = ticket(id=9, status="open", updated_at=MONDAY_9 + timedelta(hours=1))
    state = TicketState(pauses=((MONDAY_9, None),))
    closed = decide(answered, state, rules, now=MONDAY_9 + timedelta(hours=2), default_project="SUP")
    assert closed.pauses[0][1] == "close" and closed.next_check == MONDAY_9 + timedelta(hours=2)
