"""Backfill: bring existing tickets into the inbox from a date on; resumable page by page."""

from __future__ import annotations

from datetime import datetime
from typing import Callable

from bridge.connectors.zendesk import ZendeskConnector
from bridge.store import Store
from bridge.sync.poll import ticket_event

MAX_PAGES = 100_000


def backfill_cursor(since: datetime) -> str:
    """One bookmark per start date, so an interrupted backfill resumes where it stopped."""
    return f"zendesk.backfill.{since.strftime('%Y%m%dT%H%M%SZ')}"


def backfill(
    *,
    store: Store,
    zendesk: ZendeskConnector,
    since: datetime,
    clock: Callable[[], datetime],
    on_page: Callable[[int], None] = lambda _: None,
) -> int:
    """Store an event for every ticket changed since `since`; returns how many were new."""
    name = backfill_cursor(since)
    new = 0
    for _ in range(MAX_PAGES):
        cursor = store.cursor(name)
        page = zendesk.changes(cursor=cursor, start_time=int(since.timestamp()))
        new += store.inbox.add(
            [ticket_event(t) for t in page.tickets], now=clock(), cursor=(name, page.cursor) if page.cursor else None
        )
        on_page(len(page.tickets))
        if page.end_of_stream or page.cursor in (None, cursor):
            break
    return new
