"""The bridge's own updates of a ticket, known without reading the ticket back.

Every update the bridge makes changes the ticket's `updated_at`, and that change comes
back by webhook and by poll like anyone's. Reading the ticket again for it would double
the bridge's Zendesk reads. Instead the executor writes with Zendesk's safe update (refused
if the ticket changed since the snapshot the bridge holds), so the ticket afterwards is
exactly that snapshot plus the update: the response's fields and the comment it added.
That view goes to the inbox as the update's own event, and is judged like any other.

A change someone else makes in the same second gets its own webhook event (its author is
not the bridge); a poll that shows fields different from this view is read in full.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from bridge.codec import ticket_to_json
from bridge.connectors.zendesk import Updated
from bridge.connectors.zendesk_json import OWN_CHANGE, own_change_id
from bridge.model import Event, EventSource, Ticket


# A webhook reporting the bridge's own update is looked at only after this long: by then the
# executor has recorded the update's view (or it could not, and the ticket is read).
OWN_REPORT_WAIT = timedelta(seconds=10)


def after_own_update(before: Ticket, updated: Updated) -> Ticket:
    """The ticket after the bridge's own update of `before`: the response's ticket (fields and
    names; a trigger may change them within the update) with `before`'s texts and comments,
    plus the comment the update added (the response carries no comments)."""
    after = updated.ticket
    added = (updated.comment,) if updated.comment is not None else ()
    return replace(
        after,
        subject=after.subject or before.subject,
        description=before.description,
        comments=before.comments + added,
    )


def own_change_event(ticket: Ticket, audit_id: int | None) -> Event:
    return Event(
        source=EventSource.ZENDESK,
        kind=OWN_CHANGE,
        event_id=own_change_id(ticket.id, ticket.updated_at, audit_id),
        subject=str(ticket.id),
        occurred_at=ticket.updated_at,
        payload={"ticket": ticket_to_json(ticket)},
    )


def same_view(known: Ticket, seen: Ticket, *, custom_fields: bool = True) -> bool:
    """Whether a ticket as a poll shows it holds nothing the bridge's view lacks
    (same moment, same fields; comments are not in the export)."""
    return (
        known.updated_at == seen.updated_at
        and known.status == seen.status
        and known.priority == seen.priority
        and known.type == seen.type
        and known.tags == seen.tags
        and known.subject == seen.subject
        and known.organization == seen.organization
        and known.group == seen.group
        and known.requester_email == seen.requester_email
        and (not custom_fields or dict(known.custom_fields) == dict(seen.custom_fields))
    )
