"""The bridge's own JSON form of tickets and issues: snapshots in the store and in inbox events.

Vendor-neutral (it encodes `bridge.model`, not Zendesk or Jira JSON), compact, and lossless
unless a `limit` shortens the bodies.
"""

from __future__ import annotations

import json
from datetime import datetime
from types import MappingProxyType
from typing import Any

from bridge.model import Comment, Issue, IssueFile, Ticket


def _comments_to_list(comments: tuple[Comment, ...], limit: int | None) -> list[list[Any]]:
    return [
        [c.id, c.body[:limit], c.public, c.author, c.created_at.isoformat(), c.by_bridge, [list(a) for a in c.attachments], c.by_staff,
         c.edited_at.isoformat() if c.edited_at else None]
        for c in comments
    ]


def _comments_from_list(rows: list[list[Any]]) -> tuple[Comment, ...]:
    return tuple(
        # (snapshots written before the role was kept have seven fields, before edits eight)
        Comment(r[0], r[1], r[2], r[3], datetime.fromisoformat(r[4]), r[5], tuple(tuple(a) for a in r[6]),  # type: ignore[misc]
                r[7] if len(r) > 7 else None, datetime.fromisoformat(r[8]) if len(r) > 8 and r[8] else None)
        for r in rows
    )


def ticket_to_json(ticket: Ticket, *, limit: int | None = None) -> str:
    return json.dumps(
        {
            "id": ticket.id, "subject": ticket.subject, "description": ticket.description[:limit],
            "status": ticket.status, "priority": ticket.priority, "type": ticket.type,
            "tags": sorted(ticket.tags), "created_at": ticket.created_at.isoformat(),
            "updated_at": ticket.updated_at.isoformat(), "requester_email": ticket.requester_email,
            "requester_name": ticket.requester_name, "organization": ticket.organization, "group": ticket.group,
            "custom_fields": dict(ticket.custom_fields), "url": ticket.url,
            "comments": _comments_to_list(ticket.comments, limit),
        },
        separators=(",", ":"),
    )


def ticket_from_json(text: str) -> Ticket:
    raw: dict[str, Any] = json.loads(text)
    return Ticket(
        id=raw["id"], subject=raw["subject"], description=raw["description"], status=raw["status"],
        priority=raw["priority"], type=raw["type"], tags=frozenset(raw["tags"]),
        created_at=datetime.fromisoformat(raw["created_at"]), updated_at=datetime.fromisoformat(raw["updated_at"]),
        requester_email=raw["requester_email"], requester_name=raw["requester_name"],
        organization=raw["organization"], group=raw["group"], custom_fields=MappingProxyType(raw["custom_fields"]),
        url=raw["url"], comments=_comments_from_list(raw["comments"]),
    )


def issue_to_json(issue: Issue) -> str:
    return json.dumps(
        {
            "key": issue.key, "summary": issue.summary, "status": issue.status,
            "status_category": issue.status_category, "labels": sorted(issue.labels),
            "updated_at": issue.updated_at.isoformat(), "resolution": issue.resolution, "url": issue.url,
            "comments": _comments_to_list(issue.comments, None), "duplicates": issue.duplicates,
            "files": [[f.id, f.name, f.size, f.author, f.author_id, f.created_at.isoformat()] for f in issue.files],
        },
        separators=(",", ":"),
    )


def issue_from_json(text: str) -> Issue:
    raw: dict[str, Any] = json.loads(text)
    return Issue(
        key=raw["key"], summary=raw["summary"], status=raw["status"], status_category=raw["status_category"],
        labels=frozenset(raw["labels"]), updated_at=datetime.fromisoformat(raw["updated_at"]),
        resolution=raw["resolution"], url=raw["url"], comments=_comments_from_list(raw["comments"]),
        duplicates=raw.get("duplicates"),  # (absent from events stored by earlier versions)
        files=tuple(IssueFile(f[0], f[1], f[2], f[3], f[4], datetime.fromisoformat(f[5])) for f in raw.get("files", ())),
    )
