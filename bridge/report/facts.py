"""One ticket's figures for the report: how the rules class it, when it was resolved, how each
SLA target came out, and how long it spent in each status and stage.

Pure: the ticket as the store keeps it, its timeline and pauses, the rules and `now` in.
What happened before the bridge first saw a ticket counts from that first sighting.
"""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass, replace
from datetime import datetime

from bridge.model import CLOSED_STATUSES, DELETED_STATUS, Ticket
from bridge.rules.calendar import from_us, merge_pauses, to_us
from bridge.rules.classify import classify
from bridge.rules.conditions import Context, is_agent_reply
from bridge.rules.engine import CompiledPolicy, Engine, engine_of, tag_form
from bridge.rules.evaluate import evaluate
from bridge.rules.schema import Rules
from bridge.store.reporting import Recorded
from bridge.store.timeline import Change

NONE = "(none)"  # no organisation, no product


@dataclass(frozen=True, slots=True)
class Outcome:
    """How one SLA target of one ticket came out, as of the report's `now`."""

    target: str  # response | review | resolution
    due: datetime
    met: datetime | None  # when its stop condition first held
    taken_us: int | None  # working time from creation to `met`, outside the pauses
    state: str  # met (on time) | late | missed (due, not met) | running (neither yet)

    @property
    def settled(self) -> datetime | None:
        """When the outcome became known: met, or due and missed; None while running."""
        return self.met if self.met is not None else self.due if self.state == "missed" else None


@dataclass(frozen=True, slots=True)
class TicketFacts:
    id: int
    created: datetime
    resolved: datetime | None  # when it was last solved (None: open now)
    escalated: datetime | None  # when it was linked to a Jira issue
    priority: str  # as the rules class it now: P1 ..
    type: str
    organization: str
    product: str
    policy: str | None
    outcomes: tuple[Outcome, ...]
    in_status: dict[str, int]  # microseconds in each Zendesk status, first sighting to resolution
    in_stage: dict[str, int]  # microseconds at each support stage (its stage tag), likewise


class Reader:
    """What the rules say about reporting, worked out once per report."""

    def __init__(self, rules: Rules) -> None:
        self.rules = rules
        self.engine: Engine = engine_of(rules)
        self.policies: dict[str, CompiledPolicy] = {policy.name: policy for policy in self.engine.policies}
        self.stage_by_tag = {"stage_" + tag_form(stage): stage for stage in rules.stages}
        self.products = [(name, frozenset(product.tags)) for name, product in rules.products.items()]
        self.product_field = rules.fields.product
        self.product_by_word = {word.casefold(): name for name, tags in self.products for word in (name, *tags)}

    def facts(self, recorded: Recorded, *, now: datetime) -> TicketFacts | None:
        """The ticket's figures; None for a deleted ticket (not part of any figure)."""
        ticket = recorded.ticket
        if ticket.status == DELETED_STATUS:
            return None
        changes = recorded.changes or (Change(ticket.updated_at, ticket.status, ticket.tags),)
        evaluation = evaluate(ticket, self.rules, now=now, paused=recorded.pauses)
        resolved = _resolved(ticket, changes)
        outcomes: tuple[Outcome, ...] = ()
        policy = self.policies.get(evaluation.sla_policy or "")
        if policy is not None:
            outcomes = self._outcomes(ticket, changes, policy, evaluation.due.micros, recorded.pauses, to_us(now))
        in_status, in_stage = self._time_in(changes, until=resolved or now)
        return TicketFacts(
            ticket.id, ticket.created_at, resolved, recorded.linked_at, evaluation.priority, evaluation.type,
            ticket.organization or NONE, self.product(ticket), evaluation.sla_policy, outcomes, in_status, in_stage,
        )

    def product(self, ticket: Ticket) -> str:
        """The product field's value (by a product's name or tag where it names one), else the
        first product of rules.yaml the ticket is tagged for."""
        if self.product_field is not None:
            value = ticket.custom_fields.get(self.product_field)
            if value not in (None, ""):
                return self.product_by_word.get(str(value).casefold(), str(value))
        for name, tags in self.products:
            if not tags.isdisjoint(ticket.tags):
                return name
        return NONE

    def _outcomes(
        self,
        ticket: Ticket,
        changes: tuple[Change, ...],
        policy: CompiledPolicy,
        due: tuple[int | None, ...],
        pauses: tuple[tuple[datetime, datetime | None], ...],
        now: int,
    ) -> tuple[Outcome, ...]:
        created = to_us(ticket.created_at)
        paused = merge_pauses(pauses, now_us=now) if pauses else []
        met = self._met(ticket, changes, policy, paused)
        outcomes = []
        for index, target in enumerate(policy.names):
            due_us = due[index]
            if due_us is None:
                continue
            met_us = met[index]
            if met_us is not None:
                state = "met" if met_us <= due_us else "late"
                taken = policy.calendar.working_paused(created, met_us, paused) if met_us > created else 0
            else:
                state, taken = ("missed" if now >= due_us else "running"), None
            outcomes.append(Outcome(target, from_us(due_us), None if met_us is None else from_us(met_us), taken, state))
        return tuple(outcomes)

    def _met(
        self, ticket: Ticket, changes: tuple[Change, ...], policy: CompiledPolicy, paused: list[tuple[int, int]]
    ) -> list[int | None]:
        """When each target's stop condition first held: replayed at every change of status or
        tags and every agent reply, on the ticket as it was then."""
        met: list[int | None] = [None] * len(policy.names)
        waiting = [index for index, amount in enumerate(policy.amounts) if amount is not None]
        requester = (ticket.requester_email or "").casefold()
        replies = [to_us(c.created_at) for c in ticket.comments[1:] if is_agent_reply(c, requester)]
        moments = sorted({to_us(change.at) for change in changes} | set(replies))
        at = [to_us(change.at) for change in changes]
        for moment in moments:
            if not waiting:
                break
            view = _as_at(ticket, changes, at, moment)
            ctx = Context(view, moment, None, self.engine, paused)
            classify(self.engine, ctx, [])
            for index in list(waiting):
                if policy.stops[index](ctx):
                    met[index] = moment
                    waiting.remove(index)
        return met

    def _time_in(self, changes: tuple[Change, ...], *, until: datetime) -> tuple[dict[str, int], dict[str, int]]:
        in_status: dict[str, int] = {}
        in_stage: dict[str, int] = {}
        for change, following in zip(changes, (*changes[1:], None)):
            start = to_us(change.at)
            end = min(to_us(following.at) if following is not None else to_us(until), to_us(until))
            if end <= start:
                continue
            in_status[change.status] = in_status.get(change.status, 0) + end - start
            stage = next((name for tag, name in self.stage_by_tag.items() if tag in change.tags), None)
            if stage is not None:
                in_stage[stage] = in_stage.get(stage, 0) + end - start
        return in_status, in_stage


def _resolved(ticket: Ticket, changes: tuple[Change, ...]) -> datetime | None:
    """When a solved or closed ticket was last solved: the first of its latest run of solved
    and closed views."""
    if ticket.status not in CLOSED_STATUSES:
        return None
    moment = ticket.updated_at
    for change in reversed(changes):
        if change.status not in CLOSED_STATUSES:
            break
        moment = change.at
    return moment


def _as_at(ticket: Ticket, changes: tuple[Change, ...], at: list[int], moment: int) -> Ticket:
    """The ticket as it was at `moment`: the status and tags of the change in force (before the
    first sighting: open, with the tags first seen), the comments made by then."""
    index = bisect_right(at, moment) - 1
    status, tags = (changes[index].status, changes[index].tags) if index >= 0 else ("open", changes[0].tags)
    comments = tuple(c for c in ticket.comments if to_us(c.created_at) <= moment)
    return replace(ticket, status=status, tags=tags, comments=comments, updated_at=from_us(max(moment, to_us(ticket.created_at))))
