"""Ticket ⇄ issue links and the Slack thread kept for each ticket."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Engine, select

from bridge.model import Link
from bridge.store.db import insert_ignoring_duplicates, utc
from bridge.store.tables import links, threads


class Links:
    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def add(self, ticket_id: int, issue_key: str, *, now: datetime) -> Link:
        """Link a ticket to an issue; a ticket already linked keeps its first link."""
        with self._engine.begin() as conn:
            insert_ignoring_duplicates(
                conn, links, [{"ticket_id": ticket_id, "issue_key": issue_key, "created_at": now}], on=["ticket_id"]
            )
        found = self.for_ticket(ticket_id)
        assert found is not None
        return found

    def for_ticket(self, ticket_id: int) -> Link | None:
        with self._engine.connect() as conn:
            row = conn.execute(select(links).where(links.c.ticket_id == ticket_id)).first()
        return Link(row.ticket_id, row.issue_key, utc(row.created_at)) if row else None  # type: ignore[arg-type]

    def for_issue(self, issue_key: str) -> list[Link]:
        with self._engine.connect() as conn:
            rows = conn.execute(select(links).where(links.c.issue_key == issue_key).order_by(links.c.ticket_id)).all()
        return [Link(r.ticket_id, r.issue_key, utc(r.created_at)) for r in rows]  # type: ignore[arg-type]

    def count(self) -> int:
        with self._engine.connect() as conn:
            return len(conn.execute(select(links.c.ticket_id)).all())

    def thread(self, ticket_id: int) -> tuple[str, str] | None:
        with self._engine.connect() as conn:
            row = conn.execute(select(threads).where(threads.c.ticket_id == ticket_id)).first()
        return (row.channel, row.ts) if row else None

    def remember_thread(self, ticket_id: int, channel: str, ts: str) -> None:
        with self._engine.begin() as conn:
            insert_ignoring_duplicates(
                conn, threads, [{"ticket_id": ticket_id, "channel": channel, "ts": ts}], on=["ticket_id"]
            )
