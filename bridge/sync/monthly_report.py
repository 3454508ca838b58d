"""The monthly report notice: once a month ends, the manager hears how it went, in one Slack notice.

The leader looks every hour; the bookmark names the last month told, so a month is told once
however many leaders come and go. Quiet hours hold it like any notice. A month the bridge did
not watch from its start (it was installed during it, or after it) is passed over without a
notice: its figures would be partial, and a backfill's tickets are no month's news.
"""

from __future__ import annotations

from datetime import datetime

from bridge.connectors.slack_text import escaped
from bridge.model import Action
from bridge.report.build import build_report
from bridge.report.facts import NONE
from bridge.report.monthly import MonthFigures, Report, months_to, targets_in
from bridge.rules import Rules
from bridge.store import Store
from bridge.sync.notify import notice

CURSOR = "notify.monthly_report"  # the last month told, YYYY-MM
KIND = "monthly_report"
CLIENTS = 3  # the busiest, by tickets created


def monthly_report(*, store: Store, rules: Rules, now: datetime) -> int:
    """Plan the notice of the month before `now`'s if it was not told yet; 1 if one was planned."""
    year, month = _previous(now)
    told = store.cursor(CURSOR)
    label = f"{year:04d}-{month:02d}"
    if told is not None and told >= label:
        return 0
    notifications = rules.notifications
    if notifications.enabled(KIND) and not notifications.should_send(KIND, now=now):
        return 0  # quiet hours: told after them
    batch: list[Action] = []
    months = months_to(year, month, 2)
    watching = store.inbox.first_received()
    if notifications.enabled(KIND) and watching is not None and watching <= months[-1].start:
        report = build_report(store.engine, rules, months, now=now)
        if _active(report.months[-1]):
            batch = [report_notice(report, rules)]
    return store.plan_moving_cursor(batch, cursor=(CURSOR, told, label), now=now)


def report_notice(report: Report, rules: Rules) -> Action:
    """The last month of `report`, against the one before."""
    before, last = report.months[-2], report.months[-1]
    when = f"{last.month.start:%B %Y}"
    lines = [
        f":bar_chart: Support in {when}: {last.created:,} tickets created ({_change(before.created, last.created)}), "
        f"{last.resolved:,} solved ({_change(before.resolved, last.resolved)}), {last.escalated:,} escalated to Jira, "
        f"{last.open_at_end:,} open at the month's end."
    ]
    on_time = []
    for target in targets_in(report):
        figures = last.sla.get(target)
        if figures is None or figures.on_time_pct is None:
            continue
        earlier = before.sla.get(target)
        was = earlier.on_time_pct if earlier is not None else None
        points = "" if was is None else f" ({figures.on_time_pct - was:+.0f} points)"
        on_time.append(f"{target} {figures.on_time_pct:.0f}% of {figures.settled:,}{points}")
    if on_time:
        lines.append("SLA targets met on time: " + ", ".join(on_time) + ".")
    clients = [(name, counts.created) for name, counts in last.by_client.items() if name != NONE and counts.created]
    busiest = sorted(clients, key=lambda item: (-item[1], item[0]))[:CLIENTS]
    if busiest:
        lines.append("Busiest clients: " + ", ".join(f"{escaped(name)} ({created:,})" for name, created in busiest) + ".")
    lines.append(f"The full report: `bridge report --to {last.month.label} --html report.html`")
    return notice(rules, kind=KIND, key=f"notify:{KIND}:{last.month.label}", text="\n".join(lines), ticket_id=None)


def _previous(now: datetime) -> tuple[int, int]:
    return (now.year, now.month - 1) if now.month > 1 else (now.year - 1, 12)


def _active(figures: MonthFigures) -> bool:
    return bool(figures.created or figures.resolved or figures.sla or figures.open_at_end or figures.escalated)


def _change(before: int, now: int) -> str:
    if before == 0:
        return "none the month before" if now else "as the month before"
    return f"{100 * (now - before) / before:+.0f}% on the month before"
