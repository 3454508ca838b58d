"""What `bridge report` reads: the tickets a period concerns, each with its timeline, SLA
pauses and when it was linked to Jira; in batches, so a large store is never held whole."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Engine, or_, select
from sqlalchemy.engine import Connection

from bridge.codec import ticket_from_json
from bridge.model import ActionKind, Ticket
from bridge.store.db import loads, utc
from bridge.store.tables import actions, links, tickets
from bridge.store.tickets import pauses_of
from bridge.store.timeline import Change, timelines_of


@dataclass(frozen=True, slots=True)
class Recorded:
    """One ticket as the store knows it."""

    ticket: Ticket  # the newest view
    changes: tuple[Change, ...]  # status and tags at each change seen, oldest first
    pauses: tuple[tuple[datetime, datetime | None], ...]  # SLA pauses; the last may be open
    linked_at: datetime | None  # when it was linked to a Jira issue, if it is
    merged_at: datetime | None = None  # when the bridge merged it into another ticket (a duplicate)


def recorded_since(engine: Engine, start: datetime, *, batch: int = 2000) -> Iterator[list[Recorded]]:
    """Tickets updated since `start`, and every open one (an SLA target can fall due in the
    period on a ticket nobody touched), by id, `batch` at a time."""
    after = -1
    while True:
        with engine.connect() as conn:
            rows = conn.execute(
                select(tickets.c.id, tickets.c.snapshot)
                .where(tickets.c.id > after, or_(tickets.c.open == 1, tickets.c.updated_at >= utc(start)))
                .order_by(tickets.c.id)
                .limit(batch)
            ).all()
            if not rows:
                return
            ids = [ticket_id for ticket_id, _ in rows]
            changes = timelines_of(conn, ids)
            paused = pauses_of(conn, ids)
            linked = dict(conn.execute(select(links.c.ticket_id, links.c.created_at).where(links.c.ticket_id.in_(ids))).all())
            merged = _merged(conn, ids)
        after = ids[-1]
        yield [
            Recorded(
                ticket_from_json(text), tuple(changes.get(ticket_id, ())), paused.get(ticket_id, ()),
                utc(linked.get(ticket_id)), merged.get(ticket_id),
            )
            for ticket_id, text in rows
        ]


def _merged(conn: Connection, ticket_ids: list[int]) -> dict[int, datetime]:
    """When each of these tickets was merged into another: a merge action done that merged it
    (one left out, its original having ended, merged nothing)."""
    rows = conn.execute(
        select(actions.c.ticket_id, actions.c.done_at, actions.c.result).where(
            actions.c.ticket_id.in_(ticket_ids), actions.c.kind == ActionKind.MERGE_TICKET.value, actions.c.status == "done"
        )
    )
    return {ticket_id: utc(done_at) for ticket_id, done_at, result in rows if (loads(result) or {}).get("merged")}  # type: ignore[misc]
