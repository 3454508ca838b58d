"""What an escalation carries to Jira, and the actions that make one. Pure: no I/O."""

from __future__ import annotations

import re
from datetime import datetime
from functools import lru_cache
from typing import TYPE_CHECKING

from bridge.connectors.slack_text import escaped
from bridge.model import Action, ActionKind, Ticket
from bridge.rules.engine import engine_of, tag_form
from bridge.rules.result import TARGETS
from bridge.sync.attachments import copy_files
from bridge.sync.notify import new_action, notice
from bridge.timetext import iso_minutes, iso_minutes_us

if TYPE_CHECKING:
    from bridge.rules import Escalation, Evaluation, Rules

# Agents see the issue through this tag (Zendesk tags are lower case, no spaces).
ESCALATED_TAG = "jira_escalated"
ESCALATION_LABEL = "escalation-bridge"  # on every issue with a ticket: what the Jira poller looks for
ISSUE_TAG_PREFIX = "jira_"
# What follows the prefix: a Jira issue key as a tag writes it (a project key that starts with a
# letter, its number with no leading zero), e.g. `sup-12`; not `-1`, `a-b-00` or `abc-²`.
_TAGGED_KEY = re.compile(r"[a-z][a-z0-9_]*-[1-9][0-9]*", re.ASCII | re.IGNORECASE)


def issue_tag(issue_key: str) -> str:
    """The tag that shows an issue key on a ticket, e.g. `jira_sup-12`."""
    return ISSUE_TAG_PREFIX + issue_key.lower()


def issue_key_from_tags(tags: frozenset[str]) -> str | None:
    """Recover the issue key from the ticket's own tags, so a lost store escalates nothing twice.

    Of several such tags, the oldest issue: the lowest number, by project (`sup-9` before
    `sup-10`); found without sorting, since every decision asks.
    """
    found: str | None = None
    order: tuple[str, int] | None = None
    for tag in tags:
        if tag.startswith(ISSUE_TAG_PREFIX) and _TAGGED_KEY.fullmatch(tag, len(ISSUE_TAG_PREFIX)):
            project, _, number = tag.rpartition("-")
            here = (project.casefold(), int(number))
            if order is None or here < order:
                found, order = tag, here
    return found[len(ISSUE_TAG_PREFIX):].upper() if found is not None else None


def issue_keys_from_tags(tags: frozenset[str]) -> set[str]:
    """Every issue key the ticket's tags name (`jira_sup-12` -> `SUP-12`)."""
    return {
        tag[len(ISSUE_TAG_PREFIX):].upper()
        for tag in tags
        if tag.startswith(ISSUE_TAG_PREFIX) and _TAGGED_KEY.fullmatch(tag, len(ISSUE_TAG_PREFIX))
    }


def _when(value: datetime | None) -> str:
    # iso_minutes, not strftime("%Y-%m-%d %H:%M UTC"): the same text at a tenth of the cost.
    return iso_minutes(value) + " UTC" if value else "no target"


_DUE_LABELS = tuple(f"{target.capitalize()} due: " for target in TARGETS)


def issue_sections(ticket: Ticket, evaluation: Evaluation) -> list[tuple[str, str]]:
    """Everything tiers 1–3 documented, in the order a developer reads it."""
    facts = [
        f"Zendesk ticket: #{ticket.id} {ticket.url}".rstrip(),
        f"Requester: {ticket.requester_name or '?'} <{ticket.requester_email or '?'}>",
        f"Organisation: {ticket.organization or '—'}",
        f"Priority: {evaluation.priority} · Type: {evaluation.type} · Tier: {evaluation.tier}",
        f"SLA policy: {evaluation.sla_policy or '—'}",
    ]
    facts += [  # from the engine's microseconds: no datetimes made
        label + ("no target" if due is None else iso_minutes_us(due) + " UTC")
        for label, due in zip(_DUE_LABELS, evaluation.due.micros)
    ]
    sections = [("Ticket", "\n".join(facts)), ("Description", ticket.description)]
    first_is_description = bool(ticket.comments) and ticket.comments[0].body.strip() == ticket.description.strip()
    history = ticket.comments[1:] if first_is_description else ticket.comments
    notes = [c for c in history if not c.public and not c.by_bridge]
    replies = [c for c in history if c.public and not c.by_bridge]
    if notes:
        sections.append(("Internal notes (troubleshooting, steps, errors, workarounds)", _thread(notes)))
    if replies:
        sections.append(("Conversation with the requester", _thread(replies)))
    attachments = [f"{name}: {url}" for c in ticket.comments for name, url in c.attachments]
    if attachments:
        sections.append(("Attachments (in Zendesk)", "\n".join(attachments)))
    return sections


@lru_cache(maxsize=64)  # a handful of stages, asked for with every escalation
def stage_tag(stage: str) -> str:
    """`Fix in Place Awaiting Release` -> `stage_fix_in_place_awaiting_release` (Zendesk tag form)."""
    return "stage_" + tag_form(stage)


def at_stage(tags: list[str], rules: Rules, stage: str | None) -> dict[str, list[str]]:
    """Tag changes adding `tags` and putting the ticket at `stage` (None: leaving its stage be).
    A ticket is at one stage at a time, so every other stage's tag goes: views and rules that
    test a stage tag would misfire on two."""
    if stage is None:
        return {"add_tags": tags}
    tag = stage_tag(stage)
    return {"add_tags": [*tags, tag], "remove_tags": list(engine_of(rules).other_stage_tags.get(tag, ()))}


def _thread(comments) -> str:  # type: ignore[no-untyped-def]
    return "\n\n".join(f"--- {c.author} at {_when(c.created_at)}\n{c.body.strip()}" for c in comments)


def escalation_key(ticket_id: int) -> str:
    """The idempotency key of the action that creates a ticket's issue."""
    return f"create_issue:{ticket_id}"


def escalation_note_key(ticket_id: int) -> str:
    """The key of the escalation's update of the ticket (note, tags, status)."""
    return f"note_escalated:{ticket_id}"


def escalation_actions(
    ticket: Ticket, evaluation: Evaluation, escalation: Escalation, rules: Rules, *, default_project: str
) -> list[Action]:
    """Create the issue; then, once it exists, link back, tell the agents, tell the manager."""
    create_key = escalation_key(ticket.id)
    return [
        _create_issue(ticket, evaluation, escalation, key=create_key, default_project=default_project),
        new_action(
            kind=ActionKind.LINK_TICKET,
            key=f"link_ticket:{ticket.id}",
            ticket_id=ticket.id,
            issue_key=None,
            params={"url": ticket.url, "title": f"Zendesk #{ticket.id}: {ticket.subject}"},
            after=create_key,
            not_before=None,
        ),
        new_action(
            kind=ActionKind.NOTE_TICKET,
            key=escalation_note_key(ticket.id),
            ticket_id=ticket.id,
            issue_key=None,
            params={
                "note": "Escalated to development as {issue_key}: {issue_url}\nReason: " + escalation.reason,
                **at_stage([ESCALATED_TAG, "{issue_tag}"], rules, escalation.stage_after),
                "status": escalation.zendesk_status_after,
            },
            after=create_key,
            not_before=None,
        ),
        escalation_notice(ticket, evaluation, rules, reason=escalation.reason),
        *copy_files(ticket.id, ticket.comments, after=create_key),
    ]


def _create_issue(
    ticket: Ticket, evaluation: Evaluation, escalation: Escalation, *, key: str, default_project: str
) -> Action:
    """The Jira issue with everything tiers 1–3 wrote, due on the ticket's resolution due date (UTC)."""
    resolution_due = evaluation.due.micros[TARGETS.index("resolution")]
    return new_action(
        kind=ActionKind.CREATE_ISSUE,
        key=key,
        ticket_id=ticket.id,
        issue_key=None,
        params={
            "project": escalation.project or default_project,
            "summary": f"[ZD#{ticket.id}] {ticket.subject}",
            "sections": issue_sections(ticket, evaluation),
            "issue_type": escalation.issue_type,
            "priority": escalation.jira_priority,
            "labels": [ESCALATION_LABEL, *escalation.labels],
            "due": iso_minutes_us(resolution_due)[:10] if resolution_due is not None else None,
            "fields": dict(escalation.fields),
        },
        after=None,
        not_before=None,
    )


def escalation_notice_key(ticket_id: int) -> str:
    return f"notify:escalated:{ticket_id}"


def escalation_notice(ticket: Ticket, evaluation: Evaluation, rules: Rules, *, reason: str) -> Action:
    """The manager's notice of an escalation, sent once the issue exists."""
    return notice(
        rules,
        kind="escalation",
        key=escalation_notice_key(ticket.id),
        ticket_id=ticket.id,
        text=(
            f":rotating_light: Ticket #{ticket.id} escalated to development as <{{issue_url}}|{{issue_key}}>"
            f" · {evaluation.priority} · {escaped(ticket.organization or 'no organisation')}\n"
            f"*{escaped(ticket.subject)}*\nReason: {escaped(reason)}\n<{ticket.url}|Open the ticket>"
        ),
        after=escalation_key(ticket.id),
    )


def attach_actions(ticket: Ticket, issue_key: str, rules: Rules, *, status_after: str | None) -> list[Action]:
    """An agent pointed the ticket at an existing issue (tag `jira_<key>`): many tickets, one issue.

    The issue lists the ticket (label, remote link, a comment); the ticket gets the same
    treatment as an escalated one. Also how a lost store re-learns a link from the ticket.
    The comment and the note are `attached`: the executor leaves them out when the issue
    listed the ticket already (a relink: both sides were told then; a follow-up ticket, which
    inherits its original's tags, is not listed and is told), and the note says so when the
    tag names no issue.
    """
    link_key = f"attach:{ticket.id}:{issue_key}"
    link = Action(
        ActionKind.LINK_TICKET,
        link_key,
        ticket_id=ticket.id,
        issue_key=issue_key,
        params={"url": ticket.url, "title": f"Zendesk #{ticket.id}: {ticket.subject}", "attach": True},
    )
    return [
        link,
        Action(
            ActionKind.COMMENT_ISSUE,
            f"attach_comment:{ticket.id}:{issue_key}",
            ticket_id=ticket.id,
            issue_key=issue_key,
            params={
                "body": (
                    f"Zendesk ticket #{ticket.id} is about this issue too: {ticket.subject}\n"
                    f"Requester: {ticket.requester_name or '?'} <{ticket.requester_email or '?'}>, "
                    f"{ticket.organization or 'no organisation'}\n{ticket.url}"
                ),
                "attached": True,
            },
            after=link_key,
        ),
        Action(
            ActionKind.NOTE_TICKET,
            f"note_attached:{ticket.id}:{issue_key}",
            ticket_id=ticket.id,
            issue_key=issue_key,
            params={
                "note": "Linked to development issue {issue_key}: {issue_url}. Updates on it will appear here.",
                **at_stage([ESCALATED_TAG], rules, rules.escalation.stage_after),
                "status": status_after,
                "attached": True,
            },
            after=link_key,
        ),
    ]
