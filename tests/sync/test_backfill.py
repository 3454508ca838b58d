"""Backfill reads Zendesk's incremental export page by page, within its rate limit."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from bridge.config import Settings
from bridge.connectors.errors import RetriableError
from bridge.connectors.zendesk import ZendeskConnector
from bridge.runtime.daemon import build_connectors
from bridge.runtime.sandboxed import sandbox_settings
from bridge.sandbox import Sandbox
from bridge.store import Store, open_store
from bridge.sync.backfill import MAX_TRIES, backfill, backfill_cursor

TICKETS = 2_100  # three pages of the export (1,000 a page)


@pytest.fixture(scope="module")
def sandbox(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Sandbox]:
    box = Sandbox(zendesk_port=0, jira_port=0, slack_port=0, statuspage_port=0, workdir=tmp_path_factory.mktemp("sandbox"))
    box.start()
    box.seed("zendesk", {"tickets": [{"subject": f"Export {n} fails", "comment": {"body": "It fails."}} for n in range(TICKETS)]})
    yield box
    box.stop()


@pytest.fixture
def zendesk(sandbox: Sandbox) -> Iterator[ZendeskConnector]:
    yield build_connectors(sandbox_settings(Settings(_env_file=None), sandbox.info())).zendesk  # type: ignore[call-arg]
    sandbox.clear_faults()


def _store(tmp_path: Path) -> Store:
    return open_store(f"sqlite:///{tmp_path / 'bridge.db'}")


SINCE = datetime.now(timezone.utc) - timedelta(days=1)


def test_a_page_zendesk_refuses_for_now_is_read_again_after_the_wait_it_asks_for(
    sandbox: Sandbox, zendesk: ZendeskConnector, tmp_path: Path
) -> None:
    # Zendesk allows 10 incremental-export reads a minute: a backfill meets its 429s.
    sandbox.faults("zendesk", ratelimit_rate=0.5, retry_after=7, only=["incremental"], seed=3)
    store, waits = _store(tmp_path), []
    new = backfill(store=store, zendesk=zendesk, since=SINCE, clock=lambda: datetime.now(timezone.utc), wait=waits.append)
    assert new == TICKETS and store.inbox.count("pending") == TICKETS  # every page read, none twice
    assert waits and all(wait >= 7 for wait in waits)  # never sooner than Retry-After


def test_a_page_refused_again_and_again_stops_the_backfill_where_it_was(
    sandbox: Sandbox, zendesk: ZendeskConnector, tmp_path: Path
) -> None:
    sandbox.faults("zendesk", ratelimit_rate=1.0, retry_after=7, only=["incremental"])
    store, waits = _store(tmp_path), []
    with pytest.raises(RetriableError, match="rate limited"):
        backfill(store=store, zendesk=zendesk, since=SINCE, clock=lambda: datetime.now(timezone.utc), wait=waits.append)
    assert len(waits) == MAX_TRIES - 1 and store.cursor(backfill_cursor(SINCE)) is None
    sandbox.clear_faults()
    assert backfill(store=store, zendesk=zendesk, since=SINCE, clock=lambda: datetime.now(timezone.utc)) == TICKETS
