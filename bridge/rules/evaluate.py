"""`evaluate`: the pure decision of tier, priority, type, SLA and escalation for one ticket.

No I/O and no clock reads: everything comes in as arguments, so the sync core and the
tests call it with plain data. Runs on the compiled engine, not on the pydantic models.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from functools import partial

from bridge.model import CLOSED_STATUSES, Ticket
from bridge.rules.calendar import from_us, merge_pauses, to_us
from bridge.rules.classify import classify
from bridge.rules.conditions import NEVER, Context
from bridge.rules.route import route
from bridge.rules.engine import CompiledPolicy, Engine, engine_of
from bridge.rules.result import DueTimes, Escalation, Evaluation, SlaAlert
from bridge.rules.schema import Rules
from bridge.rules.sla import clock_starts, clocks, select_policy, tier_alerts, worst_state

def evaluate(
    ticket: Ticket,
    rules: Rules,
    *,
    now: datetime,
    linked_issue_status: str | None = None,
    paused: Sequence[tuple[datetime, datetime | None]] = (),
    restarted: datetime | None = None,
    tier_since: tuple[int, datetime] | None = None,
    escalated: bool = False,
) -> Evaluation:
    """Classify and route `ticket` as of `now`; `paused` are the recorded SLA pause intervals,
    `restarted` when the ticket was last reopened, `tier_since` since when it is at which tier,
    `escalated` whether it has a Jira issue already (escalated or linked)."""
    if now.tzinfo is None:
        raise ValueError("evaluate: `now` must be an aware datetime (e.g. in UTC)")
    return evaluate_on(
        engine_of(rules), rules, ticket, to_us(now), linked_issue_status, paused, restarted, tier_since, escalated
    )


def evaluate_on(
    engine: Engine,
    rules: Rules,
    ticket: Ticket,
    now_us: int,
    linked_issue_status: str | None,
    paused: Sequence[tuple[datetime, datetime | None]],
    restarted: datetime | None,
    tier_since: tuple[int, datetime] | None,
    escalated: bool = False,
) -> Evaluation:
    """`evaluate` on the compiled `engine` of `rules`, `now` in microseconds, every argument
    given in order: the sync core's entry, once per judged ticket (no keywords to match, no
    second engine lookup, `now` converted once)."""
    pauses = merge_pauses(paused, now_us=now_us) if paused else []
    restart_us = None if restarted is None else to_us(restarted)
    starts = None if restart_us is None else clock_starts(rules.sla.restart_on_reopen, to_us(ticket.created_at), restart_us)
    ctx = Context(  # positionally: once per judged ticket
        ticket, now_us, linked_issue_status, engine, pauses, _sla_state if starts is None else partial(_sla_state_from, starts)
    )
    reasons: list[str] = []
    classify(engine, ctx, reasons)
    matched, added, notify, group, rule_escalates = route(engine, ctx, reasons)
    routed = ctx.tier
    if escalated and ctx.status not in CLOSED_STATUSES:
        # With development its clocks are the top tier's: a policy `when: {tier: 4}` applies.
        ctx.tier = max(routed, engine.escalate_tier or engine.top_tier)
    policy, due, alerts, is_paused = _policy_clocks(engine, ctx, pauses, starts, reasons)
    ctx.tier = routed  # whether it escalates (again) is judged at the tier the rules gave
    why = rule_escalates or _escalation_reason(engine, ctx, alerts)
    if why is not None and ctx.status in CLOSED_STATUSES:
        reasons.append(f"Not escalated ({why}): the ticket is {ctx.status}.")  # nothing left to develop
        why = None
    escalate = None if why is None else _escalate(rules, ctx, why, reasons, notify)
    if group is None and ctx.tier > engine.default_tier:
        group = engine.group_after_move(ctx.ticket.group, ctx.tier)  # moving up a tier: to its group
    if escalated and escalate is None and ctx.status not in CLOSED_STATUSES:
        # With development until it is solved: the breach that escalated it may have ended
        # (the ticket went on hold), the tier it reached has not. (Its group is the agents' call.)
        top = engine.escalate_tier or engine.top_tier
        if ctx.tier < top:
            ctx.tier = top
            reasons.append(f"Tier {top}: it has a Jira issue already.")
    stale = _stale(engine, ctx)
    if stale:
        reasons.append(engine.stale_reason)
        notify.append("stale")
    kinds = _notice_kinds(notify, engine.muted)
    alerts += tier_alerts(
        ctx, pauses, paused=is_paused if policy else None, tier_since=tier_since, restarted=restart_us
    )
    return engine.new_evaluation(  # Evaluation's fields, in order
        ctx.tier, ctx.priority, ctx.type, policy.name if policy else None, due, escalate, tuple(matched),
        tuple(reasons), tuple(added), group if group != ticket.group else None, kinds, alerts, is_paused, stale,
        None if ctx.next_change == NEVER else from_us(ctx.next_change),
    )


def _policy_clocks(
    engine: Engine, ctx: Context, pauses: list[tuple[int, int]], starts: tuple[int, ...] | None, reasons: list[str]
) -> tuple[CompiledPolicy | None, DueTimes, tuple[SlaAlert, ...], bool]:
    """The ticket's SLA policy, its due times and alerts, and whether its clocks are paused now."""
    policy = select_policy(engine, ctx)
    if policy is None:
        reasons.append("No SLA policy applies.")
        return None, DueTimes((None, None, None)), (), False
    due, alerts, is_paused = clocks(policy, ctx, pauses, starts)
    reasons.append(policy.reason)
    if is_paused:
        reasons.append("SLA clocks are paused now.")
    return policy, due, alerts, is_paused


def _escalate(rules: Rules, ctx: Context, why: str, reasons: list[str], notify: list[str]) -> Escalation:
    """Escalating puts the ticket at the escalation tier (the top one by default) and tells the manager."""
    engine = ctx.engine
    ctx.tier = max(ctx.tier, engine.escalate_tier or engine.top_tier)
    reasons.append(f"Escalate to Jira: {why}.")
    notify.insert(0, "escalation")
    policy = rules.escalation
    tier = rules.tiers.get(ctx.tier)
    return engine.new_escalation(  # Escalation's fields, in order
        policy.to,
        why[0].upper() + why[1:],
        tier.jira_project if tier is not None else None,
        policy.issue_types.get(ctx.type, policy.issue_type),
        rules.priorities[ctx.priority].jira,
        policy.labels,
        policy.zendesk_status_after,
        policy.stage_after,
        engine.escalation_fields,
    )


def _notice_kinds(notify: list[str], muted: frozenset[str]) -> tuple[str, ...]:
    """The kinds asked for, once each, in order, without the muted ones."""
    if len(notify) < 2:  # most tickets: none, or only "stale" (no generator, no dict for them)
        return () if not notify or notify[0] in muted else (notify[0],)
    return tuple(dict.fromkeys(kind for kind in notify if kind not in muted))


def _stale(engine: Engine, ctx: Context) -> bool:
    """Open and not updated for `stale_after` (working time on `stale_calendar`, if set)."""
    after = engine.stale_after_us
    if after is None or ctx.status in CLOSED_STATUSES:
        return False
    updated = to_us(ctx.ticket.updated_at)
    calendar = engine.stale_calendar
    # Working time never exceeds wall-clock time: a recent update needs no calendar to judge.
    if ctx.now_us - updated >= after and (calendar is None or updated <= calendar.latest_start(ctx.now_us, after)):
        return True
    if updated + after < ctx.next_change:  # no sooner than that: else a change comes first anyway
        ctx.changes_at(stale_since(engine, updated))
    return False


def stale_since(engine: Engine, updated_us: int) -> int:
    """When a ticket last updated at `updated_us` becomes (or became) stale; the rules have a `stale_after`."""
    after = engine.stale_after_us
    assert after is not None, "stale_since: these rules never call a ticket stale"
    calendar = engine.stale_calendar
    return updated_us + after if calendar is None else calendar.add(updated_us, after)


def _escalation_reason(engine: Engine, ctx: Context, alerts: tuple[SlaAlert, ...]) -> str | None:
    if engine.escalate_tier is not None and ctx.tier >= engine.escalate_tier:
        return f"tier {ctx.tier} reached"
    if engine.escalate_tags and not engine.escalate_tags.isdisjoint(ctx.tags):
        return f"tagged {sorted(engine.escalate_tags & set(ctx.tags))[0]!r}"
    breach_tier = engine.escalate_on_breach_tier
    if breach_tier is not None and ctx.tier >= breach_tier:
        for alert in alerts:
            if alert.level == "breach":
                return f"{alert.target} SLA breached at tier {ctx.tier}"
    return None


def _sla_state(ctx: Context) -> str | None:
    """For routing conditions on `sla:`: the SLA state under the classification so far."""
    policy = select_policy(ctx.engine, ctx)
    return None if policy is None else worst_state(clocks(policy, ctx, ctx.pauses)[1])


def _sla_state_from(starts: tuple[int, ...], ctx: Context) -> str | None:
    """`_sla_state` of a reopened ticket, whose clocks restarted at `starts`."""
    policy = select_policy(ctx.engine, ctx)
    return None if policy is None else worst_state(clocks(policy, ctx, ctx.pauses, starts)[1])
