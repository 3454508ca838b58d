"""An escalated ticket stays with development: at the top tier, with no tier target of the
tier it came from, though the breach that escalated it has ended."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from bridge.model import Comment, Link, Ticket, TicketState
from bridge.rules import Rules, load_rules
from bridge.sync.decide import decide
from bridge.sync.escalate import escalation_key
from tests.sync.test_decide import ROOT

MONDAY = datetime(2026, 11, 23, 9, 0, tzinfo=timezone.utc)
ESCALATED = datetime(2026, 11, 24, 9, 1, tzinfo=timezone.utc)  # the review breach escalated it; on hold since
FRIDAY = datetime(2026, 11, 27, 10, 0, tzinfo=timezone.utc)  # 3 working days after: tier 3's target would be due


@pytest.fixture(scope="module")
def rules() -> Rules:
    return load_rules(ROOT / "rules.yaml")


def on_hold() -> Ticket:
    """Tier 3, answered at 09:10, escalated on Tuesday's review breach and put on hold by the bridge."""
    return Ticket(
        id=7, subject="Export fails", description="d", status="hold", priority="normal", type="incident",
        tags=frozenset({"tier3", "jira_escalated"}), created_at=MONDAY, updated_at=ESCALATED,
        requester_email="c@client.example",
        comments=(
            Comment("1", "help", True, "c@client.example", MONDAY),
            Comment("2", "Looking", True, "agent@help.example", datetime(2026, 11, 23, 9, 10, tzinfo=timezone.utc)),
        ),
    )


TIER4_SINCE = {"sla_tier": "4 2026-11-23T09:10:00+00:00"}


@pytest.mark.parametrize(
    "state",
    [
        TicketState(link=Link(7, "SUP-1", ESCALATED), marks=TIER4_SINCE),
        TicketState(planned=frozenset({escalation_key(7)}), marks=TIER4_SINCE),  # the issue is being created
    ],
    ids=["linked", "issue planned"],
)
def test_an_escalated_ticket_on_hold_stays_at_the_top_tier(rules: Rules, state: TicketState) -> None:
    decision = decide(on_hold(), state, rules, now=FRIDAY, default_project="SUP")
    assert not [a.key for a in decision.actions if "tier3_response" in a.key]
    assert not decision.marks.get((7, "sla_tier"), "4").startswith("3")


def test_a_ticket_never_escalated_keeps_its_tier_target(rules: Rules) -> None:
    """The control: the same ticket with no issue is at tier 3 again, entered on Tuesday."""
    decision = decide(on_hold(), TicketState(marks=TIER4_SINCE), rules, now=FRIDAY, default_project="SUP")
    assert [a.key for a in decision.actions if "tier3_response:breach" in a.key]
