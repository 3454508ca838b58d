"""The bridge's view of a ticket after its own update, and when a poll adds nothing to it."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta, timezone

from bridge.connectors.zendesk import Updated
from bridge.model import Comment, Ticket
from bridge.sync.own_update import after_own_update, own_change_event, same_view

T0 = datetime(2026, 11, 23, 9, 0, tzinfo=timezone.utc)

BEFORE = Ticket(
    id=7, subject="Exports time out", description="Since the upgrade", status="open", priority="high",
    type="incident", tags=frozenset({"tier4"}), created_at=T0, updated_at=T0 + timedelta(minutes=5),
    requester_email="dana@acme.example", requester_name="Dana", organization="Acme", group="Tier 3",
    comments=(Comment("1", "Since the upgrade", True, "dana@acme.example", T0),),
)


def test_the_view_after_an_own_update_keeps_the_comments_and_takes_the_new_fields_and_names() -> None:
    later = T0 + timedelta(minutes=7)
    note = Comment("2", "Escalated to SUP-3", False, "bridge@acme.example", later, by_bridge=True)
    # A trigger moved the ticket to another group within the bridge's update; the response has no comments.
    response = replace(BEFORE, status="hold", tags=frozenset({"tier4", "jira_sup_3"}), updated_at=later,
                       group="Tier 4", description="", comments=())
    after = after_own_update(BEFORE, Updated(ticket=response, comment=note, audit_id=1234))
    assert (after.status, after.tags, after.updated_at) == ("hold", frozenset({"tier4", "jira_sup_3"}), later)
    assert (after.requester_email, after.organization, after.group) == ("dana@acme.example", "Acme", "Tier 4")
    assert after.description == BEFORE.description
    assert [c.id for c in after.comments] == ["1", "2"]
    event = own_change_event(after, 1234)
    assert event.event_id == "ticket:7:2026-11-23T09:07:00Z:own:1234" and event.kind == "ticket.own_change"


def test_a_poll_showing_the_same_fields_adds_nothing_and_any_difference_does() -> None:
    polled = replace(BEFORE, comments=())  # the export carries no comments
    assert same_view(BEFORE, polled)
    assert not same_view(BEFORE, replace(polled, status="pending"))
    assert not same_view(BEFORE, replace(polled, tags=BEFORE.tags | {"vip"}))
    assert not same_view(BEFORE, replace(polled, custom_fields={"360": "Billing"}))
    assert not same_view(BEFORE, replace(polled, updated_at=BEFORE.updated_at + timedelta(seconds=1)))
