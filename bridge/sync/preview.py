"""Dry run: read both sides, decide, and log what would be done. Writes nothing anywhere.

Dry run is this one read-only path, not a flag checked at every write site: no event is
stored, no cursor moves, no action is planned, so a later real run is unaffected.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime
from typing import Callable

from bridge.connectors.zendesk import ZendeskConnector
from bridge.model import Action
from bridge.rules import Rules
from bridge.store import Store
from bridge.sync.decide import decide
from bridge.sync.duplicates import tagged_issue

log = logging.getLogger(__name__)


@dataclass
class Preview:
    tickets_read: int = 0
    would: list[Action] = field(default_factory=list)
    caught_up: int = 0  # old news that would go in the catch-up summary instead of a notice each


def preview_changes(
    *,
    store: Store,
    zendesk: ZendeskConnector,
    rules: Rules,
    now: datetime,
    default_project: str,
    cursor: str | None,
    start_time: int,
    max_pages: int = 1000,
    on_page: Callable[[int], None] = lambda _: None,
) -> tuple[Preview, str | None]:
    """Decide for every ticket changed after `cursor` (or `start_time`); returns what would be done
    and the cursor after the last page, which the caller may keep in memory for the next preview."""
    result = Preview()
    for _ in range(max_pages):
        page = zendesk.changes(cursor=cursor, start_time=start_time)
        for changed in page.tickets:
            ticket = zendesk.ticket(changed.id)
            state = store.ticket_state(ticket.id, tagged=tagged_issue(ticket, rules))
            decision = decide(ticket, state, rules, now=now, default_project=default_project)
            for action in decision.actions:
                log.info("dry run: would %s for ticket %s (%s)", action.kind.value, ticket.id, action.key)
            result.would += decision.actions
            for _, kind, what in decision.caught_up:
                log.info("dry run: would sum up for ticket %s: %s %s", ticket.id, kind, what)
            result.caught_up += len(decision.caught_up)
        result.tickets_read += len(page.tickets)
        on_page(len(page.tickets))
        if page.end_of_stream or page.cursor in (None, cursor):
            return result, page.cursor or cursor
        cursor = page.cursor
    return result, cursor
