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
from bridge.rules.conditions import Context, is_agent_reply
from bridge.rules.engine import CompiledPolicy, Engine, engine_of, tag_form
from bridge.rules.evaluate import evaluate
from bridge.rules.result import Evaluation
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
    state: str  # met (on time) | late (met after its due time) | missed (due, not met) | running (neither yet)

    @property
    def settled(self) -> datetime | None:
        """When the outcome was decided: met in time, or its due time passed unmet (a breach,
        whether met late since or not yet); None while running. It never moves later."""
        return self.met if self.state == "met" else None if self.state == "running" else self.due


@dataclass(frozen=True, slots=True)
class TicketFacts:
    id: int
    created: datetime
    resolved: datetime | None  # when it was last solved (None: open now, or merged)
    escalated: datetime | None  # when it was linked to a Jira issue
    merged: datetime | None  # when it was merged into another ticket (a duplicate)
    priority: str  # as the rules class it now: P1 ..
    type: str
    organization: str
    product: str
    policy: str | None
    outcomes: tuple[Outcome, ...]  # none for a merged ticket: its request lives on in the original
    in_status: dict[str, int]  # microseconds in each Zendesk status, first sighting to resolution
    in_stage: dict[str, int]  # microseconds at each support stage (its stage tag), likewise
    closed: tuple[tuple[datetime, datetime | None], ...]  # spells solved or closed, as seen

    def open_at(self, moment: datetime) -> bool:
        """Created by `moment` and not solved or closed then."""
        return self.created < moment and not any(
            start <= moment and (end is None or moment < end) for start, end in self.closed
        )


class Reader:
    """What the rules say about reporting, worked out once per report."""

    def __init__(self, rules: Rules) -> None:
        self.rules = rules
        self.engine: Engine = engine_of(rules)
        self.policies: dict[str, CompiledPolicy] = {policy.name: policy for policy in self.engine.policies}
        self.stage_by_tag = {"stage_" + tag_form(stage): stage for stage in rules.stages}
        self.products = [(name, frozenset(product.tags)) for name, product in rules.products.items()]
        self.product_field = rules.fields.product
        self.product_by_word: dict[str, str] = {}
        for name, tags in self.products:  # a word of two products: the first one's, as with tags
            for word in (name, *tags):
                self.product_by_word.setdefault(word.casefold(), name)

    def facts(self, recorded: Recorded, *, now: datetime) -> TicketFacts | None:
        """The ticket's figures as of `now`; None for a deleted ticket or one created later."""
        ticket = recorded.ticket
        if ticket.status == DELETED_STATUS or ticket.created_at >= now:
            return None
        now_us = to_us(now)
        changes = recorded.changes or (Change(ticket.updated_at, ticket.status, ticket.tags),)
        past = _Past(ticket, changes)
        if ticket.updated_at > now:  # as of an earlier moment: the ticket as it was then
            ticket, changes = past.view(now_us), tuple(c for c in changes if c.at <= now)
            past = _Past(ticket, changes)
        linked = _by(recorded.linked_at, now)
        merged = _by(recorded.merged_at, now)
        pauses = tuple((start, end if end is not None and end <= now else None) for start, end in recorded.pauses if start <= now)
        # Linked, the daemon judges it at the top tier: a policy `when: {tier: 4}` applies.
        evaluation = evaluate(ticket, self.rules, now=now, paused=pauses, escalated=linked is not None)
        closed = _closed(changes, merged)
        # Solved now: since the start of its last spell solved or closed (the timeline ends
        # with the view the snapshot holds). Merged: neither solved nor open.
        resolved = closed[-1][0] if merged is None and closed and closed[-1][1] is None else None
        outcomes: tuple[Outcome, ...] = ()
        policy = self.policies.get(evaluation.sla_policy or "")
        if policy is not None and merged is None:
            outcomes = self._outcomes(ticket, past, policy, evaluation, pauses, now_us)
        in_status, in_stage = self._time_in(changes, until=resolved or merged or now)
        return TicketFacts(
            ticket.id, ticket.created_at, resolved, linked, merged, evaluation.priority, evaluation.type,
            ticket.organization or NONE, self.product(ticket), evaluation.sla_policy, outcomes, in_status, in_stage,
            closed,
        )

    def product(self, ticket: Ticket) -> str:
        """The product field's value (by a product's name or tag where it names one), else the
        first product of rules.yaml the ticket is tagged for."""
        if self.product_field is not None:
            value = ticket.custom_fields.get(self.product_field)
            values = [str(v) for v in value] if isinstance(value, (list, tuple)) else [] if value in (None, "") else [str(value)]
            for word in values:  # a multi-select field: the first value that names a product
                if word.casefold() in self.product_by_word:
                    return self.product_by_word[word.casefold()]
            if values:
                return ", ".join(values)
        for name, tags in self.products:
            if not tags.isdisjoint(ticket.tags):
                return name
        return NONE

    def _outcomes(
        self,
        ticket: Ticket,
        past: _Past,
        policy: CompiledPolicy,
        evaluation: Evaluation,
        pauses: tuple[tuple[datetime, datetime | None], ...],
        now: int,
    ) -> tuple[Outcome, ...]:
        created = to_us(ticket.created_at)
        paused = merge_pauses(pauses, now_us=now) if pauses else []
        due = evaluation.due.micros
        met = self._met(past, policy, evaluation, paused)
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
        self, past: _Past, policy: CompiledPolicy, evaluation: Evaluation, paused: list[tuple[int, int]]
    ) -> list[int | None]:
        """When each target's stop condition first held: replayed at every change of status or
        tags and every agent reply, on the ticket as it was then (classed as it is now, as
        its policy is)."""
        met: list[int | None] = [None] * len(policy.names)
        waiting = [index for index, amount in enumerate(policy.amounts) if amount is not None]
        ctx = Context(past.ticket, 0, None, self.engine, paused)
        ctx.tier, ctx.type, ctx.priority = evaluation.tier, evaluation.type, evaluation.priority
        for moment in past.moments():
            if not waiting:
                break
            # What the stop conditions read, as it was at `moment` (a view of the ticket each
            # time would cost most of the report).
            status, ctx.tags = past.state_at(moment)
            ctx.status, ctx.now_us, ctx._replied = status.casefold(), moment, past.replied_by(moment)
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


class _Past:
    """The ticket as it was at any moment: the status and tags of the change then in force, the
    comments made by then. Before the bridge first saw it: open, with no tags (none known)."""

    def __init__(self, ticket: Ticket, changes: tuple[Change, ...]) -> None:
        self.ticket = ticket
        self.changes = changes
        self.at = [to_us(change.at) for change in changes]
        self.comments = tuple(sorted(ticket.comments, key=lambda c: c.created_at))
        self.said = [to_us(c.created_at) for c in self.comments]
        requester = (ticket.requester_email or "").casefold()
        self.replies = [to_us(c.created_at) for c in self.comments[1:] if is_agent_reply(c, requester)]

    def moments(self) -> list[int]:
        """Every moment the stop conditions may have changed: each change and agent reply."""
        return sorted({*self.at, *self.replies})

    def state_at(self, moment: int) -> tuple[str, frozenset[str]]:
        """Status and tags at `moment`."""
        index = bisect_right(self.at, moment) - 1
        return (self.changes[index].status, self.changes[index].tags) if index >= 0 else ("open", frozenset())

    def replied_by(self, moment: int) -> bool:
        """An agent had replied publicly by `moment`."""
        return bool(self.replies) and self.replies[0] <= moment

    def view(self, moment: int) -> Ticket:
        status, tags = self.state_at(moment)
        ticket = self.ticket
        return replace(
            ticket, status=status, tags=tags, comments=self.comments[:bisect_right(self.said, moment)],
            updated_at=from_us(max(moment, to_us(ticket.created_at))),
        )


def _by(moment: datetime | None, now: datetime) -> datetime | None:
    return moment if moment is not None and moment <= now else None


def _closed(changes: tuple[Change, ...], merged: datetime | None) -> tuple[tuple[datetime, datetime | None], ...]:
    """The spells the ticket was solved or closed, from its timeline; merged, closed from then on."""
    spells: list[tuple[datetime, datetime | None]] = []
    began: datetime | None = None
    for change in changes:
        if change.status in CLOSED_STATUSES and began is None:
            began = change.at
        elif change.status not in CLOSED_STATUSES and began is not None:
            spells.append((began, change.at))
            began = None
    if merged is not None and (began is None or merged < began):
        began = merged
    if began is not None:
        spells.append((began, None))
    return tuple(spells)
