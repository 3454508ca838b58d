"""The action log: planned side effects, their attempts, results and the dead letters."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Iterable

from sqlalchemy import Engine, and_, func, or_, select, update
from sqlalchemy.engine import Connection
from sqlalchemy.orm import aliased

from bridge.model import Action, ActionKind
from bridge.store.db import chunks, claim_rows, dead_among, dumps, insert_ignoring_duplicates, loads, utc
from bridge.store.history import record
from bridge.store.tables import actions


@dataclass(frozen=True, slots=True)
class StoredAction:
    action: Action
    status: str
    attempts: int  # attempts made before this one
    last_error: str | None
    created_at: datetime
    # A claimed action's claim number, counted at claim time and never reset: it tells which
    # worker holds the action now (a lease run out and claimed again, or revived, counts on).
    claim: int = 0


def plan(conn: Connection, batch: Iterable[Action], *, now: datetime) -> int:
    """Record actions to carry out; an action whose key is known already is left as it is."""
    rows = [
        {
            "key": a.key,
            "kind": a.kind.value,
            "ticket_id": a.ticket_id,
            "issue_key": a.issue_key,
            "params": dumps(dict(a.params)),
            "after": a.after,
            "status": "pending",
            "attempts": 0,
            "not_before": a.not_before,
            "created_at": now,
        }
        for a in batch
    ]
    return insert_ignoring_duplicates(conn, actions, rows, on=["key"])


class ActionLog:
    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def claim(self, *, now: datetime, limit: int, lease: timedelta) -> list[StoredAction]:
        """Pending actions whose prerequisite is done, leased to this worker."""
        prerequisite = aliased(actions)
        ready = and_(
            actions.c.status == "pending",
            or_(actions.c.not_before.is_(None), actions.c.not_before <= now),
            or_(actions.c.lease_until.is_(None), actions.c.lease_until < now),
            or_(
                actions.c.after.is_(None),
                select(prerequisite.c.key)
                .where(prerequisite.c.key == actions.c.after, prerequisite.c.status == "done")
                .exists(),
            ),
        )
        rows = claim_rows(
            self._engine,
            actions,
            key=actions.c.key,
            ready=ready,
            order_by=(actions.c.created_at, actions.c.key),
            limit=limit,
            # Counted at claim time: a worker that dies mid-attempt still leaves a trace,
            # so the next attempt knows the remote side may already have changed.
            values={"lease_until": now + lease, "attempts": actions.c.attempts + 1, "claims": actions.c.claims + 1},
        )
        rows.sort(key=lambda row: (row.created_at, row.key))
        return [_stored(row, claimed=True) for row in rows]

    def renew(self, key: str, *, claim: int, until: datetime) -> bool:
        """Extend the lease of the worker holding `claim` to `until`; False when that claim
        holds the action no more (its lease ran out and another worker claimed it, or it ended)."""
        with self._engine.begin() as conn:
            return conn.execute(update(actions).where(*_held(key, claim)).values(lease_until=until)).rowcount == 1

    def done(
        self,
        key: str,
        *,
        result: dict[str, Any],
        now: datetime,
        ticket_id: int | None = None,
        note: str = "",
        claim: int | None = None,
    ) -> bool:
        """Record the action as done (and, for a ticket, in its history) in one transaction.
        With `claim`, only while that claim holds it; False when it did not."""
        with self._engine.begin() as conn:
            changed = conn.execute(
                update(actions)
                .where(*_held(key, claim))
                .values(status="done", result=dumps(result), done_at=now, lease_until=None)
            ).rowcount
            if changed and ticket_id is not None:
                record(conn, ticket_id, note, _summary(result), now=now)
        return bool(changed)

    def failed(self, key: str, *, error: str, retry_at: datetime | None, claim: int | None = None) -> bool:
        """A failed attempt: retry at `retry_at`, or with None, move it to the dead letters.
        With `claim`, only while that claim holds it: a worker that lost its lease must not
        free the action under the worker running it now, nor bury one that worker finished."""
        values: dict[str, Any] = {"last_error": error[:2000], "lease_until": None}
        values |= {"not_before": retry_at} if retry_at else {"status": "dead"}
        with self._engine.begin() as conn:
            return conn.execute(update(actions).where(*_held(key, claim)).values(**values)).rowcount == 1

    def revive(self, keys: Iterable[str] | None = None) -> int:
        """Put dead actions back in the queue (all of them when `keys` is None)."""
        dead = actions.c.status == "dead"
        conditions = [dead] if keys is None else [and_(dead, actions.c.key.in_(chunk)) for chunk in chunks(keys)]
        with self._engine.begin() as conn:
            return sum(
                conn.execute(
                    update(actions).where(condition).values(status="pending", attempts=1, not_before=None)  # 1: the remote side may have changed
                ).rowcount
                for condition in conditions
            )

    def dead_among(self, keys: Iterable[str]) -> set[str]:
        """Which of `keys` are dead letters."""
        return dead_among(self._engine, actions, actions.c.key, keys)

    def result(self, key: str) -> dict[str, Any] | None:
        with self._engine.connect() as conn:
            return loads(conn.execute(select(actions.c.result).where(actions.c.key == key)).scalar())

    def with_status(self, status: str, *, limit: int = 1000) -> list[StoredAction]:
        with self._engine.connect() as conn:
            rows = conn.execute(
                select(actions).where(actions.c.status == status).order_by(actions.c.created_at).limit(limit)
            ).all()
        return [_stored(row) for row in rows]

    def counts(self) -> dict[str, int]:
        with self._engine.connect() as conn:
            rows = conn.execute(select(actions.c.status, func.count()).group_by(actions.c.status)).all()
        return {status: count for status, count in rows}


def _held(key: str, claim: int | None) -> tuple[Any, ...]:
    """The action's row, if `claim` (when given) still holds it."""
    if claim is None:
        return (actions.c.key == key,)
    return (actions.c.key == key, actions.c.status == "pending", actions.c.claims == claim)


def _stored(row, *, claimed: bool = False) -> StoredAction:  # type: ignore[no-untyped-def]
    return StoredAction(
        action=Action(
            kind=ActionKind(row.kind),
            key=row.key,
            ticket_id=row.ticket_id,
            issue_key=row.issue_key,
            params=loads(row.params) or {},
            after=row.after,
            not_before=utc(row.not_before),
        ),
        status=row.status,
        attempts=row.attempts - 1 if claimed else row.attempts,  # attempts made before this one
        claim=row.claims,
        last_error=row.last_error,
        created_at=utc(row.created_at),  # type: ignore[arg-type]
    )


def _summary(result: dict[str, Any]) -> str:
    return ", ".join(f"{k}={v}" for k, v in sorted(result.items()))

