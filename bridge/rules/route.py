"""Routing: the ordered rules, first match wins unless a rule says `continue: true`."""

from __future__ import annotations

from bridge.rules.conditions import Context
from bridge.rules.engine import Engine


def route(engine: Engine, ctx: Context, reasons: list[str]) -> tuple[list[str], list[str], list[str], str | None, str | None]:
    """Apply the routing rules to `ctx` (tier, priority, type, group, tags change in place).

    Returns the names of the rules that matched, the tags they added, the notice kinds
    they asked for, the group they set, and why a rule asked to escalate (or None).
    Later rules see what earlier `continue` rules changed.
    """
    matched: list[str] = []
    added: list[str] = []
    notify: list[str] = []
    group: str | None = None
    escalate: str | None = None
    for rule in engine.rules:
        if not rule.match(ctx):
            continue
        matched.append(rule.name)
        reasons.append(rule.reason)
        if rule.tier is not None:
            ctx.tier = rule.tier
            if rule.group is None:  # moving up a tier moves it to that tier's group: later rules see it there
                ctx.group = engine.group_after_move(ctx.group, rule.tier) or ctx.group
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
        if rule.escalate and escalate is None:
            escalate = f"routing rule {rule.name!r} asks to escalate"
        if not rule.go_on:
            break
    return matched, added, notify, group, escalate
