"""The `bridge` command: the one place that configures logging and turns failures into exit codes."""

from __future__ import annotations

import faulthandler
import json
import logging
import signal
import sys
from datetime import datetime, timezone
from pathlib import Path
from typing import NoReturn, Optional

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Column, Table

from bridge.config import Settings, SettingsError, load_settings, redact, require
from bridge.rules import RulesError
from bridge.rules.cli import rules_app, schema_command

app = typer.Typer(
    help="Escalation bridge: Zendesk ⇄ Jira with tier routing, SLAs and Slack notices.", no_args_is_help=True,
    pretty_exceptions_enable=False,  # what escapes a command is one line (see main), never a traceback
)
sync_app = typer.Typer(help="One-off synchronisation.", no_args_is_help=True)
core_app = typer.Typer(help="The compiled core: the pure core's hot modules compiled with mypyc.", no_args_is_help=True)
app.add_typer(rules_app, name="rules", help="Check and explain rules.yaml.")
app.add_typer(sync_app, name="sync")
app.add_typer(core_app, name="core")
app.command("schema", help="Print the JSON Schema of rules.yaml (for editors).")(schema_command)

err = Console(stderr=True)
out = Console()

REMOTE_SETTINGS = (
    "zendesk_url", "zendesk_email", "zendesk_token",
    "jira_url", "jira_email", "jira_token",
    "slack_token", "slack_manager_channel",
)  # fmt: skip


def main() -> None:
    try:
        app()
    except Exception as exc:  # noqa: BLE001 - the edge: what escaped a command is one line, with no secret in it
        first_line = (str(exc).splitlines() or [""])[0]
        err.print(f"error: {type(exc).__name__}: {_without_secrets(first_line)}", markup=False, highlight=False, soft_wrap=True)
        sys.exit(1)


def _without_secrets(text: str) -> str:
    try:
        settings: Settings | None = load_settings()
    except Exception:  # noqa: BLE001 - settings that do not load hold nothing to hide from this text
        settings = None
    return redact(text, settings)


def _configure_logging(verbose: bool) -> None:
    # `kill -USR1 <pid>` prints every thread's stack: how an operator sees what a stuck daemon is doing.
    faulthandler.register(signal.SIGUSR1, all_threads=True)
    logging.basicConfig(
        level=logging.DEBUG if verbose else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    for noisy in ("apscheduler", "urllib3", "httpx", "uvicorn.error"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    # A library's warning (the holidays package's "available only from 2001 to 2035", say) is a
    # log line with a time and a level, like every other, not raw text on stderr.
    logging.captureWarnings(True)


def _fail(message: str, code: int = 2) -> NoReturn:
    for line in message.splitlines() or [""]:  # several problems: each on a line of its own
        err.print(f"[red]error:[/red] {escape(line)}", highlight=False, soft_wrap=True)
    raise typer.Exit(code)


def _settings(**overrides: object) -> Settings:
    try:
        return load_settings(**overrides)
    except SettingsError as exc:
        _fail(str(exc))


def _rules_holder(settings: Settings):  # type: ignore[no-untyped-def]
    from bridge.runtime.rules_watch import RulesHolder

    try:
        return RulesHolder(settings.rules)
    except RulesError as exc:
        _fail("; ".join(str(p) for p in exc.problems))


def _start_sandbox(  # type: ignore[no-untyped-def]
    *, zendesk_port: int, jira_port: int, slack_port: int, statuspage_port: int, state_file: Optional[Path] = None
):
    from bridge.sandbox import Sandbox

    sandbox = Sandbox(zendesk_port=zendesk_port, jira_port=jira_port, slack_port=slack_port,
                      statuspage_port=statuspage_port, state_file=state_file)
    try:
        sandbox.start()
    except OSError as exc:
        _fail(f"sandbox could not start: {exc}")
    return sandbox


@app.command()
def run(
    sandbox: bool = typer.Option(False, "--sandbox", help="Wire the daemon to the built-in emulators."),
    dry_run: bool = typer.Option(False, "--dry-run", help="Decide and log every action, change nothing."),
    zendesk_port: int = typer.Option(8701, help="Sandbox Zendesk port (0: any free port)."),
    jira_port: int = typer.Option(8702, help="Sandbox Jira port (0: any free port)."),
    slack_port: int = typer.Option(8703, help="Sandbox Slack port (0: any free port)."),
    statuspage_port: int = typer.Option(8704, help="Sandbox Statuspage port (0: any free port)."),
    store: Optional[str] = typer.Option(
        None, "--store", help="With --sandbox: the store's URL (default: a new SQLite file the sandbox deletes on exit). "
        "A sandbox never uses BRIDGE_STORE_URL: its tickets would mix with the real ones.",
    ),
    verbose: bool = typer.Option(False, "--verbose", "-v"),
) -> None:
    """The daemon: webhook server, scheduled polling, workers."""
    from bridge.runtime.daemon import Daemon
    from bridge.runtime.sandboxed import register_webhooks, sandbox_settings

    _configure_logging(verbose)
    settings = _settings()
    rules = _rules_holder(settings)
    box = None
    if sandbox:
        box = _start_sandbox(zendesk_port=zendesk_port, jira_port=jira_port, slack_port=slack_port,
                             statuspage_port=statuspage_port)
        info = box.info()
        print(json.dumps(info), flush=True)  # the first stdout line: how to reach the emulators
        settings = sandbox_settings(settings, info, store_url=store or f"sqlite:///{box.workdir / 'bridge.db'}")
        logging.getLogger(__name__).info("sandbox store: %s", redact(settings.store_url, settings))
    else:
        if store is not None:
            _fail("--store goes with --sandbox; the daemon's store is BRIDGE_STORE_URL")
        try:
            require(settings, *REMOTE_SETTINGS)
        except SettingsError as exc:
            _fail(str(exc))
    daemon = Daemon(settings, rules=rules, dry_run=dry_run)
    try:
        daemon.run_forever(on_started=lambda: box and not dry_run and register_webhooks(box, settings, daemon.http.url))
    finally:
        if box is not None:
            box.stop()


@core_app.command("build")
def core_build(
    optional: bool = typer.Option(False, "--optional", help="Exit 0 when it cannot be built (the sources run)."),
    if_needed: bool = typer.Option(
        False, "--if-needed", help="Only when no build matches the sources (and BRIDGE_PURE_PYTHON is not set)."
    ),
) -> None:
    """Compile the pure core's hot modules into this environment (needs a C compiler and mypy)."""
    import subprocess

    from bridge import compiled

    if if_needed and compiled.state() in ("compiled", "off"):
        return
    try:
        where = compiled.build()
    except (subprocess.CalledProcessError, OSError) as exc:
        detail = getattr(exc, "stderr", "") or getattr(exc, "stdout", "") or str(exc)
        last = [line.strip() for line in str(detail).splitlines() if line.strip()][-2:]
        err.print(f"compiled core not built; the bridge runs its Python sources: {' | '.join(last)}",
                  markup=False, highlight=False, soft_wrap=True)
        raise typer.Exit(0 if optional else 1) from None
    out.print(f"compiled core built: {len(compiled.MODULES)} modules in {where}", markup=False, highlight=False)


@core_app.command("status")
def core_status() -> None:
    """Whether decisions run compiled: compiled, stale (sources changed since the build), not built, off."""
    from bridge import compiled

    out.print(compiled.state(), markup=False, highlight=False)


@app.command()
def demo(
    once: bool = typer.Option(False, "--once", help="Exit after the scripted day (0 when everything converged)."),
    speed: float = typer.Option(60.0, min=1.0, help="How many simulated seconds pass per real second."),
    timeout: float = typer.Option(180.0, help="Real seconds to wait for everything to converge."),
    verbose: bool = typer.Option(False, "--verbose", "-v", help="Log every step on stderr."),
) -> None:
    """Sandbox + daemon + a scripted stream of realistic tickets on an accelerated clock."""
    from bridge.demo.run import Demo

    logging.basicConfig(
        level=logging.INFO if verbose else logging.ERROR,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    settings = _settings()
    _rules_holder(settings)  # refuse to start on a broken rules file, with its problems
    show = Console()
    show.print(f"[bold]escalation bridge demo[/bold] · rules from {settings.rules} · {speed:g}× speed")
    session = Demo(rules=settings.rules, speed=speed, console=show)
    try:
        converged = session.run(once=once, timeout=timeout)
        show.print()
        show.print(session.summary())
    finally:
        session.stop()
    if once and not converged:
        _fail("the scripted day did not converge in time", code=1)


@app.command()
def sandbox(
    zendesk_port: int = typer.Option(8701, help="Zendesk emulator port (0: any free port)."),
    jira_port: int = typer.Option(8702, help="Jira emulator port (0: any free port)."),
    slack_port: int = typer.Option(8703, help="Slack emulator port (0: any free port)."),
    statuspage_port: int = typer.Option(8704, help="Statuspage emulator port (0: any free port)."),
    state_file: Optional[Path] = typer.Option(None, help="Load state from this JSON file and save it on exit."),
) -> None:
    """Only the emulators of Zendesk, Jira, Slack and Statuspage, on loopback; Ctrl-C or SIGTERM
    stops them (saving the state file first)."""
    import signal
    import threading

    box = _start_sandbox(zendesk_port=zendesk_port, jira_port=jira_port, slack_port=slack_port,
                         statuspage_port=statuspage_port, state_file=state_file)
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):  # a process manager stops with SIGTERM: save then too
        signal.signal(sig, lambda *_: stop.set())
    print(json.dumps(box.info()), flush=True)
    err.print("sandbox running; Ctrl-C to stop", highlight=False)
    try:
        stop.wait()
    finally:
        if state_file is not None:
            box.save()
        box.stop()


def _remote_daemon(*, verbose: bool, dry_run: bool):  # type: ignore[no-untyped-def]
    """A daemon for a one-off command against the real services named in the settings."""
    from bridge.runtime.daemon import Daemon

    _configure_logging(verbose)
    settings = _settings()
    rules = _rules_holder(settings)
    try:
        require(settings, *REMOTE_SETTINGS)
    except SettingsError as exc:
        _fail(str(exc))
    return Daemon(settings, rules=rules, dry_run=dry_run)


def _print_preview(preview) -> None:  # type: ignore[no-untyped-def]
    out.print(f"dry run: {preview.tickets_read} changed tickets read, {len(preview.would)} actions would be taken")
    if preview.caught_up:
        out.print(f"  and {preview.caught_up} old SLA breaches and stale tickets would go in one catch-up summary")
    for action in preview.would:
        out.print(f"  would {action.kind.value}: {action.key}", highlight=False)


@sync_app.command("once")
def sync_once(
    dry_run: bool = typer.Option(False, "--dry-run", help="Decide and log every action, change nothing."),
    verbose: bool = typer.Option(False, "--verbose", "-v"),
) -> None:
    """One poll-and-process cycle, then exit."""
    daemon = _remote_daemon(verbose=verbose, dry_run=dry_run)
    try:
        if dry_run:
            _print_preview(daemon.preview_once())
            return
        done = daemon.sync_once()
    finally:
        daemon.store.close()
    out.print(f"sync done: {done} events and actions processed")
    if daemon.poll_errors:  # what it could read was processed; what it could not is an error for the caller (cron)
        _fail("; ".join(f"{source} poll failed: {error}" for source, error in daemon.poll_errors.items()), code=1)


@app.command()
def backfill(
    since: datetime = typer.Option(
        ..., "--since", formats=["%Y-%m-%d", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%dT%H:%M:%S%z"],
        help="Tickets changed since this date: UTC, or the offset written (2026-01-01T09:00:00+01:00, …Z).",
    ),
    dry_run: bool = typer.Option(False, "--dry-run", help="Decide and log every action, change nothing."),
    verbose: bool = typer.Option(False, "--verbose", "-v"),
) -> None:
    """Process existing tickets changed since a date, with a progress bar; resumes where it stopped."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from bridge.sync.backfill import backfill as run_backfill
    from bridge.sync.preview import preview_changes

    since = since.astimezone(timezone.utc) if since.tzinfo else since.replace(tzinfo=timezone.utc)
    daemon = _remote_daemon(verbose=verbose, dry_run=dry_run)
    zendesk = daemon.connectors.zendesk
    if dry_run:
        preview, _ = preview_changes(
            store=daemon.store, zendesk=zendesk, rules=daemon.rules.current(), now=daemon.decision_clock(),
            default_project=daemon.settings.jira_project, cursor=None, start_time=int(since.timestamp()),
        )
        _print_preview(preview)
        daemon.store.close()
        return
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    try:
        with Progress(*columns, console=err) as progress:
            total = zendesk.count_updated_since(int(since.timestamp()))
            reading = progress.add_task("reading tickets", total=total)
            new = run_backfill(
                store=daemon.store, zendesk=zendesk, since=since, clock=daemon.clock,
                on_page=lambda n: progress.advance(reading, n),
            )
            pending = daemon.store.inbox.count("pending")
            processing = progress.add_task("processing", total=pending)
            while daemon.processor.run_ready(limit=20):
                progress.update(processing, completed=pending - daemon.store.inbox.count("pending"))
            progress.update(processing, completed=pending)
            daemon.drain()
    finally:
        daemon.store.close()
    out.print(f"backfill done: {new} new ticket changes since {since:%Y-%m-%d %H:%M} UTC")


@app.command()
def status() -> None:
    """Actions by status, and the dead letters with their last error."""
    store = _existing_store()
    counts = store.actions.counts()
    out.print("actions: " + (", ".join(f"{k} {v}" for k, v in sorted(counts.items())) or "none"))
    dead = store.actions.with_status("dead")
    if dead:
        table = Table(Column("action", no_wrap=True), "ticket", "attempts", "last error", title="dead letters")
        for item in dead:
            table.add_row(*map(escape, (item.action.key, str(item.action.ticket_id or ""), str(item.attempts), item.last_error or "")))
        out.print(table)
    dead_events = store.inbox.dead()
    if dead_events:  # changes nobody judged: `bridge retry` queues them again too
        # (never cut: the id is what `bridge retry` takes)
        table = Table(Column("event", no_wrap=True), "ticket or issue", "attempts", "last error", title="events given up on")
        for event in dead_events:
            table.add_row(*map(escape, (event.event_id, event.subject, str(event.attempts), event.last_error or "")))
        out.print(table)


def _existing_store():  # type: ignore[no-untyped-def]
    from bridge.store import StoreNotFound, open_store

    try:
        return open_store(_settings().store_url, existing=True)
    except StoreNotFound as exc:
        _fail(str(exc), code=1)


@app.command()
def retry(keys: list[str] = typer.Argument(None, help="Action keys or event ids; none: every dead letter and dead event.")) -> None:
    """Put dead-lettered actions, and events given up on, back in the queue."""
    store = _existing_store()
    if not keys:
        actions, events = store.actions.revive(None), store.inbox.revive(None)
        out.print(f"{actions} actions queued again" + (f", {events} events" if events else ""))
        return
    dead_actions = store.actions.dead_among(keys)
    dead_events = store.inbox.dead_among(key for key in keys if key not in dead_actions)
    unknown = sorted(set(keys) - dead_actions - dead_events)
    actions, events = store.actions.revive(sorted(dead_actions)), store.inbox.revive(sorted(dead_events))
    out.print(f"{actions} actions queued again" + (f", {events} events" if events else ""))
    if unknown:  # a mistyped key, or one already retried: said, not passed over
        _fail(f"not dead letters: {', '.join(unknown)}", code=1)


@app.command()
def report(
    months: int = typer.Option(6, "--months", min=1, max=36, help="How many calendar months (UTC), ending with --to."),
    to: Optional[str] = typer.Option(None, "--to", help="The last month, YYYY-MM (default: this month, to date)."),
    html: Optional[Path] = typer.Option(None, "--html", help="Write the report, with charts, to this HTML file."),
    csv_file: Optional[Path] = typer.Option(None, "--csv", help="Write every figure to this CSV file (long form)."),
    rules_path: Optional[Path] = typer.Option(None, "--rules", help="rules file (default: BRIDGE_RULES or rules.yaml)"),
    now: Optional[str] = typer.Option(None, "--now", help="Report as of this ISO 8601 time with its offset."),
) -> None:
    """SLA and support performance per month: created and resolved, per severity, client and
    product, SLA targets met on time, time in each status, trends."""
    from bridge.report.build import build_report
    from bridge.report.csv_out import write_csv
    from bridge.report.html_out import to_html
    from bridge.report.monthly import months_to, targets_in
    from bridge.rules import load_rules

    as_of = _moment(now) if now else datetime.now(timezone.utc)
    year, month = _month(to) if to else (as_of.year, as_of.month)
    settings = _settings()
    try:
        rules = load_rules(rules_path or settings.rules)
    except RulesError as exc:
        for problem in exc.problems:
            err.print(str(problem), markup=False, highlight=False)
        raise typer.Exit(1)
    store = _existing_store()
    try:
        result = build_report(store.engine, rules, months_to(year, month, months), now=as_of)
    finally:
        store.close()
    if html is not None:
        html.write_text(to_html(result), encoding="utf-8")
    if csv_file is not None:
        with csv_file.open("w", encoding="utf-8-sig", newline="") as handle:
            write_csv(result, handle)
    targets = targets_in(result)
    table = Table(Column("month", no_wrap=True), "created", "solved", "to Jira", "open", *targets,
                  title=f"Support performance: tickets, and SLA targets met on time ({result.tickets} tickets read)",
                  caption="open: at the month's end; * to date")
    for figures in result.months:
        on_time = [figures.sla[t].on_time_pct if t in figures.sla else None for t in targets]
        table.add_row(
            figures.month.label + ("*" if figures.month.end > as_of else ""), str(figures.created), str(figures.resolved),
            str(figures.escalated), str(figures.open_at_end), *("–" if p is None else f"{p:.0f}%" for p in on_time),
        )
    out.print(table)
    for path in (html, csv_file):
        if path is not None:
            out.print(f"wrote {path}", markup=False, highlight=False)


def _moment(text: str) -> datetime:
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        _fail(f"--now {text!r}: not an ISO 8601 time (e.g. 2026-11-30T17:00:00Z)")
    if moment.tzinfo is None:
        _fail(f"--now {text!r}: give its offset (e.g. Z or +01:00)")
    return moment.astimezone(timezone.utc)


def _month(text: str) -> tuple[int, int]:
    try:
        moment = datetime.strptime(text, "%Y-%m")
    except ValueError:
        _fail(f"--to {text!r}: not a month as YYYY-MM (e.g. 2026-11)")
    return moment.year, moment.month


@app.command()
def history(ticket: int = typer.Argument(..., help="Zendesk ticket id.")) -> None:
    """Every event received and action taken for one ticket."""
    store = _existing_store()
    entries = store.history.of(ticket)
    if not entries:
        out.print(f"nothing recorded for ticket {ticket}")
        raise typer.Exit(1)
    table = Table("at (UTC)", "what", "detail", title=f"ticket {ticket}")
    for entry in entries:
        table.add_row(entry.at.strftime("%Y-%m-%d %H:%M:%S"), escape(entry.what), escape(entry.detail))
    out.print(table)


if __name__ == "__main__":
    main()
