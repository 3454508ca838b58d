"""The routing rules' outcomes carried to the Zendesk ticket: the group, priority and tags they gave it. Pure."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from bridge.connectors.marker import digest
from bridge.model import Action, ActionKind, Ticket, TicketState
from bridge.rules import Evaluation, Rules
from bridge.rules.engine import Engine
from bridge.sync.escalate import escalation_note_key
from bridge.sync.notify import new_action


# What routing last wrote (or planned to write) to the ticket, per field: a value once
# planned is not planned again, so an agent who then changes it is not overruled.
GROUP_MARK, PRIORITY_MARK, TAGS_MARK = "routed_group", "routed_priority", "routed_tags"
# How many updates routing has planned for the ticket: the next one's key. Two workers judging
# two versions of the ticket at once read the same count, so they plan the same update once.
ROUTED_COUNT_MARK = "routed_count"
_NOTE = ActionKind.NOTE_TICKET


def with_routing(
    planned: list[Action], marks: dict[tuple[int, str], str], ticket: Ticket, state: TicketState,
    evaluation: Evaluation, rules: Rules, engine: Engine,
) -> list[Action]:
    """`planned`, and the update of the ticket with what the rules changed that Zendesk shows
    (group, priority, tags): in the escalation's own update of the ticket when it escalates now
    (one write, not two), else an update of its own. Each value is written once: an agent who
    then moves the ticket elsewhere is not overruled at every update; a new answer of the
    rules (another tier, another tag) is written."""
    priority = _new_priority(ticket, evaluation, rules, engine)
    group, add_tags = evaluation.set_group, evaluation.add_tags
    if group is None and not add_tags and priority is None:
        return planned  # most tickets: nothing to write
    done = state.marks
    change: dict[str, Any] = {}
    if group is not None and done.get(GROUP_MARK) != group:
        change["group"] = marks[(ticket.id, GROUP_MARK)] = group
    if priority is not None and done.get(PRIORITY_MARK) != priority:
        change["priority"] = marks[(ticket.id, PRIORITY_MARK)] = priority
    if add_tags:
        tagged = set(done.get(TAGS_MARK, "").split())
        if tags := sorted(set(add_tags) - tagged):
            change["add_tags"] = tags
            marks[(ticket.id, TAGS_MARK)] = " ".join(sorted(tagged.union(tags)))
    if not change:
        return planned
    note_key = escalation_note_key(ticket.id)
    for index, action in enumerate(planned):
        if action.key == note_key:
            tags = [*action.params.get("add_tags", ()), *change.get("add_tags", ())]
            return [*planned[:index], replace(action, params={**action.params, **change, "add_tags": tags}), *planned[index + 1:]]
    # Keyed by the count, not the ticket's version: the rules may come back to a value they
    # left (A, B, A), and two versions judged at once must not both write the same move.
    count = int(done.get(ROUTED_COUNT_MARK, "0"))
    marks[(ticket.id, ROUTED_COUNT_MARK)] = str(count + 1)
    what = digest(f"{change.get('group')} {change.get('priority')} {change.get('add_tags')}")
    return [*planned, new_action(_NOTE, f"route:{ticket.id}:{count}:{what}", ticket.id, None, change, None, None)]


def _new_priority(ticket: Ticket, evaluation: Evaluation, rules: Rules, engine: Engine) -> str | None:
    """The Zendesk priority of the ticket's priority, when something else than Zendesk's own
    field gave it (a rule, a severity tag, a custom field); None when they agree, or when the
    field is empty and the priority is only the default."""
    found = engine.priority_by_zendesk.get((ticket.priority or "").casefold())
    if found is not None and found[0] == evaluation.priority:
        return None
    if ticket.priority is None and evaluation.priority == engine.default_priority:
        return None
    return rules.priorities[evaluation.priority].zendesk
