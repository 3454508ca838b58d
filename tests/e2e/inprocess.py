"""The daemon and the sandbox in the test's own process: real HTTP, real clients, direct access to the store."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from zenpy.lib.api_objects import Comment as ZComment
from zenpy.lib.api_objects import Ticket as ZTicket
from zenpy.lib.api_objects import User as ZUser

from bridge.config import Settings
from bridge.runtime.daemon import Daemon
from bridge.runtime.rules_watch import RulesHolder
from bridge.runtime.sandboxed import register_webhooks, sandbox_settings
from bridge.sandbox import Sandbox
from tests.e2e.harness import Running, daytime_rules


@dataclass
class Bridge(Running):
    """A `Running` whose daemon and sandbox live in this process."""

    sandbox: Sandbox = None  # type: ignore[assignment]
    daemon: Daemon = None  # type: ignore[assignment]

    def open_ticket(self, *, subject: str, tags: list[str], requester: tuple[str, str] = ("Dana Smith", "dana@acme.example"),
                    priority: str = "high", text: str = "It fails every time.") -> int:
        created = self.zendesk().tickets.create(
            ZTicket(subject=subject, comment=ZComment(body=text, public=True), priority=priority, type="incident",
                    tags=tags, requester=ZUser(name=requester[0], email=requester[1]))
        )
        return int(created.ticket.id)

    def reply(self, ticket_id: int, text: str, *, public: bool = True) -> None:
        self.zendesk().tickets.update(ZTicket(id=ticket_id, comment=ZComment(body=text, public=public)))

    def issue_key(self, ticket_id: int) -> str | None:
        link = self.daemon.store.links.for_ticket(ticket_id)
        return link.issue_key if link else None

    def transition(self, key: str, to: str) -> None:
        jira = self.jira()
        [transition] = [t for t in jira.transitions(key) if t["to"]["name"] == to]
        jira.transition_issue(key, transition["id"])

    def quiet(self) -> bool:
        """Nothing queued anywhere: no webhook in flight, no event or action waiting."""
        store = self.daemon.store
        return (
            self.sandbox.webhooks_idle()
            and store.inbox.count("pending") == 0
            and store.actions.counts().get("pending", 0) == 0
        )


def start_bridge(tmp_path: Path, *, webhooks: bool = True, sandbox: Sandbox | None = None, **overrides: Any) -> Bridge:
    """A daemon against a new sandbox, or against `sandbox` (another replica of the same install)."""
    if sandbox is None:
        sandbox = Sandbox(zendesk_port=0, jira_port=0, slack_port=0, statuspage_port=0, workdir=tmp_path / "sandbox")
        sandbox.start()
    info = sandbox.info()
    defaults: dict[str, Any] = {
        "store_url": f"sqlite:///{tmp_path / 'bridge.db'}",
        "rules": daytime_rules(tmp_path),
        "http_port": 0,
        "poll_interval_seconds": 0.5,
        "sweep_interval_seconds": 1,
    }
    settings = sandbox_settings(Settings(_env_file=None), info, **(defaults | overrides))  # type: ignore[call-arg]
    daemon = Daemon(settings, rules=RulesHolder(settings.rules))
    daemon.start()
    if webhooks:
        register_webhooks(sandbox, settings, daemon.http.url)
    return Bridge(process=None, info=info, env={}, log=tmp_path / "none.log", sandbox=sandbox, daemon=daemon)  # type: ignore[arg-type]


def stop_bridge(bridge: Bridge, *, keep_sandbox: bool = False) -> None:
    bridge.daemon.stop()
    if not keep_sandbox:
        bridge.sandbox.stop()
