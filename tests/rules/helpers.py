"""Builders shared by the rules tests."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from bridge.model import Comment, Ticket

ROOT = Path(__file__).resolve().parents[2]
SHIPPED = ROOT / "rules.yaml"
DATA = Path(__file__).parent / "data"


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=timezone.utc)  # type: ignore[misc]


def make_ticket(**changes: Any) -> Ticket:
    """A plain open incident created Monday 2026-11-23 09:00 UTC; override what a test needs."""
    values: dict[str, Any] = {
        "id": 1,
        "subject": "Cannot export invoices",
        "description": "The export button does nothing.",
        "status": "open",
        "priority": "normal",
        "type": "incident",
        "tags": frozenset(),
        "created_at": utc(2026, 11, 23, 9, 0),
        "updated_at": utc(2026, 11, 23, 9, 0),
        "requester_email": "ann@client.example",
    }
    values.update(changes)
    if isinstance(values["tags"], (set, list, tuple)):
        values["tags"] = frozenset(values["tags"])
    return Ticket(**values)


def reply(author: str, at: datetime, *, public: bool = True) -> Comment:
    return Comment(id=f"c-{author}-{at.isoformat()}", body="Looking into it", public=public, author=author, created_at=at)



BASE = """\
defaults: {type: Technical Support, priority: P3}
tiers:
  1: {name: Help desk, group: Desk}
  2: {name: Support, group: Support, tags: [tier2]}
  3: {name: Engineers, group: Engineers, tags: [tier3]}
  4: {name: Development, group: Dev, tags: [tier4], jira_project: DEV}
calendars:
  office:
    timezone: GMT
    hours: {mon-fri: "08:00-16:00"}
priorities:
  P1: {label: Highest, zendesk: urgent, jira: Highest, words: [severe]}
  P2: {label: High, zendesk: high, jira: High, words: [major]}
  P3: {label: Medium, zendesk: normal, jira: Medium, words: [minor]}
  P4: {label: Low, zendesk: low, jira: Low}
types:
  Technical Support: {zendesk: [incident, problem]}
  Support Query: {zendesk: [question]}
  Service Task: {zendesk: [task], tags: [service_task]}
fields: {type: "777", priority: "888"}
sla:
  policies:
    - name: all
      calendar: office
      targets: {response: 1h, review: 4h, resolution: 2d}
"""
