"""Agents move a linked ticket to another issue by changing its `jira_<key>` tag. Pure parts."""

from __future__ import annotations

from datetime import timedelta

from bridge.model import ActionKind, Decision, Link, TicketState
from bridge.rules import Rules
from bridge.sync.decide import decide
from bridge.sync.mirror import ISSUE_DELETED_MARK
from bridge.sync.repoint import ISSUE_TAG_MARK
from tests.sync.test_decide import NOW, rules, ticket  # noqa: F401 (rules: the module's fixture)

LINK = Link(101, "SUP-7", NOW - timedelta(days=1))
ON_SUP7 = {ISSUE_TAG_MARK: "SUP-7"}  # seen carrying its issue's tag


def _decide(rules: Rules, tags: set[str], marks: dict[str, str] | None = None, **state: object) -> Decision:
    known = TicketState(link=state.pop("link", LINK), marks=ON_SUP7 if marks is None else marks, **state)  # type: ignore[arg-type]
    return decide(ticket(tags=frozenset(tags)), known, rules, now=NOW, default_project="SUP")


def _of(decision: Decision, kind: ActionKind) -> list:  # type: ignore[type-arg]
    """The actions of `kind` a retag planned (not the routing's, nor the mirrored replies)."""
    return [a for a in decision.actions if a.kind is kind and a.key.startswith("repoint")]


def test_a_ticket_first_seen_with_its_issues_tag_is_marked_and_nothing_moves(rules: Rules) -> None:
    decision = _decide(rules, {"tier4", "jira_escalated", "jira_sup-7"}, marks={})
    assert decision.marks[(101, ISSUE_TAG_MARK)] == "SUP-7"
    assert not _of(decision, ActionKind.LINK_TICKET) and not _of(decision, ActionKind.NOTE_TICKET)
    # Seen before: nothing more to keep.
    assert (101, ISSUE_TAG_MARK) not in _decide(rules, {"tier4", "jira_sup-7"}).marks


def test_the_tag_replaced_moves_the_link_and_tells_both_issues_and_the_agents(rules: Rules) -> None:
    decision = _decide(rules, {"tier4", "jira_escalated", "jira_sup-9"})
    [move] = _of(decision, ActionKind.LINK_TICKET)
    assert move.issue_key == "SUP-9" and move.params["moved_from"] == "SUP-7" and move.params["by_tag"]
    assert move.params["since"] == ticket().updated_at.isoformat()  # a pause on SUP-7's status ends at the retag
    comments = {a.issue_key: a for a in _of(decision, ActionKind.COMMENT_ISSUE)}
    assert set(comments) == {"SUP-9", "SUP-7"}
    assert "#101 is about this issue now" in comments["SUP-9"].params["body"]
    assert "Dana Smith <dana@acme.example>, Acme Corp" in comments["SUP-9"].params["body"]
    assert "moved it to SUP-9" in comments["SUP-7"].params["body"]
    [note] = _of(decision, ActionKind.NOTE_TICKET)
    assert "SUP-9 now, no longer to SUP-7" in note.params["note"]
    # Each waits for the move, and is left out if it did not happen.
    assert all(a.after == move.key and a.params["attached"] for a in [*comments.values(), note])


def test_a_move_is_planned_once_per_link_and_again_after_moving_back(rules: Rules) -> None:
    first = _decide(rules, {"jira_sup-9"})
    planned = frozenset(a.key for a in first.actions)
    assert not _of(_decide(rules, {"jira_sup-9"}, planned=planned), ActionKind.LINK_TICKET)
    # Moved to SUP-9, then back to SUP-7 by hand, then to SUP-9 again: a new link each time.
    back = Link(101, "SUP-7", NOW - timedelta(minutes=5))
    again = _decide(rules, {"jira_sup-9"}, link=back, planned=planned)
    assert len(_of(again, ActionKind.LINK_TICKET)) == 1


def test_a_link_the_bridge_moved_is_not_moved_back_by_the_tags_it_has_not_changed_yet(rules: Rules) -> None:
    # SUP-7 was closed as a duplicate of SUP-3: the link moved first; the tags change next.
    moved = Link(101, "SUP-3", NOW - timedelta(minutes=1))
    decision = _decide(rules, {"jira_sup-7"}, link=moved)
    assert not _of(decision, ActionKind.LINK_TICKET) and not _of(decision, ActionKind.NOTE_TICKET)
    assert (101, ISSUE_TAG_MARK) not in decision.marks


def test_a_link_stored_before_the_mark_existed_moves_on_its_first_retag(rules: Rules) -> None:
    assert len(_of(_decide(rules, {"jira_sup-9"}, marks={}), ActionKind.LINK_TICKET)) == 1


def test_a_move_of_the_bridges_own_in_either_order_is_not_taken_for_a_retag(rules: Rules) -> None:
    # SUP-7 moved to another project and is OPS-4: the note swapping the tag was written, but the
    # store had not rekeyed the link yet (it does so after); or the other way round.
    note_first = frozenset({"issue_moved:101:SUP-7:OPS-4"})
    assert not _of(_decide(rules, {"jira_ops-4"}, marks={}, planned=note_first), ActionKind.LINK_TICKET)
    rekeyed = Link(101, "OPS-4", LINK.created_at)
    assert not _of(_decide(rules, {"jira_sup-7"}, marks={}, link=rekeyed, planned=note_first), ActionKind.LINK_TICKET)
    duplicate = frozenset({"follow_original:101:SUP-7:SUP-3"})
    moved = Link(101, "SUP-3", NOW)
    assert not _of(_decide(rules, {"jira_sup-7"}, marks={}, link=moved, planned=duplicate), ActionKind.LINK_TICKET)


def test_the_tag_removed_with_none_put_instead_leaves_the_link(rules: Rules) -> None:
    decision = _decide(rules, {"tier4", "jira_escalated"})
    assert not _of(decision, ActionKind.LINK_TICKET) and not _of(decision, ActionKind.NOTE_TICKET)


def test_two_issues_tagged_leave_the_link_and_tell_the_agents_once(rules: Rules) -> None:
    both = _decide(rules, {"jira_sup-7", "jira_sup-9"})
    [note] = _of(both, ActionKind.NOTE_TICKET)
    assert not _of(both, ActionKind.LINK_TICKET)
    assert "remove the tag jira_sup-7" in note.params["note"] and "remove jira_sup-9" in note.params["note"]
    assert not _of(_decide(rules, {"jira_sup-7", "jira_sup-9"}, planned=frozenset([note.key])), ActionKind.NOTE_TICKET)
    two_new = _decide(rules, {"jira_sup-8", "jira_sup-9"})
    [note] = _of(two_new, ActionKind.NOTE_TICKET)
    assert "name SUP-8 and SUP-9 instead" in note.params["note"] and not _of(two_new, ActionKind.LINK_TICKET)


def test_a_closed_ticket_is_not_moved(rules: Rules) -> None:
    decision = decide(ticket(status="closed", tags=frozenset({"jira_sup-9"})), TicketState(link=LINK, marks=ON_SUP7),
                      rules, now=NOW, default_project="SUP")
    assert not _of(decision, ActionKind.LINK_TICKET)


def test_a_ticket_of_a_deleted_issue_moves_without_a_comment_on_it(rules: Rules) -> None:
    decision = _decide(rules, {"jira_sup-9"}, marks={**ON_SUP7, ISSUE_DELETED_MARK: "SUP-7"})
    assert len(_of(decision, ActionKind.LINK_TICKET)) == 1
    assert [a.issue_key for a in _of(decision, ActionKind.COMMENT_ISSUE)] == ["SUP-9"]


def test_a_reply_made_with_the_retag_waits_for_the_move_and_goes_to_the_new_issue(rules: Rules) -> None:
    from bridge.model import Comment

    reply = Comment("9", "It fails again", True, "dana@acme.example", NOW)
    t = ticket(tags=frozenset({"jira_sup-9"}), comments=(*ticket().comments, reply))
    before = decide(t, TicketState(link=LINK, marks=ON_SUP7), rules, now=NOW, default_project="SUP")
    assert _of(before, ActionKind.LINK_TICKET) and not [a for a in before.actions if a.kind is ActionKind.COMMENT_ISSUE
                                                       and a.key.startswith("comment_to_jira")]
    moved = Link(101, "SUP-9", NOW)  # the executor moved it (and made the ticket due)
    seen = {ISSUE_TAG_MARK: "SUP-9", "zendesk_comments_seen": "2"}  # (set when it was escalated)
    after = decide(t, TicketState(link=moved, marks=seen), rules, now=NOW, default_project="SUP")
    assert [a.issue_key for a in after.actions if a.key == "comment_to_jira:101:9"] == ["SUP-9"]


def test_a_retag_again_after_one_left_out_is_a_move_of_its_own(rules: Rules) -> None:
    first = _decide(rules, {"jira_sup-9"})
    planned = frozenset(a.key for a in first.actions)
    # The agents changed it back before the move ran: the executor left it out and counted a round.
    again = _decide(rules, {"jira_sup-9"}, marks={ISSUE_TAG_MARK: "SUP-7#1"}, planned=planned)
    [move] = _of(again, ActionKind.LINK_TICKET)
    assert move.key not in planned and move.key.endswith("#1")
