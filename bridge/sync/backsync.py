"""Jira -> Zendesk: an issue's status and comments, applied to every linked ticket. Pure."""

from __future__ import annotations

from datetime import datetime, timezone
from types import MappingProxyType
from typing import Mapping

from bridge.connectors.slack_text import escaped
from bridge.model import DELETED_STATUS, Action, ActionKind, Decision, Event, EventSource, Issue, Link, TicketState
from bridge.rules import Rules, StatusMapping
from bridge.sync.attachments import copied_files, files_to_ticket
from bridge.sync.escalate import at_stage, issue_tag
from bridge.sync.mirror import ISSUE_DELETED_MARK, comments_to_zendesk
from bridge.sync.notify import notice
from bridge.sync.status_page import status_page_actions

STATUS_MARK = "jira_status"
SET_MARK = "zendesk_status_set"  # the Zendesk status the bridge itself set last
CLOSED = "closed"  # Zendesk's final status: the ticket can no longer be changed (a follow-up can)
CATEGORY_MARK = "jira_category"  # the status category last mirrored: new, indeterminate or done
# The jira_status_map entry an issue reopened after done takes when its status is not named.
REOPENED_ENTRY = "To Do"
UPDATED_MARK = "jira_updated"  # when the issue was last seen: an older view never undoes a newer one
STATUS_SINCE_MARK = "jira_status_since"  # when the issue entered its status: a pause on it begins or ends then


def backsync(
    issue: Issue,
    linked: list[tuple[Link, TicketState]],
    rules: Rules,
    *,
    ticket_statuses: Mapping[int, str] = MappingProxyType({}),
    deleted_comment: str | None = None,
    status_page: bool = False,
    bridge_account: str | None = None,
) -> Decision:
    """What every ticket linked to `issue` needs after a change on the issue (`deleted_comment`:
    the id of a comment whose deletion the change is); with `status_page` (one is configured),
    the incident a possible system-wide issue opens or moves along; with `bridge_account` (the
    bridge's own Jira account), the files developers attached.

    Conflicts: the bridge applies a Jira status to a ticket only when the issue *moves*
    to it (compared with the status last mirrored), so an agent's later change on the
    ticket stands until development moves the issue again. When that move overrides a
    status an agent set since the bridge last set one, the decision says so in a note
    (`ticket_statuses`: the tickets' current Zendesk statuses, as last seen).
    """
    # A ticket deleted in Zendesk can take no note or status, nor count towards a system-wide issue;
    # a closed one counts, but Zendesk refuses any change to it.
    linked = [(link, state) for link, state in linked if ticket_statuses.get(link.ticket_id) != DELETED_STATUS]
    writable = _changeable(linked, ticket_statuses)
    actions: list[Action] = []
    notes: list[tuple[int, str]] = []
    marks: dict[tuple[int, str], str] = {}
    expect: dict[tuple[int, str], str | None] = {}
    named = rules.status_for_jira(issue.status, issue.resolution)
    seen = issue.updated_at.astimezone(timezone.utc).isoformat()  # one format, so strings compare as times
    original = duplicated(issue)
    ours = copied_files(name for _, state in linked for name in state.marks) if issue.files else set()
    for link, state in writable:
        ticket_id = link.ticket_id
        mirrored = comments_to_zendesk(
            issue, link, public_prefix=rules.comments.public_prefix, planned=state.planned, marks=state.marks,
            deleted=deleted_comment,
        )
        actions += mirrored.actions
        actions += files_to_ticket(issue, link, bridge_account=bridge_account, ours=ours)
        marks.update({(ticket_id, name): value for name, value in mirrored.marks.items()})
        mapping = named
        known = state.marks.get(STATUS_MARK)
        previous = known or None  # (emptied: the ticket moved to this issue)
        seen_at = state.marks.get(UPDATED_MARK)
        if seen_at and seen < seen_at:
            continue  # an older view of the issue arriving late
        if original is not None:
            # Done as a duplicate: the ticket follows the original, not this issue's resolution.
            actions += follow_original(issue, original, link, since=seen)
            continue
        if previous == issue.status:
            if seen_at != seen:  # no move, but a newer view: a late one from before it must not undo it
                marks[(ticket_id, UPDATED_MARK)] = seen
                expect[(ticket_id, UPDATED_MARK)] = seen_at
            continue
        marks[(ticket_id, STATUS_MARK)] = issue.status
        marks[(ticket_id, STATUS_SINCE_MARK)] = seen
        marks[(ticket_id, CATEGORY_MARK)] = issue.status_category
        marks[(ticket_id, UPDATED_MARK)] = seen
        expect[(ticket_id, STATUS_MARK)] = known
        expect[(ticket_id, UPDATED_MARK)] = seen_at  # two views judged at once: the older must lose
        if mapping is None and issue.status_category == "new" and state.marks.get(CATEGORY_MARK) == "done":
            mapping = rules.status_for_jira(REOPENED_ENTRY)  # reopened, under whatever name the workflow has
        if mapping is None or previous is None and issue.status_category == "new":
            continue  # an unmapped status, or the issue's first status: nothing for the agents yet
        step = f"{previous or 'new'}->{issue.status}"
        if mapping.zendesk_status:
            marks[(ticket_id, SET_MARK)] = mapping.zendesk_status
            conflict = _conflict(issue, mapping, set_before=state.marks.get(SET_MARK), now=ticket_statuses.get(ticket_id))
            if conflict:
                notes.append((ticket_id, conflict))
        actions += _status_actions(issue, mapping, rules, ticket_id, key_suffix=f"{ticket_id}:{issue.key}:{step}:{seen}")
    incident: list[Action] = []
    if status_page and original is None:
        newest = max((state.marks.get(UPDATED_MARK) or "" for _, state in linked), default="")
        incident, incident_marks = status_page_actions(issue, linked, stale=seen < newest, seen=seen, rules=rules)
        marks.update(incident_marks)
    if len(linked) >= rules.notifications.system_wide_threshold and rules.notifications.should_send(
        "system_wide", now=issue.updated_at
    ):
        opening = any(a.after is None for a in incident)
        actions.append(_system_wide_notice(issue, linked, rules, incident_opening=opening))
    actions += incident
    planned = {key for _, state in linked for key in state.planned}
    return Decision([a for a in actions if a.key not in planned], marks, expect=expect, notes=tuple(notes))


def duplicated(issue: Issue) -> str | None:
    """The issue whose tickets this one's should follow: the one it duplicates, once it is done."""
    if issue.status_category != "done" or not issue.duplicates or issue.duplicates == issue.key:
        return None
    return issue.duplicates


def follow_original(issue: Issue, original: str, link: Link, *, since: str) -> list[Action]:
    """A ticket of an issue closed as a duplicate moves to the original: the original lists it
    (label, link back, a comment), and the ticket's agents are told, its issue tag changed.
    The link moves once Jira has the original (the executor, with `moved_marks`), so the
    comment and the note wait for it; the original's status then reaches the ticket as if newly
    linked. `since`: when the issue was seen done, where a pause on its status ended."""
    ticket_id = link.ticket_id
    move_key = f"follow_original:{ticket_id}:{issue.key}:{original}"
    return [
        Action(
            ActionKind.LINK_TICKET, move_key, ticket_id=ticket_id, issue_key=original,
            params={"moved_from": issue.key, "since": since},
        ),
        Action(
            ActionKind.COMMENT_ISSUE, f"followed_comment:{ticket_id}:{original}", ticket_id=ticket_id,
            issue_key=original,
            params={
                "body": f"Zendesk ticket #{ticket_id} follows this issue now: {issue.key} was closed as its duplicate.",
                "attached": True,
            },
            after=move_key,
        ),
        Action(
            ActionKind.NOTE_TICKET, f"followed_note:{ticket_id}:{original}", ticket_id=ticket_id, issue_key=original,
            params={
                "note": f"{issue.key} was closed in Jira as a duplicate of {original}: this ticket follows {original} now.",
                "add_tags": [issue_tag(original)],
                "remove_tags": [issue_tag(issue.key)],
                "attached": True,
                "moved_from": issue.key,
            },
            after=move_key,
        ),
    ]


def moved_marks(since: str) -> dict[str, str]:
    """A ticket's marks once it follows another issue: what it knew of its old issue's status is
    emptied, so the new one's reaches it as news; a pause on the old status ended `since`."""
    return {STATUS_MARK: "", SET_MARK: "", CATEGORY_MARK: "", UPDATED_MARK: "", STATUS_SINCE_MARK: since}


def original_read_event(original: str, move_key: str, now: datetime) -> Event:
    """An event that reads the original issue once a ticket follows it, so that the ticket takes
    its status (the original may not change again for a long time)."""
    return Event(EventSource.JIRA, "issue_updated", f"followed:{original}:{move_key}", original, now)


def issue_deleted(
    issue_key: str, linked: list[tuple[Link, TicketState]], *, ticket_statuses: Mapping[int, str] = MappingProxyType({})
) -> Decision:
    """The agents of every ticket linked to `issue_key` told that it was deleted in Jira: nothing
    more will come from it, and the ticket (on hold, most likely) waits for them to decide.
    The link stays: removing it would have the rules escalate the ticket again at once."""
    actions = [
        Action(
            ActionKind.NOTE_TICKET,
            f"issue_deleted:{link.ticket_id}:{issue_key}",
            ticket_id=link.ticket_id,
            issue_key=issue_key,
            params={
                "note": (
                    f"{issue_key} was deleted in Jira. Nothing more will come from development on it, and "
                    "later replies here reach no one there: decide what this ticket needs now."
                )
            },
        )
        for link, _ in _changeable(linked, ticket_statuses)
    ]
    planned = {key for _, state in linked for key in state.planned}
    # Later public replies are not sent to an issue that is gone (each would end a dead letter).
    marks = {(link.ticket_id, ISSUE_DELETED_MARK): issue_key for link, _ in linked}
    return Decision([a for a in actions if a.key not in planned], marks)


def issue_moved(
    old_key: str, new_key: str, linked: list[tuple[Link, TicketState]], *,
    ticket_statuses: Mapping[int, str] = MappingProxyType({}),
) -> Decision:
    """The agents of every ticket linked to `old_key` told it is `new_key` now (moved to another
    project), and the ticket's issue tag changed with it."""
    return Decision([
        Action(
            ActionKind.NOTE_TICKET,
            f"issue_moved:{link.ticket_id}:{old_key}:{new_key}",
            ticket_id=link.ticket_id,
            issue_key=new_key,
            params={
                "note": f"{old_key} was moved in Jira and is now {new_key}: its updates keep coming here.",
                "add_tags": [issue_tag(new_key)],
                "remove_tags": [issue_tag(old_key)],
            },
        )
        for link, state in _changeable(linked, ticket_statuses)
        if f"issue_moved:{link.ticket_id}:{old_key}:{new_key}" not in state.planned
    ])


def _changeable(linked: list[tuple[Link, TicketState]], ticket_statuses: Mapping[int, str]) -> list[tuple[Link, TicketState]]:
    """The linked tickets Zendesk lets the bridge change: not deleted, not closed."""
    return [(link, state) for link, state in linked if ticket_statuses.get(link.ticket_id) not in (DELETED_STATUS, CLOSED)]


def _conflict(issue: Issue, mapping: StatusMapping, *, set_before: str | None, now: str | None) -> str | None:
    """A note when the move overrides a status an agent set since the bridge last set one."""
    if set_before and now and now != set_before and now != mapping.zendesk_status:
        return (
            f"conflict: an agent set the ticket to '{now}' after the bridge set '{set_before}'; "
            f"{issue.key} moved to {issue.status}, so the ticket goes to '{mapping.zendesk_status}' "
            "(a Jira transition wins over an earlier change on the ticket)"
        )
    return None


def _status_actions(
    issue: Issue, mapping: StatusMapping, rules: Rules, ticket_id: int, *, key_suffix: str
) -> list[Action]:
    """The ticket told of the move (stage, status, tag), and the requester too where the rules say."""
    actions = [
        Action(
            ActionKind.NOTE_TICKET,
            f"status:{key_suffix}",
            ticket_id=ticket_id,
            issue_key=issue.key,
            params={
                "note": f"{issue.key} moved to {issue.status}{f' ({issue.resolution})' if issue.resolution else ''}: "
                f"the ticket is now at “{mapping.stage}”.",
                "status": mapping.zendesk_status,
                **at_stage([], rules, mapping.stage),
            },
        )
    ]
    if mapping.public_reply:
        actions.append(
            Action(
                ActionKind.NOTE_TICKET,
                f"status_reply:{key_suffix}",
                ticket_id=ticket_id,
                issue_key=issue.key,
                params={"note": mapping.public_reply, "public": True},
            )
        )
    return actions


def _system_wide_notice(
    issue: Issue, linked: list[tuple[Link, TicketState]], rules: Rules, *, incident_opening: bool
) -> Action:
    # Planned again on every later change of the issue; its key makes it a no-op then.
    text = (
        f":warning: Possible system-wide issue: {len(linked)} tickets are linked to {issue.key} "
        f"({escaped(issue.summary)}). Tickets: " + ", ".join(f"#{link.ticket_id}" for link, _ in linked)
    )
    if incident_opening:
        text += f"\nA public incident is being opened on the status page: \u201c{escaped(rules.status_page.name)}\u201d."
    return notice(rules, kind="system_wide", key=f"notify:system_wide:{issue.key}", ticket_id=None, text=text)
