"""Each ticket's timeline: its status and tags whenever they changed, as the bridge saw them.

Written with the ticket's snapshot, in the decision's transaction; read by `bridge report`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.engine import Connection

from bridge.model import Ticket
from bridge.store.db import chunks, utc
from bridge.store.tables import timeline


@dataclass(frozen=True, slots=True)
class Change:
    """The ticket's status and tags from `at` (its update) on."""

    at: datetime
    status: str
    tags: frozenset[str]


def record_change(conn: Connection, ticket: Ticket) -> None:
    """Add the ticket's status and tags to its timeline if they differ from the last ones seen.

    A view older than the newest one recorded adds nothing: it arrived late, and what
    followed it is known already.
    """
    last = conn.execute(
        select(timeline.c.at, timeline.c.status, timeline.c.tags)
        .where(timeline.c.ticket_id == ticket.id)
        .order_by(timeline.c.at.desc(), timeline.c.id.desc())
        .limit(1)
    ).first()
    tags = " ".join(sorted(ticket.tags))
    if last is not None and (utc(last.at) > ticket.updated_at or (last.status, last.tags) == (ticket.status, tags)):  # type: ignore[operator]
        return
    conn.execute(timeline.insert().values(ticket_id=ticket.id, at=ticket.updated_at, status=ticket.status, tags=tags))


def timelines_of(conn: Connection, ticket_ids: Iterable[int]) -> dict[int, list[Change]]:
    """Each ticket's changes, oldest first (tickets with none are left out)."""
    found: dict[int, list[Change]] = {}
    for part in chunks(ticket_ids):  # type: ignore[arg-type]
        rows = conn.execute(
            select(timeline.c.ticket_id, timeline.c.at, timeline.c.status, timeline.c.tags)
            .where(timeline.c.ticket_id.in_(part))
            .order_by(timeline.c.ticket_id, timeline.c.at, timeline.c.id)
        )
        for ticket_id, at, status, tags in rows:
            found.setdefault(ticket_id, []).append(Change(utc(at), status, frozenset(tags.split())))  # type: ignore[arg-type]
    return found
