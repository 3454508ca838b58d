"""The status page's incident for a possible system-wide issue. Pure: no I/O.

When as many tickets as `status_page.open_at` are linked to one Jira issue, the bridge opens a
public incident (what it says comes from rules.yaml: the Jira summary is internal and never
published); each later move of the issue moves the incident along (to do: investigating, in
progress: identified, done: resolved, or as `status_page.jira_statuses` names it). One incident
per issue: its tickets remember which, and its updates wait for it to be open.
"""

from __future__ import annotations

from collections.abc import Iterable

from bridge.model import Action, ActionKind, Issue, Link, TicketState
from bridge.rules import Rules


# On every ticket of the issue: the key of the action that opened its incident. Kept with the
# tickets, which a move of the issue to another project (a new key) does not change.
INCIDENT_MARK = "status_page_incident"


def incident_of(states: Iterable[TicketState]) -> str | None:
    """The open action of the issue's incident, as its tickets remember it."""
    return next((state.marks[INCIDENT_MARK] for state in states if state.marks.get(INCIDENT_MARK)), None)


def status_page_actions(
    issue: Issue, linked: list[tuple[Link, TicketState]], *, moved: bool, seen: str, rules: Rules,
) -> tuple[list[Action], dict[tuple[int, str], str]]:
    """The incident to open for `issue`, or, once it is open, its update when the issue `moved`
    to another status in this view of it (`seen`: when that view was); and the marks that tell
    the issue's tickets which incident is theirs."""
    page = rules.status_page
    status = page.incident_status(issue.status, issue.status_category)
    params = {
        "status": status,
        "body": getattr(page.messages, status),
        "components": {c: "operational" if status == "resolved" else page.impact for c in page.components},
        "notify": page.notify_subscribers,
    }
    incident = incident_of(state for _, state in linked)
    actions: list[Action] = []
    if incident is None:
        threshold = page.open_at or rules.notifications.system_wide_threshold
        if len(linked) < threshold or status == "resolved":
            return [], {}  # (an issue done before it was widespread is no incident)
        incident = f"status_page:open:{issue.key}"
        actions.append(Action(ActionKind.STATUS_PAGE, incident, issue_key=issue.key, params={"name": page.name, **params}))
    elif moved:
        actions.append(Action(
            ActionKind.STATUS_PAGE, f"status_page:{issue.key}:{issue.status}:{seen}", issue_key=issue.key,
            params=params, after=incident,
        ))
    marks = {(link.ticket_id, INCIDENT_MARK): incident for link, state in linked if state.marks.get(INCIDENT_MARK) != incident}
    return actions, marks
