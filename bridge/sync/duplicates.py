"""Duplicates: several people of one organisation reporting one problem. Pure: no I/O.

Agents say that two tickets are about one problem by pointing both at its Jira issue (tag
`jira_<key>`). Within one organisation that makes the later ticket a duplicate: it is merged
into the ticket linked to the issue first (Zendesk closes it, and copies its requester on the
original, where every update reaches them). Tickets of other organisations stay on the issue
as tickets of their own: each customer keeps their own conversation.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from bridge.connectors.slack_text import escaped
from bridge.model import Action, ActionKind, LinkedTicket, Ticket, TicketState
from bridge.sync.notify import notice

if TYPE_CHECKING:
    from bridge.rules import Rules
    from bridge.rules.notify import NoticeGate


def merge_key(ticket_id: int, original_id: int) -> str:
    return f"merge:{ticket_id}:{original_id}"


def original_of(ticket: Ticket, state: TicketState) -> LinkedTicket | None:
    """The ticket `ticket` duplicates, if any: of the open tickets of its organisation on the same
    issue, the one linked first; when `ticket` is linked too, it must have been linked before it.

    Every ticket of the organisation picks the same one, whichever is judged first: two tickets
    never merge into each other. A ticket without an organisation duplicates none (a
    requester on a public mail domain is nobody's colleague)."""
    organization = ticket.organization
    if organization is None or not state.issue_tickets:
        return None
    mine = (state.link.created_at, ticket.id) if state.link is not None else None
    best, best_order = None, None
    for other in state.issue_tickets:
        if not other.open or other.organization != organization or other.ticket_id == ticket.id:
            continue
        order = (other.linked_at, other.ticket_id)
        if (mine is None or order < mine) and (best_order is None or order < best_order):
            best, best_order = other, order
    return best


def merge_actions(
    ticket: Ticket, original: LinkedTicket, issue_key: str, rules: Rules, *, gate: NoticeGate
) -> list[Action]:
    """Merge the ticket into its original in Zendesk; then, if the rules want it, tell the manager
    in the original's thread."""
    policy = rules.duplicates
    requester = ticket.requester_name or ticket.requester_email or "the requester"
    if ticket.requester_name and ticket.requester_email:
        requester = f"{ticket.requester_name} <{ticket.requester_email}>"
    values = {
        "ticket": str(ticket.id), "original": str(original.ticket_id), "issue_key": issue_key,
        "requester": requester, "organisation": ticket.organization or "no organisation",
    }
    key = merge_key(ticket.id, original.ticket_id)
    actions = [
        Action(
            ActionKind.MERGE_TICKET,
            key,
            ticket_id=ticket.id,
            issue_key=issue_key,
            params={
                "into": original.ticket_id,
                "reply": _filled(policy.reply, values),
                "reply_public": policy.reply_public,
                "note": _filled(policy.note, values),
            },
        )
    ]
    if gate("duplicate"):
        actions.append(notice(
            rules,
            kind="duplicate",
            key=f"notify:duplicate:{ticket.id}",
            ticket_id=original.ticket_id,  # in the original's thread, where its escalation was told
            text=(
                f":link: Ticket #{ticket.id} merged into #{original.ticket_id}: the same problem, on {issue_key}"
                f" · {escaped(ticket.organization or '')}\n*{escaped(ticket.subject)}*\n<{ticket.url}|Open the ticket>"
            ),
            after=key,
        ))
    return actions


def _filled(template: str, values: dict[str, str]) -> str:
    for name, value in values.items():
        template = template.replace("{" + name + "}", value)
    return template
