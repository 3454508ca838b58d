"""Ticket snapshots and SLA pauses: what timers need to judge open tickets without an API call."""

from __future__ import annotations

import json
from datetime import datetime
from types import MappingProxyType
from typing import Any, Iterator

from sqlalchemy import Engine, and_, select, update
from sqlalchemy.engine import Connection

from bridge.model import Comment, Ticket
from bridge.store.db import insert_ignoring_duplicates, utc
from bridge.store.tables import pauses, tickets

CLOSED = frozenset({"solved", "closed"})
# Timers judge status, times, tags and who replied; long bodies are not needed for that.
BODY_LIMIT = 500


def ticket_to_json(ticket: Ticket) -> str:
    return json.dumps(
        {
            "id": ticket.id, "subject": ticket.subject, "description": ticket.description[:BODY_LIMIT],
            "status": ticket.status, "priority": ticket.priority, "type": ticket.type,
            "tags": sorted(ticket.tags), "created_at": ticket.created_at.isoformat(),
            "updated_at": ticket.updated_at.isoformat(), "requester_email": ticket.requester_email,
            "requester_name": ticket.requester_name, "organization": ticket.organization, "group": ticket.group,
            "custom_fields": dict(ticket.custom_fields), "url": ticket.url,
            "comments": [
                [c.id, c.body[:BODY_LIMIT], c.public, c.author, c.created_at.isoformat(), c.by_bridge]
                for c in ticket.comments
            ],
        },
        separators=(",", ":"),
    )


def ticket_from_snapshot(text: str) -> Ticket:
    raw: dict[str, Any] = json.loads(text)
    return Ticket(
        id=raw["id"], subject=raw["subject"], description=raw["description"], status=raw["status"],
        priority=raw["priority"], type=raw["type"], tags=frozenset(raw["tags"]),
        created_at=datetime.fromisoformat(raw["created_at"]), updated_at=datetime.fromisoformat(raw["updated_at"]),
        requester_email=raw["requester_email"], requester_name=raw["requester_name"],
        organization=raw["organization"], group=raw["group"], custom_fields=MappingProxyType(raw["custom_fields"]),
        url=raw["url"],
        comments=tuple(
            Comment(c[0], c[1], c[2], c[3], datetime.fromisoformat(c[4]), c[5]) for c in raw["comments"]
        ),
    )


def save_snapshot(conn: Connection, ticket: Ticket) -> None:
    values = {
        "open": int(ticket.status not in CLOSED), "updated_at": ticket.updated_at, "snapshot": ticket_to_json(ticket)
    }
    if not insert_ignoring_duplicates(conn, tickets, [{"id": ticket.id, **values}], on=["id"]):
        conn.execute(update(tickets).where(tickets.c.id == ticket.id).values(**values))


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
            yield [ticket_from_snapshot(text) for _, text in rows]

    def get(self, ticket_id: int) -> Ticket | None:
        with self._engine.connect() as conn:
            text = conn.execute(select(tickets.c.snapshot).where(tickets.c.id == ticket_id)).scalar()
        return ticket_from_snapshot(text) if text else None
