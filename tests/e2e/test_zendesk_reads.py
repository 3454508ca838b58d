"""What the bridge reads from Zendesk: a reported change costs one read, its own updates none,
and nothing is lost by it (daemon + sandbox, real clients)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from tests.e2e.harness import eventually
from bridge.store.history import Entry
from tests.e2e.inprocess import Bridge, start_bridge, stop_bridge
from tests.e2e.test_sync import jira_comments, settle

pytestmark = pytest.mark.e2e

READS = ("GET /api/v2/tickets/{id}.json", "GET /api/v2/tickets/{id}/comments.json")


def writes(bridge: Bridge, ticket_id: int, *, since: int) -> list[Entry]:
    """The bridge's updates of the ticket recorded in its history after entry `since`."""
    return [e for e in bridge.daemon.store.history.of(ticket_id)[since:] if e.what == "done note_ticket"]


def test_the_bridges_own_updates_are_not_read_back(tmp_path: Path) -> None:
    bridge = start_bridge(tmp_path)
    try:
        ticket_id = bridge.open_ticket(subject="Reports export an empty file", tags=["tier4"])
        key = eventually(lambda: bridge.issue_key(ticket_id), what="the escalation")
        settle(bridge)
        bridge.sandbox.reset_counters()
        before = len(bridge.daemon.store.history.of(ticket_id))

        bridge.transition(key, "In Progress")  # the bridge writes the new stage onto the ticket
        [written] = eventually(lambda: writes(bridge, ticket_id, since=before), what="the stage written to the ticket")
        assert "own_update" in written.detail  # written with the safe update: its result is known
        settle(bridge)  # webhooks of that update and a poll that shows it have arrived
        endpoints = bridge.sandbox.zendesk.guard.stats()["endpoints"]

        assert endpoints.get("PUT /api/v2/tickets/{id}.json", 0) >= 1
        assert not {name: endpoints[name] for name in READS if endpoints.get(name)}, endpoints
        known = bridge.daemon.store.snapshots.get(ticket_id)
        ticket = bridge.zendesk().tickets(id=ticket_id)
        assert known is not None and (known.status, known.tags) == (ticket.status, frozenset(ticket.tags))
        assert known.comments[-1].by_bridge and "In Progress" in known.comments[-1].body
    finally:
        stop_bridge(bridge)


def test_a_change_made_between_the_bridges_look_and_its_write_is_not_lost(tmp_path: Path) -> None:
    # No webhooks and an hourly poll: the test decides when the bridge looks.
    bridge = start_bridge(tmp_path, webhooks=False, poll_interval_seconds=3600)
    try:
        ticket_id = bridge.open_ticket(subject="Single sign-on loops back to the login page", tags=["tier4"])
        bridge.daemon.sync_once()
        key = eventually(lambda: bridge.issue_key(ticket_id), what="the escalation")
        eventually(bridge.quiet, what="the escalation written back")

        # Not in the very second of the bridge's last update: that one case only its webhook can tell.
        last = bridge.daemon.store.snapshots.updated_at(ticket_id)
        eventually(lambda: datetime.now(timezone.utc) - last >= timedelta(seconds=1), what="a later second")  # type: ignore[operator]
        before = len(bridge.daemon.store.history.of(ticket_id))
        bridge.reply(ticket_id, "Customer confirms it also happens in Safari.")  # unseen by the bridge
        bridge.transition(key, "In Progress")
        bridge.daemon.jira_poller.poll_once()  # the bridge writes to a ticket that changed since it looked
        [written] = eventually(lambda: writes(bridge, ticket_id, since=before), what="the stage written")
        assert "own_update" not in written.detail  # the safe update was refused: the result is not assumed

        bridge.daemon.sync_once()  # the poll shows the ticket after that write: it is read in full
        eventually(lambda: any("also happens in Safari" in body for body in jira_comments(bridge, key)),
                   what="the agent's reply mirrored to Jira")
    finally:
        stop_bridge(bridge)


def test_a_ticket_reported_by_webhook_is_escalated_with_one_read_and_one_write(tmp_path: Path) -> None:
    bridge = start_bridge(tmp_path, poll_interval_seconds=3600)  # webhooks only until the final poll
    try:
        bridge.sandbox.reset_counters()
        first = bridge.open_ticket(subject="Invoices are e-mailed twice", tags=["tier4"])
        eventually(lambda: bridge.issue_key(first), what="the escalation")
        eventually(bridge.quiet, what="the escalation written back")
        second = bridge.open_ticket(subject="Invoices are e-mailed twice, again", tags=["tier4"])
        eventually(lambda: bridge.issue_key(second), what="the second escalation")
        settle(bridge)  # and a poll: it shows both tickets as the bridge left them
        endpoints = bridge.sandbox.zendesk.guard.stats()["endpoints"]

        assert endpoints.get("GET /api/v2/tickets/{id}.json", 0) == 0  # the webhook described each ticket
        assert endpoints["GET /api/v2/tickets/{id}/comments.json"] == 2  # one read per escalation
        assert endpoints["PUT /api/v2/tickets/{id}.json"] == 2  # one write per escalation
        # The requester (the same person twice) was looked up once, then remembered.
        assert endpoints.get("GET /api/v2/users/{id}.json", 0) <= 1
        issue = bridge.jira().issue(bridge.issue_key(first))
        assert "Dana Smith <dana@acme.example>" in issue.fields.description  # names the webhook did not carry
    finally:
        stop_bridge(bridge)
