"""Moving a ticket to a group by the group's name, and setting its priority, on the emulated Zendesk."""

from __future__ import annotations

import pytest
from zenpy.lib.api_objects import Comment as ZComment
from zenpy.lib.api_objects import Ticket as ZTicket

from bridge.connectors.zendesk import UnknownGroup
from bridge.sandbox import Sandbox

from .conftest import zendesk


def _new_ticket(sandbox: Sandbox) -> int:
    client = zendesk(sandbox)._client
    created = client.tickets.create(ZTicket(subject="Cannot export", comment=ZComment(body="It fails"), priority="normal"))
    return int(created.ticket.id)


def test_a_ticket_moves_to_the_group_named_in_any_case_and_gets_its_priority(sandbox: Sandbox) -> None:
    connector = zendesk(sandbox)
    ticket_id = _new_ticket(sandbox)
    updated = connector.update(ticket_id, group="tier 2 SUPPORT", priority="urgent", add_tags=["vip"])
    assert (updated.ticket.group, updated.ticket.priority) == ("Tier 2 Support", "urgent")
    assert "vip" in updated.ticket.tags
    assert connector.ticket(ticket_id).group == "Tier 2 Support"


def test_a_group_made_after_the_first_look_is_found(sandbox: Sandbox) -> None:
    connector = zendesk(sandbox)
    connector.group_id("Tier 1 Help Desk")  # the groups are read now
    with sandbox.zendesk.state.lock:
        sandbox.zendesk.state.directory.create_group({"name": "Night Shift"})
    assert connector.update(_new_ticket(sandbox), group="Night Shift").ticket.group == "Night Shift"


def test_a_group_zendesk_does_not_have_is_named_in_the_error(sandbox: Sandbox) -> None:
    with pytest.raises(UnknownGroup) as caught:
        zendesk(sandbox).update(_new_ticket(sandbox), group="Tier 9 Nobody")
    assert "no group is named 'Tier 9 Nobody': create it in Zendesk, or name another in rules.yaml" in str(caught.value)
