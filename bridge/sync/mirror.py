"""Comment mirroring between a ticket and its issue. Pure; echo-free by construction.

A comment the bridge wrote carries its marker (`Comment.by_bridge`) and is never mirrored;
only comments made after the link exists travel, so attaching a ticket to an older issue
does not replay its history.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import timezone
from types import MappingProxyType

from bridge.model import Action, ActionKind, Comment, Issue, Link, Ticket
from bridge.sync.attachments import copy_files


def _quote(comment: Comment, where: str) -> str:
    text = f"{where} by {comment.author or 'someone'}:\n\n{comment.body.strip()}"
    if comment.attachments:  # a screenshot-only reply would otherwise arrive as an empty quote
        text += "\n\nAttachments (in Zendesk):\n" + "\n".join(f"{name}: {url}" for name, url in comment.attachments)
    return text


SEEN_MARK = "zendesk_comments_seen"
ISSUE_DELETED_MARK = "jira_issue_deleted"  # the linked issue's key, once Jira deleted it: replies go nowhere


def last_comment_id(ticket: Ticket) -> str:
    """The newest comment id at escalation: later ones are what the issue has not seen.

    Ids, not times: Zendesk stamps comments to the second, too coarse to order them
    against the moment of linking.
    """
    return str(max((int(c.id) for c in ticket.comments if c.id.isdigit()), default=0))


def _after_link(comment: Comment, link: Link, seen: str | None) -> bool:
    if seen is not None and comment.id.isdigit():
        return int(comment.id) > int(seen)
    return comment.created_at > link.created_at


def comments_to_jira(
    ticket: Ticket, link: Link, *, seen: str | None = None, planned: Collection[str] = frozenset()
) -> list[Action]:
    """Public replies on the ticket (agents' and the requester's) made after the link become issue
    comments; the files of a reply not `planned` before are copied to the issue after it (so
    replies mirrored before files were copied bring none, and a decision pays for new ones only)."""
    actions = []
    for comment in ticket.comments:
        if comment.public and not comment.by_bridge and _after_link(comment, link, seen):
            key = f"comment_to_jira:{ticket.id}:{comment.id}"
            actions.append(Action(
                ActionKind.COMMENT_ISSUE, key, ticket_id=ticket.id, issue_key=link.issue_key,
                params={"body": _quote(comment, f"Public reply on Zendesk #{ticket.id}")},
            ))
            if comment.attachments and key not in planned:
                actions += copy_files(ticket.id, [comment], after=key, issue_key=link.issue_key)
    return actions


COPIED_MARK = "jira_comment:"  # + comment id: how a developer's comment was copied ("public|internal <version>")


@dataclass(frozen=True)
class Mirrored:
    """What the ticket needs for an issue's comments: actions, and marks of what was copied."""

    actions: list[Action]
    marks: dict[str, str]


def comments_to_zendesk(
    issue: Issue,
    link: Link,
    *,
    public_prefix: str | None,
    planned: Collection[str] = (),
    marks: Mapping[str, str] = MappingProxyType({}),
    deleted: str | None = None,
) -> Mirrored:
    """Developers' comments become internal notes; one starting with `public_prefix` goes to the
    requester (None: none does). A comment Jira restricts (to a role or group, or internal in
    Service Management) stays in Jira: whoever restricted it did not mean it for Zendesk.

    A copied comment its author edits, or deletes (`deleted`: its id), is told to the agents in
    a note: a reply Zendesk has shown cannot be changed, and the customer may have read it.

    `planned`, `marks`: the ticket's planned action keys and marks. A comment copied under the
    issue's earlier key (before a move to another project) is not copied again: Jira keeps
    comment ids."""
    prefix = f"comment_to_zendesk:{link.ticket_id}:"
    copied = {key.rpartition(":")[2] for key in planned if key.startswith(prefix)}
    actions: list[Action] = []
    new_marks: dict[str, str] = {}
    for comment in issue.comments:
        if comment.by_bridge or not comment.public or comment.created_at <= link.created_at:
            continue
        version = (comment.edited_at or comment.created_at).astimezone(timezone.utc).isoformat()
        mark = marks.get(COPIED_MARK + comment.id)
        if comment.id in copied:
            if mark is None:  # copied before copies were marked: this version is the one to compare with
                new_marks[COPIED_MARK + comment.id] = f"internal {version}"
            elif version > mark.partition(" ")[2]:
                actions.append(_edited(issue, link, comment, went_public=mark.startswith("public"), version=version))
                new_marks[COPIED_MARK + comment.id] = f"{mark.partition(' ')[0]} {version}"
            continue
        body = comment.body.strip()
        public = public_prefix is not None and body.startswith(public_prefix)
        if public:
            body = body.removeprefix(public_prefix or "").strip()
            note = body  # the requester reads the developer's words, not our framing
        else:
            note = _quote(Comment(comment.id, body, False, comment.author, comment.created_at), f"Developer comment on {issue.key}")
        actions.append(
            Action(
                ActionKind.NOTE_TICKET,
                f"comment_to_zendesk:{link.ticket_id}:{issue.key}:{comment.id}",
                ticket_id=link.ticket_id,
                issue_key=issue.key,
                params={"note": note, "public": public},
            )
        )
        new_marks[COPIED_MARK + comment.id] = f"{'public' if public else 'internal'} {version}"
    if deleted is not None and (mark := marks.get(COPIED_MARK + deleted)) is not None:
        actions.append(_deleted(issue, link, deleted, went_public=mark.startswith("public")))
    return Mirrored(actions, new_marks)


def _edited(issue: Issue, link: Link, comment: Comment, *, went_public: bool, version: str) -> Action:
    told = (
        " It went to the customer as a reply, which Zendesk cannot change: tell them if it matters."
        if went_public else ""
    )
    return Action(
        ActionKind.NOTE_TICKET,
        f"comment_edited_to_zendesk:{link.ticket_id}:{comment.id}:{version}",
        ticket_id=link.ticket_id,
        issue_key=issue.key,
        params={"note": f"{comment.author or 'A developer'} changed their comment on {issue.key}.{told} It now reads:"
                        f"\n\n{comment.body.strip()}", "public": False},
    )


def _deleted(issue: Issue, link: Link, comment_id: str, *, went_public: bool) -> Action:
    told = " It went to the customer as a reply: tell them if it matters." if went_public else ""
    return Action(
        ActionKind.NOTE_TICKET,
        f"comment_deleted_to_zendesk:{link.ticket_id}:{comment_id}",
        ticket_id=link.ticket_id,
        issue_key=issue.key,
        params={"note": f"A developer deleted a comment on {issue.key} that was copied here.{told}", "public": False},
    )
