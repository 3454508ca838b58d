"""The pure core: a ticket, what the store knows of it, the rules and the time -> actions.

No I/O, no clock reads, no globals: everything here is testable with plain data.
"""

from __future__ import annotations

from datetime import datetime

from bridge.model import Action, ActionKind, Ticket, TicketState
from bridge.rules import Rules, evaluate
from bridge.sync.escalate import escalation_actions, issue_key_from_tags

CLOSED_STATUSES = frozenset({"solved", "closed"})


def decide(
    ticket: Ticket, state: TicketState, rules: Rules, *, now: datetime, default_project: str
) -> list[Action]:
    """Every action the ticket needs now that has not been planned before."""
    evaluation = evaluate(ticket, rules, now=now)
    planned: list[Action] = []
    linked = state.link is not None or issue_key_from_tags(ticket.tags) is not None
    if evaluation.escalate is not None and not linked and ticket.status not in CLOSED_STATUSES:
        planned += escalation_actions(ticket, evaluation, evaluation.escalate, default_project=default_project)
    for alert in evaluation.sla_alerts:
        if ticket.status in CLOSED_STATUSES:
            break
        planned.append(
            Action(
                ActionKind.NOTIFY,
                f"notify:sla:{ticket.id}:{alert.target}:{alert.level}:{alert.due.isoformat()}",
                ticket_id=ticket.id,
                params={
                    "kind": f"sla_{alert.level}",
                    "text": (
                        f":alarm_clock: SLA {alert.level} on ticket #{ticket.id}: {alert.target} "
                        f"due {alert.due.strftime('%Y-%m-%d %H:%M UTC')} · {evaluation.priority}\n"
                        f"*{ticket.subject}*\n<{ticket.url}|Open the ticket>"
                    ),
                },
            )
        )
    return [action for action in planned if action.key not in state.planned]
