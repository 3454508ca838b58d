"""Escalations and their progress travel both ways, once, without echo (daemon + sandbox, real clients)."""

from __future__ import annotations

from pathlib import Path

import pytest
from zenpy.lib.api_objects import Ticket as ZTicket

from bridge.sync.escalate import issue_tag
from tests.e2e.harness import eventually
from tests.e2e.inprocess import Bridge, start_bridge, stop_bridge

pytestmark = pytest.mark.e2e


def ticket_view(bridge: Bridge, ticket_id: int) -> tuple[str, set[str]]:
    ticket = bridge.zendesk().tickets(id=ticket_id)
    return ticket.status, set(ticket.tags)


def zendesk_comments(bridge: Bridge, ticket_id: int) -> list[tuple[bool, str]]:
    return [(c.public, c.body) for c in bridge.zendesk().tickets.comments(ticket=ticket_id)]


def jira_comments(bridge: Bridge, key: str) -> list[str]:
    return [c.body for c in bridge.jira().comments(key)]


def settle(bridge: Bridge) -> None:
    """Wait until nothing is in flight, then run one more full cycle: it must find nothing to do."""
    eventually(bridge.quiet, what="the bridge to settle")
    bridge.daemon.sync_once()
    eventually(bridge.quiet, what="the bridge to settle again")


def test_jira_status_changes_walk_the_ticket_through_its_lifecycle(bridge: Bridge) -> None:
    ticket_id = bridge.open_ticket(subject="Invoices show the wrong VAT rate", tags=["tier4"])
    key = eventually(lambda: bridge.issue_key(ticket_id), what="the escalation")
    eventually(lambda: ticket_view(bridge, ticket_id)[0] == "hold", what="the ticket on hold")

    bridge.transition(key, "In Progress")
    eventually(lambda: any(key in body and "In Progress" in body for _, body in zendesk_comments(bridge, ticket_id)),
               what="the In Progress note")
    bridge.transition(key, "In Review")
    eventually(lambda: "stage_fix_in_place_awaiting_release" in ticket_view(bridge, ticket_id)[1], what="awaiting release")
    bridge.transition(key, "Done")
    eventually(lambda: ticket_view(bridge, ticket_id)[0] == "pending", what="client sign-off (pending)")
    settle(bridge)

    status, tags = ticket_view(bridge, ticket_id)
    assert status == "pending" and "stage_client_sign_off" in tags
    # at one stage at a time: Zendesk views and rules that test a stage tag see only this one
    assert [tag for tag in tags if tag.startswith("stage_")] == ["stage_client_sign_off"]
    public = [body for is_public, body in zendesk_comments(bridge, ticket_id) if is_public]
    assert sum("confirm" in body.lower() for body in public) == 1  # asked once to confirm the fix


def test_comments_travel_both_ways_once_and_never_echo(bridge: Bridge) -> None:
    ticket_id = bridge.open_ticket(subject="Export to CSV drops the last row", tags=["tier4"])
    key = eventually(lambda: bridge.issue_key(ticket_id), what="the escalation")
    eventually(lambda: bridge.daemon.store.actions.result(f"note_escalated:{ticket_id}"), what="the escalation note")

    bridge.reply(ticket_id, "We have reproduced this and raised it with engineering.")
    bridge.reply(ticket_id, "Internal: customer is on the enterprise plan.", public=False)
    eventually(lambda: any("raised it with engineering" in b for b in jira_comments(bridge, key)), what="reply in Jira")

    jira = bridge.jira()
    jira.add_comment(key, "Root cause is an off-by-one in the CSV writer.")
    jira.add_comment(key, "[public] A fix ships in tonight's release.")
    eventually(lambda: any("off-by-one" in b for _, b in zendesk_comments(bridge, ticket_id)), what="dev note")
    eventually(lambda: any(p and b.startswith("A fix ships") for p, b in zendesk_comments(bridge, ticket_id)),
               what="the public reply to the requester")
    settle(bridge)
    settle(bridge)

    in_jira = jira_comments(bridge, key)
    assert sum("raised it with engineering" in b for b in in_jira) == 1
    assert not any("enterprise plan" in b for b in in_jira)  # internal notes stay in Zendesk
    assert not any("off-by-one" in b and "Public reply on Zendesk" in b for b in in_jira)  # no echo back
    in_zendesk = zendesk_comments(bridge, ticket_id)
    assert sum("off-by-one" in b for _, b in in_zendesk) == 1
    assert [p for p, b in in_zendesk if "off-by-one" in b] == [False]
    assert [p for p, b in in_zendesk if b.startswith("A fix ships")] == [True]
    assert not any("raised it with engineering" in b and "Developer comment" in b for _, b in in_zendesk)


def test_many_tickets_one_issue(bridge: Bridge) -> None:
    first = bridge.open_ticket(subject="Login loops back to the sign-in page", tags=["tier4"])
    key = eventually(lambda: bridge.issue_key(first), what="the escalation")
    second = bridge.open_ticket(
        # another customer (a colleague's ticket would be merged: tests/e2e/test_duplicates.py)
        subject="Cannot log in since this morning", tags=[f"jira_{key.lower()}"], requester=("Sam Ode", "sam@globex.example")
    )
    eventually(lambda: bridge.issue_key(second) == key, what="the second ticket attached")
    eventually(lambda: bridge.daemon.store.actions.result(f"attach_comment:{second}:{key}"), what="the issue lists it")

    issue = bridge.jira().issue(key)
    assert {f"zendesk-{first}", f"zendesk-{second}"} <= set(issue.fields.labels)
    assert any(f"#{second}" in body and "Sam Ode" in body for body in jira_comments(bridge, key))
    assert len(bridge.jira().search_issues(f"project = {bridge.info['jira']['project']}")) == 1

    bridge.transition(key, "In Progress")
    for ticket_id in (first, second):
        eventually(lambda t=ticket_id: any("In Progress" in b for _, b in zendesk_comments(bridge, t)),
                   what=f"ticket {ticket_id} told")


def test_a_change_arriving_by_webhook_and_by_poll_is_processed_once(bridge: Bridge) -> None:
    ticket_id = bridge.open_ticket(subject="Dashboard widgets are blank", tags=["tier4"])
    eventually(lambda: bridge.issue_key(ticket_id), what="the escalation")
    delivered = eventually(
        lambda: [d for d in bridge.sandbox.deliveries("zendesk") if d.get("status") == 200], what="webhook deliveries"
    )
    polls_before = bridge.daemon.metrics.polls.labels(source="zendesk", outcome="ok")._value.get()
    eventually(lambda: bridge.daemon.metrics.polls.labels(source="zendesk", outcome="ok")._value.get() >= polls_before + 2,
               what="two more polls")
    settle(bridge)

    history = [e for e in bridge.daemon.store.history.of(ticket_id) if e.what.startswith("event ticket.")]
    with bridge.daemon.store.engine.connect() as conn:
        from sqlalchemy import select

        from bridge.store.tables import events

        ids = conn.execute(select(events.c.event_id).where(events.c.subject == str(ticket_id))).scalars().all()
    assert delivered and len(ids) == len(set(ids))
    assert len(history) == len(ids), [(e.what, e.detail) for e in history]  # every stored change processed once
    assert len(bridge.jira().search_issues(f"project = {bridge.info['jira']['project']}")) == 1
    messages = bridge.slack().conversations_history(channel=bridge.info["slack"]["manager_channel"])["messages"]
    assert len(messages) == 1


def test_without_webhooks_polling_alone_carries_status_back(tmp_path: Path) -> None:
    bridge = start_bridge(tmp_path, webhooks=False)
    try:
        ticket_id = bridge.open_ticket(subject="Search returns stale results", tags=["tier4"])
        key = eventually(lambda: bridge.issue_key(ticket_id), what="the escalation, by polling")
        eventually(lambda: bridge.daemon.store.actions.result(f"note_escalated:{ticket_id}"), what="the note")
        bridge.transition(key, "In Progress")
        eventually(lambda: any(key in b and "In Progress" in b for _, b in zendesk_comments(bridge, ticket_id)),
                   what="the In Progress note, by polling Jira")
    finally:
        stop_bridge(bridge)


def test_an_issue_deleted_in_jira_is_told_to_the_agents_of_its_tickets(bridge: Bridge) -> None:
    """Jira's deletion webhook shows the issue as last updated: it was taken for a repeat of that
    update and dropped, leaving the ticket on hold for an issue that no longer exists."""
    ticket_id = bridge.open_ticket(subject="Refunds stuck in 'processing'", tags=["tier4"])
    key = eventually(lambda: bridge.issue_key(ticket_id), what="the escalation")
    settle(bridge)
    bridge.jira().issue(key).delete()

    told = eventually(lambda: [body for public, body in zendesk_comments(bridge, ticket_id)
                               if not public and "was deleted in Jira" in body], what="the agents told")
    assert told[0].startswith(f"{key} was deleted in Jira.")
    settle(bridge)
    assert ticket_view(bridge, ticket_id)[0] == "hold"  # the agents decide; nothing escalates again by itself
    assert bridge.jira().search_issues(f"labels = zendesk-{ticket_id}") == []
    # a later reply is not sent to the issue that is gone: it would end a dead letter
    bridge.reply(ticket_id, "Any news on this?")
    settle(bridge)
    assert bridge.daemon.store.actions.counts().get("dead", 0) == 0


@pytest.mark.parametrize("webhooks", [True, False], ids=["by-webhook", "by-poll-alone"])
def test_an_issue_moved_to_another_project_keeps_its_tickets(tmp_path: Path, webhooks: bool) -> None:
    """A move gives the issue a new key: its tickets were cut off from it, without a word. The
    poll's view of the moved issue says nothing of the move; the issue's label and Jira's
    answer for the former key tell it."""
    bridge = start_bridge(tmp_path, webhooks=webhooks)
    try:
        ticket_id = bridge.open_ticket(subject="Exports time out for large accounts", tags=["tier4"])
        key = eventually(lambda: bridge.issue_key(ticket_id), what="the escalation")
        bridge.jira().add_comment(key, "Root cause: the export query has no index.")
        eventually(lambda: any("no index" in body for _, body in zendesk_comments(bridge, ticket_id)),
                   what="the comment mirrored")
        settle(bridge)

        bridge.sandbox.move_jira_issue(key, "PLAT-77")
        eventually(lambda: bridge.issue_key(ticket_id) == "PLAT-77", what="the link to follow the issue")
        eventually(lambda: any(f"{key} was moved in Jira and is now PLAT-77" in body
                               for _, body in zendesk_comments(bridge, ticket_id)), what="the agents told")
        eventually(lambda: "jira_plat-77" in ticket_view(bridge, ticket_id)[1], what="the ticket's issue tag")
        assert f"jira_{key.lower()}" not in ticket_view(bridge, ticket_id)[1]

        bridge.jira().add_comment("PLAT-77", "Index added; deploying tonight.")  # later changes still arrive
        eventually(lambda: any("deploying tonight" in body for _, body in zendesk_comments(bridge, ticket_id)),
                   what="a comment made after the move")
        settle(bridge)
        said = [body for _, body in zendesk_comments(bridge, ticket_id)]
        assert sum("no index" in body for body in said) == 1  # not copied again under the new key
        assert sum("was moved in Jira" in body for body in said) == 1
    finally:
        stop_bridge(bridge)


def test_a_developers_comment_changed_or_deleted_after_it_was_copied_is_told_to_the_agents(bridge: Bridge) -> None:
    """The customer was told "Friday"; the developer changed it to "next month" and nobody knew."""
    ticket_id = bridge.open_ticket(subject="Invoices PDF is blank", tags=["tier4"])
    key = eventually(lambda: bridge.issue_key(ticket_id), what="the escalation")
    jira = bridge.jira()
    promise = jira.add_comment(key, "[public] The fix ships on Friday.")
    aside = jira.add_comment(key, "Looks like the renderer's font cache.")
    eventually(lambda: len([b for _, b in zendesk_comments(bridge, ticket_id) if "Friday" in b or "font cache" in b]) == 2,
               what="both comments copied")

    promise.update(body="[public] The fix ships next month, sorry.")
    aside.delete()
    changed = eventually(lambda: [b for public, b in zendesk_comments(bridge, ticket_id)
                                  if not public and "changed their comment" in b], what="the agents told of the change")
    assert "went to the customer as a reply" in changed[0] and "It now reads:\n\n[public] The fix ships next month, sorry." in changed[0]
    eventually(lambda: any(not public and f"A developer deleted a comment on {key} that was copied here." in b
                           for public, b in zendesk_comments(bridge, ticket_id)), what="the agents told of the deletion")
    settle(bridge)
    said = [b for _, b in zendesk_comments(bridge, ticket_id)]
    assert sum("changed their comment" in b for b in said) == 1 and sum("deleted a comment" in b for b in said) == 1
    assert sum("Friday" in b for b in said) == 1  # the reply the customer got is not sent again


def test_a_ticket_tagged_for_tier_2_moves_to_tier_2s_group_and_an_escalation_to_development(bridge: Bridge) -> None:
    tier2 = bridge.open_ticket(subject="Reports are slow", tags=["tier2", "severe"], priority="normal")
    tier4 = bridge.open_ticket(subject="Checkout fails", tags=["tier4"])

    def group(ticket_id: int) -> str | None:
        found = bridge.zendesk().tickets(id=ticket_id).group
        return found.name if found is not None else None

    eventually(lambda: group(tier2) == "Tier 2 Support", what="the tier-2 ticket in Tier 2's group")
    assert bridge.zendesk().tickets(id=tier2).priority == "urgent"  # `severe`: P1
    eventually(lambda: group(tier4) == "Tier 4 Development" and ticket_view(bridge, tier4)[0] == "hold",
               what="the escalated ticket with development")
    settle(bridge)
    assert not bridge.daemon.store.actions.with_status("dead")
    # An agent moves it back: the bridge does not move it again.
    bridge.zendesk().tickets.update(ZTicket(id=tier2, group_id=bridge.daemon.connectors.zendesk.group_id("Tier 1 Help Desk")))
    settle(bridge)
    assert group(tier2) == "Tier 1 Help Desk"


def _delete_group(bridge: Bridge, name: str) -> None:
    state = bridge.sandbox.zendesk.state
    with state.lock:
        [gone] = [gid for gid, g in state.directory.groups.items() if g["name"] == name]
        del state.directory.groups[gone]


def test_a_group_zendesk_lacks_costs_the_escalation_nothing_else(bridge: Bridge) -> None:
    _delete_group(bridge, "Tier 4 Development")  # this Zendesk has no group for the developers' tier
    ticket_id = bridge.open_ticket(subject="Checkout fails", tags=["tier4"])
    key = eventually(lambda: bridge.issue_key(ticket_id), what="the escalation")
    eventually(lambda: bridge.daemon.store.actions.result(f"note_escalated:{ticket_id}"), what="the escalation note")
    status, tags = ticket_view(bridge, ticket_id)
    assert status == "hold" and issue_tag(key) in tags
    assert any(key in body for _, body in zendesk_comments(bridge, ticket_id))
    result = bridge.daemon.store.actions.result(f"note_escalated:{ticket_id}")
    assert "no group is named 'Tier 4 Development'" in result["group_not_set"]
    # The move alone waits as a dead letter that says why; made once the group exists and it is retried.
    store = bridge.daemon.store
    [waiting] = eventually(lambda: store.actions.with_status("dead"), what="the move on its own, a dead letter")
    assert waiting.action.key == result["group_move"] and "no group is named 'Tier 4 Development'" in waiting.last_error
    with bridge.sandbox.zendesk.state.lock:
        bridge.sandbox.zendesk.state.directory.create_group({"name": "Tier 4 Development"})
    assert store.actions.revive([waiting.action.key]) == 1  # what `bridge retry` does
    eventually(lambda: getattr(bridge.zendesk().tickets(id=ticket_id).group, "name", None) == "Tier 4 Development",
               what="the move made")


def _escalate_first(bridge: Bridge) -> None:
    """A first escalation moves its ticket to the developers' group: the bridge keeps its id."""
    first = bridge.open_ticket(subject="Checkout fails", tags=["tier4"])
    eventually(lambda: bridge.daemon.store.actions.result(f"note_escalated:{first}"), what="the first escalation note")
    assert bridge.zendesk().tickets(id=first).group.name == "Tier 4 Development"


def test_a_group_deleted_after_the_bridge_used_it_costs_the_next_escalation_nothing_else(bridge: Bridge) -> None:
    _escalate_first(bridge)
    _delete_group(bridge, "Tier 4 Development")
    second = bridge.open_ticket(subject="Login fails", tags=["tier4"])
    result = eventually(lambda: bridge.daemon.store.actions.result(f"note_escalated:{second}"), what="the second note")
    assert "no group is named 'Tier 4 Development'" in result["group_not_set"]
    status, tags = ticket_view(bridge, second)
    assert status == "hold" and issue_tag(bridge.issue_key(second)) in tags
    dead = eventually(lambda: bridge.daemon.store.actions.with_status("dead"), what="the move on its own, a dead letter")
    assert [d.action.key for d in dead] == [result["group_move"]]  # nothing else


def test_a_group_made_again_under_its_name_is_used(bridge: Bridge) -> None:
    _escalate_first(bridge)
    _delete_group(bridge, "Tier 4 Development")
    with bridge.sandbox.zendesk.state.lock:
        bridge.sandbox.zendesk.state.directory.create_group({"name": "Tier 4 Development"})
    second = bridge.open_ticket(subject="Login fails", tags=["tier4"])
    result = eventually(lambda: bridge.daemon.store.actions.result(f"note_escalated:{second}"), what="the second note")
    assert "group_not_set" not in result
    assert bridge.zendesk().tickets(id=second).group.name == "Tier 4 Development"


def test_a_refused_group_listing_is_retried_not_taken_for_a_missing_group(bridge: Bridge) -> None:
    bridge.sandbox.faults("zendesk", error_rate=1.0, error_status=403, only=["/api/v2/groups.json"])
    ticket_id = bridge.open_ticket(subject="Checkout fails", tags=["tier4"])
    eventually(lambda: bridge.issue_key(ticket_id), what="the escalation")
    note = f"note_escalated:{ticket_id}"
    eventually(lambda: any(a.action.key == note and a.last_error for a in bridge.daemon.store.actions.with_status("pending")),
               what="the escalation's update failing on the refused listing")
    bridge.sandbox.clear_faults("zendesk")
    eventually(lambda: bridge.daemon.store.actions.result(note), timeout=60, what="the escalation's update, retried")
    assert "group_not_set" not in bridge.daemon.store.actions.result(note)
    eventually(lambda: bridge.zendesk().tickets(id=ticket_id).group.name == "Tier 4 Development", what="the move")
