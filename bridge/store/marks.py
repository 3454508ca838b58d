"""What the bridge remembers per ticket (`TicketState.marks`), kept with the decisions that write it.

A decision may expect marks to hold what it read (`Decision.expect`): another worker may have
judged the ticket meanwhile. A mark it both expects and writes is compared and set in one
statement, so two workers can never both pass the check and then both write.
"""

from __future__ import annotations

from collections.abc import Mapping

from sqlalchemy import select, update
from sqlalchemy.engine import Connection

from bridge.model import Decision
from bridge.store.db import insert_for, inserted
from bridge.store.tables import marks

Key = tuple[int, str]  # (ticket id, mark name)


class Conflict(Exception):
    """Another worker changed what a decision was based on; nothing of it was applied."""


def keep_marks(conn: Connection, decision: Decision) -> None:
    """Keep the decision's marks, or raise Conflict (the caller's transaction then keeps nothing)."""
    for key, expected in decision.expect.items():
        held = _compare_and_set(conn, key, expected, decision.marks[key]) if key in decision.marks else (
            _current(conn, key) == expected
        )
        if not held:
            raise Conflict(f"ticket {key[0]}: {key[1]} is {_current(conn, key)!r}, the decision expected {expected!r}")
    upsert_marks(conn, {key: value for key, value in decision.marks.items() if key not in decision.expect})


def keep_batch_marks(conn: Connection, decisions: list[tuple[int, Decision]]) -> list[tuple[int, Decision]]:
    """Keep the marks of a sweep's batch in a few statements; returns the decisions kept. One
    whose expected mark another worker changed meanwhile is left out: that worker's holds.

    A sweep's decision expects at most one mark, one it writes (the catch-up keys); a new one
    (expected absent) is claimed for the whole batch in one INSERT."""
    claims: dict[Key, str] = {}
    held: set[int] = set()
    for ticket_id, decision in decisions:
        if not decision.expect:
            held.add(ticket_id)
            continue
        [(key, expected)] = decision.expect.items()
        if expected is None:
            claims[key] = decision.marks[key]
        elif _compare_and_set(conn, key, expected, decision.marks[key]):
            held.add(ticket_id)
    held.update(ticket_id for ticket_id, _ in _insert_absent(conn, claims))
    kept = [(t, d) for t, d in decisions if t in held]
    upsert_marks(conn, {key: value for _, d in kept for key, value in d.marks.items() if key not in d.expect})
    return kept


def upsert_marks(conn: Connection, values: Mapping[Key, str]) -> None:
    """Keep marks, replacing those there, in one statement."""
    if values:
        statement = insert_for(conn, marks)
        conn.execute(
            statement.on_conflict_do_update(index_elements=["ticket_id", "name"], set_={"value": statement.excluded.value}),
            [{"ticket_id": ticket_id, "name": name, "value": value} for (ticket_id, name), value in values.items()],
        )


def _compare_and_set(conn: Connection, key: Key, expected: str | None, value: str) -> bool:
    """Set the mark to `value` if it holds `expected` (None: absent); whether it did."""
    if expected is None:
        return bool(_insert_absent(conn, {key: value}))
    ticket_id, name = key
    changed = conn.execute(
        update(marks)
        .where(marks.c.ticket_id == ticket_id, marks.c.name == name, marks.c.value == expected)
        .values(value=value)
        .returning(marks.c.ticket_id)
    ).all()
    return bool(changed)


def _insert_absent(conn: Connection, values: Mapping[Key, str]) -> list[Key]:
    """Insert the marks not there yet; returns those inserted."""
    rows = [{"ticket_id": ticket_id, "name": name, "value": value} for (ticket_id, name), value in values.items()]
    return [(ticket_id, name) for ticket_id, name in inserted(conn, marks, rows, on=["ticket_id", "name"])]


def _current(conn: Connection, key: Key) -> str | None:
    return conn.execute(select(marks.c.value).where(marks.c.ticket_id == key[0], marks.c.name == key[1])).scalar()

