"""The shared vocabulary: vendor-neutral tickets, issues, events and actions.

Connectors build these at the edge (`zendesk.to_ticket(raw)`); everything else in the
bridge sees only these types. They are frozen so the pure core can share them freely.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from types import MappingProxyType
from typing import Any, Mapping

EMPTY: Mapping[str, Any] = MappingProxyType({})
# Zendesk's export reports a deleted ticket with this status (it may be restored within 30 days).
DELETED_STATUS = "deleted"
# A ticket in one of these is done with: its clocks stop, timers leave it alone.
CLOSED_STATUSES = frozenset({"solved", "closed", DELETED_STATUS})


@dataclass(frozen=True, slots=True)
class Comment:
    """One comment on a ticket or an issue."""

    id: str
    body: str
    public: bool
    author: str  # e-mail where known, else display name
    created_at: datetime
    # Set by the connector when the comment carries the bridge's own marker, so a
    # comment the bridge wrote is never mirrored back (no echo).
    by_bridge: bool = False
    attachments: tuple[tuple[str, str], ...] = ()  # (file name, URL)
    # The author is an agent or admin (their user record's role); None where the role is not
    # known, and then anyone but the requester counts as staff.
    by_staff: bool | None = None
    edited_at: datetime | None = None  # Jira: when its author last changed it, if ever


@dataclass(frozen=True, slots=True)
class Ticket:
    """A Zendesk ticket as the rules and the sync core see it."""

    id: int
    subject: str
    description: str
    status: str  # new | open | pending | hold | solved | closed
    priority: str | None  # urgent | high | normal | low
    type: str | None  # problem | incident | question | task
    tags: frozenset[str]
    created_at: datetime
    updated_at: datetime
    requester_email: str | None = None
    requester_name: str | None = None
    organization: str | None = None
    group: str | None = None
    # Custom fields by Zendesk field id (as a string) -> value.
    custom_fields: Mapping[str, Any] = field(default_factory=lambda: EMPTY)
    comments: tuple[Comment, ...] = ()
    url: str = ""  # where an agent opens the ticket


@dataclass(frozen=True, slots=True)
class IssueFile:
    """A file attached to a Jira issue."""

    id: str  # Jira's attachment id: a file is copied once, whatever the issue's key becomes
    name: str
    size: int  # bytes
    author: str  # e-mail where known, else display name
    author_id: str  # the account that added it: the bridge's own adds the files it copies
    created_at: datetime


@dataclass(frozen=True, slots=True)
class Issue:
    """A Jira issue as the sync core sees it."""

    key: str
    summary: str
    status: str
    status_category: str  # new | indeterminate | done
    labels: frozenset[str]
    updated_at: datetime
    resolution: str | None = None
    url: str = ""
    comments: tuple[Comment, ...] = ()
    # The issue this one duplicates (a "Duplicate" link, this issue on its "duplicates" side).
    duplicates: str | None = None
    files: tuple[IssueFile, ...] = ()


class EventSource(StrEnum):
    ZENDESK = "zendesk"
    JIRA = "jira"
    TIMER = "timer"


@dataclass(frozen=True, slots=True)
class Event:
    """Something that happened on one side, as stored in the inbox.

    `event_id` is the dedup key: the same change arriving by webhook and by poll
    yields the same id, so it is processed once.
    """

    source: EventSource
    kind: str  # e.g. "ticket.changed", "issue.changed", "comment.created"
    event_id: str
    subject: str  # Zendesk ticket id or Jira issue key
    occurred_at: datetime
    payload: Mapping[str, Any] = field(default_factory=lambda: EMPTY)


class ActionKind(StrEnum):
    CREATE_ISSUE = "create_issue"  # a Jira issue for a ticket
    LINK_TICKET = "link_ticket"  # record ticket ⇄ issue on both sides
    NOTE_TICKET = "note_ticket"  # internal note / tags / status on a Zendesk ticket
    COMMENT_ISSUE = "comment_issue"  # a comment on the Jira issue
    NOTIFY = "notify"  # a Slack notice to the support manager
    MERGE_TICKET = "merge_ticket"  # a duplicate ticket merged into its original in Zendesk
    STATUS_PAGE = "status_page"  # an incident on the status page opened or moved along
    COPY_FILE = "copy_file"  # a file attached on Zendesk copied to the Jira issue
    FILE_TO_TICKET = "file_to_ticket"  # a file a developer attached in Jira, copied to a ticket in a note


@dataclass(frozen=True, slots=True)
class Action:
    """One side effect, planned by `decide` and carried out by the executor.

    `key` is the idempotency key: an action whose key is recorded as done is never
    carried out again, whatever crashes or retries happen in between.
    """

    kind: ActionKind
    key: str
    ticket_id: int | None = None
    issue_key: str | None = None
    params: Mapping[str, Any] = field(default_factory=lambda: EMPTY)
    after: str | None = None  # key of an action that must be done first
    # Not carried out before this moment (the decision clock, which is the executor's in every
    # daemon): a notice quiet hours hold back about what no later decision will judge again.
    not_before: datetime | None = None


@dataclass(frozen=True, slots=True)
class Link:
    """A Zendesk ticket mirrored to a Jira issue."""

    ticket_id: int
    issue_key: str
    created_at: datetime


@dataclass(frozen=True, slots=True)
class LinkedTicket:
    """An open ticket linked to a Jira issue, as the store last saw it: what tells a duplicate
    (same organisation, linked earlier)."""

    ticket_id: int
    organization: str | None
    linked_at: datetime


@dataclass(frozen=True, slots=True)
class TicketState:
    """What the store knows about one ticket, handed to `decide`."""

    link: Link | None = None
    planned: frozenset[str] = field(default_factory=frozenset)  # keys of actions already planned
    # What has been mirrored already, e.g. {"jira_status": "In Progress"}; written with the plan.
    marks: Mapping[str, str] = field(default_factory=lambda: EMPTY)
    # Intervals the SLA clocks were paused (awaiting the client …); the last may be open.
    pauses: tuple[tuple[datetime, datetime | None], ...] = ()
    # The open tickets linked to the issue an unlinked ticket's tag names (see sync/duplicates.py).
    issue_tickets: tuple[LinkedTicket, ...] = ()


@dataclass(frozen=True, slots=True)
class Decision:
    """What `decide` wants done, and what to remember with it (atomically)."""

    actions: list[Action] = field(default_factory=list)
    # (ticket id, mark name) -> value, e.g. (42, "jira_status") -> "In Progress".
    marks: Mapping[tuple[int, str], str] = field(default_factory=lambda: EMPTY)
    # SLA clock pause changes: (ticket id, "open" | "close", when).
    pauses: tuple[tuple[int, str, datetime], ...] = ()
    # The mark values this decision was based on; if another worker changed one meanwhile,
    # the decision is not applied and the event is looked at again (optimistic concurrency).
    expect: Mapping[tuple[int, str], str | None] = field(default_factory=lambda: EMPTY)
    # Things worth a line in a ticket's history and the log, e.g. a conflict and how it was resolved.
    notes: tuple[tuple[int, str], ...] = ()
    # When the ticket must be judged again though nothing happens to it (the SLA sweep);
    # None: never, unless it changes. Only a decision about one ticket's snapshot sets it.
    next_check: datetime | None = None
    # Old news found by this decision, for the catch-up summary instead of a notice each:
    # (ticket id, notice kind, what), e.g. (42, "sla_breach", "response due 2026-03-02 08:30 UTC").
    caught_up: tuple[tuple[int, str, str], ...] = ()
