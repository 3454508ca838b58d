"""Type, priority and tier from the ticket itself, before any routing rule runs.

Hot path: the common reasons are sentences precomputed by the engine.
"""

from __future__ import annotations

from bridge.rules.conditions import Context
from bridge.rules.engine import Engine


def classify(engine: Engine, ctx: Context, reasons: list[str]) -> None:
    """Set ctx.type, ctx.priority and ctx.tier, and say why in `reasons`."""
    ticket = ctx.ticket
    ctx.type = _type(engine, ctx, reasons)
    ctx.priority = _priority(engine, ctx, reasons)
    if not engine.tier_tags.isdisjoint(ticket.tags):  # one test for the many tickets without
        for number, tags in engine.tier_by_tag:
            if not tags.isdisjoint(ticket.tags):
                ctx.tier = number
                reasons.append(f"Tier {number}: tagged {sorted(tags & ticket.tags)[0]!r}.")
                ctx.group = engine.group_after_move(ticket.group, number) or ctx.group  # the rules see it there
                return
    by_group = engine.tier_by_group.get((ticket.group or "").casefold()) if ticket.group else None
    if by_group is not None:
        ctx.tier = by_group
        reasons.append(f"Tier {by_group}: group {ticket.group!r}.")
    else:
        ctx.tier = engine.default_tier
        reasons.append(engine.default_tier_reason)


def _type(engine: Engine, ctx: Context, reasons: list[str]) -> str:
    ticket = ctx.ticket
    field = engine.type_field
    if field is not None and ticket.custom_fields.get(field) is not None:
        name = engine.type_by_name.get(str(ticket.custom_fields[field]).casefold())
        if name is not None:
            reasons.append(f"Type {name}: field {field}.")
            return name
    if not engine.type_tags.isdisjoint(ticket.tags):
        # Tags of two types: the type listed first in rules.yaml, whatever order the set has.
        for name, tags in engine.type_by_tag:
            if not tags.isdisjoint(ticket.tags):
                reasons.append(f"Type {name}: tag {min(tags & ticket.tags)!r}.")
                return name
    found = engine.type_by_zendesk.get(ticket.type or "")
    if found is None and ticket.type:
        found = engine.type_by_zendesk.get(ticket.type.casefold())
    name, reason = found if found is not None else (engine.default_type, engine.default_type_reason)
    reasons.append(reason)
    return name


def _priority(engine: Engine, ctx: Context, reasons: list[str]) -> str:
    ticket = ctx.ticket
    field = engine.priority_field
    if field is not None and ticket.custom_fields.get(field) is not None:
        value = str(ticket.custom_fields[field])
        name = engine.priority_by_word.get(value.casefold())
        if name is not None:
            reasons.append(f"Priority {name}: field {field} says {value!r}.")
            return name
    best: str | None = None
    best_tag = ""
    words, rank = engine.priority_by_word, engine.priority_rank
    for tag in ticket.tags:
        name = words.get(tag)
        if name is not None and (best is None or rank[name] < rank[best] or (name == best and tag < best_tag)):
            best, best_tag = name, tag
    if best is not None:
        reasons.append(f"Priority {best}: tagged {best_tag!r}.")
        return best
    found = engine.priority_by_zendesk.get(ticket.priority or "")
    if found is None and ticket.priority:
        found = engine.priority_by_zendesk.get(ticket.priority.casefold())
    name, reason = found if found is not None else (engine.default_priority, engine.default_priority_reason)
    reasons.append(reason)
    return name
