"""Backfill: bring existing tickets into the inbox from a date on; resumable page by page."""

from __future__ import annotations

import logging
import time
from datetime import datetime
from typing import Callable

from bridge.connectors.errors import RetriableError
from bridge.connectors.zendesk import ChangePage, ZendeskConnector
from bridge.store import Store
from bridge.sync.execute import backoff
from bridge.sync.poll import ticket_event

log = logging.getLogger(__name__)

MAX_PAGES = 100_000
# Refusals of one page in a row (a rate limit, an outage) before the backfill stops; run
# again, it resumes at that page. Zendesk allows 10 incremental-export reads a minute.
MAX_TRIES = 10


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
    wait: Callable[[float], None] = time.sleep,
) -> int:
    """Store an event for every ticket changed since `since`; returns how many were new.

    A page Zendesk refuses for now (429, 5xx, a timeout) is read again after the wait it asks
    for (Retry-After), or a growing one."""
    name = backfill_cursor(since)
    new = 0
    for _ in range(MAX_PAGES):
        cursor = store.cursor(name)
        page = _read(lambda: zendesk.changes(cursor=cursor, start_time=int(since.timestamp())), wait)
        new += store.inbox.add(
            [ticket_event(t) for t in page.tickets], now=clock(), cursor=(name, page.cursor) if page.cursor else None
        )
        on_page(len(page.tickets))
        if page.end_of_stream or page.cursor in (None, cursor):
            break
    return new


def _read(read: Callable[[], ChangePage], wait: Callable[[float], None]) -> ChangePage:
    attempt = 1
    while True:
        try:
            return read()
        except RetriableError as exc:
            if attempt == MAX_TRIES:
                raise
            delay = backoff(attempt, exc.retry_after).total_seconds()
            log.warning("backfill: %s; reading the page again in %.0f s", exc, delay)
            wait(delay)
            attempt += 1
