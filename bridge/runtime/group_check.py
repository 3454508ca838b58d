"""Says, when the bridge starts and when rules.yaml changes, which groups the rules move
tickets to that Zendesk does not have: a ticket routed to one keeps its group (its update
says so in the ticket's history), and the admin should hear of it before the first one."""

from __future__ import annotations

import logging

from bridge.connectors.errors import ApiError
from bridge.connectors.zendesk import ZendeskConnector
from bridge.rules import Rules

log = logging.getLogger(__name__)


def missing_groups(rules: Rules, zendesk: ZendeskConnector) -> list[str]:
    """The groups `rules` name that Zendesk has none of (names compared as Zendesk does, in any case)."""
    names = rules.groups_moved_to()
    if not names:
        return []
    known = zendesk.group_names()
    return [name for name in names if name.casefold() not in known]


def check_groups(rules: Rules, zendesk: ZendeskConnector) -> list[str]:
    """`missing_groups`, logged as a warning; Zendesk not answering now is logged, not raised
    (the check is advice: the bridge works on, and the next reload checks again)."""
    try:
        missing = missing_groups(rules, zendesk)
    except ApiError as exc:
        log.info("could not check the groups rules.yaml names: %s", exc)
        return []
    if missing:
        log.warning(
            "rules.yaml moves tickets to Zendesk groups that do not exist: %s. Tickets routed there keep "
            "their group until the group is created in Zendesk (or rules.yaml names another)",
            ", ".join(repr(name) for name in missing),
        )
    return missing
