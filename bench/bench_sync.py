"""Escalation latency and API calls: webhook -> Jira issue -> Slack, at 20 escalations/s with 50 ms API latency

The emulators run in a process of their own (`bridge sandbox`), each call delayed 50 ms;
the daemon runs here, fed by the sandbox's signed webhooks and its own polling. Latency is
from the moment a ticket is created to the moment its Slack notice is recorded as sent.
Calls per escalation are the emulators' request counters, less the load's own ticket
creations, divided by the escalations; the table also shows how much of that is polling
and start-up (a fixed few calls a minute, whatever the load) and names read the first
time they are seen (once per organisation, then remembered), and what is left: the calls
each escalation makes.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import requests

from bench.load import make_requesters
from tests.e2e.harness import daytime_rules

ROOT = Path(__file__).resolve().parent.parent
RATE = int(os.environ.get("BENCH_RATE", "20"))  # escalations per second
SECONDS = 15
LATENCY_MS = 50
WORKERS = 16


def run() -> list[dict[str, Any]]:
    box = subprocess.Popen(
        [sys.executable, "-m", "bridge.cli", "sandbox", "--zendesk-port", "0", "--jira-port", "0", "--slack-port", "0", "--statuspage-port", "0"],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
    )
    try:
        info = json.loads(box.stdout.readline())  # type: ignore[union-attr]
        created, sent, calls = _measure(info)
    finally:
        box.terminate()
        box.wait(10)
    return [_figures(created, sent, calls)]


def _measure(info: dict[str, Any]) -> tuple[dict[int, float], dict[int, float], dict[str, dict[str, int]]]:
    """The daemon against the sandbox under the offered load: creation and notice times, calls."""
    from bridge.config import Settings
    from bridge.runtime.daemon import Daemon
    from bridge.runtime.rules_watch import RulesHolder
    from bridge.runtime.sandboxed import sandbox_settings

    admin = _Admin(info)
    settings = sandbox_settings(
        Settings(_env_file=None),  # type: ignore[call-arg]
        info,
        store_url=f"sqlite:///{Path(tempfile.mkdtemp(prefix='bench-sync-')) / 'bridge.db'}",
        # Quiet hours would hold every notice until 07:00 London time when this runs in the evening.
        rules=daytime_rules(Path(tempfile.mkdtemp(prefix="bench-sync-rules-"))),
        http_port=0,
        poll_interval_seconds=5,
        sweep_interval_seconds=3600,
        workers=WORKERS,
    )
    daemon = Daemon(settings, rules=RulesHolder(settings.rules))
    daemon.start()
    try:
        admin.register_webhooks(settings, daemon.http.url)
        requesters = make_requesters(info, RATE * SECONDS)
        admin.set_latency(LATENCY_MS)  # and counters from zero
        created = _load(info, requesters)
        sent = _wait_for_notices(daemon, created, timeout=120)
        time.sleep(8)  # let the bridge's follow-ups (webhooks of its own updates, a poll) happen before counting
        return created, sent, admin.calls()
    finally:
        daemon.stop()


def _figures(created: dict[int, float], sent: dict[int, float], calls: dict[str, dict[str, int]]) -> dict[str, Any]:
    latencies = sorted(sent[t] - created[t] for t in created if t in sent)
    if len(latencies) < len(created):
        # Figures over the escalations that made it would hide the ones that did not.
        raise SystemExit(f"only {len(latencies)} of {len(created)} escalations were notified within the time allowed")
    escalations = len(latencies)
    calls["zendesk"]["POST /api/v2/tickets.json"] -= len(created)  # the load's own creations are not the bridge's
    per = {name: sum(counts.values()) / escalations for name, counts in calls.items()}
    fixed = sum(n for counts in calls.values() for endpoint, n in counts.items() if endpoint in FIXED) / escalations
    names = sum(n for endpoint, n in calls["zendesk"].items() if endpoint in NAMES) / escalations
    return {
        "offered": f"{RATE}/s for {SECONDS} s",
        "API latency": f"{LATENCY_MS} ms",
        "workers": WORKERS,
        "escalated": f"{len(latencies)}/{len(created)}",
        "p50 s": statistics.median(latencies),
        "p99 s": latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))],
        "Zendesk calls/esc": per["zendesk"],
        "Jira calls/esc": per["jira"],
        "Slack calls/esc": per["slack"],
        "beyond Slack": per["zendesk"] + per["jira"],
        "of which polling, start-up": fixed,
        "of which names first seen": names,
        "beyond Slack, per escalation (target <= 4)": per["zendesk"] + per["jira"] - fixed - names,
    }


# A requester, organisation or group the bridge has not seen yet is read once, then remembered.
NAMES = frozenset({
    "GET /api/v2/users/{id}.json", "GET /api/v2/organizations/{id}.json", "GET /api/v2/groups/{id}.json",
    "GET /api/v2/groups.json",  # the groups, listed once: routing names them
})
# Calls made whatever the load: polling both services and learning who the bridge is.
FIXED = frozenset({
    "GET /api/v2/incremental/tickets/cursor.json",
    "GET /api/v2/users/me.json",
    "GET /rest/api/2/search/jql",
    "GET /rest/api/2/myself",
    "GET /rest/applinks/latest/listApplicationlinks",
})


class _Admin:
    """The sandbox's admin API (it runs in another process)."""

    def __init__(self, info: dict[str, Any]) -> None:
        self.session = requests.Session()
        self.session.verify = info["ca_bundle"]
        self.session.trust_env = False
        self.bases = {
            "zendesk": info["zendesk"]["url"],
            "jira": info["jira"]["url"],
            "slack": info["slack"]["url"].removesuffix("/api/"),
        }

    def set_latency(self, ms: int) -> None:
        for base in self.bases.values():
            self.session.post(f"{base}/__sandbox/faults", json={"latency_ms": ms}).raise_for_status()
            self.session.post(f"{base}/__sandbox/counters/reset").raise_for_status()

    def register_webhooks(self, settings: Any, daemon_url: str) -> None:
        for name, secret in (("zendesk", settings.zendesk_webhook_secret), ("jira", settings.jira_webhook_secret)):
            self.session.post(
                f"{self.bases[name]}/__sandbox/webhooks",
                json={"url": f"{daemon_url}/webhooks/{name}", "secret": secret.get_secret_value()},
            ).raise_for_status()

    def calls(self) -> dict[str, dict[str, int]]:
        """Requests each emulator answered, by endpoint."""
        return {name: dict(self.session.get(f"{base}/__sandbox/counters").json()["endpoints"]) for name, base in self.bases.items()}


def _load(info: dict[str, Any], requesters: list[int]) -> dict[int, float]:
    """Tickets created by `bench.load` in a process of its own: id -> creation time."""
    result = subprocess.run(
        [sys.executable, "-m", "bench.load", json.dumps(info), str(RATE), str(SECONDS), json.dumps(requesters)],
        cwd=ROOT, capture_output=True, text=True, timeout=SECONDS * 10, check=True,
    )
    rows = [json.loads(line) for line in result.stdout.splitlines() if line.strip()]
    return {row["id"]: row["t"] for row in rows}


def _wait_for_notices(daemon: Any, created: dict[int, float], *, timeout: float) -> dict[int, float]:
    from sqlalchemy import select

    from bridge.store.tables import actions

    deadline = time.monotonic() + timeout
    keys = {f"notify:escalated:{t}": t for t in created}
    sent: dict[int, float] = {}
    while time.monotonic() < deadline and len(sent) < len(created):
        with daemon.store.engine.connect() as conn:
            rows = conn.execute(
                select(actions.c.key, actions.c.done_at).where(actions.c.status == "done", actions.c.key.in_(list(keys)))
            ).all()
        for key, done_at in rows:
            stamp = done_at if done_at.tzinfo else done_at.replace(tzinfo=timezone.utc)
            sent[keys[key]] = stamp.timestamp()
        time.sleep(0.5)
    return sent


if __name__ == "__main__":
    print(run(), datetime.now(timezone.utc))
