"""Polling: the source of truth (webhooks are only the fast path)."""

from __future__ import annotations

import logging
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Callable

from bridge.connectors.jira import JiraConnector
from bridge.connectors.jira_json import issue_event
from bridge.connectors.zendesk import ZendeskConnector
from bridge.connectors.zendesk_json import parse_time
from bridge.codec import ticket_to_json
from bridge.model import Event, EventSource, Ticket
from bridge.store import Store
from bridge.sync.escalate import ESCALATION_LABEL
from bridge.sync.own_update import same_view

log = logging.getLogger(__name__)

ZENDESK_CURSOR = "zendesk.incremental_tickets"
# Zendesk refuses an incremental export start_time less than a minute old.
# https://developer.zendesk.com/api-reference/ticketing/ticket-management/incremental_exports/
MIN_START_AGE = timedelta(minutes=1)
MAX_PAGES_PER_POLL = 50
# Zendesk stamps updates to the second, so two changes in one second share an event id.
# An event waits until its second has surely closed (a little slack for clock skew), so one
# read sees every change made in it; the export's are a minute old anyway, webhooks' are not.
SECOND_CLOSED = timedelta(seconds=1.2)


def ticket_event(ticket: Ticket, *, snapshot: bool = True) -> Event:
    """The event for one change of a ticket; webhook and poll give the same id for it.

    It carries the ticket as the export showed it, so processing needs one read (its
    comments) instead of two.
    """
    return Event(
        source=EventSource.ZENDESK,
        kind="ticket.changed",
        event_id=f"ticket:{ticket.id}:{ticket.updated_at.strftime('%Y-%m-%dT%H:%M:%SZ')}",
        subject=str(ticket.id),
        occurred_at=ticket.updated_at,
        payload={"ticket": ticket_to_json(ticket)} if snapshot else {},
    )


class ZendeskPoller:
    def __init__(
        self, *, store: Store, zendesk: ZendeskConnector, clock: Callable[[], datetime], first_start: datetime
    ) -> None:
        self._store = store
        self._zendesk = zendesk
        self._clock = clock
        self._first_start = first_start  # where a store without a bookmark begins

    def poll_once(self) -> int:
        """Read the export up to its end; returns how many new events reached the inbox."""
        new = 0
        start = int(min(self._first_start, self._clock() - MIN_START_AGE).timestamp())
        for _ in range(MAX_PAGES_PER_POLL):
            cursor = self._store.cursor(ZENDESK_CURSOR)
            page = self._zendesk.changes(cursor=cursor, start_time=start)
            bookmark = (ZENDESK_CURSOR, page.cursor) if page.cursor else None
            now = self._clock()
            settled = max((t.updated_at for t in page.tickets), default=now) + SECOND_CLOSED
            new += self._store.inbox.add(
                [ticket_event(t) for t in page.tickets] + self._second_looks(page.tickets),
                now=now,
                cursor=bookmark,
                not_before=settled if settled > now else None,
            )
            if page.end_of_stream or page.cursor in (None, cursor):
                break
        if new:
            log.info("zendesk poll: %d new events", new)
        return new

    def _second_looks(self, tickets: list[Ticket]) -> list[Event]:
        """Tickets the bridge judged at this very moment from another description than the
        export's — a webhook's, when another change in the same second came later — are
        judged again from the export. A webhook's description has no custom fields: the
        stored copy gets the export's, so rules that come to read them find them."""
        known = self._store.snapshots.get_many(t.id for t in tickets)
        again = []
        for ticket in tickets:
            stored = known.get(ticket.id)
            if stored is None or stored.updated_at != ticket.updated_at:
                continue
            if not same_view(stored, ticket, custom_fields=False):
                event = ticket_event(ticket)
                again.append(replace(event, event_id=event.event_id + ":export"))
            elif dict(stored.custom_fields) != dict(ticket.custom_fields):
                self._store.snapshots.complete_custom_fields(ticket)
        return again


JIRA_CURSOR = "jira.updated"
# JQL `updated >=` has minute precision, the search index lags recent writes, and Jira's
# clock is not ours: look back this much further every time; the inbox drops repeats.
JIRA_OVERLAP = timedelta(minutes=2)


class JiraPoller:
    """Escalated issues (labelled by the bridge) updated since the last poll."""

    def __init__(self, *, store: Store, jira: JiraConnector, clock: Callable[[], datetime], first_start: datetime) -> None:
        self._store = store
        self._jira = jira
        self._clock = clock
        self._first_start = first_start

    def poll_once(self) -> int:
        stored = self._store.cursor(JIRA_CURSOR)
        since = parse_time(stored) if stored else self._first_start
        issues = self._jira.updated_within(self._clock() - since + JIRA_OVERLAP, label=ESCALATION_LABEL)
        newest = max([since, *(issue.updated_at for issue in issues)])
        new = self._store.inbox.add(
            [issue_event(issue) for issue in issues], now=self._clock(), cursor=(JIRA_CURSOR, newest.isoformat())
        )
        if new:
            log.info("jira poll: %d new events", new)
        return new
