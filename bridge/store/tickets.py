"""Ticket snapshots, their next checks and SLA pauses: what timers need to judge open tickets without an API call."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timezone
from typing import Iterable, Iterator, Sequence

from sqlalchemy import Engine, and_, bindparam, select, tuple_, update
from sqlalchemy.engine import Connection

from bridge.model import CLOSED_STATUSES, Ticket
from bridge.codec import ticket_from_json, ticket_to_json
from bridge.store.db import insert_ignoring_duplicates, utc
from bridge.store.tables import pauses, tickets
from bridge.store.timeline import last_change, record_change

# Timers judge status, times, tags and who replied; long bodies are not needed for that.
BODY_LIMIT = 500


def save_snapshot(conn: Connection, ticket: Ticket, *, next_check: datetime | None, now: datetime) -> None:
    """Keep the newest view of a ticket and when the sweep must judge it again (None: never).

    A view older than the stored one is not kept; the ticket is made due instead, since what
    was decided on the older view may have changed what is known of it (pauses, marks). A
    view kept adds its status and tags to the ticket's timeline when they changed.
    """
    values = {
        "open": int(ticket.status not in CLOSED_STATUSES),
        "updated_at": ticket.updated_at,
        "snapshot": ticket_to_json(ticket, limit=BODY_LIMIT),
        "next_check_at": _utc(next_check),
    }
    if insert_ignoring_duplicates(conn, tickets, [{"id": ticket.id, **values}], on=["id"]):
        record_change(conn, ticket, None)
        return
    last = last_change(conn, ticket.id)
    before = None
    if last is None:  # stored before timelines were kept: what the store knew is its first change
        text = conn.execute(select(tickets.c.snapshot).where(tickets.c.id == ticket.id)).scalar()
        before = ticket_from_json(text) if text else None
    replaced = conn.execute(
        update(tickets).where(tickets.c.id == ticket.id, tickets.c.updated_at <= ticket.updated_at).values(**values)
    ).rowcount
    if replaced:
        record_change(conn, ticket, last, before=before)
    else:
        make_due(conn, [ticket.id], at=now)


def make_due(conn: Connection, ticket_ids: Iterable[int], *, at: datetime) -> None:
    """The sweep judges these (open) tickets again from `at` on, whatever their next check was."""
    conn.execute(
        update(tickets)
        .where(tickets.c.id.in_(list(ticket_ids)), tickets.c.open == 1)
        .values(next_check_at=_utc(at))
    )


def set_next_checks(conn: Connection, checks: Sequence[tuple[int, datetime, datetime | None]]) -> None:
    """(ticket id, next check read, next check now) after a sweep judged the tickets; a ticket
    whose next check changed meanwhile (a newer view, a reload) keeps the newer one."""
    if not checks:
        return
    statement = (
        update(tickets)
        .where(tickets.c.id == bindparam("ticket_id"), tickets.c.next_check_at == bindparam("seen"))
        .values(next_check_at=bindparam("next"))
    )
    conn.execute(
        statement, [{"ticket_id": t, "seen": _utc(seen), "next": _utc(after)} for t, seen, after in checks]
    )


def _utc(moment: datetime | None) -> datetime | None:
    # SQLite keeps no offset: every stored moment is UTC, so comparisons hold on both databases.
    return None if moment is None else moment.astimezone(timezone.utc)


def apply_pauses(conn: Connection, changes: Sequence[tuple[int, str, datetime]]) -> None:
    """(ticket id, "open" | "close", when): open a pause where none is open, close the open one;
    in a few statements however many tickets (a sweep may open thousands)."""
    if not changes:
        return
    ids = list({ticket_id for ticket_id, _, _ in changes})
    open_now = set(conn.execute(select(pauses.c.ticket_id).where(pauses.c.ticket_id.in_(ids), pauses.c.ended.is_(None))).scalars())
    opened, closed = [], []
    for ticket_id, change, at in changes:
        if change == "open" and ticket_id not in open_now:
            opened.append({"ticket_id": ticket_id, "started": at})
            open_now.add(ticket_id)
        elif change == "close" and ticket_id in open_now:
            closed.append({"ticket": ticket_id, "ended_at": at})
            open_now.discard(ticket_id)
    if opened:
        conn.execute(pauses.insert(), opened)
    if closed:
        conn.execute(
            update(pauses)
            .where(pauses.c.ticket_id == bindparam("ticket"), pauses.c.ended.is_(None))
            .values(ended=bindparam("ended_at")),
            closed,
        )


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

    def due(self, *, now: datetime, batch: int = 1000) -> Iterator[list[tuple[Ticket, datetime]]]:
        """Open tickets whose next check is at or before `now`, each with that next check, in
        batches (keyset paging on the next check: a ticket judged meanwhile leaves the range)."""
        after: tuple[datetime, int] | None = None
        while True:
            query = select(tickets.c.id, tickets.c.next_check_at, tickets.c.snapshot).where(
                tickets.c.open == 1, tickets.c.next_check_at <= _utc(now)
            )
            if after is not None:
                query = query.where(tuple_(tickets.c.next_check_at, tickets.c.id) > tuple_(*after))
            with self._engine.connect() as conn:
                rows = conn.execute(query.order_by(tickets.c.next_check_at, tickets.c.id).limit(batch)).all()
            if not rows:
                return
            after = (rows[-1][1], rows[-1][0])
            yield [(ticket_from_json(text), utc(check)) for _, check, text in rows]  # type: ignore[misc]

    def make_all_due(self, *, at: datetime) -> int:
        """Every open ticket is judged again from `at` on (new rules may answer otherwise)."""
        with self._engine.begin() as conn:
            return conn.execute(
                update(tickets).where(tickets.c.open == 1).values(next_check_at=_utc(at))
            ).rowcount

    def next_check(self, ticket_id: int) -> datetime | None:
        with self._engine.connect() as conn:
            return utc(conn.execute(select(tickets.c.next_check_at).where(tickets.c.id == ticket_id)).scalar())

    def updated_at(self, ticket_id: int) -> datetime | None:
        """When the newest view of the ticket the bridge has seen was last updated."""
        with self._engine.connect() as conn:
            return utc(conn.execute(select(tickets.c.updated_at).where(tickets.c.id == ticket_id)).scalar())

    def get(self, ticket_id: int) -> Ticket | None:
        with self._engine.connect() as conn:
            text = conn.execute(select(tickets.c.snapshot).where(tickets.c.id == ticket_id)).scalar()
        return ticket_from_json(text) if text else None

    def get_many(self, ticket_ids: Iterable[int]) -> dict[int, Ticket]:
        with self._engine.connect() as conn:
            rows = conn.execute(select(tickets.c.id, tickets.c.snapshot).where(tickets.c.id.in_(list(ticket_ids)))).all()
        return {ticket_id: ticket_from_json(text) for ticket_id, text in rows}

    def complete_custom_fields(self, ticket: Ticket) -> bool:
        """Give the stored copy of this very moment the custom fields it lacks (a webhook's
        description has none); returns whether it was stored at that moment."""
        with self._engine.begin() as conn:
            text = conn.execute(
                select(tickets.c.snapshot).where(tickets.c.id == ticket.id, tickets.c.updated_at == ticket.updated_at)
            ).scalar()
            if text is None:
                return False
            stored = replace(ticket_from_json(text), custom_fields=ticket.custom_fields)
            conn.execute(
                update(tickets)
                .where(tickets.c.id == ticket.id, tickets.c.updated_at == ticket.updated_at)
                .values(snapshot=ticket_to_json(stored, limit=BODY_LIMIT))
            )
            return True
