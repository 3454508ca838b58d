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

