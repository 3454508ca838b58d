"""A possible system-wide issue kept on the status page: opened, moved along and resolved with its Jira issue."""

from __future__ import annotations

from pathlib import Path
from typing import Iterator

import pytest
import yaml

from bridge.sandbox import Sandbox
from tests.e2e.harness import daytime_rules, eventually
from tests.e2e.inprocess import Bridge, start_bridge, stop_bridge
from tests.e2e.test_sync import settle

pytestmark = pytest.mark.e2e


@pytest.fixture
def bridge(tmp_path: Path) -> Iterator[Bridge]:
    sandbox = Sandbox(zendesk_port=0, jira_port=0, slack_port=0, statuspage_port=0, workdir=tmp_path / "sandbox")
    sandbox.start()
    rules = yaml.safe_load(daytime_rules(tmp_path).read_text(encoding="utf-8"))
    api = sandbox.info()["statuspage"]["components"]["API"]
    rules["status_page"] = {"open_at": 2, "components": [api], "impact": "major_outage"}
    path = tmp_path / "rules-status-page.yaml"
    path.write_text(yaml.safe_dump(rules, sort_keys=False), encoding="utf-8")
    running = start_bridge(tmp_path, sandbox=sandbox, rules=path)
    yield running
    stop_bridge(running)


def _incidents(bridge: Bridge) -> list[dict]:
    state = bridge.sandbox.statuspage.state
    with state.lock:
        return [dict(i) for i in state.incidents.values()]


def test_a_second_ticket_on_one_issue_opens_an_incident_that_follows_the_issue_to_resolved(bridge: Bridge) -> None:
    first = bridge.open_ticket(subject="Checkout fails with error 500", tags=["tier4"])
    key = eventually(lambda: bridge.issue_key(first), what="the escalation")
    assert not _incidents(bridge)  # one ticket is no system-wide issue
    second = bridge.open_ticket(subject="Cannot pay", tags=[f"jira_{key.lower()}"], requester=("Lee Park", "lee@other.example"))
    eventually(lambda: bridge.issue_key(second) == key, what="the second ticket on the issue")
    [incident] = eventually(lambda: _incidents(bridge), what="the incident opened")
    api = bridge.info["statuspage"]["components"]["API"]
    assert incident["status"] == "investigating" and key not in incident["name"]
    assert [c["status"] for c in incident["components"] if c["id"] == api] == ["major_outage"]
    bridge.transition(key, "In Progress")
    eventually(lambda: _incidents(bridge)[0]["status"] == "identified", what="the incident identified")
    bridge.transition(key, "Done")
    eventually(lambda: _incidents(bridge)[0]["status"] == "resolved", what="the incident resolved")
    settle(bridge)
    [resolved] = _incidents(bridge)
    assert [u["status"] for u in resolved["incident_updates"]] == ["resolved", "identified", "investigating"]
    assert {c["id"]: c["status"] for c in resolved["components"]}[api] == "operational"
    assert not bridge.daemon.store.actions.with_status("dead")
