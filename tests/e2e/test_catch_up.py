"""A backfilled backlog reaches the manager as one catch-up summary in Slack, not a notice per
overdue clock (daemon + sandbox in this process, real clients)."""

from __future__ import annotations

import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from bridge.sandbox import Sandbox
from bridge.sync.backfill import backfill
from bridge.sync.preview import preview_changes
from tests.e2e.harness import eventually
from tests.e2e.inprocess import start_bridge, stop_bridge

pytestmark = pytest.mark.e2e

MONTH = 30 * 86400.0


def test_a_backfilled_month_old_backlog_reaches_slack_as_one_summary(tmp_path: Path) -> None:
    offset = [-MONTH]  # the sandbox's clock: a month ago while the tickets are written
    sandbox = Sandbox(zendesk_port=0, jira_port=0, slack_port=0, statuspage_port=0, workdir=tmp_path / "sandbox",
                      clock=lambda: time.time() + offset[0])
    sandbox.start()
    # Sweeps only when the test asks: one summary for the whole backlog, not one per sweep.
    bridge = start_bridge(tmp_path, sandbox=sandbox, webhooks=False, sweep_interval_seconds=3600)
    try:
        tickets = [bridge.open_ticket(subject=f"Export {n} fails", tags=[], priority="normal") for n in range(3)]
        offset[0] = 0.0
        daemon = bridge.daemon
        since = datetime.now(timezone.utc) - timedelta(days=31)
        dry, _ = preview_changes(store=daemon.store, zendesk=daemon.connectors.zendesk, rules=daemon.rules.current(),
                                 now=daemon.decision_clock(), default_project="SUP", cursor=None,
                                 start_time=int(since.timestamp()))
        assert (dry.tickets_read, dry.would, dry.caught_up) == (3, [], 15)  # a dry run says what it would sum up
        backfill(store=daemon.store, zendesk=daemon.connectors.zendesk, since=since, clock=daemon.clock)
        daemon.wake()
        eventually(lambda: all(daemon.store.snapshots.get(t) for t in tickets) and bridge.quiet(),
                   what="the backfilled tickets to be judged")
        channel = bridge.info["slack"]["manager_channel"]

        assert daemon.sweep() == 1
        eventually(bridge.quiet, what="the summary to be posted")
        texts = [m["text"] for m in bridge.slack().conversations_history(channel=channel)["messages"]]
        [summary] = texts  # no notice per breach, none per stale ticket
        assert summary.startswith(":inbox_tray: Catching up:") and "on 3 tickets, older than 1d" in summary
        assert all(f"\n• #{t}: response due " in summary for t in tickets)
        assert any(e.what == "caught up stale" for e in daemon.store.history.of(tickets[0]))

        assert daemon.sweep() == 0  # summed up once
    finally:
        stop_bridge(bridge)
