"""Ticket snapshots and SLA pauses: what timers need to judge open tickets without an API call."""

from __future__ import annotations

from datetime import datetime
from typing import Iterator

from sqlalchemy import Engine, and_, select, update
from sqlalchemy.engine import Connection

from bridge.model import Ticket
from bridge.codec import ticket_from_json, ticket_to_json
from bridge.store.db import insert_ignoring_duplicates, utc

CLOSED = frozenset({"solved", "closed"})
# Timers judge status, times, tags and who replied; long bodies are not needed for that.
BODY_LIMIT = 500
from bridge.store.tables import pauses, tickets

def save_snapshot(conn: Connection, ticket: Ticket) -> None:
    values = {
        "open": int(ticket.status not in CLOSED), "updated_at": ticket.updated_at, "snapshot": ticket_to_json(ticket, limit=BODY_LIMIT)
    }
    if not insert_ignoring_duplicates(conn, tickets, [{"id": ticket.id, **values}], on=["id"]):
        # Never replace a newer view with an older one (a retried event processed late).
        conn.execute(
            update(tickets).where(tickets.c.id == ticket.id, tickets.c.updated_at <= ticket.updated_at).values(**values)
        )


def apply_pause(conn: Connection, ticket_id: int, change: str, at: datetime) -> None:
    """Open a pause (if none is open) or close the open one."""
    open_pause = and_(pauses.c.ticket_id == ticket_id, pauses.c.ended.is_(None))
    is_open = conn.execute(select(pauses.c.id).where(open_pause)).first() is not None
    if change == "open" and not is_open:
        conn.execute(pauses.insert().values(ticket_id=ticket_id, started=at))
    elif change == "close" and is_open:
        conn.execute(update(pauses).where(open_pause).values(ended=at))


def pauses_of(conn: Connection, ticket_ids: list[int]) -> dict[int, tuple[tuple[datetime, datetime | None], ...]]:
    found: dict[int, list[tuple[datetime, datetime | None]]] = {}
    rows = conn.execute(
        select(pauses.c.ticket_id, pauses.c.started, pauses.c.ended)
        .where(pauses.c.ticket_id.in_(ticket_ids))
        .order_by(pauses.c.ticket_id, pauses.c.started)
    )
    for ticket_id, started, ended in rows:
        found.setdefault(ticket_id, []).append((utc(started), utc(ended)))  # type: ignore[arg-type]
    return {ticket_id: tuple(spans) for ticket_id, spans in found.items()}


class Snapshots:
    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def open_tickets(self, *, batch: int = 1000) -> Iterator[list[Ticket]]:
        """Every open ticket, in batches by id (keyset paging: stable under concurrent writes)."""
        last = -1
        while True:
            with self._engine.connect() as conn:
                rows = conn.execute(
                    select(tickets.c.id, tickets.c.snapshot)
                    .where(tickets.c.open == 1, tickets.c.id > last)
                    .order_by(tickets.c.id)
                    .limit(batch)
                ).all()
            if not rows:
                return
            last = rows[-1][0]
            yield [ticket_from_json(text) for _, text in rows]

    def updated_at(self, ticket_id: int) -> datetime | None:
        """When the newest view of the ticket the bridge has seen was last updated."""
        with self._engine.connect() as conn:
            return utc(conn.execute(select(tickets.c.updated_at).where(tickets.c.id == ticket_id)).scalar())

    def get(self, ticket_id: int) -> Ticket | None:
        with self._engine.connect() as conn:
            text = conn.execute(select(tickets.c.snapshot).where(tickets.c.id == ticket_id)).scalar()
        return ticket_from_json(text) if text else None
