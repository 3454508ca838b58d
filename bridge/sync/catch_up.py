"""The catch-up summary: one Slack notice for old news, instead of one notice each.

`decide` keeps an SLA breach or a stale ticket that began longer than
`notifications.catch_up` ago out of the notices (a backfill of a year of tickets, an outage,
rules that make old tickets late) and records it in the ticket's history. After each sweep
the leader sums up what was recorded since the last summary in one notice: a manager hears
that 3,000 tickets were found overdue, not 3,000 times that one was.
"""

from __future__ import annotations

from datetime import datetime

from bridge.model import Action
from bridge.rules import Rules
from bridge.store import Store
from bridge.store.history import CaughtUp
from bridge.sync.notify import notice

CURSOR = "notify.catch_up"  # the last history line a summary covered
KIND = "catch_up"
FIRST = 10  # tickets the notice lists; `bridge history TICKET` has every one
_NAMES = {"sla_breach": ("SLA breach", "SLA breaches"), "stale": ("stale ticket", "stale tickets")}


def catch_up_summary(*, store: Store, rules: Rules, now: datetime) -> int:
    """Plan the summary of the old news recorded since the last one; returns 1 if one was planned.

    Held while quiet hours hold catch-up notices (the news waits with its bookmark); when
    they are switched off, the bookmark moves on without a notice."""
    notifications = rules.notifications
    if notifications.enabled(KIND) and not notifications.should_send(KIND, now=now):
        return 0  # quiet hours: the first sweep after them reads what came meanwhile
    read = store.cursor(CURSOR)
    after = int(read or 0)
    top, found = store.history.caught_up_after(after, first=FIRST)
    if found is None:
        if top > after:  # nothing to tell: the next summary need not read these lines again
            store.plan_moving_cursor([], cursor=(CURSOR, read, str(top)), now=now)
        return 0
    batch = [summary_notice(found, rules, last_id=top)] if notifications.enabled(KIND) else []
    return store.plan_moving_cursor(batch, cursor=(CURSOR, read, str(top)), now=now)


def summary_notice(found: CaughtUp, rules: Rules, *, last_id: int) -> Action:
    """The notice for `found`; keyed by `last_id`, the last history line it covers, so it is planned once."""
    window = rules.notifications.catch_up
    counts = " and ".join(_count(kind, lines, tickets) for kind, (lines, tickets) in sorted(found.by_kind.items()))
    tickets = f"{found.tickets:,} ticket{'s' if found.tickets != 1 else ''}"
    lines = [
        f":inbox_tray: Catching up: {counts} on {tickets}, older than {window} when the bridge found them "
        "(a backfill, a pause in service or new rules). They get no notice each."
    ]
    lines += [f"• #{ticket_id}: {' · '.join(what for _, what in news)}" for ticket_id, news in found.first]
    if found.tickets > len(found.first):
        lines.append(f"…and {found.tickets - len(found.first):,} more tickets: `bridge history TICKET` shows each one's.")
    return notice(rules, kind=KIND, key=f"notify:{KIND}:{last_id}", text="\n".join(lines), ticket_id=None)


def _count(kind: str, lines: int, tickets: int) -> str:
    """Breaches by the clock; staleness by the ticket (one may go stale again after an update)."""
    count = tickets if kind == "stale" else lines
    return f"{count:,} {_NAMES.get(kind, (kind, kind))[count != 1]}"
