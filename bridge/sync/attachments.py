"""Files copied between a ticket and its Jira issue. Pure: the actions; the executor copies.

Zendesk -> Jira: the issue's text lists every file with its Zendesk link; developers who
cannot sign in to Zendesk need the files themselves. An escalation copies the files of
every comment it carries (internal notes too); a public reply mirrored later brings its
own. Each file is one action, keyed by its URL: copied once, whichever decision plans it.

Jira -> Zendesk: a file a developer attaches to the issue (a log excerpt, a screenshot of
the fix) reaches every linked ticket in an internal note, as developers' comments do.
Files the bridge's own Jira account added are the ones it copied from tickets: they never
go back, nor to the issue's other tickets (another customer's files). Each file is one
action per ticket, keyed by Jira's attachment id.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from hashlib import sha1

from bridge.model import Action, ActionKind, Comment, Issue, Link


def copy_files(ticket_id: int, comments: Iterable[Comment], *, after: str, issue_key: str | None = None) -> list[Action]:
    """A copy of each file of `comments`, once the action `after` is done (the issue exists, or
    the reply that brings it is on the issue)."""
    actions, seen = [], set()
    for comment in comments:
        for name, url in comment.attachments:
            if url and url not in seen and not comment.by_bridge:
                seen.add(url)
                actions.append(Action(
                    ActionKind.COPY_FILE, f"copy_file:{ticket_id}:{sha1(url.encode()).hexdigest()[:16]}",
                    ticket_id=ticket_id, issue_key=issue_key, params={"name": name, "url": url}, after=after,
                ))
    return actions


FILE_COPIED_MARK = "jira_file:"  # + Jira's attachment id: a file the bridge added to the issue for the ticket


def copied_files(marks: Iterable[str]) -> set[str]:
    """The attachment ids of the files the bridge added to an issue, from its tickets' mark names."""
    return {name.removeprefix(FILE_COPIED_MARK) for name in marks if name.startswith(FILE_COPIED_MARK)}


def files_to_ticket(
    issue: Issue, link: Link, *, bridge_account: str | None, ours: Collection[str] = ()
) -> list[Action]:
    """A note with each file developers attached to `issue` since the ticket was linked; none
    where the bridge's own account (`bridge_account`) is not known: its files must not echo.
    `ours`: the ids of files the bridge added (`copied_files`), which stay in Jira whoever Jira
    says added them (the bridge's account may have been replaced by another since)."""
    if not bridge_account:
        return []
    return [
        Action(
            ActionKind.FILE_TO_TICKET, f"file_to_ticket:{link.ticket_id}:{file.id}", ticket_id=link.ticket_id,
            issue_key=issue.key,
            params={"file_id": file.id, "name": file.name, "size": file.size,
                    "note": f"{file.author or 'A developer'} attached {file.name} to {issue.key}."},
        )
        for file in issue.files
        # (a file whose author Jira does not name may be the bridge's: it stays)
        if file.author_id and file.author_id != bridge_account and file.id not in ours and file.created_at > link.created_at
    ]
