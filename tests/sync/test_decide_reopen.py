"""decide remembers when a ticket was solved, reopened, and entered its tier; the clocks follow."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from bridge.model import Comment, Decision, Ticket, TicketState
from bridge.rules import Rules, load_rules
from bridge.sync.decide import decide
from bridge.sync.sla_marks import RESTARTED_MARK, STOPPED_MARK, TIER_MARK

ROOT = Path(__file__).resolve().parents[2]
CREATED = datetime(2026, 11, 23, 9, tzinfo=timezone.utc)  # Monday; gmt-office Mon-Fri 08:00-16:00
SOLVED = datetime(2026, 11, 24, 10, tzinfo=timezone.utc)
REOPENED = datetime(2026, 11, 30, 10, tzinfo=timezone.utc)


@pytest.fixture(scope="module")
def rules() -> Rules:
    """The shipped rules, every breach with a notice of its own: these tests judge days after
    the due times they check (a breach that old is otherwise for the catch-up summary)."""
    shipped = load_rules(ROOT / "rules.yaml")
    return shipped.model_copy(update={"notifications": shipped.notifications.model_copy(update={"catch_up": "none"})})


def question(**changes: object) -> Ticket:
    """A Support Query (response 30m, review 1d, resolution 3d), answered at once."""
    base = Ticket(
        id=7, subject="How do I export invoices?", description="Where is the export?", status="open",
        priority="normal", type="question", tags=frozenset({"reviewed"}), created_at=CREATED, updated_at=CREATED,
        requester_email="ann@client.example",
        comments=(
            Comment("1", "Where is the export?", True, "ann@client.example", CREATED),
            Comment("2", "Under Reports.", True, "agent@us.example", CREATED + timedelta(minutes=10)),
        ),
    )
    return replace(base, **changes)  # type: ignore[arg-type]


def marks(decision: Decision) -> dict[str, str]:
    return {name: value for (_, name), value in decision.marks.items()}


def sla_notices(decision: Decision) -> list[str]:
    return [a.key for a in decision.actions if a.key.startswith("notify:sla:")]


def test_solving_then_reopening_restarts_the_clocks_from_the_reopen(rules: Rules) -> None:
    # Seen open at the default tier: nothing to record (no record there means "since creation").
    first = decide(question(), TicketState(), rules, now=CREATED + timedelta(minutes=15), default_project="SUP")
    assert marks(first) == {}
    state = TicketState(marks=marks(first))

    # Seen solved: the stop is recorded, once.
    solved = question(status="solved", updated_at=SOLVED)
    stopped = decide(solved, state, rules, now=SOLVED, default_project="SUP")
    assert marks(stopped) == {STOPPED_MARK: SOLVED.isoformat()}
    state = TicketState(marks={**state.marks, **marks(stopped)})
    assert marks(decide(solved, state, rules, now=SOLVED + timedelta(hours=1), default_project="SUP")) == {}

    # Seen open again: the restart is recorded at the update that reopened it.
    reopened = question(status="open", updated_at=REOPENED)
    later = datetime(2026, 12, 3, 11, tzinfo=timezone.utc)  # Thursday, 3 working days after the reopen and an hour
    decision = decide(reopened, state, rules, now=later, default_project="SUP")
    assert marks(decision) == {STOPPED_MARK: "", RESTARTED_MARK: REOPENED.isoformat()}
    # The resolution breach is dated from the reopen (3 working days: Thursday 10:00), not
    # from the creation (Thursday 26 November 09:00); the response breach from the reopen too.
    assert "notify:sla:7:resolution:breach:2026-12-03T10:00:00+00:00" in sla_notices(decision)
    assert "notify:sla:7:response:breach:2026-11-30T10:30:00+00:00" in sla_notices(decision)
    assert not any("2026-11-26" in key for key in sla_notices(decision))

    # Without the marks, the same ticket at the same moment counts from its creation.
    forgetful = decide(reopened, TicketState(), rules, now=later, default_project="SUP")
    assert "notify:sla:7:resolution:breach:2026-11-26T09:00:00+00:00" in sla_notices(forgetful)

    # Next time round the restart is known and nothing is written again.
    state = TicketState(marks={**state.marks, **marks(decision)})
    again = decide(reopened, state, rules, now=later + timedelta(minutes=5), default_project="SUP")
    assert marks(again) == {}
    assert sla_notices(again) == sla_notices(decision)


def test_a_reopened_ticket_is_judged_again_at_its_restarted_warning(rules: Rules) -> None:
    state = TicketState(marks={STOPPED_MARK: SOLVED.isoformat(), TIER_MARK: f"1 {CREATED.isoformat()}"})
    reopened = question(status="open", updated_at=REOPENED)
    decision = decide(reopened, state, rules, now=REOPENED + timedelta(minutes=1), default_project="SUP")
    assert decision.next_check == REOPENED + timedelta(minutes=22, seconds=30)  # 75 % of the 30 min response
    assert sla_notices(decision) == []


def test_a_ticket_never_solved_gets_no_stop_or_restart_marks(rules: Rules) -> None:
    ticket = question(updated_at=CREATED + timedelta(hours=2))
    state = TicketState(marks={TIER_MARK: f"1 {CREATED.isoformat()}"})
    for now in (CREATED + timedelta(hours=3), datetime(2026, 12, 3, 11, tzinfo=timezone.utc)):
        assert marks(decide(ticket, state, rules, now=now, default_project="SUP")) == {}


def test_moving_up_a_tier_records_the_entry_and_the_tier_target_counts_from_it(rules: Rules) -> None:
    state = TicketState(marks={TIER_MARK: f"1 {CREATED.isoformat()}"})
    moved_at = datetime(2026, 11, 24, 10, tzinfo=timezone.utc)
    moved = question(tags=frozenset({"reviewed", "tier2"}), updated_at=moved_at)
    decision = decide(moved, state, rules, now=moved_at, default_project="SUP")
    assert marks(decision)[TIER_MARK] == f"2 {moved_at.isoformat()}"
    state = TicketState(marks=marks(decision))
    due = "2026-11-26T10:00:00+00:00"  # 2 working days from Tuesday 10:00
    late = decide(moved, state, rules, now=datetime(2026, 11, 26, 10, tzinfo=timezone.utc), default_project="SUP")
    assert f"notify:sla:7:tier2_response:breach:{due}" in sla_notices(late)


def test_a_ticket_back_at_the_default_tier_counts_from_its_return_not_its_creation(rules: Rules) -> None:
    moved_at = datetime(2026, 11, 24, 10, tzinfo=timezone.utc)
    moved = question(tags=frozenset({"reviewed", "tier2"}), updated_at=moved_at)
    decision = decide(moved, TicketState(), rules, now=moved_at, default_project="SUP")  # no record before
    assert marks(decision)[TIER_MARK] == f"2 {moved_at.isoformat()}"
    back_at = datetime(2026, 11, 25, 10, tzinfo=timezone.utc)
    back = question(updated_at=back_at)  # the tier2 tag removed: tier 1 again
    decision = decide(back, TicketState(marks=marks(decision)), rules, now=back_at, default_project="SUP")
    assert marks(decision)[TIER_MARK] == f"1 {back_at.isoformat()}"
    # The tier-1 reply of Monday answered the first spell at tier 1, not this one.
    late = decide(back, TicketState(marks=marks(decision)), rules, now=datetime(2026, 11, 26, 10, tzinfo=timezone.utc),
                  default_project="SUP")
    assert "notify:sla:7:tier1_response:breach:2026-11-26T10:00:00+00:00" in sla_notices(late)


def test_a_deleted_ticket_gets_nothing_and_no_mark(rules: Rules) -> None:
    # Overdue, at the top tier (it would escalate): deleted, nothing is planned or marked.
    overdue = question(tags=frozenset({"tier4"}), comments=question().comments[:1], updated_at=SOLVED)
    later = datetime(2026, 12, 3, 11, tzinfo=timezone.utc)
    assert decide(overdue, TicketState(), rules, now=later, default_project="SUP").actions
    deleted = replace(overdue, status="deleted", updated_at=REOPENED)
    # (no stop mark either: restored as it was, it is no reopen, and its clocks ran on)
    assert decide(deleted, TicketState(), rules, now=later, default_project="SUP") == Decision()
