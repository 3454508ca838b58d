"""Slack notices to the support manager, as actions. Pure."""

from __future__ import annotations

from bridge.model import Action, ActionKind
from bridge.rules import Rules
from bridge.rules.result import fast_constructor

# Action(kind, key, ticket_id, issue_key, params, after), every field given, without the
# frozen dataclass's object.__setattr__ per field: a fifth of the cost, and `decide`
# builds two or three actions per ticket.
new_action = fast_constructor(Action)


def notice(rules: Rules, *, kind: str, key: str, text: str, ticket_id: int | None, after: str | None = None) -> Action:
    """One notice; it goes to the rules' channel when they name one, else to BRIDGE_SLACK_MANAGER_CHANNEL."""
    channel = rules.notifications.channel
    params = {"kind": kind, "text": text, "channel": channel} if channel else {"kind": kind, "text": text}
    return new_action(ActionKind.NOTIFY, key, ticket_id, None, params, after)
