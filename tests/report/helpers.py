"""Builders for the report tests: tickets as the store records them."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timezone
from typing import Any

from bridge.model import Comment, Decision, Ticket
from bridge.store import Store
from bridge.store.reporting import Recorded
from bridge.store.timeline import Change

AGENT = "agent@support.example"
CUSTOMER = "ann@client.example"


def at(day: int, hour: int, minute: int = 0, month: int = 11) -> datetime:
    """A moment in 2026 (UTC); 2 November 2026 is a Monday."""
    return datetime(2026, month, day, hour, minute, tzinfo=timezone.utc)


def recorded(
    steps: list[tuple[datetime, str, set[str] | None]],
    *,
    replies: tuple[datetime, ...] = (),
    pauses: tuple[tuple[datetime, datetime | None], ...] = (),
    linked_at: datetime | None = None,
    merged_at: datetime | None = None,
    **fields: Any,
) -> Recorded:
    """A ticket created at the first step, seen at each (moment, status, tags or None: as
    before), with agents' public replies at `replies`; its newest view is the last step."""
    changes, tags = [], frozenset(fields.pop("tags", ()))
    for moment, status, new_tags in steps:
        tags = frozenset(new_tags) if new_tags is not None else tags
        changes.append(Change(moment, status, tags))
    last = changes[-1]
    comments = (Comment("1", "It is broken", True, CUSTOMER, fields.pop("created_at", steps[0][0])),) + tuple(
        Comment(str(n + 2), "On it", True, AGENT, moment) for n, moment in enumerate(replies)
    )
    values: dict[str, Any] = {
        "id": 1, "subject": "Export fails", "description": "It fails.", "priority": "high", "type": "incident",
        "created_at": comments[0].created_at, "requester_email": CUSTOMER, "organization": "Acme",
    }
    values.update(fields)
    ticket = Ticket(status=last.status, tags=last.tags, updated_at=last.at, comments=comments, **values)
    return Recorded(ticket, tuple(changes), pauses, linked_at, merged_at)


def keep(store: Store, *views: object) -> None:
    """Each view of a ticket, as the daemon keeps it after judging it."""
    for view in views:
        store.commit_decision(None, Decision(), ticket_ids=[view.id], now=view.updated_at, snapshot=view)  # type: ignore[attr-defined]


def history(ticket_id: int, steps: list[tuple[datetime, str]], **fields: object) -> list[object]:
    """The views the daemon saw of a ticket: one per step."""
    last = recorded([(moment, status, None) for moment, status in steps], id=ticket_id, **fields).ticket  # type: ignore[arg-type]
    return [replace(last, status=status, updated_at=moment,
                    comments=tuple(c for c in last.comments if c.created_at <= moment)) for moment, status in steps]
