"""The durable store: inbox, action log, links, cursors and history, on SQLite or PostgreSQL."""

from __future__ import annotations

from datetime import datetime
from typing import Iterable

from sqlalchemy import Engine, delete, select

from bridge.model import Decision, TicketState
from bridge.store.actions import ActionLog, StoredAction, plan
from bridge.store.cursors import read_cursor
from bridge.store.db import make_engine
from bridge.store.history import History, record
from bridge.store.inbox import Inbox, StoredEvent
from bridge.store.links import Links
from bridge.store.tables import events, marks

__all__ = ["Store", "StoredAction", "StoredEvent", "open_store"]


class Store:
    """One handle on the database, with a repository per kind of record."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.inbox = Inbox(engine)
        self.actions = ActionLog(engine)
        self.links = Links(engine)
        self.history = History(engine)

    def cursor(self, name: str) -> str | None:
        return read_cursor(self.engine, name)

    def ticket_state(self, ticket_id: int) -> TicketState:
        with self.engine.connect() as conn:
            rows = conn.execute(select(marks.c.name, marks.c.value).where(marks.c.ticket_id == ticket_id)).all()
        return TicketState(
            link=self.links.for_ticket(ticket_id),
            planned=self.actions.planned_keys(ticket_id),
            marks={name: value for name, value in rows},
        )

    def commit_decision(
        self,
        event: StoredEvent,
        decision: Decision,
        *,
        ticket_ids: Iterable[int],
        now: datetime,
    ) -> int:
        """Plan the actions, keep the marks and close the event in ONE transaction:
        a crash leaves either all of it or none."""
        with self.engine.begin() as conn:
            new = plan(conn, decision.actions, now=now)
            for (ticket_id, name), value in decision.marks.items():
                conn.execute(delete(marks).where(marks.c.ticket_id == ticket_id, marks.c.name == name))
                conn.execute(marks.insert().values(ticket_id=ticket_id, name=name, value=value))
            conn.execute(events.update().where(events.c.id == event.row_id).values(status="done", lease_until=None))
            for ticket_id in ticket_ids:
                planned = [a.key for a in decision.actions if a.ticket_id == ticket_id]
                record(conn, ticket_id, f"event {event.event.kind}", ", ".join(planned) or "nothing to do", now=now)
        return new

    def close(self) -> None:
        self.engine.dispose()


def open_store(url: str) -> Store:
    return Store(make_engine(url))
