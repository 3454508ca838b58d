"""What `evaluate` answers: plain frozen dataclasses the sync core can keep and compare."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from types import MappingProxyType
from typing import Any

TARGETS = ("response", "review", "resolution")


@dataclass(frozen=True, slots=True)
class SlaAlert:
    """A running SLA clock past its warning threshold or its target."""

    target: str  # "response" | "review" | "resolution"
    level: str  # "warning" | "breach"
    due: datetime


@dataclass(frozen=True, slots=True)
class Escalation:
    """The decision to raise a ticket with development, and how."""

    to: str
    reason: str
    project: str | None  # None: the daemon's BRIDGE_JIRA_PROJECT
    issue_type: str
    jira_priority: str
    labels: tuple[str, ...]
    zendesk_status_after: str | None
    stage_after: str | None
    fields: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({}))


@dataclass(frozen=True, slots=True)
class StatusMapping:
    """Where a ticket stands when its linked Jira issue reaches a status."""

    stage: str
    zendesk_status: str | None
    public_reply: str | None


@dataclass(frozen=True, slots=True)
class Evaluation:
    """Tier, priority, type, SLA due times, escalation and notices for one ticket at one moment."""

    tier: int
    priority: str
    type: str
    sla_policy: str | None
    due: Mapping[str, datetime | None]
    escalate: Escalation | None
    rules: tuple[str, ...]
    reasons: tuple[str, ...]
    add_tags: tuple[str, ...]
    set_group: str | None
    notify: tuple[str, ...]
    sla_alerts: tuple[SlaAlert, ...]
    paused: bool
