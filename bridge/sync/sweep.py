"""The timer: judges the open tickets that are due at `now`, with no API call.

Events only arrive when something changes; an SLA clock runs out or a ticket goes stale
when nothing does. Every decision says when its ticket must be judged again (the rules'
next warning, breach, staleness …); the sweep re-runs `decide` on the stored snapshots of
the tickets due by now, so warnings, breaches and time-triggered escalations are planned
exactly like event-driven ones, and keeps each ticket's next check.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Callable

from bridge.model import ActionKind, Event, EventSource
from bridge.rules import Rules
from bridge.store import Store
from bridge.sync.decide import decide
from bridge.sync.duplicates import tagged_issue

log = logging.getLogger(__name__)

# A ticket whose decision failed waits this long (or for new rules, which make every ticket
# due) before the sweep tries it again: not every minute, with a traceback each time.
RETRY_UNJUDGED = timedelta(hours=1)
NEEDS_FULL_TICKET = frozenset({ActionKind.CREATE_ISSUE, ActionKind.COMMENT_ISSUE, ActionKind.LINK_TICKET})


def _fresh_read(ticket_id: int, now: datetime) -> Event:
    """An event without a snapshot: processing it reads the ticket in full (one per minute at most)."""
    return Event(
        source=EventSource.ZENDESK,
        kind="ticket.timer",
        event_id=f"timer:{ticket_id}:{now.strftime('%Y-%m-%dT%H:%M')}",
        subject=str(ticket_id),
        occurred_at=now,
    )


def sweep(
    *, store: Store, rules: Rules, now: datetime, default_project: str, clock: Callable[[], datetime], batch: int = 1000
) -> int:
    """Plan what the tickets due by `now` need; returns how many actions were newly planned."""
    planned = 0
    for page in store.snapshots.due(now=now, batch=batch):
        tagged = {ticket.id: key for ticket, _ in page if (key := tagged_issue(ticket, rules))}
        states = store.ticket_states([ticket.id for ticket, _ in page], tagged=tagged)
        decisions, fresh_reads, next_checks = [], [], []
        for ticket, seen in page:
            try:
                decision = decide(ticket, states[ticket.id], rules, now=now, default_project=default_project)
            except Exception:  # noqa: BLE001 - one ticket the rules cannot judge must not stop the rest
                log.exception("sweep: ticket %s could not be judged; it is tried again in %s", ticket.id, RETRY_UNJUDGED)
                next_checks.append((ticket.id, seen, now + RETRY_UNJUDGED))
                continue
            if any(action.kind in NEEDS_FULL_TICKET for action in decision.actions):
                # Snapshots keep bodies short: an issue or a mirrored comment is made from the
                # ticket as Zendesk has it now, by an event that reads it in full. The ticket
                # stays due until that event's decision sets its next check.
                fresh_reads.append(_fresh_read(ticket.id, now))
                continue
            if decision.actions or decision.pauses or decision.marks:
                decisions.append((ticket.id, decision))
            next_checks.append((ticket.id, seen, decision.next_check))
        judged_at = {ticket.id: ticket.updated_at for ticket, _ in page}
        planned += store.commit_timer_decisions(decisions, now=clock(), next_checks=next_checks, judged_at=judged_at)
        if fresh_reads:
            store.inbox.add(fresh_reads, now=clock())
    if planned:
        log.info("sweep: %d actions planned", planned)
    return planned
