"""One escalation travels Zendesk -> rules -> Jira -> Slack through the daemon, once."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from zenpy.lib.api_objects import Ticket as ZTicket
from zenpy.lib.api_objects import User as ZUser

from tests.e2e.harness import ROOT, Running, base_env, eventually

pytestmark = pytest.mark.e2e


def slack_messages(daemon: Running) -> list[dict]:  # type: ignore[type-arg]
    history = daemon.slack().conversations_history(channel=daemon.info["slack"]["manager_channel"])
    return list(history["messages"])


def test_a_tier4_ticket_becomes_one_jira_issue_a_key_on_the_ticket_and_one_slack_notice(daemon: Running) -> None:
    zendesk = daemon.zendesk()
    created = zendesk.tickets.create(
        ZTicket(
            subject="Checkout fails with HTTP 500",
            description="Since 09:00 every card payment fails with HTTP 500. Steps: add item, pay by card.",
            priority="urgent",
            type="incident",
            tags=["tier4"],
            requester=ZUser(name="Dana Smith", email="dana@acme.example"),
        )
    )
    ticket_id = created.ticket.id
    jira = daemon.jira()
    project = daemon.info["jira"]["project"]

    issues = eventually(lambda: jira.search_issues(f"project = {project}"), what="a Jira issue")
    key_tag = eventually(
        lambda: next((t for t in zendesk.tickets(id=ticket_id).tags if t.startswith(f"jira_{project.lower()}-")), None),
        what="the Jira key on the ticket",
    )
    messages = eventually(lambda: slack_messages(daemon), what="a Slack notice")

    assert len(issues) == 1
    issue = jira.issue(issues[0].key)
    assert f"#{ticket_id}" in issue.fields.description
    assert "Dana Smith" in issue.fields.description
    assert key_tag == f"jira_{issue.key.lower()}"
    notes = [c.body for c in zendesk.tickets.comments(ticket=ticket_id)]
    assert any(issue.key in body for body in notes)
    assert len(messages) == 1 and issue.key in messages[0]["text"]

    # Running the sync again creates nothing new.
    again = daemon.bridge("sync", "once")
    assert again.returncode == 0, again.stderr
    assert len(jira.search_issues(f"project = {project}")) == 1
    assert len(slack_messages(daemon)) == 1
    assert sum(issue.key in body for body in (c.body for c in zendesk.tickets.comments(ticket=ticket_id))) == 1


def run_bridge(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "bridge.cli", *args], env=env, cwd=ROOT, capture_output=True, text=True, timeout=60)


@pytest.mark.parametrize(
    "setting, value, named",
    [
        ("BRIDGE_HTTP_PORT", "eighty", "BRIDGE_HTTP_PORT"),
        ("BRIDGE_ZENDESK_URL", "ftp://example.com", "BRIDGE_ZENDESK_URL"),
        ("BRIDGE_CA_BUNDLE", "/nonexistent/ca.pem", "BRIDGE_CA_BUNDLE"),
        ("BRIDGE_RULES", "/nonexistent/rules.yaml", "/nonexistent/rules.yaml"),
    ],
)
def test_bad_settings_or_missing_rules_stop_the_daemon_with_one_clear_line(
    tmp_path: Path, setting: str, value: str, named: str
) -> None:
    env = base_env(tmp_path) | {setting: value}
    result = run_bridge(["run", "--sandbox", "--zendesk-port", "0", "--jira-port", "0", "--slack-port", "0", "--statuspage-port", "0"], env)
    assert result.returncode == 2
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and named in lines[0], result.stderr
    assert "Traceback" not in result.stderr
    assert result.stdout == ""
