"""A worker whose lease on an action ran out, and which another worker took over, writes
nothing more and records nothing: the developers see one comment, the manager one notice."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from zenpy.lib.api_objects import Comment as ZComment
from zenpy.lib.api_objects import Ticket as ZTicket

from bridge.config import Settings
from bridge.model import Action, ActionKind, Decision
from bridge.runtime.daemon import build_connectors
from bridge.runtime.sandboxed import sandbox_settings
from bridge.sandbox import Sandbox
from bridge.rules import load_rules
from bridge.store import Store, open_store
from bridge.sync.execute import LEASE, Connectors, Executor
from bridge.sync.poll import ticket_event
from bridge.sync.process import Processor

T0 = datetime(2026, 3, 2, 10, 0, tzinfo=timezone.utc)
TICKET = 7


class Desk:
    """A store, the emulators and two workers on one clock the test moves. Worker A's reads
    before its write can be made slow: the test lets its lease run out there and worker B
    take the action over, as a stalled process or a slow page of comments would."""

    def __init__(self, tmp_path: Path) -> None:
        self.now = T0
        self.sandbox = Sandbox(zendesk_port=0, jira_port=0, slack_port=0, statuspage_port=0, workdir=tmp_path / "sandbox",
                               clock=lambda: self.now.timestamp())
        self.sandbox.start()
        settings = sandbox_settings(Settings(_env_file=None), self.sandbox.info())  # type: ignore[call-arg]
        self.store: Store = open_store(f"sqlite:///{tmp_path / 'bridge.db'}")
        self.connectors = build_connectors(settings)
        self.channel = settings.slack_manager_channel
        self.b = self._executor(self.connectors)
        self.while_a_reads: Callable[[], None] = lambda: None
        slow = Connectors(_Slow(self.connectors.zendesk, self), _Slow(self.connectors.jira, self),
                          _Slow(self.connectors.slack, self))
        self.a = self._executor(slow)  # type: ignore[arg-type]
        self.issue = self.connectors.jira.create_issue(
            project="SUP", summary="Export fails", description="...", issue_type="Bug", priority=None, labels=[],
            due=None, extra_fields={},
        )
        self.store.links.add(TICKET, self.issue, now=T0)

    def _executor(self, connectors: Connectors) -> Executor:
        return Executor(store=self.store, connectors=connectors, manager_channel=self.channel,
                        clock=lambda: self.now, retry_base=1.0)

    def plan(self, action: Action) -> None:
        self.store.commit_decision(None, Decision(actions=[action]), ticket_ids=[TICKET], now=self.now)

    def fail_once(self, service: str, worker: Executor) -> None:
        """A first attempt answered 503, so the next one reads for its earlier write first."""
        self.sandbox.faults(service, error_rate=1.0)
        assert worker.run_ready(limit=1) == 1
        self.sandbox.clear_faults(service)
        self.now += timedelta(minutes=5)  # past the retry's backoff

    def b_takes_over(self) -> None:
        """Worker A's lease runs out while it reads; worker B claims the action and finishes it."""
        self.while_a_reads = lambda: None
        self.now += LEASE + timedelta(seconds=1)
        assert self.b.run_ready(limit=1) == 1

    def comments(self) -> list[str]:
        return [c["body"] for c in self.sandbox.jira.state.issues[self.issue]["comments"]]

    def history(self) -> list[str]:
        return [entry.what for entry in self.store.history.of(TICKET)]


class _Slow:
    """A connector whose reads let the test run something (worker B) before they answer."""

    _READS = frozenset({"signed_comment", "find_posted", "has_signed_comment", "find_for_ticket"})

    def __init__(self, inner: Any, desk: Desk) -> None:
        self._inner, self._desk = inner, desk

    def __getattr__(self, name: str) -> Any:
        method = getattr(self._inner, name)
        if name not in self._READS:
            return method

        def read(*args: Any, **kwargs: Any) -> Any:
            answer = method(*args, **kwargs)
            self._desk.while_a_reads()
            return answer

        return read


@pytest.fixture
def desk(tmp_path: Path) -> Iterator[Desk]:
    desk = Desk(tmp_path)
    yield desk
    desk.sandbox.stop()


def test_a_comment_is_written_once_when_the_lease_runs_out_while_looking_for_an_earlier_attempt(desk: Desk) -> None:
    desk.plan(Action(ActionKind.COMMENT_ISSUE, "comment:7:c1", TICKET, None, {"body": "The customer replied."}))
    desk.fail_once("jira", desk.a)
    desk.while_a_reads = desk.b_takes_over

    assert desk.a.run_ready(limit=1) == 1

    assert [body.splitlines()[0] for body in desk.comments()] == ["The customer replied."]
    assert desk.store.actions.counts() == {"done": 1}
    assert desk.history().count("done comment_issue") == 1


def test_a_notice_is_posted_once_when_the_lease_runs_out_while_looking_for_an_earlier_post(desk: Desk) -> None:
    text = "Ticket 7 breached its response SLA"
    desk.plan(Action(ActionKind.NOTIFY, "notify:breach:7:r", TICKET, None, {"kind": "sla_breach", "text": text}))
    desk.fail_once("slack", desk.a)
    desk.while_a_reads = desk.b_takes_over

    desk.a.run_ready(limit=1)

    assert [m["text"] for m in desk.sandbox.slack.state.messages[desk.channel]] == [text]
    assert desk.store.actions.counts() == {"done": 1}


def test_a_late_failure_neither_frees_nor_buries_an_action_another_worker_holds(desk: Desk) -> None:
    desk.plan(Action(ActionKind.COMMENT_ISSUE, "comment:7:c2", TICKET, None, {"body": "Second reply."}))
    a_claim = desk.store.actions.claim(now=desk.now, limit=1, lease=LEASE)[0]
    desk.now += LEASE + timedelta(seconds=1)
    b_claim = desk.store.actions.claim(now=desk.now, limit=1, lease=LEASE)[0]
    assert b_claim.claim == a_claim.claim + 1

    # A's call failed for good after all: it may not end the action B is running.
    assert not desk.store.actions.failed(a_claim.action.key, error="HTTP 400", retry_at=None, claim=a_claim.claim)
    assert not desk.store.actions.renew(a_claim.action.key, claim=a_claim.claim, until=desk.now + LEASE)
    # B still holds it: no third worker can claim it now.
    assert desk.store.actions.claim(now=desk.now, limit=1, lease=LEASE) == []
    assert desk.store.actions.done(b_claim.action.key, result={}, now=desk.now, claim=b_claim.claim)
    assert desk.store.actions.counts() == {"done": 1}


def test_a_note_is_written_once_when_the_lease_runs_out_while_the_groups_are_read_again(desk: Desk) -> None:
    # The group was deleted and made again since the bridge read its id: Zendesk refuses the
    # first update, the groups are read afresh (slowly: B, another process, takes over
    # meanwhile), and the update is sent again with the new id; only one of them may send it.
    state = desk.sandbox.zendesk.state
    with state.lock:
        ticket, _ = state.create_ticket({"subject": "Export fails", "comment": {"body": "Help"}}, actor_id=state.agent["id"])
    desk.b = desk._executor(build_connectors(sandbox_settings(Settings(_env_file=None), desk.sandbox.info())))  # type: ignore[call-arg]
    for connectors in (desk.connectors, desk.b._c):
        connectors.zendesk.group_id("Tier 2 Support")  # both knew the group's old id
    with state.lock:
        [gone] = [gid for gid, g in state.directory.groups.items() if g["name"] == "Tier 2 Support"]
        del state.directory.groups[gone]
        state.directory.create_group({"name": "Tier 2 Support"})
    desk.store.commit_decision(None, Decision(actions=[Action(
        ActionKind.NOTE_TICKET, f"note:{ticket['id']}", ticket["id"], None, {"note": "Moved to tier 2", "group": "Tier 2 Support"},
    )]), ticket_ids=[ticket["id"]], now=desk.now)
    zendesk = desk.connectors.zendesk
    read_groups, slow = zendesk._read_groups, [True]

    def slowly() -> dict[str, int]:
        groups = read_groups()
        if slow.pop() if slow else False:
            desk.b_takes_over()
        return groups

    zendesk._read_groups = slowly  # type: ignore[method-assign]

    desk.a.run_ready(limit=1)

    notes = [c["body"].splitlines()[0] for c in state.comments[ticket["id"]]]
    assert notes.count("Moved to tier 2") == 1
    assert desk.store.actions.counts() == {"done": 1}


def test_a_worker_whose_event_another_worker_took_over_keeps_nothing_of_its_decision(tmp_path: Path) -> None:
    desk = Desk(tmp_path)
    try:
        zendesk = desk.connectors.zendesk
        created = zendesk._client.tickets.create(ZTicket(subject="Checkout fails", comment=ZComment(body="500"),
                                                         tags=["tier4"], priority="high", type="incident"))
        ticket = zendesk.ticket(int(created.ticket.id))
        rules = load_rules(Path(__file__).resolve().parents[2] / "rules.yaml")
        worker = Processor(store=desk.store, zendesk=zendesk, jira=desk.connectors.jira, rules=lambda: rules,
                           clock=lambda: desk.now, default_project="SUP")
        desk.store.inbox.add([ticket_event(ticket)], now=desk.now)
        [slow] = desk.store.inbox.claim(now=desk.now, limit=1, lease=LEASE)
        # Its lease runs out; another worker takes the event and is told to come back later.
        desk.now += LEASE + timedelta(seconds=1)
        [other] = desk.store.inbox.claim(now=desk.now, limit=1, lease=LEASE)
        later = desk.now + timedelta(minutes=5)
        desk.store.inbox.retry(other.row_id, error="Jira said 503", not_before=later, give_up=False, claim=other.claim)

        worker._attempt(slow)  # the late worker judges it (an escalation) and tries to record that

        assert desk.store.ticket_state(ticket.id).planned == frozenset()  # nothing of its decision kept
        assert desk.store.inbox.claim(now=desk.now, limit=1, lease=LEASE) == []  # still waiting for the retry...
        [again] = desk.store.inbox.claim(now=later, limit=1, lease=LEASE)  # ...which comes, as the other set it
        assert again.event.event_id == slow.event.event_id
    finally:
        desk.sandbox.stop()
