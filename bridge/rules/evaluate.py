"""`evaluate`: the pure decision of tier, priority, type, SLA and escalation for one ticket.

No I/O and no clock reads: everything comes in as arguments, so the sync core and the
tests call it with plain data. Runs on the compiled engine, not on the pydantic models.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from types import MappingProxyType

from bridge.model import Ticket
from bridge.rules.calendar import merge_pauses, to_us
from bridge.rules.conditions import Context
from bridge.rules.engine import CompiledPolicy, Engine, engine_of
from bridge.rules.result import Escalation, Evaluation, SlaAlert
from bridge.rules.schema import Rules
from bridge.rules.sla import clocks, worst_state

_MISSING = object()
_NO_DUE = MappingProxyType({"response": None, "review": None, "resolution": None})


def evaluate(
    ticket: Ticket,
    rules: Rules,
    *,
    now: datetime,
    linked_issue_status: str | None = None,
    paused: Sequence[tuple[datetime, datetime | None]] = (),
) -> Evaluation:
    """Classify and route `ticket` as of `now`; `paused` are the recorded SLA pause intervals."""
    engine = engine_of(rules)
    ctx = Context(ticket, now_us=to_us(now), linked_issue_status=linked_issue_status)
    reasons: list[str] = []
    _classify(engine, ctx, reasons)
    # The tier the ticket's group stands for: moving up from it moves the ticket to that tier's group.
    group_tier = engine.tier_by_group.get((ticket.group or "").casefold(), engine.default_tier)
    pauses = ctx.pauses = merge_pauses(paused, now=now) if paused else []
    ctx.engine = engine
    ctx.sla_probe = _sla_state

    matched: list[str] = []
    added: list[str] = []
    notify: list[str] = []
    group: str | None = None
    rule_escalates: str | None = None
    for rule in engine.rules:
        if not rule.match(ctx):
            continue
        matched.append(rule.name)
        reasons.append(rule.reason or f"Routing rule {rule.name!r} matched.")
        if rule.tier is not None:
            ctx.tier = rule.tier
        if rule.priority is not None:
            ctx.priority = rule.priority
        if rule.type is not None:
            ctx.type = rule.type
        if rule.group is not None:
            group = ctx.group = rule.group
        if rule.add_tags:
            new = [tag for tag in rule.add_tags if tag not in ctx.tags and tag not in added]
            added.extend(new)
            ctx.tags = ctx.tags | set(new)
        notify.extend(rule.notify)
        if rule.escalate and rule_escalates is None:
            rule_escalates = f"routing rule {rule.name!r} asks to escalate"
        if not rule.go_on:
            break

    policy = _policy(engine, ctx)
    if policy is None:
        due, alerts, is_paused = _NO_DUE, (), False
        reasons.append("No SLA policy applies.")
    else:
        due, alerts, is_paused = clocks(policy, ctx, pauses)
        reasons.append(f"SLA policy {policy.name!r} on calendar {policy.calendar.name!r}.")
        if is_paused:
            reasons.append("SLA clocks are paused now.")

    why = rule_escalates or _escalation_reason(engine, ctx, alerts)
    escalate = None
    if why is not None:
        ctx.tier = max(ctx.tier, engine.escalate_tier or engine.top_tier)
        escalate = _escalation(rules, ctx, why)
        reasons.append(f"Escalate to Jira: {why}.")
        notify.insert(0, "escalation")
    if group is None and ctx.tier > group_tier:
        group = rules.tiers[ctx.tier].group
    return Evaluation(
        tier=ctx.tier,
        priority=ctx.priority,
        type=ctx.type,
        sla_policy=policy.name if policy else None,
        due=due,  # type: ignore[arg-type]
        escalate=escalate,
        rules=tuple(matched),
        reasons=tuple(reasons),
        add_tags=tuple(added),
        set_group=group if group != ticket.group else None,
        notify=tuple(dict.fromkeys(kind for kind in notify if rules.notifications.enabled(kind))),
        sla_alerts=alerts,
        paused=is_paused,
    )


def _classify(engine: Engine, ctx: Context, reasons: list[str]) -> None:
    """Type, priority and tier from the ticket itself, before any routing rule."""
    ticket = ctx.ticket
    fields = ticket.custom_fields
    ztype = (ticket.type or "").casefold()
    name = None
    if engine.type_field is not None and fields.get(engine.type_field) is not None:
        name = engine.type_by_name.get(str(fields[engine.type_field]).casefold())
        how = f"field {engine.type_field}"
    if name is None:
        for tag in ticket.tags:
            name = engine.type_by_tag.get(tag)
            if name is not None:
                how = f"tag {tag!r}"
                break
    if name is None and ztype in engine.type_by_zendesk:
        name, how = engine.type_by_zendesk[ztype], f"Zendesk type {ticket.type!r}"
    if name is None:
        name, how = engine.default_type, "the default"
    ctx.type = name
    reasons.append(f"Type {name}: {how}.")

    prio, how = _priority(engine, ctx)
    ctx.priority = prio
    reasons.append(f"Priority {prio}: {how}.")

    tier, how = engine.default_tier, "the default"
    for number, tags in engine.tier_by_tag:
        if not tags.isdisjoint(ticket.tags):
            tier, how = number, f"tagged {sorted(tags & ticket.tags)[0]!r}"
            break
    else:
        by_group = engine.tier_by_group.get((ticket.group or "").casefold())
        if by_group is not None:
            tier, how = by_group, f"group {ticket.group!r}"
    ctx.tier = tier
    reasons.append(f"Tier {tier}: {how}.")


def _priority(engine: Engine, ctx: Context) -> tuple[str, str]:
    ticket = ctx.ticket
    field = engine.priority_field
    if field is not None and ticket.custom_fields.get(field) is not None:
        value = str(ticket.custom_fields[field])
        found = engine.priority_by_word.get(value.casefold())
        if found is not None:
            return found, f"field {field} says {value!r}"
    best: str | None = None
    best_tag = ""
    words = engine.priority_by_word
    for tag in ticket.tags:
        found = words.get(tag)
        if found is not None and (best is None or engine.priority_rank[found] < engine.priority_rank[best]):
            best, best_tag = found, tag
    if best is not None:
        return best, f"tagged {best_tag!r}"
    zprio = (ticket.priority or "").casefold()
    if zprio in engine.priority_by_zendesk:
        return engine.priority_by_zendesk[zprio], f"Zendesk priority {ticket.priority!r}"
    return engine.default_priority, "the default"


def _policy(engine: Engine, ctx: Context) -> CompiledPolicy | None:
    index = engine.policy_index
    if index is not None:
        found = index.get((ctx.type, ctx.priority, ctx.tier), _MISSING)
        if found is not _MISSING:
            return found  # type: ignore[return-value]
    for policy in engine.policies:
        if policy.match(ctx):
            return policy
    return None


def _sla_state(ctx: Context) -> str | None:
    """For routing conditions on `sla:`: the SLA state under the classification so far."""
    policy = _policy(ctx.engine, ctx)
    return None if policy is None else worst_state(clocks(policy, ctx, ctx.pauses)[1])


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


def _escalation(rules: Rules, ctx: Context, why: str) -> Escalation:
    policy = rules.escalation
    tier = rules.tiers.get(ctx.tier)
    return Escalation(
        to=policy.to,
        reason=why[0].upper() + why[1:],
        project=tier.jira_project if tier is not None else None,
        issue_type=policy.issue_types.get(ctx.type, policy.issue_type),
        jira_priority=rules.priorities[ctx.priority].jira,
        labels=policy.labels,
        zendesk_status_after=policy.zendesk_status_after,
        stage_after=policy.stage_after,
        fields=MappingProxyType(dict(policy.fields)),
    )
