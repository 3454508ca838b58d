"""SLA clocks of one ticket: its policy's targets and its tier's response target; due times and alerts."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from bridge.model import CLOSED_STATUSES, Ticket
from bridge.rules.calendar import BusinessCalendar, from_us, merge_pauses, to_us
from bridge.rules.conditions import NEVER, Context, Predicate, is_agent_reply
from bridge.rules.engine import CompiledPolicy, Engine, TierClocks, engine_of
from bridge.rules.result import TARGETS, DueTimes, SlaAlert
from bridge.rules.schema import Rules


def select_policy(engine: Engine, ctx: Context) -> CompiledPolicy | None:
    """The first SLA policy whose condition holds; a table lookup when policies allow it."""
    index = engine.policy_index
    if index is not None:
        key = (ctx.type, ctx.priority, ctx.tier)
        if key in index:
            return index[key]
    for policy in engine.policies:
        if policy.match(ctx):
            return policy
    return None


def clock_starts(restart_targets: Sequence[str], created_us: int, restarted_us: int | None) -> tuple[int, ...] | None:
    """Where each clock (response, review, resolution) starts; None: all at creation.

    A ticket reopened at `restarted_us` restarts the targets named in `sla.restart_on_reopen`
    from that moment, with their full amount; the others keep counting from creation.
    """
    if restarted_us is None or restarted_us <= created_us or not restart_targets:
        return None
    return tuple(restarted_us if target in restart_targets else created_us for target in TARGETS)


def clocks(
    policy: CompiledPolicy,
    ctx: Context,
    pauses: Sequence[tuple[int, int]],
    starts: Sequence[int] | None = None,
) -> tuple[DueTimes, tuple[SlaAlert, ...], bool]:
    """Due times per target, alerts as of `ctx.now_us`, and whether the clocks are paused now.

    Every clock starts when the ticket was created — or, with `starts` (see `clock_starts`),
    where it was restarted when the ticket was reopened — and counts only working time
    outside the pauses. A clock whose stop condition holds (replied, solved) raises no
    alert, unless a reply after its due time stopped it (`met_late`); a restarted clock is
    stopped by a reply only if the reply came after the restart. While paused nothing runs,
    so only those `late` alerts are raised, and the due times are those that hold if the
    clock resumes now. The next warning or breach of a running clock is told to
    `ctx.changes_at`.
    """
    calendar = policy.calendar
    amounts = policy.amounts
    if starts is not None:
        moments = [_due(calendar, start, amount, pauses) for start, amount in zip(starts, amounts)]
    elif pauses:
        moments = calendar.add_each_paused(ctx.created_us, amounts, pauses)
    else:
        moments = calendar.add_each(ctx.created_us, amounts)
    due = DueTimes(moments)
    if policy.pause(ctx):  # (an agent replying late often sets the ticket pending at once)
        return due, _late_alerts(policy, ctx, moments, starts) if ctx.replied else (), True
    return due, _alerts(policy, ctx, pauses, moments, starts), False


def _due(calendar: BusinessCalendar, start: int, amount: int | None, pauses: Sequence[tuple[int, int]]) -> int | None:
    if amount is None:
        return None
    return calendar.add_paused(start, amount, pauses) if pauses else calendar.add(start, amount)


def _alerts(
    policy: CompiledPolicy,
    ctx: Context,
    pauses: Sequence[tuple[int, int]],
    moments: list[int | None],
    starts: Sequence[int] | None = None,
) -> tuple[SlaAlert, ...]:
    calendar = policy.calendar
    created, now = ctx.created_us, ctx.now_us
    start = created
    alerts: list[SlaAlert] = []
    for index, moment in enumerate(moments):
        if moment is None:
            continue
        if starts is not None:
            start = starts[index]
        if now >= moment:
            level = "breach"
        else:
            ctx.changes_at(moment)  # the breach
            warn_after = policy.warn_amounts[index]
            if not _has_run(calendar, start, now, warn_after, pauses):
                _warns_at(ctx, calendar, start, warn_after, pauses)
                continue
            level = "warning"
        stop = policy.stops[index]
        stopped = stop(ctx) if start == created else stopped_since(stop, ctx, start)
        if not stopped:
            alerts.append(ctx.engine.new_alert(policy.names[index], level, moment))
        elif level == "breach" and policy.reply_stops[index] and (start != created or ctx.first_reply_us > moment):
            # Perhaps met late (first_reply_us stays NEVER until `replied` is asked: met_late asks).
            if met_late(stop, ctx, start, moment):
                alerts.append(ctx.engine.new_alert(policy.names[index], "late", moment))
    return tuple(alerts)


def _late_alerts(
    policy: CompiledPolicy, ctx: Context, moments: list[int | None], starts: Sequence[int] | None
) -> tuple[SlaAlert, ...]:
    """Only the alerts of clocks a reply stopped after their due time (`ctx.replied` is known)."""
    created, now, first = ctx.created_us, ctx.now_us, ctx.first_reply_us
    alerts: list[SlaAlert] = []
    for index, moment in enumerate(moments):
        if moment is None or now < moment:
            continue
        start = created if starts is None else starts[index]
        if not policy.reply_stops[index] or (start == created and first <= moment):
            continue  # no reply stops it, or one came in time: settled without the stop condition
        stop = policy.stops[index]
        stopped = stop(ctx) if start == created else stopped_since(stop, ctx, start)
        if stopped and met_late(stop, ctx, start, moment):
            alerts.append(ctx.engine.new_alert(policy.names[index], "late", moment))
    return tuple(alerts)


def stopped_since(stop: Predicate, ctx: Context, start: int) -> bool:
    """The stop condition, with `replied` meaning an agent replied publicly since `start`."""
    if start <= ctx.created_us or not ctx.replied:  # no reply at all: none since `start` either
        return stop(ctx)
    saved = ctx._replied
    requester = (ctx.ticket.requester_email or "").casefold()
    ctx._replied = any(
        is_agent_reply(comment, requester) and to_us(comment.created_at) >= start
        for comment in ctx.ticket.comments[1:]
    )
    try:
        return stop(ctx)
    finally:
        ctx._replied = saved


def met_late(stop: Predicate, ctx: Context, start: int, due: int) -> bool:
    """Whether a stopped clock was stopped only by an agent's reply after `due`.

    Such a target was breached all the same (Zendesk keeps it breached). Where the bridge ran
    at the due time it has told of the breach already; where it did not (it was down, the
    ticket came in late) this is the only trace of it. Only replies carry their moment: a
    clock whose stop condition holds without the reply (solved, a tag) counts as met in time.
    """
    if not ctx.replied:
        return False
    # The first reply in the list (comments come oldest first) settles most clocks met in
    # time; only a clock that looks late is measured against every reply.
    if start <= ctx.created_us and ctx.first_reply_us <= due:
        return False
    if _first_reply_since(ctx, start) <= due:
        return False
    saved = ctx._replied
    ctx._replied = False  # as the ticket stood at its due time: no reply yet
    try:
        return not stop(ctx)
    finally:
        ctx._replied = saved


def _first_reply_since(ctx: Context, start: int) -> int:
    """The earliest agent reply at or after `start` (NEVER: none), in whatever order they come."""
    requester = (ctx.ticket.requester_email or "").casefold()
    first = NEVER
    for comment in ctx.ticket.comments[1:]:
        moment = to_us(comment.created_at)
        if start <= moment < first and is_agent_reply(comment, requester):
            first = moment
    return first


def _has_run(calendar: BusinessCalendar, start: int, now: int, amount: int, pauses: Sequence[tuple[int, int]]) -> bool:
    """Whether `amount` of working time (outside the pauses) has passed from `start` to `now`."""
    if now - start < amount:
        return False  # working time never exceeds wall-clock time: young clocks are not measured
    if pauses:
        return calendar.working_paused(start, now, pauses) >= amount
    return start <= calendar.latest_start(now, amount)  # one comparison: kept per `now`


def _warns_at(
    ctx: Context, calendar: BusinessCalendar, start: int, warn_after: int, pauses: Sequence[tuple[int, int]]
) -> None:
    """Tell `ctx` when `warn_after` of working time (outside the pauses) will have passed
    since `start` — unless an earlier change is known already: it can be no sooner than
    `start + warn_after`, and the calendar need not be asked."""
    if start + warn_after < ctx.next_change:
        ctx.changes_at(calendar.add_paused(start, warn_after, pauses) if pauses else calendar.add(start, warn_after))


def worst_state(alerts: Sequence[SlaAlert]) -> str | None:
    """'breach' if any clock is breached, else 'warning' if any warns, else None (a target
    met late is no running breach: it neither routes nor escalates)."""
    levels = {alert.level for alert in alerts}
    return "breach" if "breach" in levels else "warning" if "warning" in levels else None


# -- per-tier response targets (tiers.<n>.response) -------------------------------------


def tier_entered(ctx: Context, default_tier: int, since: tuple[int, int] | None) -> int:
    """When the ticket entered its tier: the recorded moment if the record is of this tier;
    creation for a ticket at the default tier with no record; else its last update (the
    latest moment the tier can have changed: the bridge had not seen it at this tier before)."""
    if since is not None and since[0] == ctx.tier:
        return since[1]
    if since is None and ctx.tier == default_tier:
        return ctx.created_us
    return to_us(ctx.ticket.updated_at)


def tier_response(
    clocks_: TierClocks,
    ctx: Context,
    pauses: Sequence[tuple[int, int]],
    *,
    entered: int,
    restarted: int | None = None,
    alert: bool = True,
) -> tuple[int | None, tuple[SlaAlert, ...]]:
    """The due time of the ticket's tier response target and, with `alert`, its alert as of
    `ctx.now_us` (the caller knows the ticket is open and its clocks are not paused).

    Counts working time outside the recorded pauses from `entered` (or from a later reopen);
    stopped by the response stop condition met since then.
    """
    clock = clocks_.by_tier.get(ctx.tier)
    if clock is None:
        return None, ()
    start = _tier_start(clocks_, ctx, entered, restarted)
    calendar = clock.calendar
    due = calendar.add_paused(start, clock.amount, pauses) if pauses else calendar.add(start, clock.amount)
    if not alert:
        return due, ()
    now = ctx.now_us
    if now >= due:
        level = "breach"
    else:
        ctx.changes_at(due)
        if not _has_run(calendar, start, now, clock.warn_after, pauses):
            _warns_at(ctx, calendar, start, clock.warn_after, pauses)
            return due, ()
        level = "warning"
    if stopped_since(clocks_.stop, ctx, start):
        if level == "breach" and clocks_.reply_stops and met_late(clocks_.stop, ctx, start, due):
            return due, (ctx.engine.new_alert(clock.target, "late", due),)
        return due, ()
    return due, (ctx.engine.new_alert(clock.target, level, due),)


def _tier_start(clocks_: TierClocks, ctx: Context, entered: int, restarted: int | None) -> int:
    start = entered if entered > ctx.created_us else ctx.created_us
    return restarted if restarted is not None and clocks_.restarts and restarted > start else start


def _tier_late(clocks_: TierClocks, ctx: Context, pauses: Sequence[tuple[int, int]], start: int) -> tuple[SlaAlert, ...]:
    """While paused nothing runs: only a tier response a reply met after its due time tells."""
    if not (clocks_.reply_stops and stopped_since(clocks_.stop, ctx, start)):
        return ()  # (settled without the calendar)
    clock = clocks_.by_tier[ctx.tier]
    calendar = clock.calendar
    due = calendar.add_paused(start, clock.amount, pauses) if pauses else calendar.add(start, clock.amount)
    if ctx.now_us >= due and met_late(clocks_.stop, ctx, start, due):
        return (ctx.engine.new_alert(clock.target, "late", due),)
    return ()


def tier_alerts(
    ctx: Context,
    pauses: Sequence[tuple[int, int]],
    *,
    paused: bool | None,
    tier_since: tuple[int, datetime] | None,
    restarted: int | None,
) -> tuple[SlaAlert, ...]:
    """The alert of the tier response target of the ticket's (final) tier, if any.

    `paused`: whether the ticket's SLA policy has its clocks paused now — the same pause
    the recorded intervals come from; None where no policy applies (then `sla.pause_when`).
    """
    compiled = ctx.engine.tier_clocks
    if compiled is None or ctx.tier not in compiled.by_tier or ctx.status in CLOSED_STATUSES:
        return ()
    paused_now = paused or (paused is None and compiled.pause(ctx))
    if paused_now and not ctx.replied:
        return ()
    since = None if tier_since is None else (tier_since[0], to_us(tier_since[1]))
    entered = tier_entered(ctx, ctx.engine.default_tier, since)
    if paused_now:
        return _tier_late(compiled, ctx, pauses, _tier_start(compiled, ctx, entered, restarted))
    return tier_response(compiled, ctx, pauses, entered=entered, restarted=restarted)[1]


def tier_response_due(
    rules: Rules,
    ticket: Ticket,
    *,
    tier: int,
    now: datetime,
    paused: Sequence[tuple[datetime, datetime | None]] = (),
    restarted: datetime | None = None,
    tier_since: tuple[int, datetime] | None = None,
) -> datetime | None:
    """When the response target of `tier` falls due for `ticket` (None: the tier has none);
    the figure `evaluate` alerts on, for `bridge rules explain`."""
    engine = engine_of(rules)
    compiled = engine.tier_clocks
    if compiled is None or tier not in compiled.by_tier:
        return None
    now_us = to_us(now)
    pauses = merge_pauses(paused, now_us=now_us) if paused else []
    ctx = Context(ticket, now_us, None, engine, pauses)
    ctx.tier = tier
    since = None if tier_since is None else (tier_since[0], to_us(tier_since[1]))
    restart = None if restarted is None else to_us(restarted)
    entered = tier_entered(ctx, engine.default_tier, since)
    due = tier_response(compiled, ctx, pauses, entered=entered, restarted=restart, alert=False)[0]
    return None if due is None else from_us(due)
