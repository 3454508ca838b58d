"""The durable store: inbox, action log, links, cursors and history, on SQLite or PostgreSQL."""

from __future__ import annotations

from datetime import datetime
from typing import Iterable

from sqlalchemy import Engine

from bridge.model import Action, TicketState
from bridge.store.actions import ActionLog, StoredAction, plan
from bridge.store.cursors import read_cursor
from bridge.store.db import make_engine
from bridge.store.history import History, record
from bridge.store.inbox import Inbox, StoredEvent
from bridge.store.links import Links
from bridge.store.tables import events

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
        return TicketState(link=self.links.for_ticket(ticket_id), planned=self.actions.planned_keys(ticket_id))

    def commit_decision(
        self, event: StoredEvent, planned: Iterable[Action], *, ticket_id: int | None, note: str, now: datetime
    ) -> int:
        """Plan the actions and close the event in ONE transaction: a crash leaves either both or neither."""
        with self.engine.begin() as conn:
            new = plan(conn, planned, now=now)
            conn.execute(events.update().where(events.c.id == event.row_id).values(status="done", lease_until=None))
            if ticket_id is not None:
                record(conn, ticket_id, f"event {event.event.kind}", note, now=now)
        return new

    def close(self) -> None:
        self.engine.dispose()


def open_store(url: str) -> Store:
    return Store(make_engine(url))
