"""Engine set-up and the helpers every repository shares."""

from __future__ import annotations

import json
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Iterable, Iterator, Mapping

from sqlalchemy import Engine, Table, create_engine, event, inspect, select, text, update
from sqlalchemy import exc as sql_errors
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection, make_url

from bridge.store.tables import ALWAYS_DUE, actions, events, metadata, tickets


# libpq waits for a server that stopped answering for as long as the kernel does (hours):
# a lost network would hang every worker, the leader and the webhooks without a word. With
# these a connection attempt gives up after 10 s and a silent connection is dropped within
# about a minute, and the bridge says the store is unavailable and waits for it.
_POSTGRES_LIVENESS = {
    "connect_timeout": 10,
    "keepalives": 1,
    "keepalives_idle": 30,
    "keepalives_interval": 10,
    "keepalives_count": 3,
    "tcp_user_timeout": 60_000,  # ms a write may go unacknowledged
}


def chunks(keys: Iterable[str], size: int = 1000) -> list[list[str]]:
    """The keys, once each, a thousand at a time (PostgreSQL takes at most 65,535 parameters)."""
    wanted = list(dict.fromkeys(keys))
    return [wanted[start:start + size] for start in range(0, len(wanted), size)]


def dead_among(engine: Engine, table: Table, key: Any, keys: Iterable[str]) -> set[str]:
    """Which of `keys` (values of the column `key`) are of rows given up on (status dead)."""
    found: set[str] = set()
    with engine.connect() as conn:
        for chunk in chunks(keys):
            found.update(conn.execute(select(key).where(table.c.status == "dead", key.in_(chunk))).scalars())
    return found


def sqlite_file(url: str) -> Path | None:
    """The absolute path of a SQLite store's file; None for PostgreSQL or an in-memory store."""
    parsed = make_url(url)
    if not parsed.drivername.startswith("sqlite") or parsed.database in (None, "", ":memory:"):
        return None
    return Path(parsed.database).resolve()


def make_engine(url: str) -> Engine:
    """An engine for SQLite (one process, WAL) or PostgreSQL (several replicas)."""
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    if url.startswith("sqlite"):
        engine = create_engine(
            url,
            connect_args={"check_same_thread": False, "timeout": 30},
            pool_pre_ping=True,
            # Every worker, the webhook server and the scheduler hold one at times: keep them
            # open rather than reconnecting (and re-running the pragmas) under load.
            pool_size=32,
            max_overflow=16,
        )
        event.listen(engine, "connect", _sqlite_pragmas)
    else:
        given = make_url(url).query  # what the operator wrote in the URL stands
        liveness = {name: value for name, value in _POSTGRES_LIVENESS.items() if name not in given}
        engine = create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=10, connect_args=liveness)
    with _schema_lock(engine):
        metadata.create_all(engine)
        _add_next_check(engine)
        _add_claims(engine)
    return engine


# pg_advisory_lock key of schema changes: any number no other user of the database picks ("BRIDGESC").
_SCHEMA_LOCK = 0x4252494447455343


@contextmanager
def _schema_lock(engine: Engine) -> Iterator[None]:
    """On PostgreSQL, one replica at a time makes or migrates the schema: replicas starting
    at once would otherwise both create a new table, and one fail. SQLite has one writer."""
    if engine.dialect.name != "postgresql":
        yield
        return
    with engine.connect() as conn:
        conn.execute(text("SELECT pg_advisory_lock(:key)"), {"key": _SCHEMA_LOCK})
        conn.commit()  # the lock is the session's: it outlives this transaction
        try:
            yield
        finally:
            conn.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": _SCHEMA_LOCK})
            conn.commit()


# SQLSTATEs of a server that is going away, coming up or full: class 08 (connection
# exceptions) is tested by its prefix. A deadlock or a statement timeout is not among them:
# the event or action that met it takes its ordinary retry.
_GOING_AWAY = frozenset({"57P01", "57P02", "57P03", "53300"})
# What SQLite says when the file cannot be used now, rather than about a statement.
_SQLITE_AWAY = ("database is locked", "unable to open database file", "disk i/o error", "database or disk is full")


def store_unavailable(error: BaseException) -> bool:
    """The database cannot be reached or is not answering now (a restart, the network, every
    pooled connection busy, SQLite's lock): waiting and trying again is the remedy. A fault in
    a statement (a missing table, a deadlock, a constraint) is not: it is that work's failure."""
    if isinstance(error, sql_errors.TimeoutError):  # the pool had no connection to give
        return True
    if not isinstance(error, sql_errors.DBAPIError):
        return False
    if error.connection_invalidated or isinstance(error, sql_errors.InterfaceError):
        return True
    if not isinstance(error, sql_errors.OperationalError):
        return False
    driver = error.orig
    state = getattr(driver, "sqlstate", None)
    if state is not None:
        return state.startswith("08") or state in _GOING_AWAY
    if type(driver).__module__.startswith("psycopg"):
        return True  # no SQLSTATE: the client could not connect or lost the server
    return str(driver).casefold().startswith(_SQLITE_AWAY)


def store_problem(error: BaseException) -> str:
    """One line for the log: the driver's own first line, without the statement and its values."""
    cause = getattr(error, "orig", None) or error
    lines = str(cause).strip().splitlines()
    return f"{type(cause).__name__}: {lines[0] if lines else ''}".rstrip(": ")


def _add_next_check(engine: Engine) -> None:
    """A store made before the sweep kept a next check per ticket gets the column (create_all
    leaves existing tables alone); every open ticket is due until it is judged again."""
    if "next_check_at" in {column["name"] for column in inspect(engine).get_columns("tickets")}:
        return
    column = tickets.c.next_check_at
    with engine.begin() as conn:
        conn.execute(text(f"ALTER TABLE tickets ADD COLUMN next_check_at {column.type.compile(engine.dialect)}"))
        conn.execute(update(tickets).where(tickets.c.open == 1).values(next_check_at=ALWAYS_DUE))
    for index in tickets.indexes:
        if "next_check_at" in index.columns:
            index.create(engine, checkfirst=True)


def _add_claims(engine: Engine) -> None:
    """A store made before claims were counted gets the column; its rows start at 0."""
    for table in (events, actions):
        if "claims" in {column["name"] for column in inspect(engine).get_columns(table.name)}:
            continue
        maybe = " IF NOT EXISTS" if engine.dialect.name == "postgresql" else ""  # replicas starting at once
        with engine.begin() as conn:
            conn.execute(text(f"ALTER TABLE {table.name} ADD COLUMN{maybe} claims INTEGER NOT NULL DEFAULT 0"))


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # WAL lets the webhook server read while a worker writes; NORMAL sync is durable in WAL.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


def insert_ignoring_duplicates(
    conn: Connection, table: Table, rows: Iterable[Mapping[str, Any]], *, on: list[str]
) -> int:
    """INSERT … ON CONFLICT DO NOTHING on both dialects; returns how many rows were new."""
    return len(inserted(conn, table, rows, on=on))


def inserted(conn: Connection, table: Table, rows: Iterable[Mapping[str, Any]], *, on: list[str]) -> list[Any]:
    """INSERT … ON CONFLICT DO NOTHING on both dialects; returns the `on` columns of the rows
    that were new.

    All rows in one execution: SQLAlchemy sends them as multi-row statements ("insertmanyvalues")
    compiled once, since a sweep may plan hundreds of thousands of notices.
    """
    rows = list(rows)
    if not rows:
        return []
    # RETURNING tells which rows were new; rowcount is not reliable across drivers here.
    statement = insert_for(conn, table).on_conflict_do_nothing(index_elements=on)
    return conn.execute(statement.returning(*(table.c[name] for name in on)), rows).all()


def insert_for(conn: Connection, table: Table):  # type: ignore[no-untyped-def]
    """An INSERT with the dialect's ON CONFLICT clauses (PostgreSQL's or SQLite's)."""
    return (postgresql if conn.dialect.name == "postgresql" else sqlite).insert(table)


def claim_rows(
    engine: Engine,
    table: Table,
    *,
    key: Any,
    ready: Any,
    order_by: tuple[Any, ...],
    limit: int,
    values: Mapping[str, Any],
) -> list[Any]:
    """Take up to `limit` ready rows for this worker in ONE statement (UPDATE … RETURNING).

    One statement is atomic on both databases: on PostgreSQL the chosen rows are locked
    with SKIP LOCKED, so replicas never wait on each other; on SQLite statements are
    serialised. A read first keeps idle workers from taking the write lock for nothing.
    """
    with engine.connect() as conn:
        if conn.execute(select(key).where(ready).limit(1)).first() is None:
            return []
    chosen = select(key).where(ready).order_by(*order_by).limit(limit)
    if engine.dialect.name == "postgresql":
        chosen = chosen.with_for_update(skip_locked=True, of=table)
    with engine.begin() as conn:
        return conn.execute(update(table).where(key.in_(chosen)).values(**values).returning(*table.c)).all()


def utc(value: datetime | None) -> datetime | None:
    """SQLite hands datetimes back naive; every time in the bridge is aware UTC."""
    if value is None:
        return None
    return value.replace(tzinfo=timezone.utc) if value.tzinfo is None else value.astimezone(timezone.utc)


def dumps(value: Any) -> str:
    return json.dumps(value, default=str, separators=(",", ":"), sort_keys=True)


def loads(text: str | None) -> Any:
    return json.loads(text) if text else None
