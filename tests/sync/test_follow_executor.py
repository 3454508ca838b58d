"""The executor moving a ticket to the issue its own was closed as a duplicate of, against the emulators."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import pytest

from bridge.connectors.jira import ticket_label
from bridge.model import Decision, Issue, Link, TicketState
from bridge.sync.backsync import follow_original
from bridge.sync.repoint import ISSUE_TAG_MARK, repoint
from tests.sync.test_merge import T0, Desk


@pytest.fixture
def desk(tmp_path: Path) -> Iterator[Desk]:
    running = Desk(tmp_path)
    yield running
    running.sandbox.stop()


def _issue(desk: Desk, summary: str, labels: list[str]) -> str:
    return desk.connectors.jira.create_issue(
        project="SUP", summary=summary, description="...", issue_type="Bug", priority=None, labels=labels,
        due=None, extra_fields={},
    )


def _plan_follow(desk: Desk, old: str, original: str) -> None:
    ticket = desk.original
    done = Issue(old, "s", "Done", "done", frozenset(), T0, resolution="Duplicate", duplicates=original)
    actions = follow_original(done, original, Link(ticket, old, T0), since=T0.isoformat())
    desk.store.commit_decision(None, Decision(actions=actions), ticket_ids=[ticket], now=desk.now)


def test_the_link_marks_and_labels_move_once_and_the_original_is_read(desk: Desk) -> None:
    ticket = desk.original
    old = _issue(desk, "Checkout fails", [ticket_label(ticket)])
    original = _issue(desk, "Payments fail", [])
    desk.store.links.add(ticket, old, now=T0 - timedelta(days=1))
    desk.store.commit_decision(None, Decision(marks={(ticket, "jira_status"): "In Progress"}), ticket_ids=[ticket], now=desk.now)
    _plan_follow(desk, old, original)
    desk.run()
    link = desk.store.links.for_ticket(ticket)
    assert link is not None and (link.issue_key, link.created_at) == (original, desk.now)
    assert desk.store.ticket_state(ticket).marks["jira_status"] == ""  # the original's status is news to it
    jira = desk.connectors.jira.client
    assert ticket_label(ticket) in jira.issue(original).fields.labels
    assert ticket_label(ticket) not in jira.issue(old).fields.labels
    assert desk.store.inbox.count("pending") >= 1  # the read of the original
    notes = [c.body for c in desk.connectors.zendesk._client.tickets.comments(ticket=ticket)]
    assert sum(f"duplicate of {original}" in body for body in notes) == 1
    assert not desk.store.actions.with_status("dead")


def test_an_original_the_bridge_cannot_find_leaves_the_ticket_where_it_was_and_says_so(desk: Desk) -> None:
    ticket = desk.original
    old = _issue(desk, "Checkout fails", [ticket_label(ticket)])
    desk.store.links.add(ticket, old, now=T0 - timedelta(days=1))
    _plan_follow(desk, old, "SUP-999")
    desk.run()
    assert desk.store.links.for_ticket(ticket).issue_key == old  # type: ignore[union-attr]
    notes = [c.body for c in desk.connectors.zendesk._client.tickets.comments(ticket=ticket)]
    assert any("cannot find" in body and f"stays linked to {old}" in body for body in notes)
    assert "jira_sup-999" not in desk.connectors.zendesk._client.tickets(id=ticket).tags
    assert not desk.store.actions.with_status("dead")


def _plan_retag(desk: Desk, old: str, new: str) -> None:
    """The decision of a ticket whose agents replaced the tag of `old` with `new`'s."""
    ticket = desk.connectors.zendesk.ticket(desk.original)
    retagged = replace(ticket, tags=frozenset({f"jira_{new.lower()}"}))
    state = TicketState(link=desk.store.links.for_ticket(desk.original), marks={ISSUE_TAG_MARK: old})
    actions = repoint(retagged, state, {})
    desk.store.commit_decision(None, Decision(actions=actions), ticket_ids=[desk.original], now=desk.now, snapshot=retagged)


def test_a_retagged_ticket_moves_and_only_the_new_issue_links_to_it(desk: Desk) -> None:
    ticket = desk.original
    old = _issue(desk, "Checkout fails", [ticket_label(ticket)])
    new = _issue(desk, "Payments fail", [])
    url = desk.connectors.zendesk.ticket_url(ticket)
    desk.connectors.jira.add_remote_link(old, url=url, title=f"Zendesk #{ticket}")
    desk.store.links.add(ticket, old, now=T0 - timedelta(days=1))
    _plan_retag(desk, old, new)
    desk.run()
    assert desk.store.links.for_ticket(ticket).issue_key == new  # type: ignore[union-attr]
    jira = desk.connectors.jira.client
    assert [link.object.url for link in jira.remote_links(new)] == [url]
    assert jira.remote_links(old) == []  # the old issue no longer points at a ticket that left it
    assert ticket_label(ticket) not in jira.issue(old).fields.labels
    assert any("moved it to" in c.body for c in jira.comments(old))
    assert any("is about this issue now" in c.body for c in jira.comments(new))
    notes = [c.body for c in desk.connectors.zendesk._client.tickets.comments(ticket=ticket)]
    assert sum(f"{new} now, no longer to {old}" in body for body in notes) == 1
    assert not desk.store.actions.with_status("dead")


def test_a_retag_to_an_issue_not_found_leaves_the_link_and_says_how_to_mend_it(desk: Desk) -> None:
    ticket = desk.original
    old = _issue(desk, "Checkout fails", [ticket_label(ticket)])
    desk.store.links.add(ticket, old, now=T0 - timedelta(days=1))
    _plan_retag(desk, old, "SUP-999")
    desk.run()
    assert desk.store.links.for_ticket(ticket).issue_key == old  # type: ignore[union-attr]
    notes = [c.body for c in desk.connectors.zendesk._client.tickets.comments(ticket=ticket)]
    assert any("jira_sup-999 names no Jira issue" in body and f"stays linked to {old}" in body for body in notes)
    assert not any("moved it to" in c.body for c in desk.connectors.jira.client.comments(old))
    assert not desk.store.actions.with_status("dead")


def _keys(desk: Desk) -> list[str]:
    return [a.action.key for a in desk.store.actions.with_status("done")]


def test_a_retag_changed_again_before_it_ran_moves_nothing(desk: Desk) -> None:
    ticket = desk.original
    old = _issue(desk, "Checkout fails", [ticket_label(ticket)])
    wrong, right = _issue(desk, "Payments fail", []), _issue(desk, "Login fails", [])
    desk.store.links.add(ticket, old, now=T0 - timedelta(days=1))
    _plan_retag(desk, old, wrong)
    _plan_retag(desk, old, right)  # the agent mended the tag before the first move ran
    desk.run()
    assert desk.store.links.for_ticket(ticket).issue_key == right  # type: ignore[union-attr]
    assert desk.store.ticket_state(ticket).marks[ISSUE_TAG_MARK] == right  # a later retag moves it again
    jira = desk.connectors.jira.client
    assert ticket_label(ticket) not in jira.issue(wrong).fields.labels and not jira.comments(wrong)
    # (the move left out counted a round: a later retag to `wrong` would be a move of its own)
    assert desk.store.actions.result(next(k for k in _keys(desk) if k.startswith("repoint:") and wrong in k))["left_out"]
    notes = [c.body for c in desk.connectors.zendesk._client.tickets.comments(ticket=ticket)]
    assert [body for body in notes if "no longer to" in body] and not [body for body in notes if f"{wrong} now" in body]


def test_a_retag_to_the_issues_former_key_moves_nothing(desk: Desk) -> None:
    ticket = desk.original
    issue = _issue(desk, "Checkout fails", [ticket_label(ticket)])
    state = desk.sandbox.jira.state
    with state.lock:  # the issue was SUP-77 once, before a move (Jira still answers that key with it)
        state.issue(issue).setdefault("former_keys", []).append("SUP-77")
    desk.store.links.add(ticket, issue, now=T0 - timedelta(days=1))
    _plan_retag(desk, issue, "SUP-77")
    desk.run()
    assert desk.store.links.for_ticket(ticket).issue_key == issue  # type: ignore[union-attr]
    assert ticket_label(ticket) in desk.connectors.jira.client.issue(issue).fields.labels
    assert not desk.connectors.jira.client.comments(issue)
    assert not desk.store.actions.with_status("dead")


def test_a_retag_away_from_an_issue_deleted_unbeknown_writes_no_comment_there(desk: Desk) -> None:
    ticket = desk.original
    old = _issue(desk, "Checkout fails", [ticket_label(ticket)])
    new = _issue(desk, "Payments fail", [])
    desk.store.links.add(ticket, old, now=T0 - timedelta(days=1))
    _plan_retag(desk, old, new)  # planned with a comment for the old issue: no webhook said it was deleted
    desk.connectors.jira.client.issue(old).delete()
    desk.run()
    assert desk.store.links.for_ticket(ticket).issue_key == new  # type: ignore[union-attr]
    assert any("is about this issue now" in c.body for c in desk.connectors.jira.client.comments(new))
    assert not desk.store.actions.with_status("dead")


def test_a_retag_left_out_counts_a_round_so_the_same_retag_later_moves(desk: Desk) -> None:
    ticket = desk.original
    old = _issue(desk, "Checkout fails", [ticket_label(ticket)])
    new = _issue(desk, "Payments fail", [])
    desk.store.links.add(ticket, old, now=T0 - timedelta(days=1))
    _plan_retag(desk, old, new)
    back = replace(desk.connectors.zendesk.ticket(ticket), tags=frozenset({f"jira_{old.lower()}"}))
    desk.store.commit_decision(None, Decision(), ticket_ids=[ticket], now=desk.now, snapshot=back)  # changed back
    desk.run()
    assert desk.store.links.for_ticket(ticket).issue_key == old  # type: ignore[union-attr]
    assert desk.store.ticket_state(ticket).marks[ISSUE_TAG_MARK] == f"{old}#1"
