"""The escalation bridge: Zendesk and Jira kept in step, with tier routing, SLAs and Slack notices."""

from bridge.compiled import prefer_compiled

prefer_compiled(__path__, __name__)  # bridge.timetext; the subpackages of the core do the same
