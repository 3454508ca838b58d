"""`Evaluation.next_change`: nothing time-dependent that `evaluate` answers changes before it.

The sweep judges a ticket again only from its next change on, so a moment missed here is
a warning, a breach or a stale notice never sent.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from bridge.model import Comment, Ticket
from bridge.rules import Evaluation, Rules, evaluate
from bridge.rules.notify import QuietClock, in_quiet_hours
from bridge.rules.calendar import to_us
from bridge.rules.schema import QuietHours

from .helpers import SHIPPED, make_ticket, utc

TAGS = ["tier2", "tier3", "tier4", "escalate_jira", "severe", "minor", "product_team", "stage_awaiting_client_info",
        "reviewed", "service_task", "bug"]
MOMENTS = st.datetimes(min_value=datetime(2025, 1, 1), max_value=datetime(2027, 12, 31), timezones=st.just(timezone.utc))
# Routing on the time-dependent conditions; the shipped rules test none of them.
TIMED_ROUTING = [
    {"name": "fresh", "when": {"not": {"age_over": "1d"}}, "then": {"add_tags": ["fresh"]}, "continue": True},
    {"name": "old", "when": {"age_over": "3d", "tags_none": ["tier4"]}, "then": {"tier": 3}, "continue": True},
    {"name": "idle", "when": {"idle_over": "6h"}, "then": {"notify": ["product_team"]}, "continue": True},
    {"name": "warned", "when": {"sla": "warning", "type": "Technical Support"}, "then": {"priority": "P1"},
     "continue": True},
]


def _timed_rules() -> Rules:
    data = yaml.safe_load(SHIPPED.read_text(encoding="utf-8"))
    data["routing"] = TIMED_ROUTING + data["routing"]
    del data["notifications"]["stale_calendar"]  # stale in wall-clock time
    return Rules.model_validate(data)


RULE_SETS = {"shipped": lambda: Rules.model_validate(yaml.safe_load(SHIPPED.read_text(encoding="utf-8"))),
             "timed routing": _timed_rules}


@pytest.fixture(scope="module", params=list(RULE_SETS))
def rules(request: pytest.FixtureRequest) -> Rules:
    return RULE_SETS[request.param]()


@st.composite
def cases(draw: st.DrawFn) -> tuple[Ticket, datetime, list[tuple[datetime, datetime | None]]]:
    """A ticket, a moment after its last update, and pauses recorded before that moment."""
    created = draw(MOMENTS)
    updated = created + draw(st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=3)))
    now = updated + draw(st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=20)))
    requester = "ann@client.example"
    comments = tuple(
        Comment(str(i), "x", draw(st.booleans()), draw(st.sampled_from([requester, "agent@us.example"])),
                created + timedelta(minutes=i))
        for i in range(draw(st.integers(0, 3)))
    )
    ticket = Ticket(
        id=1, subject=draw(st.sampled_from(["System down", "Question about export", ""])), description="",
        status=draw(st.sampled_from(["new", "open", "pending", "hold", "solved"])),
        priority=draw(st.sampled_from(["urgent", "high", "normal", "low", None])),
        type=draw(st.sampled_from(["incident", "question", "task", None])),
        tags=frozenset(draw(st.lists(st.sampled_from(TAGS), max_size=3))),
        created_at=created, updated_at=updated, requester_email=requester, comments=comments,
    )
    pauses: list[tuple[datetime, datetime | None]] = []
    begin = created
    for _ in range(draw(st.integers(0, 2))):
        begin += draw(st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=4)))
        end = begin + draw(st.timedeltas(min_value=timedelta(minutes=1), max_value=timedelta(days=3)))
        if end > now:
            break
        pauses.append((begin, end))
        begin = end
    if ticket.status == "pending" and begin <= now and draw(st.booleans()):
        pauses.append((begin, None))  # still awaiting the client
    return ticket, now, pauses


def outcome(ev: Evaluation) -> tuple[Any, ...]:
    """Everything time may change in an evaluation, but the due times of a paused clock (a
    paused clock raises no alert: an alert's due time is fixed)."""
    alerts = tuple((alert.target, alert.level, alert.due) for alert in ev.sla_alerts)
    escalate = ev.escalate.reason if ev.escalate else None
    return ev.tier, ev.priority, ev.type, ev.sla_policy, ev.rules, ev.reasons, ev.add_tags, ev.notify, alerts, \
        ev.paused, ev.stale, escalate


@settings(max_examples=400, deadline=None)
@given(case=cases(), fractions=st.lists(st.floats(0, 1, exclude_max=True), min_size=1, max_size=4))
def test_nothing_changes_before_the_next_change(rules: Rules, case, fractions: list[float]) -> None:  # type: ignore[no-untyped-def]
    ticket, now, pauses = case
    ev = evaluate(ticket, rules, now=now, paused=pauses)
    if ev.next_change is None:
        later = [now + timedelta(days=90 * f) for f in fractions]
    else:
        assert ev.next_change > now
        span = (ev.next_change - now) // timedelta(microseconds=1)
        later = [now + timedelta(microseconds=int(span * f)) for f in fractions] + [ev.next_change - timedelta(microseconds=1)]
    for moment in later:
        assert outcome(evaluate(ticket, rules, now=moment, paused=pauses)) == outcome(ev), moment


@settings(max_examples=300, deadline=None)
@given(
    case=cases(),
    reopen=st.none() | st.floats(0, 1),
    tier=st.none() | st.tuples(st.integers(1, 4), st.floats(0, 1)),
    fractions=st.lists(st.floats(0, 1, exclude_max=True), min_size=1, max_size=4),
)
def test_nothing_changes_before_the_next_change_of_a_reopened_ticket(  # type: ignore[no-untyped-def]
    rules: Rules, case, reopen: float | None, tier: tuple[int, float] | None, fractions: list[float]
) -> None:
    """The same, for tickets reopened (their clocks restarted) and tickets with a recorded tier entry."""
    ticket, now, pauses = case
    span = ticket.updated_at - ticket.created_at
    known = {
        "restarted": None if reopen is None else ticket.created_at + span * reopen,
        "tier_since": None if tier is None else (tier[0], ticket.created_at + span * tier[1]),
    }
    ev = evaluate(ticket, rules, now=now, paused=pauses, **known)
    if ev.next_change is None:
        later = [now + timedelta(days=90 * f) for f in fractions]
    else:
        assert ev.next_change > now
        micros = (ev.next_change - now) // timedelta(microseconds=1)
        later = [now + timedelta(microseconds=int(micros * f)) for f in fractions] + [ev.next_change - timedelta(microseconds=1)]
    for moment in later:
        assert outcome(evaluate(ticket, rules, now=moment, paused=pauses, **known)) == outcome(ev), moment


def test_the_next_change_is_the_next_warning_then_the_breach(shipped: Rules) -> None:
    # Support Query created Monday 09:00: response warns at 09:22:30 (75 % of 30 min), breaches at 09:30.
    ticket = make_ticket(type="question", created_at=utc(2026, 11, 23, 9), updated_at=utc(2026, 11, 23, 9))
    assert evaluate(ticket, shipped, now=utc(2026, 11, 23, 9, 1)).next_change == utc(2026, 11, 23, 9, 22, 30)
    assert evaluate(ticket, shipped, now=utc(2026, 11, 23, 9, 23)).next_change == utc(2026, 11, 23, 9, 30)


def test_a_ticket_with_nothing_left_to_happen_has_no_next_change(shipped: Rules) -> None:
    solved = make_ticket(status="solved", created_at=utc(2026, 11, 23, 9), updated_at=utc(2026, 11, 23, 10))
    assert evaluate(solved, shipped, now=utc(2026, 12, 23, 9)).next_change is None


QUIET = st.builds(
    QuietHours,
    hours=st.sampled_from(["20:00-07:00", "22:30-06:15", "01:30-03:00", "12:00-13:00", "00:00-24:00"]),
    timezone=st.sampled_from(["UTC", "Europe/London", "America/Los_Angeles", "Australia/Lord_Howe"]),
    days=st.lists(st.sampled_from(["mon", "tue", "wed", "thu", "fri", "sat", "sun"]), min_size=1, unique=True).map(tuple),
)


@settings(max_examples=300, deadline=None)
@given(quiet=QUIET, now=MOMENTS, fractions=st.lists(st.floats(0, 1, exclude_max=True), min_size=1, max_size=4))
def test_quiet_hours_hold_until_the_clock_says(quiet: QuietHours, now: datetime, fractions: list[float]) -> None:
    clock = QuietClock(quiet)
    is_quiet, until = clock.at(to_us(now))
    assert is_quiet == in_quiet_hours(quiet, now)
    assert until > to_us(now)
    for fraction in [*fractions, 1.0]:
        ahead = min(int((until - to_us(now)) * fraction), until - 1 - to_us(now))
        assert in_quiet_hours(quiet, now + timedelta(microseconds=ahead)) == is_quiet
        assert clock.at(to_us(now) + ahead)[0] == is_quiet


def test_quiet_hours_reached_by_a_dst_jump_count_from_the_jump() -> None:
    # London springs forward at 01:00 UTC on 2026-03-29: local 01:00 becomes 02:00, inside 01:30-03:00.
    quiet = QuietHours(hours="01:30-03:00", timezone="Europe/London")
    is_quiet, until = QuietClock(quiet).at(to_us(utc(2026, 3, 29, 0, 30)))
    assert not is_quiet and in_quiet_hours(quiet, utc(2026, 3, 29, 1, 0))
    assert until == to_us(utc(2026, 3, 29, 1, 0))
