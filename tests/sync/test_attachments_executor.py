"""The executor copying files between Zendesk and Jira, against the emulators: what it cannot copy is said, not retried."""

from __future__ import annotations

import io
from collections.abc import Iterator
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import pytest
import requests
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
    result = desk.store.actions.result(key)
    assert result["size"] == 9
    # Known by its id as the bridge's own, so it never travels back to a ticket.
    assert desk.store.ticket_state(desk.original).marks[f"jira_file:{result['attachment_id']}"] == key


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


# -- a developer's file from Jira to the ticket ------------------------------------------------


def _developer_file(desk: Desk, issue: str, data: bytes, name: str = "fix-notes.txt", size: int | None = None) -> str:
    """A file the desk's developer attaches to `issue`, and its copy planned to the first ticket; the action's key."""
    info = desk.sandbox.info()["jira"]
    # (as Jira's REST API takes it: the jira client refuses to send an empty file)
    response = requests.post(f"{info['url']}/rest/api/2/issue/{issue}/attachments", files={"file": (name, data)},
                             headers={"X-Atlassian-Token": "no-check"},
                             auth=(info["developer"]["email"], info["developer"]["token"]), timeout=10)
    [added] = response.json()
    key = f"file_to_ticket:{desk.original}:{added['id']}"
    action = Action(ActionKind.FILE_TO_TICKET, key, ticket_id=desk.original, issue_key=issue,
                    params={"file_id": added["id"], "name": name, "size": len(data) if size is None else size,
                            "note": f"Devon attached {name} to {issue}."})
    desk.store.commit_decision(None, Decision(actions=[action]), ticket_ids=[desk.original], now=desk.now)
    return key


def _notes(desk: Desk) -> list[tuple[str, list[str]]]:
    comments = desk.connectors.zendesk._client.tickets.comments(ticket=desk.original)
    return [(c.body, [a.file_name for a in c.attachments]) for c in comments if not c.public]


def test_a_developers_file_is_copied_to_the_ticket_once(desk: Desk) -> None:
    issue = _issue(desk)
    key = _developer_file(desk, issue, b"Fixed in 4.2.1")
    desk.run()
    [(body, files)] = _notes(desk)
    assert files == ["fix-notes.txt"] and body.startswith(f"Devon attached fix-notes.txt to {issue}.")
    assert desk.store.actions.result(key)["size"] == 14


def test_a_retried_copy_finds_the_note_an_earlier_attempt_wrote(desk: Desk) -> None:
    issue = _issue(desk)
    key = _developer_file(desk, issue, b"Fixed in 4.2.1")
    desk.connectors.zendesk.update(desk.original, note="Devon attached fix-notes.txt", action_key=key)  # it landed; recording did not
    [stored] = desk.store.actions.claim(now=desk.now, limit=1, lease=desk.executor._lease)
    desk.executor._attempt(replace(stored, attempts=1))
    assert desk.store.actions.result(key)["found"] and len(_notes(desk)) == 1


@pytest.mark.parametrize("data, listed_size, said", [
    (b"a core dump larger than ten bytes", None, "larger than"),  # as Jira lists it: not read at all
    (b"a core dump larger than ten bytes", 5, "larger than"),  # listed smaller than it is: the read stops
    (b"", None, "the file is empty"),
])
def test_a_developers_file_not_copied_is_named_with_the_issues_link(
    desk: Desk, data: bytes, listed_size: int | None, said: str
) -> None:
    issue = _issue(desk)
    desk.executor._attachment_max = 10
    key = _developer_file(desk, issue, data, size=listed_size)
    desk.run()
    [(body, files)] = _notes(desk)
    assert files == [] and f"not copied here ({said}" in body
    assert desk.connectors.jira.browse_url(issue) in body
    assert desk.store.actions.result(key)["not_copied"].startswith(said)
    assert not desk.store.actions.with_status("dead")


def test_a_file_gone_from_jira_is_left_out_not_a_dead_letter(desk: Desk) -> None:
    issue = _issue(desk)
    action = Action(ActionKind.FILE_TO_TICKET, f"file_to_ticket:{desk.original}:99999", ticket_id=desk.original,
                    issue_key=issue, params={"file_id": "99999", "name": "gone.txt", "size": 5, "note": "x"})
    desk.store.commit_decision(None, Decision(actions=[action]), ticket_ids=[desk.original], now=desk.now)
    desk.run()
    assert "not given out (HTTP 404)" in desk.store.actions.result(action.key)["left_out"]
    assert not _notes(desk) and not desk.store.actions.with_status("dead")
