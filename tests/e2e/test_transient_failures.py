"""A service that says "not now" for longer than BRIDGE_MAX_ATTEMPTS retries only delays the
work: events and actions keep being retried, and go through once it answers again."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from bridge.store.tables import events
from tests.e2e.harness import eventually
from tests.e2e.inprocess import Bridge, start_bridge, stop_bridge

pytestmark = pytest.mark.e2e

MAX_ATTEMPTS = 2


def _event_tries(bridge: Bridge, ticket: int) -> tuple[str, int] | None:
    """The status and attempts of the ticket's newest event."""
    with bridge.daemon.store.engine.connect() as conn:
        row = conn.execute(
            select(events.c.status, events.c.attempts).where(events.c.subject == str(ticket)).order_by(events.c.id.desc())
        ).first()
    return (row.status, row.attempts) if row else None


def test_an_outage_longer_than_the_attempts_delays_an_escalation_and_loses_nothing(tmp_path: Path) -> None:
    bridge = start_bridge(tmp_path, max_attempts=MAX_ATTEMPTS, retry_base_seconds=0.05)
    try:
        # Zendesk answers 503 to the comments read every ticket event needs.
        bridge.sandbox.faults("zendesk", error_rate=1.0, error_status=503, only=["comments"])
        ticket = bridge.open_ticket(subject="Checkout down", tags=["tier4"])
        eventually(lambda: (tries := _event_tries(bridge, ticket)) and tries[1] > MAX_ATTEMPTS + 1,
                   what="the event retried past BRIDGE_MAX_ATTEMPTS")
        assert _event_tries(bridge, ticket)[0] == "pending"  # type: ignore[index]
        assert bridge.daemon.store.inbox.dead() == []

        # Then Zendesk refuses every update: the escalation's note waits, it is not given up.
        bridge.sandbox.faults("zendesk", error_rate=1.0, error_status=503, only=["PUT /api/v2/tickets"])
        note = f"note_escalated:{ticket}"

        def note_retried() -> bool:
            [pending] = [a for a in bridge.daemon.store.actions.with_status("pending") if a.action.key == note] or [None]
            return pending is not None and pending.attempts > MAX_ATTEMPTS + 1

        eventually(note_retried, what="the escalation's note retried past BRIDGE_MAX_ATTEMPTS")
        assert bridge.daemon.store.actions.with_status("dead") == []
        # The ticket's history says so once, not at every retry.
        assert [e.what for e in bridge.daemon.store.history.of(ticket)].count("retry note_ticket") == 1
        bridge.sandbox.clear_faults("zendesk")
        key = eventually(lambda: bridge.issue_key(ticket), what="the issue")
        eventually(lambda: f"jira_{key.lower()}" in bridge.zendesk().tickets(id=ticket).tags, what="the note's tag on the ticket")
    finally:
        stop_bridge(bridge)
