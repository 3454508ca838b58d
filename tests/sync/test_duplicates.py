"""Duplicates, in the pure core: a later ticket of one organisation on one Jira issue is merged into the first."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta, timezone

import pytest

from bridge.model import ActionKind, Link, LinkedTicket, TicketState
from bridge.rules import Rules
from bridge.sync.decide import decide
from tests.sync.test_decide import NOW, keys, rules, ticket  # noqa: F401 (rules: the module's fixture)

ISSUE = "SUP-7"
ORIGINAL = LinkedTicket(90, "Acme Corp", NOW - timedelta(days=2))


def tagged(**changes: object):  # type: ignore[no-untyped-def]
    """A colleague of the original's requester, whose agent tagged the ticket with the issue."""
    base = ticket(
        id=102, tags=frozenset({f"jira_{ISSUE.lower()}"}), requester_email="lee@acme.example", requester_name="Lee Park",
    )
    return replace(base, **changes)  # type: ignore[arg-type]


def with_flag(rules: Rules, *, merge: bool = True, notify: bool = False) -> Rules:
    notifications = rules.notifications.model_copy(
        update={"events": rules.notifications.events.model_copy(update={"duplicate": notify}), "quiet_hours": None}
    )
    return rules.model_copy(
        update={"duplicates": rules.duplicates.model_copy(update={"merge": merge}), "notifications": notifications}
    )


def kinds(decision) -> list[ActionKind]:  # type: ignore[no-untyped-def]
    return [a.kind for a in decision.actions]


def test_a_colleagues_ticket_on_the_issue_is_merged_into_the_original_instead_of_attached(rules: Rules) -> None:
    decision = decide(tagged(), TicketState(issue_tickets=(ORIGINAL,)), rules, now=NOW, default_project="SUP")
    [merge] = [a for a in decision.actions if a.kind is ActionKind.MERGE_TICKET]
    assert merge.params["into"] == 90 and merge.issue_key == ISSUE and merge.key == "merge:102:90"
    assert ActionKind.LINK_TICKET not in kinds(decision) and ActionKind.COMMENT_ISSUE not in kinds(decision)
    # The requester is told where their request went; the original's agents, whose it was.
    assert "#90" in merge.params["reply"] and ISSUE in merge.params["reply"] and merge.params["reply_public"]
    assert "#102" in merge.params["note"] and "Lee Park <lee@acme.example>" in merge.params["note"]
    assert "Acme Corp" in merge.params["note"]


@pytest.mark.parametrize(
    ("why", "state_changes", "ticket_changes"),
    [
        ("another organisation: a customer of its own", {"issue_tickets": (replace(ORIGINAL, organization="Globex"),)}, {}),
        ("no organisation: nobody's colleague", {}, {"organization": None}),
        # (the store hands over open tickets only: a solved or closed original is none)
        ("no other open ticket on the issue", {"issue_tickets": ()}, {}),
    ],
)
def test_a_ticket_that_is_no_duplicate_is_attached_as_before(rules: Rules, why: str, state_changes, ticket_changes) -> None:  # type: ignore[no-untyped-def]
    state = replace(TicketState(issue_tickets=(ORIGINAL,)), **state_changes)
    decision = decide(tagged(**ticket_changes), state, rules, now=NOW, default_project="SUP")
    assert ActionKind.MERGE_TICKET not in kinds(decision), why
    assert f"attach:102:{ISSUE}" in keys(decision), why


def test_merging_is_off_unless_the_rules_turn_it_on(rules: Rules) -> None:
    decision = decide(tagged(), TicketState(issue_tickets=(ORIGINAL,)), with_flag(rules, merge=False), now=NOW, default_project="SUP")
    assert ActionKind.MERGE_TICKET not in kinds(decision)
    assert f"attach:102:{ISSUE}" in keys(decision)


def test_a_ticket_on_the_issue_already_is_left_as_it_is(rules: Rules) -> None:
    # Attached before merging was turned on, or at the same moment as its colleague's: no
    # closing e-mail to a customer whose ticket was taken on as their own.
    linked = Link(102, ISSUE, NOW - timedelta(hours=1))
    decision = decide(tagged(), TicketState(link=linked, issue_tickets=(ORIGINAL,)), rules, now=NOW, default_project="SUP")
    assert ActionKind.MERGE_TICKET not in kinds(decision)


def test_a_ticket_whose_merge_was_refused_joins_the_issue(rules: Rules) -> None:
    # The original had ended when the merge was made: the executor marks it, and the ticket is judged again.
    state = TicketState(issue_tickets=(ORIGINAL,), planned=frozenset({"merge:102:90"}), marks={"not_merged_into": "90"})
    decision = decide(tagged(), state, rules, now=NOW, default_project="SUP")
    assert f"attach:102:{ISSUE}" in keys(decision)
    other = LinkedTicket(95, "Acme Corp", NOW - timedelta(days=1))  # a later colleague's, still open
    state = replace(state, issue_tickets=(ORIGINAL, other))
    assert [a.params["into"] for a in decide(tagged(), state, rules, now=NOW, default_project="SUP").actions
            if a.kind is ActionKind.MERGE_TICKET] == [95]


def test_of_several_originals_the_one_linked_first_is_taken(rules: Rules) -> None:
    newer = LinkedTicket(80, "Acme Corp", NOW - timedelta(days=1))
    decision = decide(tagged(), TicketState(issue_tickets=(newer, ORIGINAL)), rules, now=NOW, default_project="SUP")
    assert [a.params["into"] for a in decision.actions if a.kind is ActionKind.MERGE_TICKET] == [90]


def test_a_solved_ticket_is_not_merged_and_a_closed_one_is_not_attached(rules: Rules) -> None:
    solved = decide(tagged(status="solved"), TicketState(issue_tickets=(ORIGINAL,)), rules, now=NOW, default_project="SUP")
    assert ActionKind.MERGE_TICKET not in kinds(solved)
    # Closed is final in Zendesk: neither a merge nor an attach could change it (a merged ticket is closed).
    closed = decide(tagged(status="closed"), TicketState(issue_tickets=(ORIGINAL,)), rules, now=NOW, default_project="SUP")
    assert closed.actions == []


def test_a_planned_merge_is_not_planned_again_nor_replaced_by_an_attach(rules: Rules) -> None:
    state = TicketState(issue_tickets=(ORIGINAL,), planned=frozenset({"merge:102:90"}))
    decision = decide(tagged(), state, rules, now=NOW, default_project="SUP")
    assert not [a for a in decision.actions if a.kind in (ActionKind.MERGE_TICKET, ActionKind.LINK_TICKET)]


def test_the_manager_hears_of_a_merge_in_the_originals_thread_when_the_rules_ask(rules: Rules) -> None:
    quiet = decide(tagged(), TicketState(issue_tickets=(ORIGINAL,)), with_flag(rules, notify=False), now=NOW, default_project="SUP")
    assert ActionKind.NOTIFY not in kinds(quiet)
    told = decide(tagged(), TicketState(issue_tickets=(ORIGINAL,)), with_flag(rules, notify=True), now=NOW, default_project="SUP")
    [notice] = [a for a in told.actions if a.kind is ActionKind.NOTIFY and a.params["kind"] == "duplicate"]
    assert notice.ticket_id == 90 and notice.after == "merge:102:90"
    assert "#102 merged into #90" in notice.params["text"] and ISSUE in notice.params["text"]


def test_a_merge_made_during_quiet_hours_is_told_when_they_end(rules: Rules) -> None:
    # The merged ticket is closed: no later decision judges it to tell the manager then, so the
    # notice is planned now, not to go before quiet hours (20:00–07:00 London) end.
    events = rules.notifications.events.model_copy(update={"duplicate": True})
    night = rules.model_copy(update={"notifications": rules.notifications.model_copy(update={"events": events})})
    saturday_23 = datetime(2026, 3, 7, 23, 0, tzinfo=timezone.utc)
    late = tagged(created_at=saturday_23 - timedelta(hours=1), updated_at=saturday_23 - timedelta(minutes=5))
    decision = decide(late, TicketState(issue_tickets=(ORIGINAL,)), night, now=saturday_23, default_project="SUP")
    [notice] = [a for a in decision.actions if a.kind is ActionKind.NOTIFY and a.params["kind"] == "duplicate"]
    assert notice.not_before == datetime(2026, 3, 8, 7, 0, tzinfo=timezone.utc)
    by_day = decide(late, TicketState(issue_tickets=(ORIGINAL,)), night, now=NOW, default_project="SUP")
    assert [a.not_before for a in by_day.actions if a.kind is ActionKind.NOTIFY] == [None]


@pytest.mark.parametrize(
    ("days", "merged_at", "told_at"),
    [
        # quiet on weeknights only: Friday's night runs on into Saturday morning, past midnight
        (["mon-fri"], datetime(2026, 3, 6, 23, 0, tzinfo=timezone.utc), datetime(2026, 3, 7, 7, 0, tzinfo=timezone.utc)),
        # the night the clocks go forward in London: 07:00 BST is 06:00 UTC
        (["mon-sun"], datetime(2026, 3, 28, 23, 30, tzinfo=timezone.utc), datetime(2026, 3, 29, 6, 0, tzinfo=timezone.utc)),
    ],
)
def test_a_held_merge_notice_waits_for_the_end_of_the_quiet_spell_not_the_next_midnight(
    rules: Rules, days: list[str], merged_at: datetime, told_at: datetime
) -> None:
    events = rules.notifications.events.model_copy(update={"duplicate": True})
    quiet = rules.notifications.quiet_hours.model_copy(update={"days": tuple(days)})  # type: ignore[union-attr]
    night = rules.model_copy(update={"notifications": rules.notifications.model_copy(update={"events": events, "quiet_hours": quiet})})
    late = tagged(created_at=merged_at - timedelta(hours=1), updated_at=merged_at - timedelta(minutes=5))
    decision = decide(late, TicketState(issue_tickets=(ORIGINAL,)), night, now=merged_at, default_project="SUP")
    assert [a.not_before for a in decision.actions if a.kind is ActionKind.NOTIFY] == [told_at]
