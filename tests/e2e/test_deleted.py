"""A ticket deleted in Zendesk: the export still reports it (status "deleted"); the bridge
escalates nothing, notifies nobody and records no failure for it."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from zenpy import Zenpy
from zenpy.lib.api_objects import Comment as ZComment
from zenpy.lib.api_objects import Ticket as ZTicket

from bridge.sandbox import Sandbox
from bridge.sync.poll import ticket_event
from tests.e2e.harness import Running, eventually
from tests.e2e.inprocess import start_bridge, stop_bridge

pytestmark = pytest.mark.e2e


def sandbox_and_zendesk(tmp_path: Path) -> tuple[Sandbox, Zenpy]:
    """A sandbox, and Zendesk as a colleague sees it, before any bridge runs."""
    sandbox = Sandbox(zendesk_port=0, jira_port=0, slack_port=0, statuspage_port=0, workdir=tmp_path / "sandbox")
    sandbox.start()
    return sandbox, Running(process=None, info=sandbox.info(), env={}, log=tmp_path / "none.log").zendesk()  # type: ignore[arg-type]


def open_ticket(zendesk: Zenpy, subject: str, tags: list[str]) -> int:
    ticket = ZTicket(subject=subject, comment=ZComment(body="It fails every time.", public=True),
                     priority="urgent", type="incident", tags=tags)
    return int(zendesk.tickets.create(ticket).ticket.id)


def test_a_deleted_ticket_is_left_alone(tmp_path: Path) -> None:
    sandbox, zendesk = sandbox_and_zendesk(tmp_path)
    deleted = open_ticket(zendesk, "Opened by mistake", ["tier4"])
    zendesk.tickets.delete(zendesk.tickets(id=deleted))
    kept = open_ticket(zendesk, "Checkout fails", ["tier4"])
    bridge = start_bridge(tmp_path, sandbox=sandbox, webhooks=False)  # the export reports both
    try:
        eventually(lambda: bridge.issue_key(kept), what="the kept ticket's escalation")
        eventually(lambda: bridge.daemon.store.actions.result(f"note_escalated:{kept}"), what="its note")
        eventually(bridge.quiet, what="the bridge to settle")
        bridge.daemon.sync_once()
        eventually(bridge.quiet, what="the bridge to settle again")
        store = bridge.daemon.store
        assert bridge.issue_key(deleted) is None
        assert store.actions.counts().get("dead", 0) == 0
        assert store.inbox.count("dead") == 0
        issues = bridge.jira().search_issues(f"project = {bridge.info['jira']['project']}")
        assert [issue.key for issue in issues] == [bridge.issue_key(kept)]
        channel = bridge.info["slack"]["manager_channel"]
        texts = [m["text"] for m in bridge.slack().conversations_history(channel=channel)["messages"]]
        assert texts and not [t for t in texts if f"#{deleted}" in t]
    finally:
        stop_bridge(bridge)


def test_a_ticket_deleted_after_the_bridge_saw_it_is_no_longer_judged(tmp_path: Path) -> None:
    sandbox, zendesk = sandbox_and_zendesk(tmp_path)
    ticket_id = open_ticket(zendesk, "Cannot log in", [])
    bridge = start_bridge(tmp_path, sandbox=sandbox, webhooks=False, poll_interval_seconds=3600)  # one poll, at start
    try:
        store = bridge.daemon.store
        seen = eventually(lambda: store.snapshots.get(ticket_id), what="the ticket, from the first poll")
        assert seen.status == "new"
        zendesk.tickets.delete(zendesk.tickets(id=ticket_id))
        # A change reported without a view (as a trigger's webhook does): reading it finds nothing.
        store.inbox.add([replace(ticket_event(seen, snapshot=False), event_id="trigger:1")], now=seen.updated_at)
        eventually(lambda: store.snapshots.get(ticket_id).status == "deleted", what="the ticket recorded as deleted")
        assert store.inbox.count("dead") == 0
        assert not [ticket for batch in store.snapshots.due(now=datetime.now(timezone.utc) + timedelta(days=30))
                    for ticket, _ in batch if ticket.id == ticket_id]  # the sweeps leave it alone
    finally:
        stop_bridge(bridge)
