"""Decisions do not depend on when they happen to run: a pause ends with the update that ended it; an escalation held back by quiet hours is told when they end."""

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


def test_an_escalation_during_quiet_hours_is_told_to_the_manager_when_they_end() -> None:
    rules = load_rules(ROOT / "rules.yaml")  # quiet hours 20:00-07:00 Europe/London
    night = datetime(2026, 11, 24, 2, 0, tzinfo=timezone.utc)
    ticket = Ticket(
        id=11, subject="Site down", description="Nothing loads", status="open", priority="urgent", type="incident",
        tags=frozenset({"tier4"}), created_at=night, updated_at=night, requester_email="dana@acme.example",
        comments=(Comment("1", "Nothing loads", True, "dana@acme.example", night),),
    )
    first = decide(ticket, TicketState(), rules, now=night, default_project="SUP")
    kinds = {a.kind.value for a in first.actions}
    assert "create_issue" in kinds and "notify" not in kinds  # escalated at once, the manager not woken
    assert first.next_check is not None and first.next_check <= datetime(2026, 11, 24, 7, 0, tzinfo=timezone.utc)

    morning = decide(ticket, TicketState(planned=frozenset(a.key for a in first.actions)), rules,
                     now=datetime(2026, 11, 24, 7, 1, tzinfo=timezone.utc), default_project="SUP")
    assert [a.key for a in morning.actions if a.kind.value == "notify"] == ["notify:escalated:11"]
    again = decide(ticket, TicketState(planned=frozenset(a.key for a in first.actions + morning.actions)), rules,
                   now=datetime(2026, 11, 24, 7, 2, tzinfo=timezone.utc), default_project="SUP")
    assert not [a for a in again.actions if a.kind.value == "notify" and a.key == "notify:escalated:11"]


def test_a_pause_on_the_linked_issue_s_status_runs_from_its_move_in_jira_to_its_move_back() -> None:
    """examples/pacific.yaml pauses while the issue is "Waiting for release": the ticket is not
    updated when that begins or ends, so its last update dates neither."""
    from bridge.model import Issue, Link
    from bridge.sync.backsync import backsync

    rules = load_rules(ROOT / "examples" / "pacific.yaml")
    touched = datetime(2026, 11, 16, 17, tzinfo=timezone.utc)
    ticket = Ticket(
        id=9, subject="Export fails", description="Every export fails", status="hold", priority="normal",
        type="incident", tags=frozenset(), created_at=touched - timedelta(hours=1), updated_at=touched,
        requester_email="dana@acme.example", comments=(Comment("1", "Every export fails", True, "dana@acme.example", touched),),
    )
    link = Link(9, "ENG-1", touched)
    state = TicketState(link=link)

    def issue_at(status: str, moved: datetime) -> TicketState:
        issue = Issue("ENG-1", "Export fails", status, "indeterminate", frozenset(), moved)
        marks = {name: value for (_, name), value in backsync(issue, [(link, state)], rules).marks.items()}
        return TicketState(link=link, marks={**state.marks, **marks}, pauses=state.pauses)

    waiting = datetime(2026, 11, 19, 20, tzinfo=timezone.utc)
    state = issue_at("Waiting for release", waiting)
    opened = decide(ticket, state, rules, now=waiting + timedelta(seconds=5), default_project="ENG").pauses
    assert opened == ((9, "open", waiting),)  # not the ticket's update three days before

    released = datetime(2026, 11, 30, 20, tzinfo=timezone.utc)
    state = TicketState(link=link, marks=state.marks, pauses=((waiting, None),))
    state = issue_at("In Progress", released)
    closed = decide(ticket, state, rules, now=released + timedelta(seconds=5), default_project="ENG").pauses
    assert closed == ((9, "close", released),)  # not before it began: the week waiting counts as paused


def test_a_jira_move_does_not_date_a_pause_the_rules_do_not_take_from_jira() -> None:
    """The shipped rules pause on `pending` only: an unrelated move of the issue, recorded before
    the decision that sees the customer's answer, does not move the pause's end."""
    from bridge.model import Link
    from bridge.sync.backsync import STATUS_SINCE_MARK

    rules = load_rules(ROOT / "rules.yaml")
    answered = MONDAY + timedelta(hours=3)
    ticket = Ticket(
        id=9, subject="Export fails", description="Every export fails", status="open", priority="normal",
        type="incident", tags=frozenset(), created_at=MONDAY, updated_at=answered, requester_email="dana@acme.example",
        comments=(Comment("1", "Every export fails", True, "dana@acme.example", MONDAY),),
    )
    moved = (answered + timedelta(days=1)).isoformat()
    state = TicketState(link=Link(9, "SUP-1", MONDAY), pauses=((MONDAY + timedelta(hours=1), None),),
                        marks={"jira_status": "In Progress", STATUS_SINCE_MARK: moved})
    closed = decide(ticket, state, rules, now=answered + timedelta(days=1, hours=1), default_project="SUP").pauses
    assert closed == ((9, "close", answered),)
