"""The durable store: inbox, action log, links, cursors, snapshots and history, on SQLite or PostgreSQL."""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Iterable, Mapping, Sequence

from sqlalchemy import Engine, select
from sqlalchemy.engine import Connection

from bridge.model import Action, Decision, Link, Ticket, TicketState
from bridge.store.actions import ActionLog, StoredAction, plan
from bridge.store.cursors import move_cursor, read_cursor
from bridge.store.db import make_engine, sqlite_file, store_problem, store_unavailable, utc
from bridge.store.history import History, caught_up_lines, record, record_many
from bridge.store.inbox import Inbox, StoredEvent, close
from bridge.store.links import Links, on_issues
from bridge.store.marks import Conflict, keep_batch_marks, keep_marks, upsert_marks
from bridge.store.tables import actions, links, marks
from bridge.store.tables import tickets as ticket_rows  # (the name `tickets` is the submodule here)
from bridge.store.tickets import Snapshots, apply_pauses, make_due, pauses_of, save_snapshot, set_next_checks

__all__ = [
    "ClaimLost", "Conflict", "Store", "StoreNotFound", "StoredAction", "StoredEvent", "open_store", "store_problem",
    "store_unavailable",
]

log = logging.getLogger(__name__)


class Store:
    """One handle on the database, with a repository per kind of record."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.inbox = Inbox(engine)
        self.actions = ActionLog(engine)
        self.links = Links(engine)
        self.history = History(engine)
        self.snapshots = Snapshots(engine)

    def cursor(self, name: str) -> str | None:
        return read_cursor(self.engine, name)

    def ticket_state(self, ticket_id: int, *, tagged: str | None = None) -> TicketState:
        return self.ticket_states([ticket_id], tagged={ticket_id: tagged} if tagged else None)[ticket_id]

    def ticket_states(self, ticket_ids: list[int], *, tagged: Mapping[int, str] | None = None) -> dict[int, TicketState]:
        """What the store knows of each ticket, in four queries however many tickets; a fifth
        when some unlinked ones are tagged with an issue key (`tagged`): the open tickets of those
        issues (duplicates are told by them)."""
        planned: dict[int, set[str]] = {t: set() for t in ticket_ids}
        noted: dict[int, dict[str, str]] = {t: {} for t in ticket_ids}
        linked: dict[int, Link] = {}
        with self.engine.connect() as conn:
            for ticket_id, key in conn.execute(
                select(actions.c.ticket_id, actions.c.key).where(actions.c.ticket_id.in_(ticket_ids))
            ):
                planned[ticket_id].add(key)
            for ticket_id, name, value in conn.execute(
                select(marks.c.ticket_id, marks.c.name, marks.c.value).where(marks.c.ticket_id.in_(ticket_ids))
            ):
                noted[ticket_id][name] = value
            for row in conn.execute(select(links).where(links.c.ticket_id.in_(ticket_ids))):
                linked[row.ticket_id] = Link(row.ticket_id, row.issue_key, utc(row.created_at))  # type: ignore[arg-type]
            paused = pauses_of(conn, ticket_ids)
            # A duplicate is told when a ticket joins an issue: only unlinked tickets need the others.
            issue_of = {t: key for t, key in (tagged or {}).items() if t not in linked}
            on_issue = on_issues(conn, set(issue_of.values())) if issue_of else {}
        return {
            t: TicketState(
                link=linked.get(t), planned=frozenset(planned[t]), marks=noted[t], pauses=paused.get(t, ()),
                issue_tickets=tuple(o for o in on_issue.get(issue_of.get(t, ""), ()) if o.ticket_id != t),
            )
            for t in ticket_ids
        }

    def follow_issue(
        self, ticket_id: int, from_key: str, to_key: str, *, now: datetime, marks: Mapping[str, str]
    ) -> Link | None:
        """Move the ticket's link from `from_key` to `to_key` (dated `now`) with `marks`, in one
        transaction, and have the sweep judge it again; a ticket linked elsewhere by now is left
        as it is, and so are its marks (a retry after the move finds it moved). Its link after."""
        with self.engine.begin() as conn:
            moved = conn.execute(
                links.update()
                .where(links.c.ticket_id == ticket_id, links.c.issue_key == from_key)
                .values(issue_key=to_key, created_at=now)
            ).rowcount
            if moved:
                upsert_marks(conn, {(ticket_id, name): value for name, value in marks.items()})
                make_due(conn, [ticket_id], at=now)
        return self.links.for_ticket(ticket_id)

    def commit_decision(
        self,
        event: StoredEvent | None,
        decision: Decision,
        *,
        ticket_ids: Iterable[int],
        now: datetime,
        snapshot: Ticket | None = None,
    ) -> int:
        """Plan the actions, keep marks, pauses and the ticket's snapshot with its next check, and
        close the event, in ONE transaction: a crash leaves either all of it or none. An event
        whose claim no longer holds (the lease ran out and another worker took it) keeps
        nothing of this decision: ClaimLost.

        Tickets whose marks or pauses change without a snapshot (a Jira move reaching linked
        tickets) become due: the sweep judges them again with what changed."""
        with self.engine.begin() as conn:
            if event is not None and not close(conn, event.row_id, claim=event.claim):
                raise ClaimLost(f"event {event.event.event_id}: another worker holds it now")
            new = _apply(conn, decision, now=now)
            if snapshot is not None:
                save_snapshot(conn, snapshot, next_check=decision.next_check, now=now)
            changed = {ticket_id for ticket_id, _ in decision.marks} | {ticket_id for ticket_id, _, _ in decision.pauses}
            if snapshot is not None:
                changed.discard(snapshot.id)
            if changed:
                make_due(conn, changed, at=now)
            what = f"event {event.event.kind}" if event is not None else "timer"
            for ticket_id, text in decision.notes:
                record(conn, ticket_id, "note", text, now=now)
            record_many(conn, caught_up_lines(decision.caught_up), now=now)
            for ticket_id in ticket_ids:
                planned = [a.key for a in decision.actions if a.ticket_id == ticket_id]
                if planned or event is not None:
                    record(conn, ticket_id, what, ", ".join(planned) or "nothing to do", now=now)
        return new

    def commit_timer_decisions(
        self,
        decisions: list[tuple[int, Decision]],
        *,
        now: datetime,
        next_checks: Sequence[tuple[int, datetime, datetime | None]] = (),
        judged_at: Mapping[int, datetime] | None = None,
    ) -> int:
        """A sweep's decisions for a batch of tickets and the next check of every ticket it
        judged ((id, next check read, next check now)), in one transaction; returns how many
        actions were new. Actions and history lines go in a few statements for the whole batch.

        `judged_at` holds the `updated_at` of the copy each decision was made on: a decision on
        a copy replaced meanwhile (a worker judged a newer view) is dropped, since its marks
        and pauses would undo what the newer view recorded."""
        with self.engine.begin() as conn:
            if judged_at:
                current = dict(conn.execute(
                    select(ticket_rows.c.id, ticket_rows.c.updated_at).where(ticket_rows.c.id.in_(list(judged_at)))
                ).all())
                decisions = [(t, d) for t, d in decisions if utc(current.get(t)) == judged_at.get(t)]
            decisions = keep_batch_marks(conn, decisions)  # less those whose marks changed meanwhile
            apply_pauses(conn, [change for _, decision in decisions for change in decision.pauses])
            new = plan(conn, [action for _, decision in decisions for action in decision.actions], now=now)
            record_many(
                conn,
                [(t, "timer", ", ".join(a.key for a in decision.actions)) for t, decision in decisions if decision.actions]
                + caught_up_lines(found for _, decision in decisions for found in decision.caught_up),
                now=now,
            )
            set_next_checks(conn, next_checks)
        return new

    def plan_moving_cursor(self, batch: list[Action], *, cursor: tuple[str, str | None, str], now: datetime) -> int:
        """Plan actions and move a bookmark past what they cover, in one transaction; `cursor` is
        (name, the value read, the new value). Returns how many actions were new: none if the
        bookmark moved meanwhile (another leader covered the same ground)."""
        name, read, value = cursor
        with self.engine.begin() as conn:
            if not move_cursor(conn, name, read=read, value=value, now=now):
                return 0
            return plan(conn, batch, now=now)

    def close(self) -> None:
        self.engine.dispose()


def _apply(conn: Connection, decision: Decision, *, now: datetime) -> int:
    """Plan a decision's actions and keep its marks and pause changes; returns how many actions were new."""
    keep_marks(conn, decision)
    apply_pauses(conn, decision.pauses)
    return plan(conn, decision.actions, now=now)


def open_store(url: str, *, existing: bool = False) -> Store:
    """The store at `url`, created if need be. With `existing` (commands that read what a
    daemon kept), a SQLite file that is not there is an error, not a new empty store:
    `sqlite:///bridge.db` is relative to the directory the command runs in."""
    path = sqlite_file(url)
    if path is not None and not path.exists():
        if existing:
            raise StoreNotFound(f"no store at {path} (BRIDGE_STORE_URL={url}): run this where the daemon runs, or name its store")
        log.info("new store at %s", path)
    return Store(make_engine(url))


class ClaimLost(Exception):
    """The worker's lease on an event ran out and another worker claimed it: this worker's
    decision is dropped, the other's stands (it may have finished, or set a retry)."""


class StoreNotFound(Exception):
    """A command that reads the daemon's store was pointed at a SQLite file that does not exist."""
