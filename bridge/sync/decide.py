"""The pure core: a ticket, what the store knows of it, the rules and the time -> a Decision.

No I/O, no clock reads, no globals: everything here is testable with plain data.
"""

from __future__ import annotations

from datetime import datetime

from bridge.model import Action, ActionKind, Decision, Ticket, TicketState
from bridge.rules import Evaluation, Rules, evaluate
from bridge.rules.calendar import from_us, to_us
from bridge.rules.engine import Engine, engine_of
from bridge.rules.notify import may_send
from bridge.sync.escalate import attach_actions, escalation_actions, escalation_key, issue_key_from_tags
from bridge.sync.notify import notice
from bridge.sync.mirror import SEEN_MARK, comments_to_jira, last_comment_id
from bridge.sync.sla_marks import reopen, tier_marks, tier_since

CLOSED_STATUSES = frozenset({"solved", "closed"})


def decide(
    ticket: Ticket, state: TicketState, rules: Rules, *, now: datetime, default_project: str
) -> Decision:
    """Every action the ticket needs now that has not been planned before, and when to look again."""
    restarted, marks = reopen(ticket, state)  # SLA clocks restart when a solved ticket is reopened
    evaluation = evaluate(
        ticket, rules, now=now, linked_issue_status=state.marks.get("jira_status"), paused=state.pauses,
        restarted=restarted, tier_since=tier_since(state),
    )
    marks.update(tier_marks(ticket, state, rules, tier=evaluation.tier))
    sendable = _Sendable(engine_of(rules), to_us(now))
    planned: list[Action] = []
    tagged_key = issue_key_from_tags(ticket.tags)
    open_ticket = ticket.status not in CLOSED_STATUSES
    if state.link is None and tagged_key is not None:
        status_after, stage_after = rules.escalation.zendesk_status_after, rules.escalation.stage_after
        planned += attach_actions(
            ticket, tagged_key, status_after=status_after if open_ticket else None, stage_after=stage_after
        )
        marks[(ticket.id, SEEN_MARK)] = state.marks.get(SEEN_MARK) or last_comment_id(ticket)
    elif (
        evaluation.escalate is not None
        and state.link is None
        and open_ticket
        and escalation_key(ticket.id) not in state.planned  # planned already: skip building it again
    ):
        planned += escalation_actions(
            ticket, evaluation, evaluation.escalate, rules, default_project=default_project
        )
        marks[(ticket.id, SEEN_MARK)] = state.marks.get(SEEN_MARK) or last_comment_id(ticket)
        if not sendable("escalation"):
            planned = [a for a in planned if a.kind is not ActionKind.NOTIFY]
    if state.link is not None:
        planned += comments_to_jira(ticket, state.link, seen=state.marks.get(SEEN_MARK))
    if open_ticket:
        if evaluation.sla_alerts:
            planned += _sla_notices(ticket, evaluation, rules, sendable=sendable, planned=state.planned)
        if evaluation.notify:
            planned += _requested_notices(ticket, evaluation, rules, sendable=sendable, planned=state.planned)
    pauses = _pause_change(ticket, state, paused=evaluation.paused)
    return Decision(
        [action for action in planned if action.key not in state.planned] if state.planned else planned,
        marks=marks,
        pauses=pauses,
        # A closed pause ends at the last update, not now: judge again with it recorded. (An
        # opened one changes nothing the rules answered: the pause condition holds already.)
        next_check=now if pauses and pauses[0][1] == "close" else _earliest(evaluation.next_change, sendable.held_until),
    )


def _earliest(moment: datetime | None, micros: int | None) -> datetime | None:
    if micros is None:
        return moment
    return from_us(micros) if moment is None or micros < to_us(moment) else moment


def _pause_change(ticket: Ticket, state: TicketState, *, paused: bool) -> tuple[tuple[int, str, datetime], ...]:
    """Open a pause when the clock stops (e.g. awaiting the client), close it when it runs again.

    The change is dated at the ticket's last update: that is when its status changed.
    """
    is_open = bool(state.pauses) and state.pauses[-1][1] is None
    if paused and not is_open:
        return ((ticket.id, "open", ticket.updated_at),)
    if not paused and is_open:
        return ((ticket.id, "close", ticket.updated_at),)
    return ()


class _Sendable:
    """Whether a kind of notice may go out now (enabled, not in quiet hours); remembers until
    when the quiet hours hold one back, so the ticket is judged again then."""

    __slots__ = ("_engine", "_now_us", "held_until")

    def __init__(self, engine: Engine, now_us: int) -> None:
        self._engine, self._now_us = engine, now_us
        self.held_until: int | None = None

    def __call__(self, kind: str) -> bool:
        send, until = may_send(self._engine, kind, self._now_us)
        if not send and until is not None and (self.held_until is None or until < self.held_until):
            self.held_until = until
        return send


def _sla_notices(
    ticket: Ticket, evaluation: Evaluation, rules: Rules, *, sendable: _Sendable, planned: frozenset[str]
) -> list[Action]:
    notices = []
    for alert in evaluation.sla_alerts:
        level = alert.level
        due = alert.due.isoformat()
        key = f"notify:sla:{ticket.id}:{alert.target}:{level}:{due}"
        kind = f"sla_{level}"
        if key in planned or not sendable(kind):
            continue  # (the sweep asks again every minute: cheap when nothing is new)
        icon = ":fire:" if level == "breach" else ":alarm_clock:"
        text = (
            f"{icon} SLA {level}: ticket #{ticket.id} {alert.target} "
            f"due {due[:10]} {due[11:16]} UTC · {evaluation.priority} · "  # due is UTC: its date and minutes
            f"{evaluation.sla_policy or 'no policy'}\n*{ticket.subject}*\n<{ticket.url}|Open the ticket>"
        )
        notices.append(notice(rules, kind=kind, key=key, text=text, ticket_id=ticket.id))
    return notices


def _requested_notices(
    ticket: Ticket, evaluation: Evaluation, rules: Rules, *, sendable: _Sendable, planned: frozenset[str]
) -> list[Action]:
    """Notices the routing rules asked for (the product team is needed; the ticket went stale),
    once per kind — for staleness, once per quiet spell (keyed by the last update)."""
    notices = []
    for kind in evaluation.notify:
        if kind == "escalation":
            continue
        key = _notice_key(kind, ticket)
        if key in planned or not sendable(kind):
            continue
        text = (
            f":mega: {kind.replace('_', ' ').capitalize()}: ticket #{ticket.id} · {evaluation.priority} · "
            f"{ticket.organization or 'no organisation'}\n*{ticket.subject}*\n"
            + "\n".join(evaluation.reasons[-2:])
            + f"\n<{ticket.url}|Open the ticket>"
        )
        notices.append(notice(rules, kind=kind, key=key, ticket_id=ticket.id, text=text))
    return notices


def _notice_key(kind: str, ticket: Ticket) -> str:
    if kind == "stale":
        return f"notify:stale:{ticket.id}:{ticket.updated_at.isoformat()}"
    return f"notify:{kind}:{ticket.id}"
