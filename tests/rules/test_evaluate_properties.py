"""evaluate() on arbitrary tickets: never fails, and its answers hang together."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from hypothesis import given, settings
from hypothesis import strategies as st

from bridge.model import Comment, Ticket
from bridge.rules import Rules, evaluate
from bridge.rules.result import TARGETS

TAGS = ["tier2", "tier3", "tier4", "escalate_jira", "severe", "major", "minor", "product_team", "stage_awaiting_client_info",
        "reviewed", "service_task", "bug", "vip"]
MOMENTS = st.datetimes(min_value=datetime(2025, 1, 1), max_value=datetime(2027, 12, 31), timezones=st.just(timezone.utc))


@st.composite
def tickets(draw: st.DrawFn) -> tuple[Ticket, datetime, list[tuple[datetime, datetime | None]]]:
    created = draw(MOMENTS)
    now = created + draw(st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=60)))
    # Oldest first, as Zendesk lists them; replies in time and late (up to three days on).
    offsets = sorted(draw(st.lists(st.integers(0, 3 * 24 * 60), max_size=3)))
    comments = tuple(
        Comment(str(i), "x", draw(st.booleans()), draw(st.sampled_from(["ann@client.example", "agent@us.example"])),
                created + timedelta(minutes=offset))
        for i, offset in enumerate(offsets)
    )
    ticket = Ticket(
        id=1,
        subject=draw(st.sampled_from(["System down", "Question about export", "outage in EU", ""])),
        description=draw(st.text(max_size=40)),
        status=draw(st.sampled_from(["new", "open", "pending", "hold", "solved", "closed"])),
        priority=draw(st.sampled_from(["urgent", "high", "normal", "low", None, "URGENT"])),
        type=draw(st.sampled_from(["incident", "problem", "question", "task", None])),
        tags=frozenset(draw(st.lists(st.sampled_from(TAGS), max_size=4))),
        created_at=created,
        updated_at=created + draw(st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=3))),
        requester_email="ann@client.example",
        group=draw(st.sampled_from([None, "Tier 1 Help Desk", "Tier 3 Engineering", "Elsewhere"])),
        comments=comments,
    )
    pauses: list[tuple[datetime, datetime | None]] = []
    for _ in range(draw(st.integers(0, 3))):
        start = created + draw(st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=30)))
        length = draw(st.one_of(st.none(), st.timedeltas(min_value=timedelta(minutes=1), max_value=timedelta(days=5))))
        pauses.append((start, None if length is None else start + length))
    return ticket, now, pauses


@settings(max_examples=300, deadline=None)
@given(case=tickets())
def test_evaluation_is_consistent(shipped: Rules, case) -> None:  # type: ignore[no-untyped-def]
    rules = shipped
    ticket, now, pauses = case
    ev = evaluate(ticket, rules, now=now, paused=pauses)
    assert ev.tier in rules.tiers
    assert ev.priority in rules.priorities
    assert ev.type in rules.types
    if ticket.status in ("solved", "closed"):
        assert ev.escalate is None  # nothing left for development
    else:
        assert (ev.escalate is not None) == (ev.tier == 4)  # shipped: tier 4 and Jira go together
    for target, due in ev.due.items():
        assert due is None or due >= ticket.created_at, target
    for alert in ev.sla_alerts:
        due = ev.due[alert.target] if alert.target in TARGETS else alert.due  # tier<n>_response: the tier's own
        assert due == alert.due
        assert (alert.level in ("breach", "late")) == (now >= due)
    if ev.paused:  # nothing runs: only a clock a late reply stopped tells of its breach
        assert all(alert.level == "late" for alert in ev.sla_alerts)
    if pauses:  # pauses only ever push due times later
        plain = evaluate(ticket, rules, now=now)
        for target, due in ev.due.items():
            assert due is None or due >= plain.due[target]  # type: ignore[operator]
    assert evaluate(ticket, rules, now=now, paused=pauses) == ev
