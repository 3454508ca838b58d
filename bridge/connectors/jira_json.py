"""Jira JSON -> the bridge's model. Pure: REST v2 issue objects and webhook bodies.

Shapes follow shared/reference/jira (sentry/get_issue_response.json, jira-to-matrix
webhooks, zulip/comment_created.json).
"""

from __future__ import annotations

import hashlib
from datetime import datetime, timezone
from typing import Any, Mapping

from bridge.codec import issue_to_json
from bridge.connectors.jira_text import wiki_to_text
from bridge.connectors.marker import is_signed
from bridge.connectors.zendesk_json import parse_time
from bridge.model import Comment, Event, EventSource, Issue, IssueFile


class NotAboutIssues(Exception):
    """A well-formed webhook about something the bridge does not follow (issue links, projects)."""


class MalformedPayload(ValueError):
    """A webhook body that is JSON but not the shape the service sends."""


def _person(raw: Mapping[str, Any] | None) -> str:
    raw = raw or {}
    return str(raw.get("emailAddress") or raw.get("displayName") or raw.get("name") or "")


def comment_from_json(raw: Mapping[str, Any]) -> Comment:
    body = str(raw.get("body") or "")
    created = parse_time(raw.get("created"))
    updated = parse_time(raw["updated"]) if raw.get("updated") else created
    return Comment(
        id=str(raw.get("id")),
        body=wiki_to_text(body),  # Zendesk shows text as written: no markup for agents or customers
        # False for a comment Jira restricts: to a role or group (`visibility`), or a Service
        # Management internal comment (`jsdPublic: false`). Such a comment never leaves Jira.
        public=raw.get("visibility") is None and raw.get("jsdPublic") is not False,
        author=_person(raw.get("author")),
        created_at=created,
        by_bridge=is_signed(body),
        # A new comment's `updated` is its `created` to the millisecond (as recorded): later is an edit.
        edited_at=updated if updated > created else None,
    )


def issue_from_json(raw: Mapping[str, Any], *, browse_base: str = "") -> Issue:
    fields = raw.get("fields") or {}
    status = fields.get("status") or {}
    key = str(raw["key"])
    return Issue(
        key=key,
        summary=str(fields.get("summary") or ""),
        status=str(status.get("name") or ""),
        status_category=str((status.get("statusCategory") or {}).get("key") or ""),
        labels=frozenset(fields.get("labels") or ()),
        updated_at=parse_time(fields.get("updated")),
        resolution=(fields.get("resolution") or {}).get("name"),
        url=f"{browse_base.rstrip('/')}/browse/{key}" if browse_base else "",
        comments=tuple(comment_from_json(c) for c in ((fields.get("comment") or {}).get("comments") or ())),
        duplicates=duplicated_issue(fields.get("issuelinks")),
        files=tuple(file_from_json(a) for a in fields.get("attachment") or () if isinstance(a, Mapping) and a.get("id")),
    )


def file_from_json(raw: Mapping[str, Any]) -> IssueFile:
    """An entry of an issue's `fields.attachment` (Jira's AttachmentBean)."""
    author = raw.get("author") if isinstance(raw.get("author"), Mapping) else {}
    return IssueFile(
        id=str(raw["id"]),
        name=str(raw.get("filename") or "attachment"),
        size=int(raw.get("size") or 0),
        author=_person(author),
        author_id=str(author.get("accountId") or author.get("name") or ""),  # (Server and Data Center: `name`)
        created_at=parse_time(raw.get("created")),
    )


def duplicated_issue(links: Any) -> str | None:
    """The key of the issue this one duplicates: a link of the type named Duplicate whose other
    end is its `outwardIssue` (seen from this issue: "this duplicates that"). Of several, the
    first; a link of any other type, or the other way round ("is duplicated by"), is none."""
    for link in links if isinstance(links, list) else ():
        if not isinstance(link, Mapping):
            continue
        kind = link.get("type") if isinstance(link.get("type"), Mapping) else {}
        other = link.get("outwardIssue")
        if str(kind.get("name") or "").casefold() == "duplicate" and isinstance(other, Mapping) and other.get("key"):
            return str(other["key"])
    return None


def issue_event_id(key: str, updated_at: datetime) -> str:
    """One id per issue change, the same by webhook and by poll."""
    return f"issue:{key}:{updated_at.astimezone(timezone.utc).strftime('%Y-%m-%dT%H:%M:%S.%f')[:-3]}Z"


def moved_from_key(changelog: Any, key: str) -> str | None:
    """The key an issue had before a move to another project gave it `key`: the changelog's
    `Key` item (from RN-83 to BBCOM-1233), or None."""
    items = changelog.get("items") if isinstance(changelog, Mapping) else None
    for item in items if isinstance(items, list) else ():
        if isinstance(item, Mapping) and item.get("field") == "Key" and item.get("toString") == key:
            old = item.get("fromString")
            return old if isinstance(old, str) and old and old != key else None
    return None


def moves_the_issue(changelog: Any) -> bool:
    """Whether a webhook's changelog moves the issue, to another status or another project;
    a changelog that cannot be read is taken as one (the issue is read rather than skipped)."""
    if not changelog:
        return False
    items = changelog.get("items") or [] if isinstance(changelog, Mapping) else None
    return not isinstance(items, list) or any(
        not isinstance(item, Mapping) or item.get("fieldId") in _MOVING_FIELDS or item.get("field") in _MOVING_FIELDS
        for item in items
    )


# A changelog item's `fieldId` is stable; its `field` is the name in the site's language ("Статус"
# is recorded), except for a move's `Key` item, which has no id.
_MOVING_FIELDS = ("status", "project", "Key")


def links_the_issue(changelog: Any) -> bool:
    """Whether a webhook's changelog links the issue to another (the bridge never does; a
    duplicate link hands the issue's tickets over)."""
    items = changelog.get("items") if isinstance(changelog, Mapping) else None
    return isinstance(items, list) and any(
        isinstance(item, Mapping) and (item.get("field") == "Link" or item.get("fieldId") == "issuelinks")
        for item in items
    )


def issue_event(issue: Issue) -> Event:
    """The event for an issue found changed by a poll; it carries the issue, so no read is needed."""
    return Event(
        source=EventSource.JIRA,
        kind="issue_updated",
        event_id=issue_event_id(issue.key, issue.updated_at),
        subject=issue.key,
        occurred_at=issue.updated_at,
        payload={"issue": issue_to_json(issue)},
    )


def event_from_webhook(body: Mapping[str, Any], *, received_at: datetime, delivery_id: str | None = None) -> Event:
    """An inbox event from a Jira webhook body (issue created/updated, comment created/updated)."""
    kind = body.get("webhookEvent")
    issue = body.get("issue")
    if isinstance(kind, str) and not kind.startswith("jira:issue_") and "issue" not in body:
        # A link, a project, a sprint …; or Jira Server's comment event, which names no issue
        # (a jira:issue_updated with the comment comes beside it).
        raise NotAboutIssues(f"{kind} names no issue")
    if not isinstance(kind, str) or not isinstance(issue, Mapping) or not issue.get("key"):
        raise MalformedPayload("a Jira webhook needs webhookEvent and issue.key")
    key = str(issue["key"])
    occurred = _occurred(body, received_at)
    comment = body.get("comment") if isinstance(body.get("comment"), Mapping) else None
    if comment is not None and kind.startswith("comment_") and comment.get("id") is not None:
        # Same id however the comment arrives (webhook, retry, poll), so it is handled once; its
        # deletion is another event (it carries the last update's time).
        what = "comment-deleted" if kind == "comment_deleted" else "comment"
        event_id = f"{what}:{key}:{comment['id']}:{comment.get('updated') or comment.get('created')}"
    elif kind == "jira:issue_deleted":
        # The body shows the issue as last updated: that update's id would make it a repeat.
        event_id = f"issue-deleted:{key}"
    else:
        updated = (issue.get("fields") or {}).get("updated")
        event_id = issue_event_id(key, parse_time(updated)) if updated else (delivery_id or _digest(body))
    user = body.get("user") if isinstance(body.get("user"), Mapping) else {}
    payload: dict[str, Any] = {
        "changelog": body.get("changelog") or {},
        "comment_id": (comment or {}).get("id"),
        "actor": str(user.get("accountId") or user.get("name") or ""),
    }
    fields = issue.get("fields") or {}
    if {"status", "updated", "comment", "attachment"} <= set(fields):  # a full issue: processing needs no read
        payload["issue"] = issue_to_json(issue_from_json(issue))
    return Event(
        source=EventSource.JIRA,
        kind=kind.removeprefix("jira:"),
        event_id=event_id,
        subject=key,
        occurred_at=occurred,
        payload=payload,
    )


def _occurred(body: Mapping[str, Any], received_at: datetime) -> datetime:
    stamp = body.get("timestamp")
    if isinstance(stamp, (int, float)):  # epoch milliseconds, as Jira Cloud sends it
        return datetime.fromtimestamp(stamp / 1000, tz=timezone.utc)
    try:
        return parse_time(stamp) if stamp else received_at
    except ValueError:  # informational only: the event id never depends on it
        return received_at


def _digest(body: Mapping[str, Any]) -> str:
    return "body:" + hashlib.sha256(repr(sorted(body.items())).encode()).hexdigest()[:32]
