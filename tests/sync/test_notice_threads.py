"""A ticket's notices form one Slack thread, which moves with the channel the notices go to."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from bridge.config import Settings
from bridge.model import Action, ActionKind, Decision
from bridge.runtime.daemon import build_connectors
from bridge.runtime.sandboxed import sandbox_settings
from bridge.sandbox import Sandbox
from bridge.store import Store, open_store
from bridge.sync.execute import Executor

T0 = datetime(2026, 3, 2, 10, 0, tzinfo=timezone.utc)
TICKET = 9


class Desk:
    """A store, an executor and the Slack emulator, all on one clock the test moves."""

    def __init__(self, tmp_path: Path) -> None:
        self.now = T0
        self.sandbox = Sandbox(zendesk_port=0, jira_port=0, slack_port=0, statuspage_port=0, workdir=tmp_path / "sandbox",
                               clock=lambda: self.now.timestamp())
        self.sandbox.start()
        settings = sandbox_settings(Settings(_env_file=None), self.sandbox.info())  # type: ignore[call-arg]
        self.store: Store = open_store(f"sqlite:///{tmp_path / 'bridge.db'}")
        self.executor = Executor(store=self.store, connectors=build_connectors(settings),
                                 manager_channel=settings.slack_manager_channel, clock=lambda: self.now)
        self.slack = self.sandbox.slack.state
        self.first_channel = self.slack.manager_channel
        self.second_channel = self.slack.add_channel("dev-escalations")["id"]

    def plan(self, key: str, channel: str, *, at: datetime) -> None:
        self.now = at
        notice = Action(ActionKind.NOTIFY, key, TICKET, None, {"kind": "sla_warning", "text": key, "channel": channel})
        self.store.commit_decision(None, Decision(actions=[notice]), ticket_ids=[TICKET], now=at)

    def send(self, *, at: datetime) -> None:
        self.now = at
        self.executor.run_ready(limit=10)
        assert self.store.actions.counts().get("pending", 0) == 0

    def threads(self, channel: str) -> dict[str, list[str]]:
        """Each top-level message's text, with the texts of its replies."""
        messages = self.slack.messages[channel]
        return {
            m["text"]: [r["text"] for r in messages if r.get("thread_ts") == m["ts"] and r is not m]
            for m in messages if m.get("thread_ts") in (None, m["ts"])
        }


@pytest.fixture
def desk(tmp_path: Path) -> Iterator[Desk]:
    desk = Desk(tmp_path)
    yield desk
    desk.sandbox.stop()


def test_notices_move_to_the_new_channel_and_one_planned_before_the_move_follows_them(desk: Desk) -> None:
    desk.plan("warning", desk.first_channel, at=T0)
    desk.send(at=T0 + timedelta(minutes=1))
    desk.plan("breach", desk.first_channel, at=T0 + timedelta(minutes=2))
    desk.send(at=T0 + timedelta(minutes=3))
    # The manager sends the notices to another channel: the ticket's next notice starts a thread there.
    desk.plan("escalated", desk.second_channel, at=T0 + timedelta(minutes=10))
    desk.send(at=T0 + timedelta(minutes=11))
    # A notice planned before the move (its retry came late) answers in the thread where it is now.
    desk.plan("stale", desk.first_channel, at=T0 + timedelta(minutes=5))
    desk.send(at=T0 + timedelta(minutes=12))
    desk.plan("resolved", desk.second_channel, at=T0 + timedelta(minutes=20))
    desk.send(at=T0 + timedelta(minutes=21))

    assert desk.threads(desk.first_channel) == {"warning": ["breach"]}
    assert desk.threads(desk.second_channel) == {"escalated": ["stale", "resolved"]}
    channel, _ = desk.store.links.thread(TICKET) or ("", "")
    assert channel == desk.second_channel
