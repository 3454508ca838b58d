"""Runs the demo: sandbox + daemon + the scripted day, with a live view and a summary."""

from __future__ import annotations

import logging
import tempfile
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from rich.console import Console, Group
from rich.live import Live
from rich.table import Table

from bridge.config import Settings
from bridge.demo.actors import Actors
from bridge.demo.clock import SimulatedClock, next_working_morning
from bridge.demo.scenario import STEPS, TICKETS, ScriptedTicket, Step
from bridge.model import ActionKind
from bridge.report.build import build_report
from bridge.report.html_out import to_html
from bridge.report.monthly import months_to, targets_in
from bridge.rules import load_rules
from bridge.runtime.daemon import Daemon
from bridge.runtime.rules_watch import RulesHolder
from bridge.runtime.sandboxed import register_webhooks, sandbox_settings
from bridge.sandbox import Sandbox
from bridge.store import Store

log = logging.getLogger(__name__)


@dataclass
class DemoState:
    tickets: dict[str, int] = field(default_factory=dict)  # scenario ref -> Zendesk id
    done_steps: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


class Demo:
    def __init__(self, *, rules: Path, speed: float, console: Console) -> None:
        self.console = console
        self.rules = rules
        self.clock = SimulatedClock(start=next_working_morning(datetime.now(timezone.utc)), speed=speed)
        self.started = self.clock.now()
        self.workdir = Path(tempfile.mkdtemp(prefix="bridge-demo-"))
        self.sandbox = Sandbox(zendesk_port=0, jira_port=0, slack_port=0, statuspage_port=0, workdir=self.workdir, clock=self.clock.epoch)
        self.sandbox.start()
        info = self.sandbox.info()
        settings = sandbox_settings(
            Settings(_env_file=None),  # type: ignore[call-arg]  # the demo never reads a real .env
            info,
            store_url=f"sqlite:///{self.workdir / 'bridge.db'}",
            rules=rules,
            http_port=0,
            poll_interval_seconds=2,
            sweep_interval_seconds=1,
        )
        self.daemon = Daemon(settings, rules=RulesHolder(rules), clock=self.clock.now)
        self.daemon.start()
        register_webhooks(self.sandbox, settings, self.daemon.http.url)
        self.actors = Actors(info)
        self.state = DemoState()

    @property
    def store(self) -> Store:
        return self.daemon.store

    def run(self, *, once: bool, timeout: float) -> bool:
        """The scripted day; with `once`, returns whether every expectation held."""
        script: list[ScriptedTicket | Step] = sorted([*TICKETS, *STEPS], key=lambda item: item.at)
        deadline = time.monotonic() + timeout
        with Live(self.view(), console=self.console, refresh_per_second=4, transient=False) as live:
            for item in script:
                while self.clock.now() < self.started + item.at:
                    live.update(self.view())
                    time.sleep(0.1)  # pacing the scripted day against the simulated clock
                self.perform(item, deadline)
                live.update(self.view())
            while time.monotonic() < deadline and not self.converged():
                live.update(self.view())
                time.sleep(0.2)
            live.update(self.view())
            if not once:
                self.console.print("[bold]The scripted day is over; the bridge keeps running. Ctrl-C to stop.[/bold]")
                try:
                    while True:
                        live.update(self.view())
                        time.sleep(0.5)
                except KeyboardInterrupt:
                    pass
        return self.converged()

    def perform(self, item: ScriptedTicket | Step, deadline: float) -> None:
        if isinstance(item, ScriptedTicket):
            self.state.tickets[item.ref] = self.actors.open_ticket(item)
            return
        ticket_id = self.state.tickets[item.ref]
        if item.action == "agent_reply":
            self.actors.agent_reply(ticket_id, item.text)
        elif item.action == "agent_escalate":
            self.actors.agent_escalate(ticket_id, item.text)
        elif item.action == "agent_attach":
            key = self.wait_for_issue(self.state.tickets[item.extra["to"]], deadline)
            if key is None:
                self.state.problems.append(f"{item.ref}: no issue to attach to")
                return
            self.actors.agent_attach(ticket_id, key)
        else:
            key = self.wait_for_issue(ticket_id, deadline)
            if key is None:
                self.state.problems.append(f"{item.ref}: no Jira issue to act on")
                return
            if item.action == "dev_transition":
                self.wait_for_done(f"link_ticket:{ticket_id}", deadline)
                self.actors.dev_transition(key, item.extra["to"])
            elif item.action == "dev_attach":
                self.actors.dev_attach(key, item.extra["name"], item.text)
            else:
                self.actors.dev_comment(key, item.text)
        self.state.done_steps.append(f"{item.action} {item.ref}")

    def wait_for_issue(self, ticket_id: int, deadline: float) -> str | None:
        while time.monotonic() < deadline:
            link = self.store.links.for_ticket(ticket_id)
            if link is not None:
                return link.issue_key
            time.sleep(0.1)
        return None

    def wait_for_done(self, key: str, deadline: float) -> None:
        while time.monotonic() < deadline and self.store.actions.result(key) is None:
            time.sleep(0.1)

    def converged(self) -> bool:
        """Every escalation made, and the last developer step mirrored back to its ticket."""
        for scripted in TICKETS:
            ticket_id = self.state.tickets.get(scripted.ref)
            linked = ticket_id is not None and self.store.links.for_ticket(ticket_id) is not None
            if ticket_id is None or linked != scripted.expect_escalation:
                return False
            if scripted.merged_into is not None and not self._merged(ticket_id, scripted.merged_into):
                return False
        counts = self.store.actions.counts()
        if counts.get("pending", 0):
            return False
        done = self.store.actions.with_status("done", limit=10_000)
        return all(  # the sign-off reply reached both customers' tickets on the checkout issue
            any(a.action.key.startswith(f"status_reply:{self.state.tickets[ref]}:") for a in done)
            for ref in ("checkout", "cards")
        )

    def _merged(self, ticket_id: int, into_ref: str) -> bool:
        """Merged, by the first attempt or by one a retry found done (`merged` says which)."""
        into = self.state.tickets.get(into_ref)
        return into is not None and bool((self.store.actions.result(f"merge:{ticket_id}:{into}") or {}).get("merged"))

    def view(self) -> Group:
        table = Table(title=f"escalation bridge demo · simulated time {self.clock.now():%a %Y-%m-%d %H:%M} UTC")
        for column in ("ticket", "subject", "Jira", "notices", "mirrored →Jira / ←Zendesk", "last event"):
            table.add_column(column)
        done = self.store.actions.with_status("done", limit=10_000)
        for scripted in TICKETS:
            ticket_id = self.state.tickets.get(scripted.ref)
            if ticket_id is None:
                table.add_row("…", scripted.subject, "", "", "", "not yet written")
                continue
            mine = [a.action for a in done if a.action.ticket_id == ticket_id]
            link = self.store.links.for_ticket(ticket_id)
            history = self.store.history.of(ticket_id)
            table.add_row(
                f"#{ticket_id}",
                scripted.subject[:48],
                link.issue_key if link else "—",
                str(sum(a.kind is ActionKind.NOTIFY for a in mine)),
                f"{sum(a.kind is ActionKind.COMMENT_ISSUE for a in mine)} / "
                f"{sum(a.key.startswith(('comment_to_zendesk', 'status')) for a in mine)}",
                (history[-1].what if history else ""),
            )
        counts = self.store.actions.counts()
        footer = Table.grid(padding=(0, 2))
        footer.add_row(
            f"actions done {counts.get('done', 0)}", f"pending {counts.get('pending', 0)}",
            f"dead letters {counts.get('dead', 0)}", f"inbox pending {self.store.inbox.count('pending')}",
        )
        return Group(table, footer)

    def summary(self) -> Table:
        table = Table(title="demo summary", show_header=False)
        done = self.store.actions.with_status("done", limit=10_000)
        by_kind: dict[str, int] = {}
        for stored in done:
            by_kind[stored.action.kind.value] = by_kind.get(stored.action.kind.value, 0) + 1
        table.add_row("tickets written", str(len(self.state.tickets)))
        table.add_row("escalated to Jira", ", ".join(
            f"#{tid} → {link.issue_key}" for tid in self.state.tickets.values()
            if (link := self.store.links.for_ticket(tid)) is not None
        ) or "none")
        table.add_row("duplicates merged", ", ".join(
            f"#{stored.action.ticket_id} → #{stored.action.params['into']}" for stored in done
            if stored.action.kind is ActionKind.MERGE_TICKET
            and (self.store.actions.result(stored.action.key) or {}).get("merged")
        ) or "none")
        for kind, count in sorted(by_kind.items()):
            table.add_row(f"actions done: {kind}", str(count))
        table.add_row("dead letters", str(len(self.store.actions.with_status("dead"))))
        table.add_row("this month so far", self.report())
        table.add_row("steps by people", str(len(self.state.done_steps)))
        for problem in self.state.problems:
            table.add_row("[red]problem[/red]", problem)
        return table

    def report(self) -> str:
        """`bridge report` on the demo's store: the month's figures, and the HTML page written."""
        now = self.clock.now()
        month = build_report(self.store.engine, load_rules(self.rules), months_to(now.year, now.month, 1), now=now)
        page = self.workdir / "report.html"
        page.write_text(to_html(month), encoding="utf-8")
        figures = month.months[0]
        on_time = ", ".join(f"{t} {figures.sla[t].on_time_pct:.0f}% on time" for t in targets_in(month) if figures.sla[t].settled)
        return f"{figures.created} created, {figures.resolved} solved, {figures.escalated} to Jira; {on_time or 'no SLA target settled'} · {page}"

    def stop(self) -> None:
        self.daemon.stop()
        self.sandbox.stop()
