"""The store's tables (SQLAlchemy Core): one place that says what is kept."""

from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy import (
    BigInteger,
    Column,
    DateTime,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)

metadata = MetaData()

# Inbox: every event from a webhook, a poll or a timer, deduped by (source, event_id).
events = Table(
    "events",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("source", String(16), nullable=False),
    Column("event_id", String(255), nullable=False),
    Column("kind", String(64), nullable=False),
    Column("subject", String(64), nullable=False),
    Column("occurred_at", DateTime(timezone=True), nullable=False),
    Column("received_at", DateTime(timezone=True), nullable=False),
    Column("payload", Text, nullable=False, default="{}"),
    Column("status", String(16), nullable=False, default="pending"),
    Column("attempts", Integer, nullable=False, default=0),
    # Claims ever made, never reset (`bridge retry` resets attempts): a worker's claim number
    # fences its writes, so one whose lease ran out long ago cannot pass for a new claim.
    Column("claims", Integer, nullable=False, default=0, server_default="0"),
    Column("not_before", DateTime(timezone=True), nullable=True),
    Column("lease_until", DateTime(timezone=True), nullable=True),
    Column("last_error", Text, nullable=True),
    UniqueConstraint("source", "event_id", name="uq_events_source_event_id"),
)
Index("ix_events_status", events.c.status, events.c.id)

# Planned and executed side effects, keyed by idempotency key.
actions = Table(
    "actions",
    metadata,
    Column("key", String(255), primary_key=True),
    Column("kind", String(32), nullable=False),
    Column("ticket_id", BigInteger, nullable=True),
    Column("issue_key", String(64), nullable=True),
    Column("params", Text, nullable=False, default="{}"),
    Column("after", String(255), nullable=True),
    Column("status", String(16), nullable=False, default="pending"),
    Column("attempts", Integer, nullable=False, default=0),
    # Claims ever made, never reset (`bridge retry` resets attempts): a worker's claim number
    # fences its writes, so one whose lease ran out long ago cannot pass for a new claim.
    Column("claims", Integer, nullable=False, default=0, server_default="0"),
    Column("not_before", DateTime(timezone=True), nullable=True),
    Column("lease_until", DateTime(timezone=True), nullable=True),
    Column("last_error", Text, nullable=True),
    Column("result", Text, nullable=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("done_at", DateTime(timezone=True), nullable=True),
)
Index("ix_actions_status", actions.c.status, actions.c.created_at)
Index("ix_actions_ticket", actions.c.ticket_id)

# Zendesk ticket ⇄ Jira issue. Many tickets may share one issue.
links = Table(
    "links",
    metadata,
    Column("ticket_id", BigInteger, primary_key=True),
    Column("issue_key", String(64), nullable=False, index=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
)

# Poll bookmarks: they only move forward, in the transaction that stored their events.
cursors = Table(
    "cursors",
    metadata,
    Column("name", String(64), primary_key=True),
    Column("value", Text, nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
)

# Per-ticket audit trail: every event received and every action taken.
history = Table(
    "history",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("ticket_id", BigInteger, nullable=False, index=True),
    Column("at", DateTime(timezone=True), nullable=False),
    Column("what", String(64), nullable=False),
    Column("detail", Text, nullable=False, default=""),
)

# Slack threads: one thread per ticket, so every later notice lands under it.
threads = Table(
    "threads",
    metadata,
    Column("ticket_id", BigInteger, primary_key=True),
    Column("channel", String(64), nullable=False),
    Column("ts", String(32), nullable=False),
)

# What has been mirrored for a ticket (e.g. the last Jira status), written with the plan
# that acts on it, so a later event never plans the same change again.
marks = Table(
    "marks",
    metadata,
    Column("ticket_id", BigInteger, primary_key=True),
    Column("name", String(64), primary_key=True),
    Column("value", Text, nullable=False),
)

# The last known state of every ticket the bridge has seen, so timers (SLA sweeps, stale
# tickets) can judge open tickets without calling Zendesk.
tickets = Table(
    "tickets",
    metadata,
    Column("id", BigInteger, primary_key=True),
    Column("open", Integer, nullable=False),  # 1 while not solved/closed
    Column("updated_at", DateTime(timezone=True), nullable=False),
    Column("snapshot", Text, nullable=False),
    # When the sweep must judge the ticket again (decision clock, UTC); NULL: only when it changes.
    Column("next_check_at", DateTime(timezone=True), nullable=True),
)
Index("ix_tickets_open", tickets.c.open, tickets.c.id)
Index("ix_tickets_next_check", tickets.c.open, tickets.c.next_check_at, tickets.c.id)
# A next check that is due at any `now`: for tickets whose view of things changed otherwise.
ALWAYS_DUE = datetime(1970, 1, 1, tzinfo=timezone.utc)

# SLA clock pauses per ticket (awaiting the client …); `ended` is NULL while paused.
pauses = Table(
    "pauses",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("ticket_id", BigInteger, nullable=False, index=True),
    Column("started", DateTime(timezone=True), nullable=False),
    Column("ended", DateTime(timezone=True), nullable=True),
)

# Each ticket's status and tags at every change the bridge saw (not at every view): what
# `bridge report` measures time in each status and when SLA targets were met by.
timeline = Table(
    "timeline",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("ticket_id", BigInteger, nullable=False),
    Column("at", DateTime(timezone=True), nullable=False),  # the ticket's updated_at in that view
    Column("status", String(16), nullable=False),
    Column("tags", Text, nullable=False),  # sorted, space-separated (Zendesk tags hold no spaces)
)
Index("ix_timeline_ticket", timeline.c.ticket_id, timeline.c.at)
