"""The per-ticket audit trail behind `bridge history TICKET`."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Engine, select
from sqlalchemy.engine import Connection

from bridge.store.db import utc
from bridge.store.tables import history


@dataclass(frozen=True, slots=True)
class Entry:
    at: datetime
    what: str
    detail: str


def record(conn: Connection, ticket_id: int, what: str, detail: str, *, now: datetime) -> None:
    conn.execute(history.insert().values(ticket_id=ticket_id, at=now, what=what, detail=detail[:4000]))


def record_many(conn: Connection, lines: list[tuple[int, str, str]], *, now: datetime) -> None:
    """(ticket id, what, detail) lines in one statement."""
    if lines:
        conn.execute(
            history.insert(), [{"ticket_id": t, "at": now, "what": what, "detail": detail[:4000]} for t, what, detail in lines]
        )


class History:
    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def add(self, ticket_id: int, what: str, detail: str, *, now: datetime) -> None:
        with self._engine.begin() as conn:
            record(conn, ticket_id, what, detail, now=now)

    def of(self, ticket_id: int) -> list[Entry]:
        with self._engine.connect() as conn:
            rows = conn.execute(
                select(history).where(history.c.ticket_id == ticket_id).order_by(history.c.id)
            ).all()
        return [Entry(utc(r.at), r.what, r.detail) for r in rows]  # type: ignore[arg-type]
