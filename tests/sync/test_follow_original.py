"""An issue closed in Jira as a duplicate of another: its tickets follow the original. Pure parts."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from bridge.connectors.jira_json import duplicated_issue, links_the_issue
from bridge.model import ActionKind, Issue, Link, TicketState
from bridge.rules import Rules, load_rules
from bridge.sync.backsync import backsync, moved_marks
from bridge.sync.decide import decide
from tests.sync.test_decide import NOW, ROOT, rules, ticket  # noqa: F401 (rules: the module's fixture)

LINK = Link(101, "SUP-7", NOW - timedelta(days=1))
AT_WORK = {"jira_status": "In Progress", "jira_category": "indeterminate", "zendesk_status_set": "hold"}


def closed_as_duplicate(**changes: object) -> Issue:
    base = Issue("SUP-7", "Checkout fails", "Done", "done", frozenset(), NOW, resolution="Duplicate", duplicates="SUP-3")
    return replace(base, **changes)  # type: ignore[arg-type]


def test_the_duplicate_link_is_read_from_the_issues_side_of_it() -> None:
    def link(name: str, side: str, key: str = "SUP-3") -> dict:
        return {"type": {"name": name, "inward": "is duplicated by", "outward": "duplicates"}, side: {"key": key}}

    assert duplicated_issue([link("Relates", "outwardIssue"), link("Duplicate", "outwardIssue")]) == "SUP-3"
    assert duplicated_issue([link("Duplicate", "inwardIssue")]) is None  # SUP-3 duplicates this one: this is the original
    assert duplicated_issue([link("Blocks", "outwardIssue")]) is None
    assert duplicated_issue(None) is None and duplicated_issue("junk") is None


def test_a_link_made_from_the_bridges_account_is_read_like_a_move() -> None:
    # (The bridge never links issues; a person sharing its account may.)
    assert links_the_issue({"items": [{"field": "Link", "toString": "This issue duplicates SUP-3"}]})
    assert not links_the_issue({"items": [{"field": "labels", "fieldId": "labels"}]})
    assert not links_the_issue(None) and not links_the_issue({"items": "junk"})


def test_the_tickets_of_an_issue_done_as_a_duplicate_follow_the_original_instead_of_going_back(rules: Rules) -> None:
    decision = backsync(closed_as_duplicate(), [(LINK, TicketState(link=LINK, marks=AT_WORK))], rules)
    by_kind = {a.kind: a for a in decision.actions}
    assert set(by_kind) == {ActionKind.LINK_TICKET, ActionKind.COMMENT_ISSUE, ActionKind.NOTE_TICKET}
    move = by_kind[ActionKind.LINK_TICKET]
    assert move.issue_key == "SUP-3" and move.params["moved_from"] == "SUP-7"
    note = by_kind[ActionKind.NOTE_TICKET]
    assert note.after == move.key and note.issue_key == "SUP-3"
    assert note.params["add_tags"] == ["jira_sup-3"] and note.params["remove_tags"] == ["jira_sup-7"]
    assert "status" not in note.params  # not sent back to the agents as Done as Duplicate would without the link
    assert "duplicate of SUP-3" in note.params["note"]
    assert "#101" in by_kind[ActionKind.COMMENT_ISSUE].params["body"]
    # Nothing is written to the ticket's marks until its link moves (the executor does both at once).
    assert not [name for (t, name) in decision.marks if t == 101 and name.startswith(("jira_status", "zendesk_status"))]
    assert move.params["since"] == NOW.isoformat()  # where a pause on SUP-7's status ended


def test_a_late_view_of_the_issue_moves_nothing(rules: Rules) -> None:
    newer = AT_WORK | {"jira_updated": (NOW + timedelta(minutes=5)).isoformat()}  # reopened since, say
    decision = backsync(closed_as_duplicate(), [(LINK, TicketState(link=LINK, marks=newer))], rules)
    assert decision.actions == []


def test_a_ticket_moved_to_the_original_takes_its_status_as_a_newly_linked_one_would(rules: Rules) -> None:
    moved = Link(101, "SUP-3", NOW)
    emptied = moved_marks(since=NOW.isoformat())
    original = Issue("SUP-3", "Checkout fails", "In Review", "indeterminate", frozenset(), NOW - timedelta(days=2))
    decision = backsync(original, [(moved, TicketState(link=moved, marks=emptied))], rules)
    [note] = [a for a in decision.actions if a.kind is ActionKind.NOTE_TICKET]
    assert "SUP-3 moved to In Review" in note.params["note"]  # older than SUP-7's last view: still news


def test_a_pause_on_the_old_issues_status_ends_when_it_was_done_not_when_it_began() -> None:
    rules = load_rules(ROOT / "examples" / "pacific.yaml")  # the clocks stop while the fix waits for release
    began, done = NOW - timedelta(days=11), NOW - timedelta(hours=2)
    waiting = TicketState(link=Link(101, "SUP-3", NOW), pauses=((began, None),),
                          marks=moved_marks(since=done.isoformat()))
    decision = decide(ticket(updated_at=began), waiting, rules, now=NOW, default_project="SUP")
    assert decision.pauses == ((101, "close", done),)


def test_an_issue_not_done_or_duplicating_nothing_keeps_its_tickets(rules: Rules) -> None:
    for issue in (
        closed_as_duplicate(status="In Progress", status_category="indeterminate"),  # linked, still being looked at
        closed_as_duplicate(duplicates=None),
        closed_as_duplicate(duplicates="SUP-7"),  # a link to itself
    ):
        decision = backsync(issue, [(LINK, TicketState(link=LINK, marks=AT_WORK))], rules)
        assert ActionKind.LINK_TICKET not in [a.kind for a in decision.actions], issue
