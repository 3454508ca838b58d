"""The executor's merge of a duplicate, against the emulators: what it does when the world moved on."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from zenpy.lib.api_objects import Comment as ZComment
from zenpy.lib.api_objects import Ticket as ZTicket
from zenpy.lib.api_objects import User as ZUser

from bridge.config import Settings
from bridge.model import Decision, LinkedTicket
from bridge.rules import load_rules
from bridge.rules.calendar import to_us
from bridge.rules.engine import engine_of
from bridge.rules.notify import NoticeGate
from bridge.runtime.daemon import build_connectors
from bridge.runtime.sandboxed import sandbox_settings
from bridge.sandbox import Sandbox
from bridge.store import open_store
from bridge.sync.duplicates import merge_actions
from bridge.sync.execute import Executor

ROOT = Path(__file__).resolve().parents[2]
T0 = datetime(2026, 3, 3, 11, 0, tzinfo=timezone.utc)  # a Tuesday: no quiet hours


class Desk:
    def __init__(self, tmp_path: Path) -> None:
        self.now = T0
        self.sandbox = Sandbox(zendesk_port=0, jira_port=0, slack_port=0, statuspage_port=0, workdir=tmp_path / "sandbox",
                               clock=lambda: self.now.timestamp())
        self.sandbox.start()
        settings = sandbox_settings(Settings(_env_file=None), self.sandbox.info())  # type: ignore[call-arg]
        self.store = open_store(f"sqlite:///{tmp_path / 'bridge.db'}")
        self.connectors = build_connectors(settings)
        self.channel = settings.slack_manager_channel
        self.executor = Executor(store=self.store, connectors=self.connectors, manager_channel=self.channel,
                                 clock=lambda: self.now, retry_base=1.0)
        rules = load_rules(ROOT / "rules.yaml")
        events = rules.notifications.events.model_copy(update={"duplicate": True})
        self.rules = rules.model_copy(update={"notifications": rules.notifications.model_copy(update={"events": events})})
        self.original = self.open("Checkout fails", "dana@acme.example")
        self.duplicate = self.open("Cannot pay", "lee@acme.example")

    def open(self, subject: str, email: str) -> int:
        created = self.connectors.zendesk._client.tickets.create(ZTicket(
            subject=subject, comment=ZComment(body=subject), requester=ZUser(name=email.split("@")[0], email=email),
        ))
        return int(created.ticket.id)

    def plan_merge(self) -> None:
        """The decision a colleague's ticket gets: merge into the original, and tell the manager."""
        ticket = self.connectors.zendesk.ticket(self.duplicate)
        original = LinkedTicket(self.original, ticket.organization, T0 - timedelta(days=1))
        gate = NoticeGate(engine_of(self.rules), to_us(self.now))
        actions = merge_actions(ticket, original, "SUP-7", self.rules, gate=gate)
        self.store.commit_decision(None, Decision(actions=actions, next_check=T0 + timedelta(days=1)),
                                   ticket_ids=[self.duplicate], now=self.now, snapshot=ticket)

    def run(self) -> None:
        while self.executor.run_ready(limit=4):
            pass

    def status(self, ticket_id: int) -> str:
        return self.connectors.zendesk.statuses([ticket_id]).get(ticket_id, "deleted")

    def notices(self) -> list[str]:
        return [m["text"] for m in self.sandbox.slack.state.messages.get(self.channel, [])]


@pytest.fixture
def desk(tmp_path: Path) -> Iterator[Desk]:
    running = Desk(tmp_path)
    yield running
    running.sandbox.stop()


def test_a_merge_closes_the_duplicate_copies_its_requester_on_the_original_and_tells_the_manager(desk: Desk) -> None:
    desk.plan_merge()
    desk.run()
    assert desk.status(desk.duplicate) == "closed"
    zenpy = desk.connectors.zendesk._client
    assert zenpy.tickets(id=desk.original).email_cc_ids == [zenpy.tickets(id=desk.duplicate).requester_id]
    assert desk.store.actions.result(f"merge:{desk.duplicate}:{desk.original}") == {"into": desk.original, "merged": True}
    assert [t for t in desk.notices() if f"#{desk.duplicate} merged into #{desk.original}" in t]
    assert "merged" in [e.what for e in desk.store.history.of(desk.original)]


@pytest.mark.parametrize("ended", ["solved", "closed"])
def test_an_original_ended_meanwhile_takes_nothing_in_and_the_duplicate_is_judged_again(desk: Desk, ended: str) -> None:
    desk.plan_merge()
    desk.connectors.zendesk._client.tickets.update(ZTicket(id=desk.original, status=ended))
    desk.now += timedelta(minutes=1)
    desk.run()
    assert desk.status(desk.duplicate) in ("new", "open")
    result = desk.store.actions.result(f"merge:{desk.duplicate}:{desk.original}") or {}
    assert ended in result.get("left_out", "")
    assert desk.store.ticket_state(desk.duplicate).marks.get("not_merged_into") == str(desk.original)
    assert desk.store.snapshots.next_check(desk.duplicate) == desk.now  # judged again now: it joins the issue itself
    assert desk.notices() == []  # nothing was merged: nothing to tell
    assert not desk.store.actions.with_status("dead")


def test_a_merge_that_landed_before_its_attempt_died_is_recorded_not_made_again(desk: Desk) -> None:
    desk.plan_merge()
    desk.sandbox.faults("zendesk", error_rate=1.0)  # the first attempt fails before it merges
    assert desk.executor.run_ready(limit=1) == 1
    desk.sandbox.clear_faults("zendesk")
    # ...but say an attempt's merge landed and its worker died before recording it.
    desk.connectors.zendesk.merge(desk.duplicate, desk.original, source_comment="Merged", source_public=True,
                                  target_comment="Merged here", action_key=f"merge:{desk.duplicate}:{desk.original}")
    desk.now += timedelta(minutes=5)  # past the retry's backoff
    desk.run()
    result = desk.store.actions.result(f"merge:{desk.duplicate}:{desk.original}")
    assert result == {"into": desk.original, "merged": "by an earlier attempt"}
    closing = [c for c in desk.connectors.zendesk._client.tickets.comments(ticket=desk.duplicate) if c.body.startswith("Merged")]
    assert len(closing) == 1


def test_a_duplicate_closed_by_someone_else_is_left_alone_not_taken_for_merged(desk: Desk) -> None:
    desk.plan_merge()
    desk.sandbox.faults("zendesk", error_rate=1.0)  # the first attempt fails before it merges
    assert desk.executor.run_ready(limit=1) == 1
    desk.sandbox.clear_faults("zendesk")
    desk.connectors.zendesk._client.tickets.update(ZTicket(id=desk.duplicate, status="closed"))  # an agent's doing
    desk.now += timedelta(minutes=5)
    desk.run()
    result = desk.store.actions.result(f"merge:{desk.duplicate}:{desk.original}") or {}
    assert "closed" in result.get("left_out", "") and "merged" not in result
    assert desk.notices() == []
