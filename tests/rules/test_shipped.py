"""The shipped rules.yaml: the reference process of DESIGN.md."""

from __future__ import annotations

from dataclasses import replace

import pytest

from bridge.rules import Rules, evaluate
from bridge.sync.escalate import stage_tag

from .helpers import make_ticket, utc

NOW = utc(2026, 11, 23, 9, 5)


def test_tier4_tag_escalates_to_jira_with_mapped_fields(shipped: Rules) -> None:
    ev = evaluate(make_ticket(tags={"tier4"}, priority="urgent"), shipped, now=NOW)
    assert ev.tier == 4
    assert ev.escalate is not None
    assert ev.escalate.to == "jira"
    assert ev.escalate.jira_priority == "Highest"
    assert ev.escalate.issue_type == "Bug"
    assert ev.escalate.zendesk_status_after == "hold"
    assert ev.escalate.stage_after == "Raised with Development"
    assert ev.escalate.project is None
    assert "escalation" in ev.notify
    assert ev.set_group == "Tier 4 Development"


def test_plain_ticket_does_not_escalate(shipped: Rules) -> None:
    ev = evaluate(make_ticket(), shipped, now=NOW)
    assert ev.escalate is None
    assert ev.tier == 1
    assert ev.set_group is None


@pytest.mark.parametrize(
    ("zendesk", "priority", "jira"),
    [("urgent", "P1", "Highest"), ("high", "P2", "High"), ("normal", "P3", "Medium"), ("low", "P4", "Low")],
)
def test_priorities_map_zendesk_to_jira(shipped: Rules, zendesk: str, priority: str, jira: str) -> None:
    ev = evaluate(make_ticket(priority=zendesk, tags={"tier4"}), shipped, now=NOW)
    assert ev.priority == priority
    assert ev.escalate is not None and ev.escalate.jira_priority == jira


@pytest.mark.parametrize(("word", "priority"), [("severe", "P1"), ("major", "P2"), ("minor", "P3")])
def test_severity_words_as_tags_set_priority(shipped: Rules, word: str, priority: str) -> None:
    assert evaluate(make_ticket(priority="low", tags={word}), shipped, now=NOW).priority == priority


@pytest.mark.parametrize(
    ("zendesk_type", "expected"),
    [("incident", "Technical Support"), ("problem", "Technical Support"), ("question", "Support Query"),
     ("task", "Service Task"), (None, "Support Query")],
)
def test_types_from_zendesk_type(shipped: Rules, zendesk_type: str | None, expected: str) -> None:
    assert evaluate(make_ticket(type=zendesk_type), shipped, now=NOW).type == expected


def test_type_from_tag_beats_zendesk_type(shipped: Rules) -> None:
    assert evaluate(make_ticket(type="question", tags={"service_task"}), shipped, now=NOW).type == "Service Task"


@pytest.mark.parametrize(
    ("jira_status", "stage", "zendesk_status"),
    [
        ("In Progress", "Raised with Development", "hold"),
        ("In Review", "Fix in Place Awaiting Release", "hold"),
        ("Waiting for release", "Fix in Place Awaiting Release", "hold"),
        ("done", "Client Sign Off", "pending"),
    ],
)
def test_jira_status_map(shipped: Rules, jira_status: str, stage: str, zendesk_status: str) -> None:
    mapping = shipped.status_for_jira(jira_status)
    assert mapping is not None
    assert (mapping.stage, mapping.zendesk_status) == (stage, zendesk_status)


def test_done_asks_requester_to_confirm_the_fix(shipped: Rules) -> None:
    mapping = shipped.status_for_jira("Done")
    assert mapping is not None and mapping.public_reply and "confirm" in mapping.public_reply


def test_unknown_jira_status_has_no_mapping(shipped: Rules) -> None:
    assert shipped.status_for_jira("Backlog") is None
    assert shipped.status_for_jira("Won't Fix", "Done") is None  # an unnamed done status never says "fixed"


def test_public_prefix(shipped: Rules) -> None:
    assert shipped.comments.public_prefix == "[public]"


def test_solving_meets_the_response_target(shipped: Rules) -> None:
    """Solved (e.g. as a duplicate) with no public reply: no response breach is left standing."""
    late = utc(2026, 11, 25, 9, 0)  # two working days on: the response target is long overdue
    open_ticket = evaluate(make_ticket(), shipped, now=late)
    assert ("response", "breach") in {(a.target, a.level) for a in open_ticket.sla_alerts}
    solved = evaluate(make_ticket(status="solved", updated_at=utc(2026, 11, 23, 9, 30)), shipped, now=late)
    assert solved.sla_alerts == ()


@pytest.mark.parametrize(
    ("tags", "expected"),
    [
        ({"bug", "feedback"}, "Technical Support"),
        ({"feedback", "service_task"}, "Support Query"),
        ({"service_task", "technical_support", "enhancement"}, "Technical Support"),
    ],
)
def test_tags_of_two_types_give_the_type_listed_first(shipped: Rules, tags: set[str], expected: str) -> None:
    """Not whichever tag the set yields first: the same ticket gets the same SLA on every replica."""
    for order in (sorted(tags), sorted(tags, reverse=True)):
        ev = evaluate(make_ticket(type="question", tags=_InOrder(order)), shipped, now=NOW)
        assert ev.type == expected
        assert f"Type {expected}: tag " in ev.reasons[0]


class _InOrder(frozenset):  # type: ignore[type-arg]
    """Tags that iterate in a given order, as a set may on another process (hash seeds differ)."""

    def __new__(cls, items: list[str]) -> "_InOrder":
        tags = super().__new__(cls, items)
        tags._order = items  # type: ignore[attr-defined]
        return tags

    def __iter__(self):  # type: ignore[no-untyped-def]
        return iter(self._order)  # type: ignore[attr-defined]


@pytest.mark.parametrize("status", ["solved", "closed"])
def test_a_solved_ticket_is_not_escalated(shipped: Rules, status: str) -> None:
    ev = evaluate(make_ticket(tags={"tier4"}, status=status), shipped, now=NOW)
    assert ev.escalate is None
    assert "escalation" not in ev.notify
    assert f"Not escalated (tier 4 reached): the ticket is {status}." in ev.reasons


def test_the_awaiting_client_info_stage_stops_the_clocks(shipped: Rules) -> None:
    """The stage the bridge (or an agent's macro) puts a ticket at is its stage tag."""
    ticket = make_ticket(type="incident", priority="normal", created_at=utc(2026, 11, 23, 9), updated_at=utc(2026, 11, 23, 9, 1),
                         tags={stage_tag("Awaiting Client Info")})
    ev = evaluate(ticket, shipped, now=utc(2026, 12, 23, 9))
    assert ev.paused and ev.sla_alerts == ()
    assert not evaluate(replace(ticket, tags=frozenset({stage_tag("Under Investigation")})), shipped, now=NOW).paused
