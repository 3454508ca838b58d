"""Ticket ⇄ issue links and the Slack thread kept for each ticket."""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import Connection, Engine, select, update

from bridge.model import Link, LinkedTicket
from bridge.store.db import chunks, insert_ignoring_duplicates, utc
from bridge.store.tables import actions, links, threads, tickets


PENDING = "pending:"  # a thread being started by the notice whose key follows


class ThreadBusy(Exception):
    """Another notice of the ticket is starting its Slack thread right now."""


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

    def rekey(self, old_key: str, new_key: str) -> None:
        """The issue `old_key` was moved (another project gives it another key): its tickets'
        links follow it."""
        with self._engine.begin() as conn:
            conn.execute(update(links).where(links.c.issue_key == old_key).values(issue_key=new_key))

    def thread(self, ticket_id: int) -> tuple[str, str] | None:
        with self._engine.connect() as conn:
            row = conn.execute(select(threads).where(threads.c.ticket_id == ticket_id)).first()
        return (row.channel, row.ts) if row and not row.ts.startswith(PENDING) else None

    def claim_thread(self, ticket_id: int, channel: str, *, starter: str) -> tuple[str, str] | None:
        """The ticket's thread as (channel, ts); None when `starter` is to start it.

        The first notice of a ticket reserves the thread before posting, so two notices
        sent at once do not open two threads. Raises ThreadBusy while another notice is
        starting it (unless that notice is dead, when this one takes over).
        """
        pending = PENDING + starter
        with self._engine.begin() as conn:
            if insert_ignoring_duplicates(
                conn, threads, [{"ticket_id": ticket_id, "channel": channel, "ts": pending}], on=["ticket_id"]
            ):
                return None
            row = conn.execute(select(threads).where(threads.c.ticket_id == ticket_id)).one()
            if not row.ts.startswith(PENDING):
                return row.channel, row.ts
            owner = row.ts.removeprefix(PENDING)
            if owner == starter:
                return None
            owner_status = conn.execute(select(actions.c.status).where(actions.c.key == owner)).scalar()
            if owner_status == "dead" and _replace(conn, ticket_id, row.ts, channel=channel, ts=pending):
                return None
        raise ThreadBusy(ticket_id)

    def restart_thread(self, ticket_id: int, channel: str, *, starter: str, replacing: str) -> None:
        """`starter` starts the ticket's thread anew in `channel`, leaving the one at `replacing`
        behind. Raises ThreadBusy when another notice changed the thread first."""
        with self._engine.begin() as conn:
            if not _replace(conn, ticket_id, replacing, channel=channel, ts=PENDING + starter):
                raise ThreadBusy(ticket_id)

    def remember_thread(self, ticket_id: int, channel: str, ts: str, *, starter: str) -> None:
        """The thread `starter`, the notice that claimed it, started."""
        with self._engine.begin() as conn:
            if not _replace(conn, ticket_id, PENDING + starter, channel=channel, ts=ts):
                insert_ignoring_duplicates(
                    conn, threads, [{"ticket_id": ticket_id, "channel": channel, "ts": ts}], on=["ticket_id"]
                )


def _replace(conn: Connection, ticket_id: int, holding: str, **values: str) -> bool:
    """Change the ticket's thread row only if its `ts` still is `holding`: of two workers that read
    the same row (PostgreSQL reads committed rows, not locked ones), one wins and the other knows."""
    changed = conn.execute(
        update(threads).where(threads.c.ticket_id == ticket_id, threads.c.ts == holding).values(**values)
    )
    return changed.rowcount == 1


def on_issues(conn: Connection, issue_keys: Iterable[str]) -> dict[str, list[LinkedTicket]]:
    """The open tickets linked to each issue, in the order they were linked, with their
    organisation as their last snapshot has it (a ticket never seen whole has none)."""
    found: dict[str, list[LinkedTicket]] = {}
    for keys in chunks(issue_keys):
        rows = conn.execute(
            select(links.c.ticket_id, links.c.issue_key, links.c.created_at, tickets.c.snapshot)
            .select_from(links.join(tickets, tickets.c.id == links.c.ticket_id))
            .where(links.c.issue_key.in_(keys), tickets.c.open == 1)
            .order_by(links.c.created_at, links.c.ticket_id)
        )
        for ticket_id, issue_key, linked_at, snapshot in rows:
            found.setdefault(issue_key, []).append(LinkedTicket(
                int(ticket_id), json.loads(snapshot).get("organization"), utc(linked_at),  # type: ignore[arg-type]
            ))
    return found
