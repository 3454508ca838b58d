"""The executor copying a file from Zendesk to Jira, against the emulators: what it cannot copy is said, not retried."""

from __future__ import annotations

import io
from collections.abc import Iterator
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import pytest
from zenpy.lib.api_objects import Comment as ZComment
from zenpy.lib.api_objects import Ticket as ZTicket

from bridge.model import Action, ActionKind, Decision
from tests.sync.test_merge import T0, Desk


@pytest.fixture
def desk(tmp_path: Path) -> Iterator[Desk]:
    running = Desk(tmp_path)
    yield running
    running.sandbox.stop()


def _copy(desk: Desk, data: bytes, name: str = "trace.log") -> str:
    """A file on the desk's first ticket, and its copy planned to the ticket's issue; the action's key."""
    client = desk.connectors.zendesk._client
    upload = client.attachments.upload(io.BytesIO(data), target_name=name)
    client.tickets.update(ZTicket(id=desk.original, comment=ZComment(body="log", public=True, uploads=[upload.token])))
    url = list(client.tickets.comments(ticket=desk.original))[-1].attachments[0].content_url
    key = f"copy_file:{desk.original}:x"
    action = Action(ActionKind.COPY_FILE, key, ticket_id=desk.original, params={"name": name, "url": url})
    desk.store.commit_decision(None, Decision(actions=[action]), ticket_ids=[desk.original], now=desk.now)
    return key


def _issue(desk: Desk) -> str:
    key = desk.connectors.jira.create_issue(project="SUP", summary="Export fails", description="...", issue_type="Bug",
                                            priority=None, labels=[], due=None, extra_fields={})
    desk.store.links.add(desk.original, key, now=T0 - timedelta(days=1))
    return key


def test_a_file_is_copied_once(desk: Desk) -> None:
    issue = _issue(desk)
    key = _copy(desk, b"ERROR 500")
    desk.run()
    assert desk.connectors.jira.attachments(issue) == [("trace.log", 9)]
    assert desk.store.actions.result(key)["size"] == 9


@pytest.mark.parametrize("data, gone, said", [
    (b"", False, "the file is empty"),
    (b"ERROR 500", True, "issue does not exist"),  # the issue deleted in Jira meanwhile
])
def test_what_cannot_be_copied_is_left_out_and_said_not_a_dead_letter(desk: Desk, data: bytes, gone: bool, said: str) -> None:
    issue = _issue(desk)
    key = _copy(desk, data)
    if gone:
        desk.connectors.jira.client.issue(issue).delete()
    desk.run()
    assert said in desk.store.actions.result(key)["left_out"].lower()
    assert not desk.store.actions.with_status("dead")


def test_a_retried_copy_finds_the_file_an_earlier_attempt_added(desk: Desk) -> None:
    issue = _issue(desk)
    key = _copy(desk, b"ERROR 500")
    desk.connectors.jira.add_attachment(issue, name="trace.log", data=b"ERROR 500")  # it landed; recording did not
    [stored] = desk.store.actions.claim(now=desk.now, limit=1, lease=desk.executor._lease)
    desk.executor._attempt(replace(stored, attempts=1))
    assert desk.connectors.jira.attachments(issue) == [("trace.log", 9)]
    assert desk.store.actions.result(key)["found"]
