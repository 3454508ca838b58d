"""The per-ticket audit trail behind `bridge history TICKET`."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Engine, func, select, text
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


CAUGHT_UP = "caught up "  # + notice kind: old news kept for the catch-up summary


def caught_up_lines(found: Iterable[tuple[int, str, str]]) -> list[tuple[int, str, str]]:
    """A decision's old news ((ticket id, notice kind, what)) as history lines."""
    return [(ticket_id, CAUGHT_UP + kind, what) for ticket_id, kind, what in found]


@dataclass(frozen=True, slots=True)
class CaughtUp:
    """Old news recorded after a history line, for one summary."""

    by_kind: dict[str, tuple[int, int]]  # notice kind -> (lines, tickets)
    tickets: int
    first: list[tuple[int, list[tuple[str, str]]]]  # the first few tickets, each with its (notice kind, what)


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

    def caught_up_after(self, after_id: int, *, first: int = 10) -> tuple[int, CaughtUp | None]:
        """How far the history goes now, and the old news recorded after line `after_id` up to
        there (None: none), counted in the database: a backfill can leave hundreds of
        thousands of lines."""
        with self._engine.begin() as conn:
            if conn.dialect.name == "postgresql":
                # Ids are handed out at INSERT, rows seen at COMMIT: a writer still open may hold a
                # smaller id than the largest seen, which the bookmark would then pass over. This
                # waits for open writers (and holds new ones back for the read); SQLite writes one
                # transaction at a time.
                conn.execute(text("LOCK TABLE history IN SHARE MODE"))
            top = conn.execute(select(func.max(history.c.id)).where(history.c.id > after_id)).scalar()
            if top is None:
                return after_id, None
            news = history.c.id.between(after_id + 1, top) & history.c.what.startswith(CAUGHT_UP, autoescape=True)
            by_kind = {
                what[len(CAUGHT_UP):]: (lines, tickets)
                for what, lines, tickets in conn.execute(
                    select(history.c.what, func.count(), func.count(history.c.ticket_id.distinct()))
                    .where(news).group_by(history.c.what)
                )
            }
            if not by_kind:
                return top, None
            tickets = conn.execute(select(func.count(history.c.ticket_id.distinct())).where(news)).scalar() or 0
            earliest = select(history.c.ticket_id).where(news).group_by(history.c.ticket_id)
            shown = [t for t, in conn.execute(earliest.order_by(func.min(history.c.id)).limit(first))]
            rows = conn.execute(
                select(history.c.ticket_id, history.c.what, history.c.detail)
                .where(news & history.c.ticket_id.in_(shown)).order_by(history.c.id)
            ).all()
        lines: dict[int, list[tuple[str, str]]] = {t: [] for t in shown}
        for ticket_id, what, detail in rows:
            lines[ticket_id].append((what[len(CAUGHT_UP):], detail))
        return top, CaughtUp(by_kind, tickets, list(lines.items()))
