"""The pure core: a ticket, what the store knows of it, the rules and the time -> a Decision.

No I/O, no clock reads, no globals: everything here is testable with plain data.
"""

from __future__ import annotations

from datetime import datetime
from types import MappingProxyType
from typing import Mapping

from bridge.model import CLOSED_STATUSES, DELETED_STATUS, Action, ActionKind, Decision, Ticket, TicketState
from bridge.rules import Evaluation, Rules
from bridge.rules.calendar import from_us, to_us
from bridge.rules.engine import Engine, engine_of
from bridge.rules.evaluate import evaluate_on
from bridge.rules.notify import NoticeGate
from bridge.rules.result import fast_constructor
from bridge.sync.backsync import CLOSED, STATUS_MARK, STATUS_SINCE_MARK
from bridge.sync.duplicates import merge_actions, original_of
from bridge.sync.escalate import (
    attach_actions,
    escalation_actions,
    escalation_key,
    escalation_notice,
    escalation_notice_key,
    issue_key_from_tags,
)
from bridge.sync.notify import CAUGHT_UP_MARK, requested_notices, sla_notices
from bridge.sync.routing import with_routing
from bridge.sync.mirror import ISSUE_DELETED_MARK, SEEN_MARK, comments_to_jira, last_comment_id
from bridge.sync.repoint import moving, repoint
from bridge.sync.sla_marks import reopen, tier_marks, tier_since


# Decision(actions, marks, pauses, expect, notes, next_check, caught_up), every field given: a frozen
# dataclass's own __init__ sets each field through object.__setattr__, twice the cost.
_new_decision = fast_constructor(Decision)
_NO_EXPECT: Mapping[tuple[int, str], str | None] = MappingProxyType({})


def decide(
    ticket: Ticket, state: TicketState, rules: Rules, *, now: datetime, default_project: str
) -> Decision:
    """Every action the ticket needs now that has not been planned before, and when to look again."""
    if now.tzinfo is None:
        raise ValueError("decide: `now` must be an aware datetime (e.g. in UTC)")
    if ticket.status == DELETED_STATUS:
        return Decision()  # nothing to do for it, nor to ask of Zendesk; restored, it is judged as it is
    engine = engine_of(rules)
    restarted, marks = reopen(ticket, state)  # SLA clocks restart when a solved ticket is reopened
    since = tier_since(state)
    now_us = to_us(now)
    issue_planned = bool(state.planned) and escalation_key(ticket.id) in state.planned
    # Linked, or its issue planned: an escalated ticket stays at the top tier.
    escalated = state.link is not None or issue_planned
    evaluation = _evaluate(engine, ticket, state, rules, now_us, restarted, since, escalated)
    marks.update(tier_marks(ticket, since, engine, tier=evaluation.tier))
    gate = NoticeGate(engine, now_us)
    summed_up = state.marks.get(CAUGHT_UP_MARK) if state.marks else None
    # Notices planned, or summed up instead: neither is planned again.
    known = state.planned | frozenset(summed_up.split()) if summed_up else state.planned
    open_ticket = ticket.status not in CLOSED_STATUSES
    planned = _escalation(ticket, state, evaluation, rules, gate, marks, open_ticket, issue_planned, default_project)
    if state.link is not None:
        # the agents moved it to another issue by its tag: its replies wait for the move
        moves = repoint(ticket, state, marks) if ticket.status != CLOSED else []  # (Zendesk: a closed ticket is final)
        planned += moves
        if state.marks.get(ISSUE_DELETED_MARK) != state.link.issue_key and not moving(moves):
            planned += comments_to_jira(ticket, state.link, seen=state.marks.get(SEEN_MARK), planned=state.planned)
    if open_ticket:
        planned = with_routing(planned, marks, ticket, state, evaluation, rules, engine)
        if evaluation.sla_alerts:
            planned += sla_notices(ticket, evaluation, rules, gate=gate, planned=known)
        if evaluation.notify:
            planned += requested_notices(ticket, evaluation, rules, gate=gate, planned=known)
    pauses = _pause_change(ticket, state, engine, paused=evaluation.paused)
    caught_up: tuple[tuple[int, str, str], ...] = ()
    expect = _NO_EXPECT
    if gate.caught_up:  # summed up once: the mark tells later decisions
        keys = [summed_up] if summed_up else []
        for kind, key, what in gate.caught_up:
            caught_up += ((ticket.id, kind, what),)
            keys.append(key)
        marks[(ticket.id, CAUGHT_UP_MARK)] = " ".join(keys)
        # Two workers judging the ticket at once would both record it: the second one looks again.
        expect = {(ticket.id, CAUGHT_UP_MARK): summed_up}
    return _new_decision(
        [action for action in planned if action.key not in state.planned] if state.planned else planned,
        marks,
        pauses,
        expect,
        (),  # notes
        # A closed pause ends at the last update, not now: judge again with it recorded. (An
        # opened one changes nothing the rules answered: the pause condition holds already.)
        now if pauses and pauses[0][1] == "close" else _earliest(evaluation.next_change, gate.held_until),
        caught_up,
    )


def _evaluate(
    engine: Engine,
    ticket: Ticket,
    state: TicketState,
    rules: Rules,
    now_us: int,
    restarted: datetime | None,
    since: tuple[int, datetime] | None,
    escalated: bool,
) -> Evaluation:
    jira_status = (state.marks.get(STATUS_MARK) or None) if state.marks else None  # ("": not known yet)
    evaluation = evaluate_on(engine, rules, ticket, now_us, jira_status, state.pauses, restarted, since, escalated)
    if not evaluation.paused and state.pauses and state.pauses[-1][1] is None:
        # The pause ended with the change that ended it, not now: due times (and the notices
        # keyed by them) must not depend on when this decision happens to run.
        started = state.pauses[-1][0]
        ended = (*state.pauses[:-1], (started, max(started, _pause_changed_at(ticket, state, engine))))
        evaluation = evaluate_on(engine, rules, ticket, now_us, jira_status, ended, restarted, since, escalated)
    return evaluation


def _escalation(
    ticket: Ticket,
    state: TicketState,
    evaluation: Evaluation,
    rules: Rules,
    gate: NoticeGate,
    marks: dict[tuple[int, str], str],
    open_ticket: bool,
    issue_planned: bool,
    default_project: str,
) -> list[Action]:
    """Merging a duplicate into its original; attaching to a tagged issue, or escalating, with
    the comment mark either needs; or the notice of an escalation made during quiet hours, now
    that they are over."""
    tagged_key = issue_key_from_tags(ticket.tags) if state.link is None else None  # only unlinked tickets attach
    if tagged_key is not None and state.issue_tickets and open_ticket and rules.duplicates.merge:
        original = original_of(ticket, state)
        if original is not None:  # instead of attaching it: a colleague's ticket is on the issue already
            return merge_actions(ticket, original, tagged_key, rules, gate=gate)
    if tagged_key is not None and ticket.status != CLOSED:  # Zendesk refuses any change to a closed ticket
        escalation = rules.escalation
        marks[(ticket.id, SEEN_MARK)] = state.marks.get(SEEN_MARK) or last_comment_id(ticket)
        return attach_actions(
            ticket, tagged_key, rules, status_after=escalation.zendesk_status_after if open_ticket else None
        )
    if evaluation.escalate is not None and state.link is None and open_ticket and not issue_planned:
        marks[(ticket.id, SEEN_MARK)] = state.marks.get(SEEN_MARK) or last_comment_id(ticket)
        planned = escalation_actions(ticket, evaluation, evaluation.escalate, rules, default_project=default_project)
        return planned if gate("escalation") else [a for a in planned if a.kind is not ActionKind.NOTIFY]
    if issue_planned and escalation_notice_key(ticket.id) not in state.planned and gate("escalation"):
        # escalated during quiet hours: the manager hears of it now
        reason = evaluation.escalate.reason if evaluation.escalate else "escalated during quiet hours"
        return [escalation_notice(ticket, evaluation, rules, reason=reason)]
    return []


def _earliest(moment: datetime | None, micros: int | None) -> datetime | None:
    if micros is None:
        return moment
    return from_us(micros) if moment is None or micros < to_us(moment) else moment


def _pause_change(ticket: Ticket, state: TicketState, engine: Engine, *, paused: bool) -> tuple[tuple[int, str, datetime], ...]:
    """Open a pause when the clock stops (e.g. awaiting the client), close it when it runs again.

    The change is dated when what the pause condition reads last changed (`_pause_changed_at`):
    "waiting for release" begins with the issue's move in Jira, not at the ticket's last update.
    A pause never ends before it began.
    """
    is_open = bool(state.pauses) and state.pauses[-1][1] is None
    if paused == is_open:
        return ()
    moment = _pause_changed_at(ticket, state, engine)
    if paused:
        return ((ticket.id, "open", moment),)
    return ((ticket.id, "close", max(moment, state.pauses[-1][0])),)


def _pause_changed_at(ticket: Ticket, state: TicketState, engine: Engine) -> datetime:
    """When what a pause condition reads last changed: the ticket's last update, or, when the
    rules pause on the linked issue's status, its move to that status if that came later."""
    jira_moved = state.marks.get(STATUS_SINCE_MARK) if state.marks and engine.pauses_on_issue_status else None
    return max(ticket.updated_at, datetime.fromisoformat(jira_moved)) if jira_moved else ticket.updated_at
