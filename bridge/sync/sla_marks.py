"""What `decide` remembers for the SLA clocks: when a ticket was reopened, since when it is at its tier.

Pure functions over the ticket and its stored marks (see `TicketState.marks`); the marks
they return are written with the decision, in the same transaction.
"""

from __future__ import annotations

from datetime import datetime

from bridge.model import CLOSED_STATUSES, Ticket, TicketState
from bridge.rules.engine import Engine
from bridge.timetext import iso

STOPPED_MARK = "sla_stopped_at"  # when the bridge first saw the ticket solved or closed; "" once reopened
RESTARTED_MARK = "sla_restarted_at"  # when the bridge saw it reopened last: the clocks restart there
TIER_MARK = "sla_tier"  # "<tier> <ISO time>": the tier the ticket is at, and since when

Marks = dict[tuple[int, str], str]


def reopen(ticket: Ticket, state: TicketState) -> tuple[datetime | None, Marks]:
    """The moment the ticket was last reopened (None: never seen reopened), and the marks
    recording a stop or a reopen seen now.

    A reopen is a ticket seen solved or closed, then seen in any other status; it is dated
    at the update that showed it open again (the status changed with that update).
    """
    marks: Marks = {}
    known = state.marks
    stopped = known.get(STOPPED_MARK) if known else None
    restarted = (known.get(RESTARTED_MARK) or None) if known else None
    if ticket.status.casefold() in CLOSED_STATUSES:
        if not stopped:
            marks[(ticket.id, STOPPED_MARK)] = iso(ticket.updated_at)
    elif stopped:
        restarted = iso(ticket.updated_at)
        marks[(ticket.id, STOPPED_MARK)] = ""
        marks[(ticket.id, RESTARTED_MARK)] = restarted
    return (datetime.fromisoformat(restarted) if restarted else None), marks


def tier_since(state: TicketState) -> tuple[int, datetime] | None:
    """The recorded tier and the moment the ticket entered it, if any."""
    text = state.marks.get(TIER_MARK)
    if not text:
        return None
    tier, _, moment = text.partition(" ")
    return int(tier), datetime.fromisoformat(moment)


def tier_marks(ticket: Ticket, recorded: tuple[int, datetime] | None, engine: Engine, *, tier: int) -> Marks:
    """Record the ticket's tier when it differs from the `recorded` one (only if some tier has
    a response target): dated as `evaluate` dated it (see `bridge.rules.sla.tier_entered`).

    A ticket first seen at the default tier gets no record: it entered that tier at creation,
    which is what no record already says (one write fewer per new ticket).
    """
    if engine.tier_clocks is None or (recorded[0] == tier if recorded is not None else tier == engine.default_tier):
        return {}
    return {(ticket.id, TIER_MARK): f"{tier} {iso(ticket.updated_at)}"}
