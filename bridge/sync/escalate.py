"""What an escalation carries to Jira, and the actions that make one. Pure: no I/O."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from bridge.model import Action, ActionKind, Ticket

if TYPE_CHECKING:
    from bridge.rules import Escalation, Evaluation

# Agents see the issue through this tag (Zendesk tags are lower case, no spaces).
ESCALATED_TAG = "jira_escalated"
ISSUE_TAG_PREFIX = "jira_"


def issue_tag(issue_key: str) -> str:
    """The tag that shows an issue key on a ticket, e.g. `jira_sup-12`."""
    return ISSUE_TAG_PREFIX + issue_key.lower()


def issue_key_from_tags(tags: frozenset[str]) -> str | None:
    """Recover the issue key from the ticket's own tags, so a lost store escalates nothing twice."""
    for tag in sorted(tags):
        rest = tag.removeprefix(ISSUE_TAG_PREFIX)
        if rest != tag and "-" in rest and rest.rsplit("-", 1)[1].isdigit():
            return rest.upper()
    return None


def _when(value: datetime | None) -> str:
    return value.strftime("%Y-%m-%d %H:%M UTC") if value else "no target"


def issue_sections(ticket: Ticket, evaluation: Evaluation) -> list[tuple[str, str]]:
    """Everything tiers 1–3 documented, in the order a developer reads it."""
    facts = [
        f"Zendesk ticket: #{ticket.id} {ticket.url}".rstrip(),
        f"Requester: {ticket.requester_name or '?'} <{ticket.requester_email or '?'}>",
        f"Organisation: {ticket.organization or '—'}",
        f"Priority: {evaluation.priority} · Type: {evaluation.type} · Tier: {evaluation.tier}",
        f"SLA policy: {evaluation.sla_policy or '—'}",
    ]
    facts += [f"{target.capitalize()} due: {_when(due)}" for target, due in evaluation.due.items()]
    sections = [("Ticket", "\n".join(facts)), ("Description", ticket.description)]
    first_is_description = bool(ticket.comments) and ticket.comments[0].body.strip() == ticket.description.strip()
    history = ticket.comments[1:] if first_is_description else ticket.comments
    notes = [c for c in history if not c.public and not c.by_bridge]
    replies = [c for c in history if c.public and not c.by_bridge]
    if notes:
        sections.append(("Internal notes (troubleshooting, steps, errors, workarounds)", _thread(notes)))
    if replies:
        sections.append(("Conversation with the requester", _thread(replies)))
    return sections


def _thread(comments) -> str:  # type: ignore[no-untyped-def]
    return "\n\n".join(f"--- {c.author} at {_when(c.created_at)}\n{c.body.strip()}" for c in comments)


def escalation_actions(
    ticket: Ticket, evaluation: Evaluation, escalation: Escalation, *, default_project: str
) -> list[Action]:
    """Create the issue; then, once it exists, link back, tell the agents, tell the manager."""
    create_key = f"create_issue:{ticket.id}"
    labels = ["escalation-bridge", *escalation.labels]
    return [
        Action(
            ActionKind.CREATE_ISSUE,
            create_key,
            ticket_id=ticket.id,
            params={
                "project": escalation.project or default_project,
                "summary": f"[ZD#{ticket.id}] {ticket.subject}",
                "sections": issue_sections(ticket, evaluation),
                "issue_type": escalation.issue_type,
                "priority": escalation.jira_priority,
                "labels": labels,
            },
        ),
        Action(
            ActionKind.LINK_TICKET,
            f"link_ticket:{ticket.id}",
            ticket_id=ticket.id,
            params={"url": ticket.url, "title": f"Zendesk #{ticket.id}: {ticket.subject}"},
            after=create_key,
        ),
        Action(
            ActionKind.NOTE_TICKET,
            f"note_escalated:{ticket.id}",
            ticket_id=ticket.id,
            params={
                "note": "Escalated to development as {issue_key}: {issue_url}\nReason: " + escalation.reason,
                "add_tags": [ESCALATED_TAG, "{issue_tag}"],
                "status": escalation.zendesk_status_after,
            },
            after=create_key,
        ),
        Action(
            ActionKind.NOTIFY,
            f"notify:escalated:{ticket.id}",
            ticket_id=ticket.id,
            params={
                "kind": "escalation",
                "text": (
                    f":rotating_light: Ticket #{ticket.id} escalated to development as <{{issue_url}}|{{issue_key}}>"
                    f" · {evaluation.priority} · {ticket.organization or 'no organisation'}\n"
                    f"*{ticket.subject}*\nReason: {escalation.reason}\n<{ticket.url}|Open the ticket>"
                ),
            },
            after=create_key,
        ),
    ]
