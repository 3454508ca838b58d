"""The operator's commands: backfill, dry runs, status, retry, history (subprocesses against the sandbox)."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Iterator

import pytest

from bridge.model import Action, ActionKind, Decision, Event, EventSource
from bridge.sandbox import Sandbox
from bridge.store import open_store
from tests.e2e.harness import ROOT, Running, base_env, daytime_rules, sandbox_env
from tests.e2e.test_resilience import jira_labels, open_tickets

pytestmark = pytest.mark.e2e


@pytest.fixture
def setup(tmp_path: Path) -> Iterator[tuple[Running, dict[str, str]]]:
    box = Sandbox(zendesk_port=0, jira_port=0, slack_port=0, statuspage_port=0, workdir=tmp_path / "sandbox")
    box.start()
    info = box.info()
    env = base_env(tmp_path) | sandbox_env(info)
    yield Running(process=None, info=info, env=env, log=tmp_path / "x"), env  # type: ignore[arg-type]
    box.stop()


def bridge(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "bridge.cli", *args], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=120)


def test_backfill_escalates_existing_tickets_once_and_a_second_run_finds_nothing_new(setup) -> None:
    running, env = setup
    tickets = open_tickets(running, 5)
    since = (datetime.now(timezone.utc) - timedelta(days=1)).strftime("%Y-%m-%d")
    first = bridge(env, "backfill", "--since", since)
    assert first.returncode == 0, first.stderr
    assert "backfill done: 5 new ticket changes" in first.stdout
    assert sorted(jira_labels(running)) == sorted(f"zendesk-{t}" for t in tickets)
    # The same moment written with an offset, as `rules explain --now` takes it: the same backfill, resumed.
    again = bridge(env, "backfill", "--since", f"{since}T01:00:00+01:00")
    assert again.returncode == 0 and sorted(jira_labels(running)) == sorted(f"zendesk-{t}" for t in tickets)
    assert f"ticket changes since {since} 00:00 UTC" in again.stdout  # (the changes are the escalations' own notes)


def test_sync_once_escalates_a_ticket_created_a_moment_ago(tmp_path: Path) -> None:
    from bridge.config import Settings
    from bridge.runtime.daemon import Daemon
    from bridge.runtime.rules_watch import RulesHolder
    from bridge.runtime.sandboxed import sandbox_settings

    # Zendesk's clock a little ahead of ours: the ticket's second is surely not over when sync once polls.
    box = Sandbox(zendesk_port=0, jira_port=0, slack_port=0, statuspage_port=0, workdir=tmp_path / "sandbox", clock=lambda: time.time() + 0.8)
    box.start()
    running = Running(process=None, info=box.info(), env={}, log=tmp_path / "x")  # type: ignore[arg-type]
    settings = sandbox_settings(Settings(_env_file=None), running.info, store_url=f"sqlite:///{tmp_path / 'once.db'}",  # type: ignore[call-arg]
                                rules=daytime_rules(tmp_path), http_port=0)
    daemon = Daemon(settings, rules=RulesHolder(settings.rules))  # not started: `sync once` is all that runs
    try:
        [ticket] = open_tickets(running, 1)
        daemon.sync_once()
        assert jira_labels(running) == [f"zendesk-{ticket}"]
    finally:
        daemon.store.close()
        box.stop()


def test_dry_runs_say_what_they_would_do_and_change_nothing(setup, tmp_path: Path) -> None:
    running, env = setup
    [ticket] = open_tickets(running, 1)
    since = (datetime.now(timezone.utc) - timedelta(days=1)).strftime("%Y-%m-%d")
    for args in (("sync", "once", "--dry-run"), ("backfill", "--since", since, "--dry-run")):
        result = bridge(env, *args)
        assert result.returncode == 0, result.stderr
        assert f"would create_issue: create_issue:{ticket}" in result.stdout
    assert jira_labels(running) == []
    assert not (tmp_path / "bridge.db").exists()  # not even an empty store is left behind
    store = open_store(env["BRIDGE_STORE_URL"])
    for args in (("sync", "once", "--dry-run"),):  # with a store: read, never written
        assert bridge(env, *args).returncode == 0
    assert store.actions.counts() == {} and store.inbox.count("pending") == 0


def test_status_shows_dead_letters_retry_queues_them_and_history_tells_the_story(setup) -> None:
    _, env = setup
    store = open_store(env["BRIDGE_STORE_URL"])
    now = datetime.now(timezone.utc)
    store.inbox.add([], now=now)
    store.commit_timer_decisions([(42, Decision([Action(ActionKind.NOTIFY, "notify:stale:42:x", ticket_id=42)]))], now=now)
    store.actions.claim(now=now, limit=1, lease=timedelta(seconds=30))
    store.actions.failed("notify:stale:42:x", error="slack: channel_not_found", retry_at=None)

    status = bridge(env, "status")
    assert status.returncode == 0 and "dead 1" in status.stdout and "channel_not_found" in status.stdout
    typo = bridge(env, "retry", "notify:stale:42:y", "notify:stale:42:x")  # one mistyped: named, the other queued
    assert typo.returncode == 1 and "1 actions queued again" in typo.stdout
    assert "not dead letters: notify:stale:42:y" in typo.stderr
    assert store.actions.counts() == {"pending": 1}
    store.actions.failed("notify:stale:42:x", error="slack: channel_not_found", retry_at=None)
    # An event the bridge gave up on (a fault of its own) is shown too, and queued again by retry.
    store.inbox.add([Event(EventSource.ZENDESK, "ticket.changed", "ticket:42:2026-11-30T10:00:00Z", "42", now, {})], now=now)
    [stored] = store.inbox.claim(now=now, limit=1, lease=timedelta(seconds=30))
    store.inbox.retry(stored.row_id, error="KeyError: 'ticket'", not_before=None, give_up=True)
    status = bridge(env, "status")
    assert "events given up on" in status.stdout and "ticket:42:2026-11-30T10:00:00Z" in status.stdout
    retried = bridge(env, "retry")
    assert retried.returncode == 0 and "1 actions queued again, 1 events" in retried.stdout
    assert store.actions.counts() == {"pending": 1} and store.inbox.dead() == []
    history = bridge(env, "history", "42")
    assert history.returncode == 0 and "notify:stale:42:x" in history.stdout
    assert bridge(env, "history", "43").returncode == 1


def test_the_daemon_in_dry_run_logs_what_it_would_do_and_changes_nothing(tmp_path: Path) -> None:
    from tests.e2e.harness import eventually, start_daemon

    running = start_daemon(tmp_path, "--dry-run")
    try:
        [ticket] = open_tickets(running, 1)
        eventually(lambda: f"would create_issue for ticket {ticket}" in running.log.read_text(), what="the dry-run log")
        assert jira_labels(running) == []
        assert running.slack().conversations_history(channel=running.info["slack"]["manager_channel"])["messages"] == []
    finally:
        running.process.terminate()
        running.process.wait(15)
    store = open_store(running.env["BRIDGE_STORE_URL"])
    assert store.actions.counts() == {} and store.inbox.count("pending") == 0 and store.cursor("zendesk.incremental_tickets") is None


def test_a_sandbox_daemon_never_touches_the_configured_store(tmp_path: Path) -> None:
    from tests.e2e.harness import eventually, start_daemon

    env = base_env(tmp_path)
    real = tmp_path / "production.db"
    env["BRIDGE_STORE_URL"] = f"sqlite:///{real}"
    running = start_daemon(tmp_path, env=env, store=False)
    try:
        [ticket] = open_tickets(running, 1)
        eventually(lambda: f"zendesk-{ticket}" in jira_labels(running), what="the sandbox ticket escalated")
    finally:
        running.process.terminate()
        running.process.wait(15)
    assert not real.exists()  # the sandbox's tickets went to a store of its own
    assert "sandbox store: sqlite:///" in running.log.read_text()
    refused = bridge(env, "run", "--store", f"sqlite:///{tmp_path / 'other.db'}")
    assert refused.returncode == 2 and "--store goes with --sandbox" in refused.stderr


SECRET = "TOPSECRET-4711"


@pytest.mark.parametrize(
    "changes, args, said",
    [
        # a store that cannot be opened: one line, and its password never shown
        ({"BRIDGE_STORE_URL": "sqlite:///{tmp}/garbage.db"}, ("status",), "file is not a database"),
        ({"BRIDGE_STORE_URL": f"postgresql://u:{SECRET}@x@127.0.0.1:9/test"}, ("status",), "error: OperationalError"),
        ({"BRIDGE_STORE_URL": "sqlite:///{tmp}/no/such/dir/x.db"}, ("retry",), "no store at {tmp}/no/such/dir/x.db"),
        # settings that no timer holds, URLs with credentials in them: refused by name, not repeated
        ({"BRIDGE_POLL_INTERVAL_SECONDS": "inf"}, ("status",), "BRIDGE_POLL_INTERVAL_SECONDS: Input should be a finite number"),
        ({"BRIDGE_LEASE_SECONDS": "1e12"}, ("status",), "BRIDGE_LEASE_SECONDS: Input should be less than or equal to 86400"),
        ({"BRIDGE_JIRA_URL": f"http://user:{SECRET}@127.0.0.1:99999"}, ("status",), "BRIDGE_JIRA_URL: is not a URL"),
        ({"BRIDGE_ZENDESK_URL": f"https://user:{SECRET}@acme.zendesk.com"}, ("status",),
         "BRIDGE_ZENDESK_URL: must not hold a user or password"),
        ({"BRIDGE_SLACK_MANAGER_CHANNEL": "#support"}, ("status",), "BRIDGE_SLACK_MANAGER_CHANNEL: a channel id (C…), not a name"),
        # a setting's name mistyped would leave its default in force unnoticed
        ({"BRIDGE_POLL_INTERVL_SECONDS": "5"}, ("status",),
         "BRIDGE_POLL_INTERVL_SECONDS: no such setting; did you mean BRIDGE_POLL_INTERVAL_SECONDS?"),
        ({"BRIDGE_ZENDESK_URL": "http://127.0.0.1:9", "BRIDGE_ZENDESK_EMAIL": "a@b.example", "BRIDGE_ZENDESK_TOKEN": SECRET,
          "BRIDGE_JIRA_URL": "http://127.0.0.1:9", "BRIDGE_JIRA_EMAIL": "a@b.example", "BRIDGE_JIRA_TOKEN": SECRET,
          "BRIDGE_SLACK_TOKEN": SECRET, "BRIDGE_SLACK_MANAGER_CHANNEL": "C1", "BRIDGE_API_TIMEOUT_SECONDS": "2"},
         ("backfill", "--since", "2026-11-01", "--dry-run"), "error: RetriableError: zendesk: unreachable"),
    ],
    ids=["garbage-store", "postgres-password", "no-directory", "inf", "lease-too-long", "url-password",
         "url-user", "channel-name", "misspelt", "zendesk-unreachable"],
)
def test_what_a_command_cannot_do_is_one_line_without_a_secret(tmp_path: Path, changes, args, said) -> None:
    (tmp_path / "garbage.db").write_bytes(b"not a database at all")
    env = base_env(tmp_path) | {key: value.format(tmp=tmp_path) for key, value in changes.items()}
    result = bridge(env, *args)
    assert result.returncode in (1, 2), result.stdout + result.stderr
    assert said.format(tmp=tmp_path) in result.stderr and "Traceback" not in result.stderr + result.stdout
    assert SECRET not in result.stderr + result.stdout


def test_a_misspelt_setting_in_the_env_file_is_caught_like_one_in_the_environment(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text("BRIDGE_WORKER=3\nBRIDGE_STORE_UR=sqlite:///y.db\n")
    result = subprocess.run([sys.executable, "-m", "bridge.cli", "status"], cwd=tmp_path, env=base_env(tmp_path),
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 2
    assert ".env: BRIDGE_WORKER: no such setting; did you mean BRIDGE_WORKERS?" in result.stderr
    assert ".env: BRIDGE_STORE_UR: no such setting; did you mean BRIDGE_STORE_URL?" in result.stderr


@pytest.mark.parametrize("args", [("status",), ("history", "1"), ("retry",)])
def test_reading_commands_run_elsewhere_say_the_store_is_not_there_and_create_none(tmp_path: Path, args) -> None:
    env = base_env(tmp_path) | {"BRIDGE_STORE_URL": "sqlite:///bridge.db"}  # the default: relative to where one runs
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    result = subprocess.run([sys.executable, "-m", "bridge.cli", *args], cwd=elsewhere, env=env,
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 1
    assert f"no store at {elsewhere / 'bridge.db'}" in result.stderr  # not "actions: none" from a new empty store
    assert list(elsewhere.iterdir()) == []


def test_every_bad_setting_is_a_line_of_its_own_named_as_the_operator_writes_it(tmp_path: Path) -> None:
    env = base_env(tmp_path) | {"BRIDGE_WORKERS": "0", "BRIDGE_HTTP_PORT": "x", "BRIDGE_POLL_INTERVL_SECONDS": "5"}
    result = bridge(env, "status")
    assert result.returncode == 2
    assert result.stderr.splitlines() == [
        "error: BRIDGE_POLL_INTERVL_SECONDS: no such setting; did you mean BRIDGE_POLL_INTERVAL_SECONDS?",
        "error: BRIDGE_HTTP_PORT: Input should be a valid integer, unable to parse string as an integer",
        "error: BRIDGE_WORKERS: Input should be greater than or equal to 1",
    ]
    # a rule between two settings names both
    result = bridge(base_env(tmp_path) | {"BRIDGE_LEASE_SECONDS": "10", "BRIDGE_API_TIMEOUT_SECONDS": "5"}, "status")
    assert result.stderr.splitlines() == [
        "error: BRIDGE_LEASE_SECONDS (10) must exceed 3 × BRIDGE_API_TIMEOUT_SECONDS (5): the reads before an "
        "action's write and the write itself must fit in its lease"
    ]


def test_stored_text_with_square_brackets_is_shown_as_written(setup) -> None:
    running, env = setup
    store = open_store(env["BRIDGE_STORE_URL"])
    action = Action(ActionKind.NOTIFY, "notify:x:1", ticket_id=1, params={"kind": "x", "text": "t"})
    store.commit_decision(None, Decision([action]), ticket_ids=[1], now=datetime.now(timezone.utc))
    store.actions.failed("notify:x:1", error="slack: [/oops] at [bold]x", retry_at=None)
    result = bridge(env, "status")
    assert result.returncode == 0, result.stderr
    assert "[/oops] at [bold]x" in result.stdout


def test_sync_once_exits_1_when_a_poll_fails(setup) -> None:
    _, env = setup
    result = bridge(env | {"BRIDGE_ZENDESK_TOKEN": "refused-token"}, "sync", "once")
    assert result.returncode == 1, result.stdout + result.stderr
    assert "sync done" in result.stdout and "zendesk poll failed" in result.stderr and "jira poll failed" not in result.stderr
    assert "refused-token" not in result.stdout + result.stderr


def test_a_bridge_variable_like_no_setting_is_left_alone(tmp_path: Path) -> None:
    env = base_env(tmp_path)
    open_store(env["BRIDGE_STORE_URL"])
    result = bridge(env | {"BRIDGE_SOMETHING_ELSE": "1"}, "status")
    assert result.returncode == 0, result.stderr


def test_the_sandbox_stopped_with_sigterm_saves_its_state(tmp_path: Path) -> None:
    """A process manager (docker stop, systemd) stops with SIGTERM; the state file was lost then."""
    state = tmp_path / "state.json"
    process = subprocess.Popen(
        [sys.executable, "-m", "bridge.cli", "sandbox", "--zendesk-port", "0", "--jira-port", "0", "--slack-port", "0", "--statuspage-port", "0",
         "--state-file", str(state)],
        cwd=ROOT, env=base_env(tmp_path), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    try:
        assert process.stdout is not None
        running = Running(process=process, info=json.loads(process.stdout.readline()), env={}, log=tmp_path / "x")
        open_tickets(running, 1)
        process.send_signal(signal.SIGTERM)
        assert process.wait(30) == 0
    finally:
        process.kill()
    saved = json.loads(state.read_text())
    assert "Outage report 0" in json.dumps(saved)
