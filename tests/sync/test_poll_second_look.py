"""The poll is the source of truth: a ticket judged at the same moment from another
description than the export's goes through once more."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta, timezone

from bridge.connectors.zendesk import ChangePage
from bridge.connectors.zendesk_json import ticket_from_json
from bridge.model import Decision, Ticket
from bridge.store import open_store
from bridge.sync.poll import ZendeskPoller, ticket_event

NOW = datetime(2026, 11, 23, 10, 0, tzinfo=timezone.utc)
JUDGED = Ticket(
    id=8, subject="Search returns nothing", description="", status="open", priority="normal", type="incident",
    tags=frozenset({"tier4"}), created_at=NOW - timedelta(hours=1), updated_at=NOW - timedelta(minutes=5),
    requester_email="dana@acme.example", organization="Acme", group="Tier 3",
)


class Export:
    """The export's page, as the connector returns it (the poller's only input)."""

    def __init__(self, tickets: list[Ticket]) -> None:
        self.tickets = tickets

    def changes(self, *, cursor: str | None, start_time: int) -> ChangePage:
        return ChangePage(tickets=self.tickets, cursor="c1", end_of_stream=True)


def poll(store_url: str, exported: Ticket) -> list[str]:
    store = open_store(store_url)
    store.commit_decision(None, Decision(), ticket_ids=[JUDGED.id], now=NOW, snapshot=JUDGED)
    poller = ZendeskPoller(store=store, zendesk=Export([exported]), clock=lambda: NOW, first_start=NOW)  # type: ignore[arg-type]
    poller.poll_once()
    return [stored.event.event_id for stored in store.inbox.claim(now=NOW, limit=10, lease=timedelta(seconds=30))]


def test_a_ticket_judged_from_another_description_of_the_same_moment_goes_through_again(store_url: str) -> None:
    ids = poll(store_url, replace(JUDGED, status="pending"))  # a later change in that second, missed
    assert ids == ["ticket:8:2026-11-23T09:55:00Z", "ticket:8:2026-11-23T09:55:00Z:export"]


def test_a_ticket_the_export_shows_as_judged_needs_no_second_look(store_url: str) -> None:
    # Custom fields aside: webhooks never carry them, and the rules that read them read the ticket in full.
    assert poll(store_url, replace(JUDGED, custom_fields={"360": "Billing"})) == ["ticket:8:2026-11-23T09:55:00Z"]


def test_the_custom_fields_a_webhook_did_not_carry_are_kept_from_the_export(store_url: str) -> None:
    poll(store_url, replace(JUDGED, custom_fields={"360": "Billing"}))
    assert dict(open_store(store_url).snapshots.get(JUDGED.id).custom_fields) == {"360": "Billing"}  # type: ignore[union-attr]


def test_fields_the_export_lists_unset_leave_the_stored_copy_as_it_is(store_url: str) -> None:
    """Zendesk lists every custom field, null where unset: that is no news of the ticket, and
    no reason to write its stored copy again after every webhook."""
    raw = {"id": 8, "custom_fields": [{"id": 360, "value": None}, {"id": 361, "value": "Billing"}]}
    fields = ticket_from_json(raw).custom_fields
    assert dict(fields) == {"361": "Billing"}
    exported = replace(JUDGED, custom_fields=fields)
    store = open_store(store_url)
    assert poll(store_url, exported) == ["ticket:8:2026-11-23T09:55:00Z"]
    assert dict(store.snapshots.get(JUDGED.id).custom_fields) == {"361": "Billing"}  # type: ignore[union-attr]


def test_a_persons_webhook_judged_before_the_poll_needs_no_second_look(store_url: str) -> None:
    store = open_store(store_url)
    store.commit_decision(None, Decision(), ticket_ids=[JUDGED.id], now=NOW, snapshot=JUDGED)
    webhook = ticket_event(JUDGED, snapshot=False)  # the usual order: the webhook's event, judged already
    store.inbox.add([replace(webhook, payload={"type": "zen:event-type:ticket.status_changed"})], now=NOW)
    [judged] = store.inbox.claim(now=NOW, limit=1, lease=timedelta(seconds=30))
    store.inbox.done(judged.row_id)
    poller = ZendeskPoller(store=store, zendesk=Export([JUDGED]), clock=lambda: NOW, first_start=NOW)  # type: ignore[arg-type]
    assert poller.poll_once() == 0  # the export's sighting of it adds nothing
    assert store.inbox.claim(now=NOW, limit=10, lease=timedelta(seconds=30)) == []
