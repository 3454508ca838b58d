"""Several replicas on one PostgreSQL store: one leader polls, all workers share the work, nothing doubles."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.e2e.harness import eventually
from tests.e2e.inprocess import start_bridge, stop_bridge
from tests.e2e.test_resilience import assert_each_ticket_escalated_exactly_once, jira_labels, open_tickets

pytestmark = pytest.mark.e2e


def test_two_replicas_share_the_work_and_escalate_each_ticket_once(tmp_path: Path, postgres_url: str) -> None:
    first = start_bridge(tmp_path / "a", store_url=postgres_url, webhooks=False, sweep_interval_seconds=3600)
    second = start_bridge(tmp_path / "b", sandbox=first.sandbox, store_url=postgres_url, webhooks=False,
                          sweep_interval_seconds=3600)
    try:
        tickets = open_tickets(first, 60)
        eventually(lambda: len(jira_labels(first)) >= len(tickets), timeout=120, what="every escalation")
        eventually(lambda: all(first.daemon.store.actions.result(f"notify:escalated:{t}") for t in tickets),
                   timeout=60, what="every notice")
        leaders = [b.daemon.leadership.is_leader() for b in (first, second)]
        assert sorted(leaders) == [False, True]  # exactly one leads

        polled = [b.daemon.metrics.polls.labels(source="zendesk", outcome="ok")._value.get() for b in (first, second)]
        assert sorted(p > 0 for p in polled) == [False, True], polled  # only the leader polls
        assert_each_ticket_escalated_exactly_once(first, tickets)
    finally:
        stop_bridge(second, keep_sandbox=True)
        stop_bridge(first)


def test_when_the_leader_stops_another_replica_takes_over(tmp_path: Path, postgres_url: str) -> None:
    first = start_bridge(tmp_path / "a", store_url=postgres_url, webhooks=False, sweep_interval_seconds=3600)
    eventually(first.daemon.leadership.is_leader, what="the first replica to lead")
    second = start_bridge(tmp_path / "b", sandbox=first.sandbox, store_url=postgres_url, webhooks=False,
                          sweep_interval_seconds=3600)
    try:
        assert not second.daemon.leadership.is_leader()
        stop_bridge(first, keep_sandbox=True)
        eventually(second.daemon.leadership.is_leader, what="the second replica to take over")
        [ticket] = open_tickets(second, 1)
        eventually(lambda: second.issue_key(ticket), what="escalation under the new leader")
    finally:
        stop_bridge(second)
