"""`rules explain`: one ticket judged as the daemon would judge it, as JSON (for scripts) or
as a table (for people), with what a ticket file cannot tell said out loud."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from rich.markup import escape
from rich.table import Table

from bridge.model import Ticket
from bridge.rules.evaluate import evaluate
from bridge.rules.result import TARGETS, Evaluation
from bridge.rules.schema import Rules
from bridge.rules.sla import tier_response_due


@dataclass(frozen=True)
class Explanation:
    evaluation: Evaluation
    tier_due: datetime | None  # when the response target of the ticket's tier falls due
    attach_to: str | None  # the issue its tags name: linked to it, not escalated to a new one
    assumed: tuple[str, ...]  # what the file could not tell, and what was taken instead


def explain(ticket: Ticket, rules: Rules, *, now: datetime, attach_to: str | None = None) -> Explanation:
    """`evaluate` with the history a file lacks filled in as the bridge would have recorded it."""
    assumed = []
    if not ticket.comments:
        assumed.append('No comments in the file: no agent has replied (add them under "comments").')
    linked = attach_to is not None  # a ticket linked to an issue is with development
    evaluation = evaluate(ticket, rules, now=now, escalated=linked)
    paused: tuple[tuple[datetime, datetime | None], ...] = ()
    if evaluation.paused:
        # The bridge dates a pause at the update that started it: due times then stand still.
        paused = ((ticket.updated_at, None),)
        evaluation = evaluate(ticket, rules, now=now, paused=paused, escalated=linked)
        assumed.append(
            f"Paused since its last update ({iso_z(ticket.updated_at)}), with no earlier pauses: "
            "due times are those that hold if the clocks run again now."
        )
    tier_due = tier_response_due(rules, ticket, tier=evaluation.tier, now=now, paused=paused)
    return Explanation(evaluation, tier_due, attach_to, tuple(assumed))


def iso_z(moment: datetime | None) -> str | None:
    """ISO 8601 in UTC with a trailing Z, as Zendesk writes times."""
    if moment is None:
        return None
    return moment.astimezone(timezone.utc).isoformat().replace("+00:00", "Z")


def to_json(explanation: Explanation) -> dict[str, Any]:
    """The `rules explain --json` object."""
    ev = explanation.evaluation
    escalate = None
    if ev.escalate is not None and explanation.attach_to is None:
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
        "tier_response_due": iso_z(explanation.tier_due),
        "escalate": escalate,
        "attach_to": explanation.attach_to,
        "rules": list(ev.rules),
        "reasons": _reasons(explanation),
        "add_tags": list(ev.add_tags),
        "set_group": ev.set_group,
        "notify": _notify(explanation),
        "sla_alerts": [{"target": a.target, "level": a.level, "due": iso_z(a.due)} for a in ev.sla_alerts],
        "paused": ev.paused,
        "assumed": list(explanation.assumed),
    }


def to_table(explanation: Explanation, *, title: str) -> Table:
    """The same facts as `to_json`, laid out for a terminal (text shown as written, not as markup)."""
    ev = explanation.evaluation
    table = Table(title=escape(title), show_header=False, title_justify="left")
    table.add_column("what", style="bold")
    table.add_column("value")

    def row(what: str, value: str) -> None:
        table.add_row(escape(what), escape(value))

    row("tier", str(ev.tier))
    row("priority", ev.priority)
    row("type", ev.type)
    row("SLA policy", ev.sla_policy or "none")
    for target in TARGETS:
        due = ev.due.get(target)
        row(f"{target} due", iso_z(due) if due else "no target")
    row(f"tier {ev.tier} response due", iso_z(explanation.tier_due) if explanation.tier_due else "no target")
    for alert in ev.sla_alerts:
        row(f"SLA {alert.level}", f"{alert.target} (due {iso_z(alert.due)})")
    if ev.paused:
        row("clocks", "paused")
    if explanation.attach_to is not None:
        row("escalate", f"no: linked to {explanation.attach_to}, which its tags name")
    elif ev.escalate is None:
        row("escalate", "no")
    else:
        esc = ev.escalate
        row("escalate", f"to {esc.to}: {esc.reason} ({esc.issue_type}, {esc.jira_priority})")
        row("Jira project", esc.project or "the daemon's BRIDGE_JIRA_PROJECT")
        if esc.labels:
            row("Jira labels", ", ".join(esc.labels))
        after = [f"status {esc.zendesk_status_after}"] if esc.zendesk_status_after else []
        after += [f"stage {esc.stage_after}"] if esc.stage_after else []
        row("ticket after", ", ".join(after) or "unchanged")
    row("rules matched", ", ".join(ev.rules) or "none")
    if ev.add_tags:
        row("add tags", ", ".join(ev.add_tags))
    if ev.set_group:
        row("set group", ev.set_group)
    notify = _notify(explanation)
    if notify:
        row("notify", ", ".join(notify))
    row("why", "\n".join(_reasons(explanation)))
    if explanation.assumed:
        row("assumed", "\n".join(explanation.assumed))
    return table


def _notify(explanation: Explanation) -> list[str]:
    # A linked ticket is no new escalation: its notice is not sent.
    kinds = explanation.evaluation.notify
    return [kind for kind in kinds if kind != "escalation"] if explanation.attach_to else list(kinds)


def _reasons(explanation: Explanation) -> list[str]:
    reasons = list(explanation.evaluation.reasons)
    if explanation.attach_to is not None:
        reasons.append(f"Its tags name {explanation.attach_to}: the bridge links it to that issue instead of creating one.")
    return reasons
