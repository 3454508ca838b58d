"""SLA clocks of one ticket under one policy: due times and warning/breach alerts."""

from __future__ import annotations

from collections.abc import Sequence

from bridge.rules.calendar import BusinessCalendar, from_us
from bridge.rules.conditions import Context
from bridge.rules.engine import CompiledPolicy, Engine
from bridge.rules.result import DueTimes, SlaAlert


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


def clocks(
    policy: CompiledPolicy,
    ctx: Context,
    pauses: Sequence[tuple[int, int]],
) -> tuple[DueTimes, tuple[SlaAlert, ...], bool]:
    """Due times per target, alerts as of `ctx.now_us`, and whether the clocks are paused now.

    Every clock starts when the ticket was created and counts only working time outside
    the pauses. A clock whose stop condition holds (replied, solved) raises no alert; it
    runs again if the condition stops holding (reopened). While paused nothing alerts,
    and the due times are those that hold if the clock resumes now. The next warning or
    breach of a running clock is told to `ctx.changes_at`.
    """
    calendar = policy.calendar
    start = ctx.created_us
    amounts = policy.amounts
    if pauses:
        moments = calendar.add_each_paused(start, amounts, pauses)
    else:
        moments = calendar.add_each(start, amounts)
    due = DueTimes(moments)
    if policy.pause(ctx):
        return due, (), True
    return due, _alerts(policy, ctx, pauses, moments), False


def _alerts(
    policy: CompiledPolicy, ctx: Context, pauses: Sequence[tuple[int, int]], moments: list[int | None]
) -> tuple[SlaAlert, ...]:
    calendar = policy.calendar
    start, now = ctx.created_us, ctx.now_us
    alerts: list[SlaAlert] = []
    elapsed = -1  # working time so far: measured once, only if some clock may warn
    for index, moment in enumerate(moments):
        if moment is None:
            continue
        if now >= moment:
            level = "breach"
        else:
            ctx.changes_at(moment)  # the breach
            warn_after = policy.warn_amounts[index]
            # Working time never exceeds wall-clock time: young tickets are not measured.
            if elapsed < 0 and now - start >= warn_after:
                elapsed = calendar.working_paused(start, now, pauses) if pauses else calendar.working_between(start, now)
            if elapsed < warn_after:
                ctx.changes_at(_warning_moment(calendar, start, warn_after, pauses))
                continue
            level = "warning"
        if not policy.stops[index](ctx):  # a met (stopped) clock never alerts
            alerts.append(ctx.engine.new_alert(policy.names[index], level, from_us(moment)))
    return tuple(alerts)


def _warning_moment(calendar: BusinessCalendar, start: int, warn_after: int, pauses: Sequence[tuple[int, int]]) -> int:
    """When `warn_after` of working time (outside the pauses) has passed since `start`."""
    return calendar.add_paused(start, warn_after, pauses) if pauses else calendar.add(start, warn_after)


def worst_state(alerts: Sequence[SlaAlert]) -> str | None:
    """'breach' if any clock is breached, else 'warning' if any warns, else None."""
    levels = {alert.level for alert in alerts}
    return "breach" if "breach" in levels else "warning" if levels else None
