"""Poll bookmarks, written only in the transaction that stored what they cover."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Engine, select, update
from sqlalchemy.engine import Connection

from bridge.store.db import insert_ignoring_duplicates
from bridge.store.tables import cursors


def write_cursor(conn: Connection, name: str, value: str, *, now: datetime) -> None:
    row = {"name": name, "value": value, "updated_at": now}
    if not insert_ignoring_duplicates(conn, cursors, [row], on=["name"]):
        conn.execute(cursors.update().where(cursors.c.name == name).values(value=value, updated_at=now))


def read_cursor(engine: Engine, name: str) -> str | None:
    with engine.connect() as conn:
        return conn.execute(select(cursors.c.value).where(cursors.c.name == name)).scalar()


def move_cursor(conn: Connection, name: str, *, read: str | None, value: str, now: datetime) -> bool:
    """Move the bookmark to `value` if it still holds `read` (None: absent); whether it did.
    Two leaders overlapping for a moment cannot both move it from the same place."""
    if read is None:
        return bool(insert_ignoring_duplicates(conn, cursors, [{"name": name, "value": value, "updated_at": now}], on=["name"]))
    moved = conn.execute(
        update(cursors).where(cursors.c.name == name, cursors.c.value == read).values(value=value, updated_at=now)
        .returning(cursors.c.name)
    ).all()
    return bool(moved)
