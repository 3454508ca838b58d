"""Duplicates: several people of one organisation reporting one problem. Pure: no I/O.

Agents say that a ticket is about a known problem by pointing it at the problem's Jira issue
(tag `jira_<key>`). When a colleague's open ticket is on that issue already, the new ticket is
a duplicate: instead of joining the issue it is merged into the colleague's ticket (Zendesk
closes it; the bridge copies its requester on the original, where every update reaches them).
Tickets of other organisations join the issue as tickets of their own: each customer keeps
their own conversation. Tickets already on the issue are left as they are.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from bridge.connectors.slack_text import escaped
from bridge.model import Action, ActionKind, LinkedTicket, Ticket, TicketState
from bridge.rules.calendar import from_us
from bridge.sync.escalate import issue_key_from_tags
from bridge.sync.notify import notice

if TYPE_CHECKING:
    from bridge.rules import Rules
    from bridge.rules.notify import NoticeGate

# The original a merge into was refused (it had ended by then): the ticket joins the issue instead.
NOT_MERGED_MARK = "not_merged_into"


def tagged_issue(ticket: Ticket, rules: Rules) -> str | None:
    """The issue whose open tickets the store must hand over with `ticket`'s state: the one its
    tag names, when the rules merge duplicates."""
    return issue_key_from_tags(ticket.tags) if rules.duplicates.merge else None


def merge_key(ticket_id: int, original_id: int) -> str:
    return f"merge:{ticket_id}:{original_id}"


def original_of(ticket: Ticket, state: TicketState) -> LinkedTicket | None:
    """The ticket an unlinked `ticket` duplicates, if any: of the open tickets of its
    organisation on the issue, the one linked first (every colleague's ticket picks the same
    one). A ticket without an organisation duplicates none: a requester on a public mail domain
    is nobody's colleague."""
    organization = ticket.organization
    if organization is None or not state.issue_tickets or state.link is not None:
        return None
    refused = state.marks.get(NOT_MERGED_MARK) if state.marks else None
    best, best_order = None, None
    for other in state.issue_tickets:
        if other.organization != organization or other.ticket_id == ticket.id:
            continue
        if refused is not None and str(other.ticket_id) == refused:
            continue
        order = (other.linked_at, other.ticket_id)
        if best_order is None or order < best_order:
            best, best_order = other, order
    return best


def merge_actions(
    ticket: Ticket, original: LinkedTicket, issue_key: str, rules: Rules, *, gate: NoticeGate
) -> list[Action]:
    """Merge the ticket into its original in Zendesk; then, if the rules want it, tell the manager
    in the original's thread."""
    policy = rules.duplicates
    name, email = ticket.requester_name, ticket.requester_email
    requester = f"{name} <{email}>" if name and email else name or email or "the requester"
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
                "requester_email": ticket.requester_email,
                "reply": _filled(policy.reply, values),
                "reply_public": policy.reply_public,
                "note": _filled(policy.note, values),
            },
        )
    ]
    # Held by quiet hours, it goes when they end: the merged ticket is closed, and no later
    # decision judges it to tell the manager then.
    allowed = gate("duplicate")
    held = None if allowed else gate.quiet_until("duplicate")
    if allowed or held is not None:
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
            not_before=None if held is None else from_us(held),
        ))
    return actions


def _filled(template: str, values: dict[str, str]) -> str:
    for name, value in values.items():
        template = template.replace("{" + name + "}", value)
    return template
