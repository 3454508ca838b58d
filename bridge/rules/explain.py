"""An Evaluation as JSON (for scripts) or as a table (for people)."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from rich.table import Table

from bridge.rules.result import TARGETS, Evaluation


def iso_z(moment: datetime | None) -> str | None:
    """ISO 8601 in UTC with a trailing Z, as Zendesk writes times."""
    if moment is None:
        return None
    return moment.astimezone(timezone.utc).isoformat().replace("+00:00", "Z")


def to_json(ev: Evaluation, *, tier_due: datetime | None = None) -> dict[str, Any]:
    """The `rules explain --json` object; `tier_due`: when the response target of the ticket's tier falls due."""
    escalate = None
    if ev.escalate is not None:
        escalate = {
            "to": ev.escalate.to,
            "reason": ev.escalate.reason,
            "project": ev.escalate.project,
            "issue_type": ev.escalate.issue_type,
            "jira_priority": ev.escalate.jira_priority,
            "labels": list(ev.escalate.labels),
            "zendesk_status_after": ev.escalate.zendesk_status_after,
            "stage_after": ev.escalate.stage_after,
        }
    return {
        "tier": ev.tier,
        "priority": ev.priority,
        "type": ev.type,
        "sla_policy": ev.sla_policy,
        "due": {target: iso_z(ev.due.get(target)) for target in TARGETS},
        "tier_response_due": iso_z(tier_due),
        "escalate": escalate,
        "rules": list(ev.rules),
        "reasons": list(ev.reasons),
        "add_tags": list(ev.add_tags),
        "set_group": ev.set_group,
        "notify": list(ev.notify),
        "sla_alerts": [{"target": a.target, "level": a.level, "due": iso_z(a.due)} for a in ev.sla_alerts],
        "paused": ev.paused,
    }


def to_table(ev: Evaluation, *, title: str, tier_due: datetime | None = None) -> Table:
    """The same facts as `to_json`, laid out for a terminal."""
    table = Table(title=title, show_header=False, title_justify="left")
    table.add_column("what", style="bold")
    table.add_column("value")
    table.add_row("tier", str(ev.tier))
    table.add_row("priority", ev.priority)
    table.add_row("type", ev.type)
    table.add_row("SLA policy", ev.sla_policy or "none")
    for target in TARGETS:
        due = ev.due.get(target)
        table.add_row(f"{target} due", iso_z(due) if due else "no target")
    table.add_row(f"tier {ev.tier} response due", iso_z(tier_due) if tier_due else "no target")
    for alert in ev.sla_alerts:
        table.add_row(f"SLA {alert.level}", f"{alert.target} (due {iso_z(alert.due)})")
    if ev.paused:
        table.add_row("clocks", "paused")
    if ev.escalate is None:
        table.add_row("escalate", "no")
    else:
        esc = ev.escalate
        table.add_row("escalate", f"to {esc.to}: {esc.reason} ({esc.issue_type}, {esc.jira_priority})")
    table.add_row("rules matched", ", ".join(ev.rules) or "none")
    if ev.add_tags:
        table.add_row("add tags", ", ".join(ev.add_tags))
    if ev.set_group:
        table.add_row("set group", ev.set_group)
    if ev.notify:
        table.add_row("notify", ", ".join(ev.notify))
    table.add_row("why", "\n".join(ev.reasons))
    return table
