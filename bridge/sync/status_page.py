"""The status page's incident for a possible system-wide issue. Pure: no I/O.

When as many tickets as `status_page.open_at` are linked to one Jira issue, the bridge opens a
public incident (what it says comes from rules.yaml: the Jira summary is internal and never
published); each later step of the issue moves the incident along (to do: investigating, in
progress: identified, done: resolved, or as `status_page.jira_statuses` names it).

The incident is the issue's, but an issue's key changes when it moves to another project, so
its tickets remember it (`INCIDENT_MARK`: the opening action's key and the step last planned),
which such a move does not change. A ticket joining later learns it from the others; one the
agents move to another issue by its tag forgets it (the executor), while the tickets of an
issue closed as a duplicate take it to the original. A view of the issue older than one its
tickets have seen plans nothing: it would open an incident for an issue done since, or move
one back.
"""

from __future__ import annotations

from collections import Counter
from typing import get_args

from bridge.model import Action, ActionKind, Issue, Link, TicketState
from bridge.rules import Rules
from bridge.rules.schema import IncidentStatus

INCIDENT_MARK = "status_page_incident"  # "<key of the opening action> <step last planned>"
STEPS: tuple[str, ...] = get_args(IncidentStatus)  # an incident's steps, in order


def incident_of(linked: list[tuple[Link, TicketState]]) -> tuple[str, str] | None:
    """(opening action's key, step last planned) of the issue's incident, as most of its
    tickets remember it (tickets that followed an issue closed as a duplicate may bring another)."""
    known = Counter(state.marks[INCIDENT_MARK] for _, state in linked if state.marks.get(INCIDENT_MARK))
    if not known:
        return None
    value = min(known, key=lambda v: (-known[v], v))
    key, _, step = value.partition(" ")
    return key, step


def _others(linked: list[tuple[Link, TicketState]], key: str) -> set[str]:
    """The other incidents the tickets remember, not resolved yet."""
    return {
        other for other, _, step in (state.marks.get(INCIDENT_MARK, "").partition(" ") for _, state in linked)
        if other and other != key and step != "resolved"
    }


def status_page_actions(
    issue: Issue, linked: list[tuple[Link, TicketState]], *, stale: bool, seen: str, rules: Rules,
) -> tuple[list[Action], dict[tuple[int, str], str]]:
    """The incident to open for `issue`, or its update when the issue is at another step than
    the one last planned; and the marks that tell the issue's tickets which incident is theirs.
    `stale`: this view is older than one the tickets have seen; `seen`: when this view was."""
    if stale:
        return [], {}
    page = rules.status_page
    step = page.incident_status(issue.status, issue.status_category)
    params = {
        "status": step,
        "body": getattr(page.messages, step),
        "components": {c: "operational" if step == "resolved" else page.impact for c in page.components},
        "notify": page.notify_subscribers,
    }
    known = incident_of(linked)
    actions: list[Action] = []
    if known is None:
        threshold = page.open_at or rules.notifications.system_wide_threshold
        if len(linked) < threshold or step == "resolved":
            return [], {}  # (an issue done before it was widespread is no incident)
        key = f"status_page:open:{issue.key}"
        actions.append(Action(ActionKind.STATUS_PAGE, key, issue_key=issue.key, params={"name": page.name, **params}))
    else:
        key, last = known
        if step != last:
            actions.append(Action(
                ActionKind.STATUS_PAGE, f"status_page:{issue.key}:{step}:{seen}", issue_key=issue.key, params=params,
                after=key,
            ))
        if step == "resolved":  # and any other incident tickets brought here (a duplicate's) ends with it
            for other in sorted(_others(linked, key)):
                actions.append(Action(
                    ActionKind.STATUS_PAGE, f"status_page:{issue.key}:resolved:{seen}:{other}", issue_key=issue.key,
                    params=params, after=other,
                ))
    marks = {}
    for link, state in linked:
        remembered = state.marks.get(INCIDENT_MARK, "")
        theirs = remembered.partition(" ")[0] or key  # (a ticket keeps the incident it knows: never two on one)
        value = f"{theirs} {step}" if theirs == key or step == "resolved" else remembered
        if value != remembered:
            marks[(link.ticket_id, INCIDENT_MARK)] = value
    return actions, marks
