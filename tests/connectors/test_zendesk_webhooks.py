"""Zendesk webhook bodies -> inbox events (pure)."""

from __future__ import annotations

from dataclasses import replace

from bridge.connectors.zendesk_json import event_from_webhook, ticket_from_json, ticket_from_detail

# The shape of an event-subscription delivery (https://developer.zendesk.com/api-reference/webhooks/event-types/ticket-events):
# ids as strings, enum values in upper case.
BODY = {
    "type": "zen:event-type:ticket.status_changed",
    "id": "5b8c6a3e-9d2f-4e55-a1c0-2f5f0f3c1a10",
    "detail": {
        "actor_id": "900", "id": "42", "subject": "Exports time out", "description": "Since the upgrade",
        "status": "PENDING", "priority": "HIGH", "type": "INCIDENT", "tags": ["tier4", "vip"],
        "created_at": "2026-11-23T09:00:00Z", "updated_at": "2026-11-23T09:05:07Z",
        "requester_id": "17", "organization_id": "31", "group_id": "5", "assignee_id": None,
    },
}


def test_a_webhook_describes_the_ticket_as_the_rest_api_would() -> None:
    event = event_from_webhook(BODY)
    assert event.event_id == "ticket:42:2026-11-23T09:05:07Z"
    raw = event.payload["detail"]
    assert raw == ticket_from_detail(BODY["detail"])
    ticket = ticket_from_json(raw, users={17: {"email": "dana@acme.example"}}, organizations={31: {"name": "Acme"}})
    assert (ticket.status, ticket.priority, ticket.type) == ("pending", "high", "incident")
    assert ticket.tags == frozenset({"tier4", "vip"}) and ticket.requester_email == "dana@acme.example"
    assert ticket.organization == "Acme" and ticket.group is None  # names come only from what was looked up


def test_the_bridges_own_change_gets_an_id_of_its_own_and_no_description() -> None:
    own = event_from_webhook(BODY, own_user_id=900)
    other = event_from_webhook(BODY, own_user_id=901)
    assert own.event_id == "ticket:42:2026-11-23T09:05:07Z:own" and own.kind == "ticket.own_change"
    assert "detail" not in own.payload
    assert other.event_id == "ticket:42:2026-11-23T09:05:07Z" and "detail" in other.payload


def test_a_trigger_webhook_with_only_the_id_carries_no_description() -> None:
    event = event_from_webhook({"ticket": {"id": "42", "updated_at": "2026-11-23T09:05:07Z"}})
    assert event.event_id == "ticket:42:2026-11-23T09:05:07Z" and "detail" not in event.payload


def test_a_trigger_webhook_naming_its_actor_tells_the_bridges_own_updates_apart() -> None:
    body = {"ticket": {"id": "42", "updated_at": "2026-11-23T09:05:07Z", "actor_id": "900"}}
    assert event_from_webhook(body, own_user_id=900).event_id == "ticket:42:2026-11-23T09:05:07Z:own"
    assert event_from_webhook(body, own_user_id=7).event_id == "ticket:42:2026-11-23T09:05:07Z"


def test_a_comments_author_role_says_whether_staff_wrote_it() -> None:
    """Comments read with ?include=users carry their authors' roles, which survive a snapshot."""
    from bridge.codec import ticket_from_json as from_snapshot
    from bridge.codec import ticket_to_json
    from bridge.connectors.zendesk_json import comment_from_json

    users = {1: {"id": 1, "email": "ann@client.example", "role": "end-user"}, 2: {"id": 2, "name": "Sam", "role": "agent"}}
    by_requester = comment_from_json({"id": 10, "author_id": 1, "body": "More detail", "created_at": "2026-11-23T09:05:00Z"}, users=users)
    by_agent = comment_from_json({"id": 11, "author_id": 2, "body": "On it", "created_at": "2026-11-23T09:06:00Z"}, users=users)
    unknown = comment_from_json({"id": 12, "author_id": 3, "body": "?", "created_at": "2026-11-23T09:07:00Z"}, users=users)
    assert (by_requester.by_staff, by_agent.by_staff, unknown.by_staff) == (False, True, None)
    ticket = ticket_from_json({"id": 5, "created_at": "2026-11-23T09:00:00Z", "updated_at": "2026-11-23T09:07:00Z"})
    ticket = replace(ticket, comments=(by_requester, by_agent, unknown))
    assert from_snapshot(ticket_to_json(ticket)).comments == ticket.comments
