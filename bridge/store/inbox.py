"""The inbox: durable, deduplicated events waiting to be processed."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Iterable

from sqlalchemy import Engine, and_, func, or_, select, update
from sqlalchemy.engine import Connection

from bridge.codec import ticket_from_json
from bridge.model import Event, EventSource, Ticket
from bridge.store.cursors import write_cursor
from bridge.store.db import chunks, claim_rows, dead_among, dumps, insert_ignoring_duplicates, loads, utc
from bridge.store.tables import events


@dataclass(frozen=True, slots=True)
class DeadEvent:
    event_id: str
    subject: str  # the ticket's number or the key
    attempts: int
    last_error: str | None


@dataclass(frozen=True, slots=True)
class StoredEvent:
    row_id: int
    attempts: int  # attempts made before this one
    event: Event
    # Counted at claim time and never reset (a given-up event seen again starts its attempts
    # afresh): it tells which worker holds the event.
    claim: int = 0


def close(conn: Connection, row_id: int, *, claim: int | None) -> bool:
    """Mark an event done. With `claim`, only while that claim holds it: a worker whose lease ran
    out and whose event another worker claimed (and maybe finished, or set to be retried) must
    not close it over the other's head. False when it did not."""
    held = [events.c.id == row_id]
    if claim is not None:
        held += [events.c.status == "pending", events.c.claims == claim]
    return conn.execute(update(events).where(*held).values(status="done", lease_until=None)).rowcount == 1


class Inbox:
    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def add(
        self,
        batch: Iterable[Event],
        *,
        now: datetime,
        cursor: tuple[str, str] | None = None,
        not_before: datetime | None = None,
    ) -> int:
        """Store events not seen before; move `cursor` in the same transaction. Returns how many were new."""
        rows = [
            {
                "source": e.source.value,
                "event_id": e.event_id,
                "kind": e.kind,
                "subject": e.subject,
                "occurred_at": utc(e.occurred_at),  # (SQLite keeps no offset: every stored moment is UTC)
                "received_at": utc(now),
                "payload": dumps(dict(e.payload)),
                "status": "pending",
                "attempts": 0,
                "not_before": utc(not_before),
            }
            for e in batch
        ]
        with self._engine.begin() as conn:
            new = insert_ignoring_duplicates(conn, events, rows, on=["source", "event_id"])
            if new < len(rows):
                _merge_waiting(conn, rows, now=now)
                new += _revive_seen_again(conn, rows)
            if cursor is not None:
                write_cursor(conn, cursor[0], cursor[1], now=now)
        return new

    def claim(self, *, now: datetime, limit: int, lease: timedelta) -> list[StoredEvent]:
        """Take up to `limit` pending events for this worker; a lease lets a crashed worker's events be retaken."""
        ready = and_(
            events.c.status == "pending",
            or_(events.c.not_before.is_(None), events.c.not_before <= now),
            or_(events.c.lease_until.is_(None), events.c.lease_until < now),
        )
        rows = claim_rows(
            self._engine,
            events,
            key=events.c.id,
            ready=ready,
            order_by=(events.c.id,),
            limit=limit,
            values={"lease_until": now + lease, "attempts": events.c.attempts + 1, "claims": events.c.claims + 1},
        )
        return [_stored(row) for row in sorted(rows, key=lambda row: row.id)]

    def done(self, row_id: int, *, claim: int | None = None) -> bool:
        """The event is handled. With `claim`, only while that claim holds it (see `close`)."""
        with self._engine.begin() as conn:
            return close(conn, row_id, claim=claim)

    def retry(
        self, row_id: int, *, error: str, not_before: datetime | None, give_up: bool, claim: int | None = None
    ) -> bool:
        """A failed attempt: again after `not_before`, or given up on. With `claim`, only while
        that claim holds the event: a worker whose lease ran out must not free or bury an
        event another worker has taken over (or finished). False when it did not."""
        values: dict = {"last_error": error[:2000], "lease_until": None}
        values |= {"status": "dead"} if give_up else {"not_before": not_before}
        held = [events.c.id == row_id]
        if claim is not None:
            held += [events.c.status == "pending", events.c.claims == claim]
        with self._engine.begin() as conn:
            return conn.execute(update(events).where(*held).values(**values)).rowcount == 1

    def own_views(self, ticket_id: int, updated_at: datetime) -> list[Ticket]:
        """The executor's views of the bridge's own updates of the ticket in that second
        (events `ticket:<id>:<second>:own:<audit>`, see sync/own_update.py)."""
        second = f"ticket:{ticket_id}:{updated_at.strftime('%Y-%m-%dT%H:%M:%SZ')}"
        with self._engine.connect() as conn:
            payloads = conn.execute(
                select(events.c.payload).where(
                    events.c.source == EventSource.ZENDESK.value, events.c.status != "dead", *_own_updates_of(second)
                )
            ).scalars()
            return [ticket_from_json(loads(text)["ticket"]) for text in payloads]

    def next_ready_at(self, now: datetime) -> datetime | None:
        """When the soonest waiting event becomes ready, if none is ready now."""
        with self._engine.connect() as conn:
            soonest = conn.execute(
                select(func.min(events.c.not_before)).where(events.c.status == "pending", events.c.not_before > now)
            ).scalar()
        return utc(soonest)

    def dead(self, *, limit: int = 1000) -> list[DeadEvent]:
        """The events given up on, oldest first: what `bridge status` shows and `bridge retry` revives."""
        with self._engine.connect() as conn:
            rows = conn.execute(
                select(events.c.event_id, events.c.subject, events.c.attempts, events.c.last_error)
                .where(events.c.status == "dead").order_by(events.c.id).limit(limit)
            ).all()
        return [DeadEvent(*row) for row in rows]

    def dead_among(self, event_ids: Iterable[str]) -> set[str]:
        """Which of `event_ids` are of events given up on."""
        return dead_among(self._engine, events, events.c.event_id, event_ids)

    def revive(self, event_ids: Iterable[str] | None = None) -> int:
        """Put dead events back in the queue (all of them when `event_ids` is None); returns how many."""
        dead = events.c.status == "dead"
        conditions = [dead] if event_ids is None else [
            and_(dead, events.c.event_id.in_(chunk)) for chunk in chunks(event_ids)
        ]
        with self._engine.begin() as conn:
            return sum(conn.execute(update(events).where(c).values(_AGAIN)).rowcount for c in conditions)

    def first_received(self) -> datetime | None:
        """When the store received its first event: since when the bridge has been watching."""
        with self._engine.connect() as conn:
            return utc(conn.execute(select(func.min(events.c.received_at))).scalar())

    def count(self, status: str) -> int:
        with self._engine.connect() as conn:
            return conn.execute(select(func.count()).select_from(events).where(events.c.status == status)).scalar_one()


# A dead event queued again: from its first attempt, as a new one would be.
_AGAIN = {"status": "pending", "attempts": 0, "not_before": None, "lease_until": None}


def _revive_seen_again(conn: Connection, rows: list[dict[str, Any]]) -> int:
    """A change seen again (a backfill, a poll from an older bookmark) whose event was given up
    on is queued again: a new sighting was the only way the change would ever be judged."""
    revived = 0
    for source in {row["source"] for row in rows}:
        ids = [row["event_id"] for row in rows if row["source"] == source]
        for chunk in chunks(ids):
            revived += conn.execute(
                update(events).where(events.c.source == source, events.c.status == "dead", events.c.event_id.in_(chunk))
                .values(_AGAIN)
            ).rowcount
    return revived


def _merge_waiting(conn: Connection, rows: list[dict[str, Any]], *, now: datetime) -> None:
    """A change seen again (a poll after a webhook, or the reverse).

    While its event waits, the event gets what the new sighting adds: a snapshot, which saves
    a read, or a webhook's word that someone changed the ticket (see sync/process.py). Once a
    worker has it, or it is done, a person's webhook that the event did not carry gets an
    event of its own (`…:webhook`) if the bridge updated the ticket in that second too: the
    first may then have been judged without a read, as the bridge's own update."""
    follow_ups = []
    for source in {row["source"] for row in rows}:
        given = {row["event_id"]: row for row in rows if row["source"] == source}
        stored = conn.execute(
            select(events.c.id, events.c.event_id, events.c.payload, events.c.status, events.c.lease_until).where(
                events.c.source == source, events.c.event_id.in_(list(given))
            )
        ).all()
        for row_id, event_id, text, status, lease_until in stored:
            known, new = loads(text) or {}, loads(given[event_id]["payload"]) or {}
            waiting = status == "pending" and (lease_until is None or utc(lease_until) < now)  # type: ignore[operator]
            if waiting:
                merged = _merged(known, new)
                if merged != known:
                    conn.execute(update(events).where(events.c.id == row_id).values(payload=dumps(merged)))
            elif "type" in new and "type" not in known and status != "dead" and _own_update_in(conn, event_id):
                follow_ups.append({**given[event_id], "event_id": f"{event_id}:webhook"})
    if follow_ups:
        insert_ignoring_duplicates(conn, events, follow_ups, on=["source", "event_id"])


def _own_update_in(conn: Connection, event_id: str) -> bool:
    """Whether the bridge recorded an update of its own in the second of `ticket:<id>:<second>`."""
    return conn.execute(select(events.c.id).where(*_own_updates_of(event_id)).limit(1)).first() is not None


def _own_updates_of(second: str) -> tuple[Any, Any]:
    """Event ids `<second>:own:<audit id>`, `second` being `ticket:<id>:<second>`: a range the index serves."""
    stem = f"{second}:own:"
    return events.c.event_id > stem, events.c.event_id < stem[:-1] + ";"  # the character after the colon


def _merged(known: dict[str, Any], new: dict[str, Any]) -> dict[str, Any]:
    merged = {**new, **known}
    if "detail" in known and known["detail"] is not None and new.get("detail", known["detail"]) != known["detail"]:
        # Two webhooks of one second describe the ticket differently: which is the later is
        # unknown, so no description is trusted from now on and the ticket is read.
        merged["detail"] = None
    return merged


def _stored(row) -> StoredEvent:  # type: ignore[no-untyped-def]
    return StoredEvent(
        row_id=row.id,
        attempts=row.attempts - 1,  # claimed: attempts made before this one
        claim=row.claims,
        event=Event(
            source=EventSource(row.source),
            kind=row.kind,
            event_id=row.event_id,
            subject=row.subject,
            occurred_at=utc(row.occurred_at),  # type: ignore[arg-type]
            payload=loads(row.payload) or {},
        ),
    )
