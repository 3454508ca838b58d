"""A ticket tagged with an issue's key (`jira_<key>`) joins that issue, as the issue says, not the tags.

The tags alone cannot tell a ticket that joins an issue from one the bridge linked before
its store was lost, nor a mistyped key from a real one: the executor asks Jira.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from zenpy.lib.api_objects import Ticket as ZTicket

from tests.e2e.harness import eventually
from tests.e2e.inprocess import Bridge, start_bridge, stop_bridge
from tests.e2e.test_sync import jira_comments, settle, ticket_view, zendesk_comments

pytestmark = pytest.mark.e2e

JOINED = "is about this issue too"
LINKED = "Linked to development issue"


def _escalated(bridge: Bridge) -> tuple[int, str]:
    first = bridge.open_ticket(subject="Login loops back to the sign-in page", tags=["tier4"])
    key = eventually(lambda: bridge.issue_key(first), what="the escalation")
    eventually(lambda: bridge.daemon.store.actions.result(f"note_escalated:{first}"), what="the escalation note")
    return first, key


def test_a_mistyped_issue_tag_is_said_on_the_ticket_and_mended_by_removing_it(bridge: Bridge) -> None:
    missing = f"{bridge.info['jira']['project']}-999"
    ticket_id = bridge.open_ticket(subject="Export fails", tags=[f"jira_{missing.lower()}"])
    eventually(lambda: any(f"jira_{missing.lower()} names no Jira issue" in body for _, body in zendesk_comments(bridge, ticket_id)),
               what="a note saying the tag names no issue")
    settle(bridge)
    assert bridge.issue_key(ticket_id) is None  # not linked to an issue that is not there
    assert not bridge.daemon.store.actions.with_status("dead")
    assert ticket_view(bridge, ticket_id)[0] != "hold"  # nor handed to development
    # The agent removes the tag and asks for development: the rules escalate it.
    bridge.zendesk().tickets.update(ZTicket(id=ticket_id, tags=["tier4"]))
    key = eventually(lambda: bridge.issue_key(ticket_id), what="the escalation once the tag is gone")
    assert key != missing and bridge.jira().issue(key).fields.summary.endswith("Export fails")


def test_a_follow_up_ticket_with_its_originals_tags_is_told_to_both_sides(bridge: Bridge) -> None:
    first, key = _escalated(bridge)
    tags = sorted(bridge.zendesk().tickets(id=first).tags)
    assert "jira_escalated" in tags
    # A follow-up is of an ended ticket (one still open would take a colleague's ticket in: a merge).
    bridge.zendesk().tickets.update(ZTicket(id=first, status="solved"))
    eventually(lambda: getattr(bridge.daemon.store.snapshots.get(first), "status", None) == "solved", what="the solve seen")
    # Zendesk gives a follow-up of a closed ticket every tag of the original.
    follow_up = bridge.open_ticket(subject="Login loops again", tags=tags, requester=("Lee Park", "lee@acme.example"))
    eventually(lambda: any(LINKED in body for _, body in zendesk_comments(bridge, follow_up)), what="the agents told")
    assert bridge.issue_key(follow_up) == key
    assert sum(f"#{follow_up}" in body and JOINED in body for body in jira_comments(bridge, key)) == 1
    assert ticket_view(bridge, follow_up)[0] == "hold"


def test_a_lost_store_relinks_an_escalated_ticket_without_telling_anyone_again(tmp_path: Path) -> None:
    before = start_bridge(tmp_path / "lost")
    first, key = _escalated(before)
    settle(before)
    notes = len(zendesk_comments(before, first))
    stop_bridge(before, keep_sandbox=True)
    bridge = start_bridge(tmp_path / "new", sandbox=before.sandbox)  # the store that knew the link is gone
    try:
        eventually(lambda: bridge.issue_key(first) == key, what="the link learnt again (the first poll reads the ticket)")
        settle(bridge)
        # (A reply made before the link is learnt again counts as seen: the new store cannot tell
        # which replies the lost one had mirrored.)
        bridge.reply(first, "Any news?")
        settle(bridge)
        assert not any(JOINED in body for body in jira_comments(bridge, key))
        assert not any(LINKED in body for _, body in zendesk_comments(bridge, first))
        assert len(zendesk_comments(bridge, first)) == notes + 1  # the customer's reply alone
        assert sum("Any news?" in body for body in jira_comments(bridge, key)) == 1  # mirrored as before
    finally:
        stop_bridge(bridge)


def test_an_agent_moves_a_linked_ticket_to_another_issue_by_changing_its_tag(bridge: Bridge) -> None:
    first, old = _escalated(bridge)
    _, new = _escalated(bridge)  # another ticket's issue: the one the first turns out to be about
    store = bridge.daemon.store
    eventually(lambda: store.ticket_state(first).marks.get("issue_tag_seen") == old, what="its issue's tag seen on it")
    tags = [tag for tag in bridge.zendesk().tickets(id=first).tags if tag != f"jira_{old.lower()}"]
    bridge.zendesk().tickets.update(ZTicket(id=first, tags=[*tags, f"jira_{new.lower()}"]))
    eventually(lambda: bridge.issue_key(first) == new, what="the link moved to the tagged issue")
    eventually(lambda: any(f"#{first} is about this issue now" in body for body in jira_comments(bridge, new)),
               what="the new issue told")
    eventually(lambda: any(f"moved it to {new}" in body for body in jira_comments(bridge, old)), what="the old issue told")
    eventually(lambda: any(f"{new} now, no longer to {old}" in body for _, body in zendesk_comments(bridge, first)),
               what="the agents told")
    # What the developers of the new issue write reaches the ticket; the old issue's no longer does.
    bridge.jira().add_comment(old, "Unrelated: this one is the PDF renderer.")
    bridge.jira().add_comment(new, "Found it: the session cookie is dropped.")
    eventually(lambda: any("session cookie" in body for _, body in zendesk_comments(bridge, first)),
               what="the new issue's comment on the ticket")
    settle(bridge)
    assert not any("PDF renderer" in body for _, body in zendesk_comments(bridge, first))
    assert [link.object.url for link in bridge.jira().remote_links(old)] == []
    assert not store.actions.with_status("dead")
