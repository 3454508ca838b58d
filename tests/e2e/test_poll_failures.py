"""A poll that keeps failing is told once, then as it repeats, then when it works again."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from bridge.config import Settings
from bridge.runtime.daemon import Daemon
from bridge.runtime.rules_watch import RulesHolder
from bridge.runtime.sandboxed import sandbox_settings
from bridge.sandbox import Sandbox
from tests.e2e.harness import daytime_rules

pytestmark = pytest.mark.e2e


def test_a_refused_poll_is_one_line_then_a_line_as_it_repeats_then_one_when_it_works(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    box = Sandbox(zendesk_port=0, jira_port=0, slack_port=0, statuspage_port=0, workdir=tmp_path / "sandbox")
    box.start()
    settings = sandbox_settings(Settings(_env_file=None), box.info(), store_url=f"sqlite:///{tmp_path / 'b.db'}",  # type: ignore[call-arg]
                                rules=daytime_rules(tmp_path), http_port=0)
    daemon = Daemon(settings, rules=RulesHolder(settings.rules))  # not started: the test is the scheduler
    caplog.set_level(logging.INFO, logger="bridge.runtime.daemon")
    try:
        box.faults("zendesk", error_rate=1.0, error_status=403)
        for _ in range(5):
            daemon.poll()
        assert "zendesk" in daemon.poll_errors and "jira" not in daemon.poll_errors
        box.clear_faults("zendesk")
        daemon.poll()
        assert daemon.poll_errors == {}
    finally:
        daemon.store.close()
        box.stop()

    said = [r for r in caplog.records if r.name == "bridge.runtime.daemon" and "poll" in r.getMessage()]
    messages = [r.getMessage() for r in said]
    assert len(messages) == 4, messages
    assert messages[0].startswith("zendesk poll failed: zendesk: ") and "403" in messages[0]
    assert messages[1].startswith("zendesk poll still failing (2 times in a row): ")
    assert messages[2].startswith("zendesk poll still failing (4 times in a row): ")
    assert messages[3].startswith("zendesk poll works again after 5 failures in ")
    assert not any(r.exc_info for r in said)  # an API's refusal says it all: no traceback
    assert settings.zendesk_token.get_secret_value() not in " ".join(messages)


def test_a_rate_limited_poll_waits_as_long_as_the_service_asked(tmp_path: Path) -> None:
    box = Sandbox(zendesk_port=0, jira_port=0, slack_port=0, statuspage_port=0, workdir=tmp_path / "sandbox")
    box.start()
    settings = sandbox_settings(Settings(_env_file=None), box.info(), store_url=f"sqlite:///{tmp_path / 'b.db'}",  # type: ignore[call-arg]
                                rules=daytime_rules(tmp_path), http_port=0)
    now = [datetime(2026, 3, 2, 10, 0, tzinfo=timezone.utc)]
    daemon = Daemon(settings, rules=RulesHolder(settings.rules), clock=lambda: now[0])
    export = "GET /api/v2/incremental/tickets/cursor.json"
    try:
        # Zendesk allows 10 incremental-export reads a minute; the 11th is told to wait.
        box.faults("zendesk", ratelimit_rate=1.0, retry_after=45, only=["incremental"])
        daemon.poll()
        assert "rate limited" in daemon.poll_errors["zendesk"] and box.counters("zendesk")[export] == 1
        box.clear_faults("zendesk")
        now[0] += timedelta(seconds=30)
        daemon.poll()  # a poll 30 s later would only meet another 429: Zendesk is not asked
        assert box.counters("zendesk")[export] == 1 and box.counters("jira")  # Jira is polled as ever
        now[0] += timedelta(seconds=16)
        daemon.poll()
        assert box.counters("zendesk")[export] == 2 and daemon.poll_errors == {}
    finally:
        daemon.store.close()
        box.stop()
