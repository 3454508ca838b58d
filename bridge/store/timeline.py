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


def last_change(conn: Connection, ticket_id: int) -> Change | None:
    row = conn.execute(
        select(timeline.c.at, timeline.c.status, timeline.c.tags)
        .where(timeline.c.ticket_id == ticket_id)
        .order_by(timeline.c.at.desc(), timeline.c.id.desc())
        .limit(1)
    ).first()
    return None if row is None else Change(utc(row.at), row.status, frozenset(row.tags.split()))  # type: ignore[arg-type]


def record_change(conn: Connection, ticket: Ticket, last: Change | None, *, before: Ticket | None = None) -> None:
    """Add the ticket's status and tags to its timeline if they differ from the `last` ones
    seen. `before`: its view stored before the bridge kept timelines, which becomes the
    first change (a store from an earlier version keeps what it knew).

    A view older than the newest one recorded adds nothing: it arrived late, and what
    followed it is known already.
    """
    if last is None and before is not None and before.updated_at < ticket.updated_at:
        last = Change(before.updated_at, before.status, before.tags)
        conn.execute(timeline.insert().values(ticket_id=ticket.id, at=last.at, status=last.status, tags=" ".join(sorted(last.tags))))
    if last is not None and (last.at > ticket.updated_at or (last.status, last.tags) == (ticket.status, ticket.tags)):
        return
    conn.execute(
        timeline.insert().values(ticket_id=ticket.id, at=ticket.updated_at, status=ticket.status, tags=" ".join(sorted(ticket.tags)))
    )


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
