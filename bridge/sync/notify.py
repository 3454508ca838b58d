"""Slack notices to the support manager, as actions. Pure."""

from __future__ import annotations

from functools import lru_cache
from datetime import datetime
from typing import Any

from bridge.connectors.slack_text import escaped
from bridge.model import Action, ActionKind, Ticket
from bridge.rules import Evaluation, Rules
from bridge.rules.calendar import to_us
from bridge.rules.engine import Engine
from bridge.rules.evaluate import stale_since
from bridge.rules.notify import NoticeGate
from bridge.rules.result import fast_constructor
from bridge.timetext import iso, iso_us

# Action(kind, key, ticket_id, issue_key, params, after, not_before), every field given, without the
# frozen dataclass's object.__setattr__ per field: a fifth of the cost, and `decide`
# builds two or three actions per ticket.
new_action = fast_constructor(Action)
_NOTIFY = ActionKind.NOTIFY  # (an enum member read from its class costs a lookup each time)
# The keys of the notices summed up instead of sent (see `NoticeGate.catch_up`), space-separated:
# a later decision passes them over like notices planned.
CAUGHT_UP_MARK = "caught_up"


def notice(
    rules: Rules, *, kind: str, key: str, text: str, ticket_id: int | None, after: str | None = None,
    not_before: datetime | None = None,
) -> Action:
    """One notice; it goes to the rules' channel when they name one, else to BRIDGE_SLACK_MANAGER_CHANNEL."""
    return new_action(_NOTIFY, key, ticket_id, None, _params(kind, text, rules.notifications.channel), after, not_before)


def _params(kind: str, text: str, channel: str | None) -> dict[str, Any]:
    return {"kind": kind, "text": text, "channel": channel} if channel else {"kind": kind, "text": text}


def sla_notices(
    ticket: Ticket, evaluation: Evaluation, rules: Rules, *, gate: NoticeGate, planned: frozenset[str]
) -> list[Action]:
    """A notice per SLA alert, once per target, level and due time; none for those `planned` (or
    summed up) before."""
    notices = []
    channel = rules.notifications.channel
    prefix = f"notify:sla:{ticket.id}:"
    tail = ""  # what follows the due time: the same for every alert of the ticket, written once
    old_before = gate.old_before
    for alert in evaluation.sla_alerts:
        level, due_us = alert.level, alert.due_us
        late = level == "late"  # a breach seen only once a late reply had stopped its clock
        if late:
            level = "breach"  # the same notice as the breach's: sent once, whichever was seen
        due = iso_us(due_us)
        key = f"{prefix}{alert.target}:{level}:{due}"
        if key in planned:
            continue  # (the sweep asks again every minute: cheap when nothing is new)
        kind = "sla_breach" if level == "breach" else "sla_warning"
        # Old news: a breach (it began at its due time) older than `catch_up`. A warning is
        # news until its breach: it always goes.
        if level == "breach" and due_us < old_before:
            if gate.catch_up(kind, key, due_us, f"{alert.target} due {due[:10]} {due[11:16]} UTC"):
                continue
        if not gate(kind):
            continue
        if not tail:
            tail = (
                f" UTC · {evaluation.priority} · {escaped(evaluation.sla_policy or 'no policy')}\n"
                f"*{escaped(ticket.subject)}*\n<{ticket.url}|Open the ticket>"
            )
        icon = ":fire:" if level == "breach" else ":alarm_clock:"
        # due is UTC: its date and minutes
        met = " met late," if late else ""
        text = f"{icon} SLA {level}: ticket #{ticket.id} {alert.target}{met} due {due[:10]} {due[11:16]}{tail}"
        notices.append(new_action(_NOTIFY, key, ticket.id, None, _params(kind, text, channel), None, None))
    return notices


def requested_notices(
    ticket: Ticket, evaluation: Evaluation, rules: Rules, *, gate: NoticeGate, planned: frozenset[str]
) -> list[Action]:
    """Notices the routing rules asked for (the product team is needed; the ticket went stale),
    once per kind — for staleness, once per quiet spell (keyed by the last update)."""
    notices = []
    for kind in evaluation.notify:
        if kind == "stale":
            key = f"notify:stale:{ticket.id}:{iso(ticket.updated_at)}"
            if key not in planned and _old_staleness(ticket, key, gate):
                continue
        elif kind == "escalation":
            continue  # part of the escalation's own actions
        else:
            key = f"notify:{kind}:{ticket.id}"
        if key in planned or not gate(kind):
            continue
        text = (
            f"{_title(kind)}: ticket #{ticket.id} · {evaluation.priority} · {escaped(ticket.organization or 'no organisation')}\n"
            f"*{escaped(ticket.subject)}*\n{escaped(_why(kind, evaluation, gate.engine))}\n<{ticket.url}|Open the ticket>"
        )
        notices.append(new_action(_NOTIFY, key, ticket.id, None, _params(kind, text, rules.notifications.channel), None, None))
    return notices


def _why(kind: str, evaluation: Evaluation, engine: Engine) -> str:
    """The reasons of the rules that asked for a notice of `kind` (and, for a stale ticket, why it is)."""
    matched = evaluation.rules
    reasons = [rule.reason for rule in engine.rules if kind in rule.notify and rule.name in matched]
    if kind == "stale" and evaluation.stale:
        reasons.append(engine.stale_reason)
    return "\n".join(reasons)


def _old_staleness(ticket: Ticket, key: str, gate: NoticeGate) -> bool:
    """Whether the ticket went stale so long ago that it is old news (see `NoticeGate.catch_up`)."""
    updated = to_us(ticket.updated_at)
    if updated >= gate.old_before:
        return False  # it became stale later still: no calendar needed to tell
    engine = gate.engine
    if engine.stale_after_us is None:
        return False  # a routing rule's own idea of stale (stale_after: none): when it began is not known
    began = stale_since(engine, updated)
    what = f"stale since {iso_us(began)[:16].replace('T', ' ')} UTC"
    return began < gate.old_before and gate.catch_up("stale", key, began, what)


@lru_cache(maxsize=64)  # a handful of kinds
def _title(kind: str) -> str:
    """`product_team` -> `:mega: Product team`."""
    return f":mega: {kind.replace('_', ' ').capitalize()}"
