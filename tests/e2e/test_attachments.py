"""Files attached on Zendesk reach the developers as files on the Jira issue, not only as links."""

from __future__ import annotations

import io

import pytest
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
