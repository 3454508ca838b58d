"""The database goes away under a running daemon and comes back: said once, nothing lost, nothing doubled."""

from __future__ import annotations

import logging
from pathlib import Path

import httpx
import pytest

from tests.e2e.harness import eventually
from tests.e2e.inprocess import start_bridge, stop_bridge
from tests.e2e.proxy import CuttableLink
from tests.e2e.test_resilience import assert_each_ticket_escalated_exactly_once, open_tickets

pytestmark = pytest.mark.e2e


def _said(caplog: pytest.LogCaptureFixture, words: str) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.name.startswith("bridge") and words in r.getMessage()]


def test_a_store_outage_is_said_once_and_its_tickets_escalate_when_it_ends(
    tmp_path: Path, postgres_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    link, url = CuttableLink.to_database(postgres_url)
    # What a worker held when the link went is taken again after its lease: keep that short.
    bridge = start_bridge(tmp_path, store_url=url, workers=2, lease_seconds=6, api_timeout_seconds=1.5)
    try:
        [before] = open_tickets(bridge, 1)
        eventually(lambda: bridge.issue_key(before), what="an escalation before the outage")

        link.cut()
        [during] = open_tickets(bridge, 1)
        zendesk = bridge.sandbox.deliveries("zendesk")
        eventually(lambda: any(d["status"] == 503 for d in bridge.sandbox.deliveries("zendesk")[len(zendesk):]),
                   what="the webhook refused with 503 while the store is away")
        # Several rounds of retries pass, in silence after the first.
        eventually(lambda: min(w.failing_rounds for w in bridge.daemon.workers) >= 4, what="four failed rounds")
        assert httpx.get(f"{bridge.daemon.http.url}/readyz").status_code == 503  # what a load balancer sees

        link.restore()
        eventually(lambda: bridge.issue_key(during), timeout=60, what="the ticket opened in the outage to escalate")
        eventually(lambda: len(_said(caplog, "store answers again")) >= 2, what="workers to say the store is back")
        eventually(bridge.quiet, timeout=60, what="everything held in the outage to be done")
        assert_each_ticket_escalated_exactly_once(bridge, [before, during])

        # Once per worker, leader election, webhooks; a poll or sweep that had begun as the link
        # went may say so too, once.
        told = [r for r in _said(caplog, "store unavailable") if not r.getMessage().startswith(("zendesk poll", "jira poll"))]
        per_task = {r.getMessage().split(":")[0] for r in told}
        assert len(told) == len(per_task), [r.getMessage() for r in told]
        assert {"worker-0", "worker-1", "webhooks", "leader election"} <= per_task <= {
            "worker-0", "worker-1", "webhooks", "leader election", "sweep"}
        tracebacks = [r for r in caplog.records if r.exc_info]  # any logger: the scheduler's, the web server's
        assert not tracebacks, [r.getMessage() for r in tracebacks]
    finally:
        stop_bridge(bridge)
        link.cut()
