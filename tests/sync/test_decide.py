"""The pure core, with plain data and the shipped rules.yaml."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from bridge.connectors.jira_json import comment_from_json
from bridge.model import ActionKind, Comment, Issue, Link, Ticket, TicketState
from bridge.rules import Rules, load_rules
from bridge.sync.backsync import backsync
from bridge.sync.decide import decide
from bridge.sync.escalate import issue_key_from_tags, issue_tag

ROOT = Path(__file__).resolve().parents[2]
NOW = datetime(2026, 3, 3, 10, 0, tzinfo=timezone.utc)  # a Tuesday, inside office hours


@pytest.fixture(scope="module")
def rules() -> Rules:
    return load_rules(ROOT / "rules.yaml")


def ticket(**changes: object) -> Ticket:
    base = Ticket(
        id=101,
        subject="Checkout fails with error 500",
        description="Customers cannot pay since this morning.",
        status="open",
        priority="high",
        type="incident",
        tags=frozenset({"tier4"}),
        created_at=NOW - timedelta(minutes=20),
        updated_at=NOW - timedelta(minutes=1),
        requester_email="dana@acme.example",
        requester_name="Dana Smith",
        organization="Acme Corp",
        url="https://acme.zendesk.com/agent/tickets/101",
        comments=(
            Comment("1", "Customers cannot pay since this morning.", True, "dana@acme.example", NOW - timedelta(minutes=20)),
            Comment("2", "Repro: add item, pay by card -> HTTP 500. Workaround: PayPal.", False, "agent@help.example", NOW - timedelta(minutes=10)),
        ),
    )
    return replace(base, **changes)  # type: ignore[arg-type]


def keys(decision) -> list[str]:  # type: ignore[no-untyped-def]
    return [a.key for a in decision.actions]


def test_a_tier4_ticket_escalates_with_everything_tiers_1_to_3_wrote(rules: Rules) -> None:
    decision = decide(ticket(), TicketState(), rules, now=NOW, default_project="SUP")
    create = decision.actions[0]
    assert create.kind is ActionKind.CREATE_ISSUE
    assert create.params["project"] == "SUP"
    assert create.params["summary"] == "[ZD#101] Checkout fails with error 500"
    assert create.params["priority"] == "High"
    text = "\n".join(body for _, body in create.params["sections"])
    assert "Dana Smith <dana@acme.example>" in text and "Acme Corp" in text
    assert "Workaround: PayPal" in text  # the internal note travels
    assert "Response due:" in text
    followers = decision.actions[1:]
    assert {a.kind for a in followers} == {ActionKind.LINK_TICKET, ActionKind.NOTE_TICKET, ActionKind.NOTIFY}
    assert all(a.after == create.key for a in followers)
    note = next(a for a in followers if a.kind is ActionKind.NOTE_TICKET)
    assert note.params["status"] == "hold" and "{issue_tag}" in note.params["add_tags"]


def test_nothing_is_planned_twice(rules: Rules) -> None:
    first = decide(ticket(), TicketState(), rules, now=NOW, default_project="SUP")
    kept = {name: value for (_, name), value in first.marks.items()}
    again = decide(ticket(), TicketState(planned=frozenset(keys(first)), marks=kept), rules, now=NOW, default_project="SUP")
    assert again.actions == []


@pytest.mark.parametrize(
    "changes",
    [
        {"tags": frozenset()},
        {"status": "solved"},
        {"tags": frozenset({"tier4", "jira_sup-7"})},  # points at an existing issue: attach, not create
    ],
    ids=["not-tier4", "solved", "already-escalated-per-tags"],
)
def test_no_escalation(rules: Rules, changes: dict) -> None:  # type: ignore[type-arg]
    decision = decide(ticket(**changes), TicketState(), rules, now=NOW, default_project="SUP")
    assert not [a for a in decision.actions if a.kind is ActionKind.CREATE_ISSUE]


def test_a_linked_tickets_public_replies_go_to_jira_but_not_the_bridges_own(rules: Rules) -> None:
    link = Link(101, "SUP-7", NOW - timedelta(minutes=5))
    comments = ticket().comments + (
        Comment("3", "We deployed a fix candidate, please retry.", True, "agent@help.example", NOW - timedelta(minutes=2)),
        Comment("4", "Escalated to development as SUP-7 [escalation-bridge]", False, "bridge", NOW - timedelta(minutes=4), by_bridge=True),
        Comment("5", "Mirrored developer reply [escalation-bridge]", True, "bridge", NOW - timedelta(minutes=1), by_bridge=True),
        Comment("6", "", True, "dana@acme.example", NOW - timedelta(minutes=1),
                attachments=(("after-retry.png", "https://acme.zendesk.com/attachments/token/y/?name=after-retry.png"),)),
    )
    decision = decide(ticket(comments=comments), TicketState(link=link), rules, now=NOW, default_project="SUP")
    mirrored = [a for a in decision.actions if a.kind is ActionKind.COMMENT_ISSUE]
    assert [a.key for a in mirrored] == ["comment_to_jira:101:3", "comment_to_jira:101:6"]
    assert "please retry" in mirrored[0].params["body"]
    # a screenshot alone is a reply too: the developers get where to see it
    assert mirrored[1].params["body"].endswith(
        "Attachments (in Zendesk):\nafter-retry.png: https://acme.zendesk.com/attachments/token/y/?name=after-retry.png")


def test_issue_tags_round_trip() -> None:
    assert issue_tag("SUP-12") == "jira_sup-12"
    assert issue_key_from_tags(frozenset({"vip", "jira_sup-12"})) == "SUP-12"
    assert issue_key_from_tags(frozenset({"jira_escalated", "jira_integration"})) is None
    # Only what could be an issue key: a typo in a tag does not stop an escalation.
    assert issue_key_from_tags(frozenset({"jira_SUP-12"})) == "SUP-12"  # (a file for rules explain may keep the case)
    for typo in ("jira_-1", "jira_a-b-00", "jira_abc-²", "jira_abc-0", "jira_abc-012", "jira_1x-5", "jira_sup-١٢"):
        assert issue_key_from_tags(frozenset({typo})) is None, typo
    assert issue_key_from_tags(frozenset({"jira_my_proj2-7"})) == "MY_PROJ2-7"
    # Tagged with two issues: the same one every time, whatever the set's order.
    for order in (["jira_sup-9", "jira_abc-30", "jira_x-"], ["jira_x-", "jira_abc-30", "jira_sup-9"]):
        assert issue_key_from_tags(frozenset(order)) == "ABC-30"
    # Of one project's, the oldest issue: by number, not by text (sup-10 sorts before sup-9).
    for order in (["jira_sup-9", "jira_sup-10"], ["jira_sup-10", "jira_sup-9"]):
        assert issue_key_from_tags(frozenset(order)) == "SUP-9"


def issue(status: str, category: str = "indeterminate", comments: tuple[Comment, ...] = ()) -> Issue:
    return Issue("SUP-7", "s", status, category, frozenset(), NOW, comments=comments)


def test_jira_status_moves_reach_every_linked_ticket_once(rules: Rules) -> None:
    links = [Link(101, "SUP-7", NOW - timedelta(hours=1)), Link(102, "SUP-7", NOW - timedelta(hours=1))]
    first = backsync(issue("To Do", "new"), [(l, TicketState(link=l)) for l in links], rules)
    assert first.actions == []
    assert {k: v for k, v in first.marks.items() if k[1] == "jira_status"} == {
        (101, "jira_status"): "To Do", (102, "jira_status"): "To Do"
    }

    seen = {"jira_status": "To Do"}
    moved = backsync(issue("In Progress"), [(l, TicketState(link=l, marks=seen)) for l in links], rules)
    assert [(a.ticket_id, a.params["status"]) for a in moved.actions] == [(101, "hold"), (102, "hold")]
    assert "Raised with Development" in moved.actions[0].params["note"]
    # compared and set with the move: a late older view judged at the same moment loses
    assert moved.expect[(101, "jira_updated")] is None and moved.marks[(101, "jira_updated")] == NOW.isoformat()
    assert moved.actions[0].params["remove_tags"] == [
        "stage_awaiting_client_info", "stage_client_sign_off", "stage_closed_resolved", "stage_fix_in_place_awaiting_release",
        "stage_in_progress", "stage_open_issue", "stage_under_investigation",
    ]

    done = backsync(issue("Done", "done"), [(links[0], TicketState(link=links[0], marks={"jira_status": "In Progress"}))], rules)
    assert [a.params.get("public", False) for a in done.actions] == [False, True]  # note, then the reply asking to confirm
    assert done.actions[0].params["status"] == "pending"

    # Done as Won't Do is no fix: back to the agents, and not a word to the customer.
    declined = replace(issue("Done", "done"), resolution="won't do")
    wont = backsync(declined, [(links[0], TicketState(link=links[0], marks={"jira_status": "In Progress"}))], rules)
    assert [(a.params.get("public", False), a.params.get("status")) for a in wont.actions] == [(False, "open")]
    assert wont.actions[0].params["note"] == "SUP-7 moved to Done (won't do): the ticket is now at “Under Investigation”."
    # rules without a `stages` list: the resolution's stage is still a stage whose tag gives way
    unlisted = rules.model_copy(update={"stages": ()})
    wont = backsync(declined, [(links[0], TicketState(link=links[0], marks={"jira_status": "In Progress"}))], unlisted)
    assert "stage_client_sign_off" in wont.actions[0].params["remove_tags"]
    fixed = replace(issue("Done", "done"), resolution="Done")  # a resolution the entry does not name: the entry's own step
    assert [a.params.get("public", False) for a in backsync(
        fixed, [(links[0], TicketState(link=links[0], marks={"jira_status": "In Progress"}))], rules).actions] == [False, True]

    # Reopened after Done (a status of the workflow, not in the map): the ticket leaves
    # "please confirm the fix" and goes back on hold with development; the customer is not told.
    was_done = {"jira_status": "Done", "jira_category": "done"}
    reopened = backsync(issue("Reopened", "new"), [(links[0], TicketState(link=links[0], marks=was_done))], rules)
    assert [(a.params.get("public", False), a.params.get("status")) for a in reopened.actions] == [(False, "hold")]
    assert reopened.actions[0].params["note"] == "SUP-7 moved to Reopened: the ticket is now at “Raised with Development”."
    # only a reopen: moves among the developers' to-do statuses leave the ticket alone
    queued = {"jira_status": "Backlog", "jira_category": "new"}
    assert backsync(issue("Selected for Development", "new"), [(links[0], TicketState(link=links[0], marks=queued))],
                    rules).actions == []
    # and an unnamed done status (Cancelled) never tells the customer a fix is in place
    working = {"jira_status": "In Progress", "jira_category": "indeterminate"}
    assert backsync(issue("Cancelled", "done"), [(links[0], TicketState(link=links[0], marks=working))], rules).actions == []

    same = {"jira_status": "Done", "jira_updated": NOW.isoformat()}
    unchanged = backsync(issue("Done", "done"), [(links[0], TicketState(link=links[0], marks=same))], rules)
    assert unchanged.actions == [] and unchanged.marks == {}

    late = {"jira_status": "Done", "jira_updated": (NOW + timedelta(minutes=5)).isoformat()}
    older_view = backsync(issue("In Progress"), [(links[0], TicketState(link=links[0], marks=late))], rules)
    assert older_view.actions == [] and older_view.marks == {}  # a late, older event never undoes a newer one

    # Done by mistake at 10:05, back In Progress at 10:10: the poll's view of 10:10 moves nothing,
    # yet the webhook of 10:05, retried late, must not send the customer "a fix is in place".
    at = {"jira_status": "In Progress", "jira_updated": (NOW - timedelta(minutes=10)).isoformat()}
    newer = backsync(replace(issue("In Progress"), updated_at=NOW), [(links[0], TicketState(link=links[0], marks=at))], rules)
    assert newer.actions == [] and newer.marks == {(101, "jira_updated"): NOW.isoformat()}
    after = {"jira_status": "In Progress", "jira_updated": NOW.isoformat()}
    mistake = replace(issue("Done", "done"), updated_at=NOW - timedelta(minutes=5))
    assert backsync(mistake, [(links[0], TicketState(link=links[0], marks=after))], rules).actions == []

    # A ticket deleted in Zendesk since: nothing is written to it (Zendesk would answer 404).
    gone = backsync(issue("In Progress"), [(l, TicketState(link=l, marks=seen)) for l in links], rules,
                    ticket_statuses={101: "deleted", 102: "open"})
    assert [a.ticket_id for a in gone.actions] == [102] and {t for t, _ in gone.marks} == {102}
    # A closed one neither: Zendesk refuses every change to it, and each would end a dead letter.
    closed = backsync(issue("In Progress"), [(l, TicketState(link=l, marks=seen)) for l in links], rules,
                      ticket_statuses={101: "closed", 102: "open"})
    assert [a.ticket_id for a in closed.actions] == [102] and {t for t, _ in closed.marks} == {102}


def test_developer_comments_come_back_internal_unless_marked_public(rules: Rules) -> None:
    link = Link(101, "SUP-7", NOW - timedelta(hours=1))
    comments = (
        Comment("10", "Root cause: a null currency code.", True, "dev@corp.example", NOW - timedelta(minutes=30)),
        Comment("11", "[public] A fix ships tonight.", True, "dev@corp.example", NOW - timedelta(minutes=20)),
        Comment("12", "Reply from Zendesk [escalation-bridge]", True, "bridge", NOW - timedelta(minutes=10), by_bridge=True),
        Comment("9", "Old comment before the link", True, "dev@corp.example", NOW - timedelta(hours=2)),
    )
    decision = backsync(issue("To Do", "new", comments), [(link, TicketState(link=link, marks={"jira_status": "To Do"}))], rules)
    notes = [(a.params["public"], a.params["note"]) for a in decision.actions]
    assert notes == [
        (False, "Developer comment on SUP-7 by dev@corp.example:\n\nRoot cause: a null currency code."),
        (True, "A fix ships tonight."),
    ]
    # public_prefix: null — developers never write to the requester
    private = rules.model_copy(update={"comments": rules.comments.model_copy(update={"public_prefix": None})})
    decision = backsync(issue("To Do", "new", comments), [(link, TicketState(link=link, marks={"jira_status": "To Do"}))], private)
    assert [a.params["public"] for a in decision.actions] == [False, False]


def test_a_comment_jira_restricts_never_reaches_the_ticket(rules: Rules) -> None:
    """Restricted to a role or group, or internal in Service Management: not for Zendesk, and
    above all never a public reply, whatever its first word."""
    link = Link(101, "SUP-7", NOW - timedelta(hours=1))
    raw = [
        {"id": "20", "body": "[public] Root cause is customer data.", "visibility": {"type": "role", "value": "Developers"}},
        {"id": "21", "body": "[public] Internal: blame the vendor.", "jsdPublic": False},
        {"id": "22", "body": "[public] The fix ships tonight.", "jsdPublic": True},
    ]
    comments = tuple(
        comment_from_json(c | {"author": {"displayName": "Dev"}, "created": (NOW - timedelta(minutes=5)).isoformat()})
        for c in raw
    )
    decision = backsync(issue("To Do", "new", comments), [(link, TicketState(link=link, marks={"jira_status": "To Do"}))], rules)
    assert [(a.params["public"], a.params["note"]) for a in decision.actions] == [(True, "The fix ships tonight.")]


def test_a_ticket_tagged_with_an_existing_issue_is_attached_to_it_not_escalated_again(rules: Rules) -> None:
    decision = decide(ticket(tags=frozenset({"jira_sup-7"})), TicketState(), rules, now=NOW, default_project="SUP")
    kinds = [(a.kind, a.issue_key) for a in decision.actions if a.kind is not ActionKind.NOTIFY]
    assert kinds == [
        (ActionKind.LINK_TICKET, "SUP-7"), (ActionKind.COMMENT_ISSUE, "SUP-7"), (ActionKind.NOTE_TICKET, "SUP-7")
    ]
    comment = decision.actions[1]
    assert "#101" in comment.params["body"] and "Acme Corp" in comment.params["body"]
    solved = decide(ticket(tags=frozenset({"jira_sup-7"}), status="solved"), TicketState(), rules, now=NOW, default_project="SUP")
    assert all(a.params.get("status") is None for a in solved.actions)  # relinked, never reopened


def test_the_comment_and_note_of_an_attach_wait_for_the_link_which_tells_whether_they_are_made(rules: Rules) -> None:
    # Tags alone cannot tell a lost store's relink (told before) from a follow-up ticket, which
    # inherits its original's tags: the executor asks the issue (tests/e2e/test_attach.py).
    escalated = ticket(tags=frozenset({"jira_escalated", "jira_sup-7"}), comments=())
    decision = decide(escalated, TicketState(), rules, now=NOW, default_project="SUP")
    link, *told = [a for a in decision.actions if a.kind is not ActionKind.NOTIFY]
    assert link.kind is ActionKind.LINK_TICKET and link.params["attach"]
    assert [(a.kind, a.after, a.params["attached"]) for a in told] == [
        (ActionKind.COMMENT_ISSUE, link.key, True), (ActionKind.NOTE_TICKET, link.key, True)
    ]


def test_the_issue_carries_attachments_the_resolution_due_date_and_the_stage(rules: Rules) -> None:
    with_file = replace(
        ticket().comments[1], attachments=(("gateway.log", "https://acme.zendesk.com/attachments/token/x/?name=gateway.log"),)
    )
    t = ticket(comments=(ticket().comments[0], with_file))
    create, _, note, _, copy = decide(t, TicketState(), rules, now=NOW, default_project="SUP").actions
    sections = dict(create.params["sections"])
    assert "gateway.log: https://acme.zendesk.com/attachments/token/x/?name=gateway.log" in sections["Attachments (in Zendesk)"]
    # and the file itself, once the issue exists
    assert (copy.kind, copy.after, copy.params["name"]) == (ActionKind.COPY_FILE, create.key, "gateway.log")
    assert create.params["due"] == "2026-03-05"  # P2 technical: 2 working days of 8 hours from Tue 09:40
    facts = sections["Ticket"].splitlines()
    assert "Resolution due: 2026-03-05 09:40 UTC" in facts
    assert [line.split(":")[0] for line in facts[-3:]] == ["Response due", "Review due", "Resolution due"]
    assert "stage_raised_with_development" in note.params["add_tags"]
    # at one stage at a time: an agent's stage tag gives way to the escalation's
    assert "stage_under_investigation" in note.params["remove_tags"]
    assert "stage_raised_with_development" not in note.params["remove_tags"]


def test_many_tickets_on_one_issue_tell_the_manager_of_a_possible_system_wide_issue_once(rules: Rules) -> None:
    threshold = rules.notifications.system_wide_threshold
    links = [Link(100 + n, "SUP-7", NOW - timedelta(hours=1)) for n in range(threshold)]
    seen = {"jira_status": "To Do"}
    below = backsync(issue("To Do", "new"), [(l, TicketState(link=l, marks=seen)) for l in links[:-1]], rules)
    assert not any(a.key.startswith("notify:system_wide") for a in below.actions)
    at = backsync(issue("To Do", "new"), [(l, TicketState(link=l, marks=seen)) for l in links], rules)
    [warning] = [a for a in at.actions if a.key == "notify:system_wide:SUP-7"]
    assert f"{threshold} tickets" in warning.params["text"] and "#100" in warning.params["text"]


def test_a_jira_move_over_an_agents_later_change_is_applied_and_noted_as_a_conflict(rules: Rules) -> None:
    link = Link(101, "SUP-7", NOW - timedelta(hours=1))
    state = TicketState(link=link, marks={"jira_status": "In Progress", "zendesk_status_set": "hold"})
    agent_reopened = backsync(issue("Done", "done"), [(link, state)], rules, ticket_statuses={101: "open"})
    assert agent_reopened.actions[0].params["status"] == "pending"
    [(ticket_id, text)] = agent_reopened.notes
    assert ticket_id == 101 and "conflict" in text and "'open'" in text and "'hold'" in text
    untouched = backsync(issue("Done", "done"), [(link, state)], rules, ticket_statuses={101: "hold"})
    assert untouched.notes == ()


def test_a_naive_now_is_refused_with_a_clear_error(rules: Rules) -> None:
    with pytest.raises(ValueError, match="aware"):
        decide(ticket(), TicketState(), rules, now=NOW.replace(tzinfo=None), default_project="SUP")
