"""Slack notices to the support manager, as actions. Pure."""

from __future__ import annotations

from bridge.model import Action, ActionKind
from bridge.rules import Rules


def notice(rules: Rules, *, kind: str, key: str, text: str, ticket_id: int | None, after: str | None = None) -> Action:
    """One notice; it goes to the rules' channel when they name one, else to BRIDGE_SLACK_MANAGER_CHANNEL."""
    params = {"kind": kind, "text": text}
    if rules.notifications.channel:
        params["channel"] = rules.notifications.channel
    return Action(ActionKind.NOTIFY, key, ticket_id=ticket_id, params=params, after=after)
