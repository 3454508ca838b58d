"""Files attached on Zendesk reach the developers as files on the Jira issue, not only as links; files
developers attach in Jira reach the agents on the ticket."""

from __future__ import annotations

import io

import pytest
import requests
from zenpy.lib.api_objects import Comment as ZComment
from zenpy.lib.api_objects import Ticket as ZTicket
from zenpy.lib.api_objects import User as ZUser

from tests.e2e.harness import eventually
from tests.e2e.inprocess import Bridge
from tests.e2e.test_sync import settle

pytestmark = pytest.mark.e2e


def _files(bridge: Bridge, key: str) -> dict[str, bytes]:
    return {a.filename: a.get() for a in bridge.jira().issue(key).fields.attachment}


def test_the_files_of_an_escalated_ticket_and_of_later_replies_are_copied_to_the_issue(bridge: Bridge) -> None:
    zendesk = bridge.zendesk()
    log = zendesk.attachments.upload(io.BytesIO(b"ERROR 500 at PaymentService.charge"), target_name="gateway.log")
    created = zendesk.tickets.create(ZTicket(
        subject="Checkout fails", type="incident", priority="high", tags=["tier4"],
        comment=ZComment(body="Every card payment fails; log attached.", public=True, uploads=[log.token]),
        requester=ZUser(name="Dana Smith", email="dana@acme.example"),
    ))
    ticket_id = int(created.ticket.id)
    key = eventually(lambda: bridge.issue_key(ticket_id), what="the escalation")
    eventually(lambda: "gateway.log" in _files(bridge, key), what="the log on the issue")
    assert _files(bridge, key)["gateway.log"] == b"ERROR 500 at PaymentService.charge"
    shot = zendesk.attachments.upload(io.BytesIO(b"\x89PNG fake screenshot"), target_name="checkout.png")
    zendesk.tickets.update(ZTicket(id=ticket_id, comment=ZComment(body="Screenshot of the error", public=True,
                                                                  uploads=[shot.token])))
    eventually(lambda: "checkout.png" in _files(bridge, key), what="the reply's screenshot on the issue")
    settle(bridge)
    assert sorted(_files(bridge, key)) == ["checkout.png", "gateway.log"]  # each once
    assert not bridge.daemon.store.actions.with_status("dead")


def _ticket_files(bridge: Bridge, ticket_id: int) -> list[tuple[str, bool, str]]:
    """(file name, public, the comment's text) of every file on the ticket's comments."""
    return [(a.file_name, c.public, c.body) for c in bridge.zendesk().tickets.comments(ticket=ticket_id)
            for a in c.attachments]


def test_a_file_a_developer_attaches_in_jira_reaches_the_ticket_in_an_internal_note(bridge: Bridge) -> None:
    zendesk = bridge.zendesk()
    log = zendesk.attachments.upload(io.BytesIO(b"ERROR 500 at PaymentService.charge"), target_name="gateway.log")
    created = zendesk.tickets.create(ZTicket(
        subject="Checkout fails", type="incident", priority="high", tags=["tier4"],
        comment=ZComment(body="Every card payment fails; log attached.", public=True, uploads=[log.token]),
        requester=ZUser(name="Dana Smith", email="dana@acme.example"),
    ))
    ticket_id = int(created.ticket.id)
    key = eventually(lambda: bridge.issue_key(ticket_id), what="the escalation")
    eventually(lambda: "gateway.log" in _files(bridge, key), what="the log on the issue")
    bridge.developer().add_attachment(issue=key, attachment=io.BytesIO(b"Fixed in 4.2.1: retry the charge"),
                                      filename="fix-notes.txt")
    eventually(lambda: any(name == "fix-notes.txt" for name, _, _ in _ticket_files(bridge, ticket_id)),
               what="the developer's file on the ticket")
    settle(bridge)
    files = _ticket_files(bridge, ticket_id)
    # The developer's file once, in an internal note naming it and the issue; the log the bridge
    # copied to the issue does not come back.
    assert sorted(name for name, _, _ in files) == ["fix-notes.txt", "gateway.log"]
    [(_, public, text)] = [f for f in files if f[0] == "fix-notes.txt"]
    assert not public and f"attached fix-notes.txt to {key}" in text
    [comment] = [c for c in zendesk.tickets.comments(ticket=ticket_id) if c.attachments and not c.public]
    assert requests_get(bridge, comment.attachments[0].content_url) == b"Fixed in 4.2.1: retry the charge"
    assert not bridge.daemon.store.actions.with_status("dead")


def requests_get(bridge: Bridge, url: str) -> bytes:
    """A file on Zendesk, read as an agent (the sandbox, like an account with secure downloads, asks who)."""
    person = bridge.info["zendesk"]["colleague"]
    response = requests.get(url, auth=(f"{person['email']}/token", person["token"]), verify=bridge.info["ca_bundle"],
                            timeout=10)
    response.raise_for_status()
    return response.content
