"""Monthly figures: each one falls in the month of its own moment."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from pathlib import Path

import pytest

from bridge.report.facts import Reader, TicketFacts
from bridge.report.monthly import Report, months_to, tally
from bridge.rules import load_rules

from .helpers import at, recorded

ROOT = Path(__file__).resolve().parents[2]
PRIORITIES = [("P1", "P1 Highest"), ("P2", "P2 High"), ("P3", "P3 Medium"), ("P4", "P4 Low")]


@pytest.fixture(scope="module")
def reader() -> Reader:
    return Reader(load_rules(ROOT / "rules.yaml"))


def report_of(facts: list[TicketFacts | None], *, now: datetime) -> Report:
    return tally([f for f in facts if f is not None], months_to(2026, 11, 2), now=now, priorities=PRIORITIES, stages=[])


def test_months_run_back_across_a_year_end() -> None:
    assert [m.label for m in months_to(2026, 2, 4)] == ["2025-11", "2025-12", "2026-01", "2026-02"]
    assert months_to(2026, 12, 1)[0].end == datetime.fromisoformat("2027-01-01T00:00:00+00:00")


def test_created_resolved_escalated_and_the_backlog_fall_in_their_own_months(reader: Reader) -> None:
    now = at(20, 12)
    facts = [
        # created in October, solved in November, linked to Jira in October
        reader.facts(recorded([(at(28, 9, month=10), "open", None), (at(3, 10), "solved", None)],
                              linked_at=at(29, 9, month=10), organization="Acme", tags={"cards"}), now=now),
        # created and solved in November
        reader.facts(recorded([(at(4, 9), "open", None), (at(4, 11), "solved", None)],
                              organization="Globex", priority="low", type="question"), now=now),
        # created in October, open still
        reader.facts(recorded([(at(30, 9, month=10), "open", None)], organization="Acme"), now=now),
    ]
    october, november = report_of(facts, now=now).months
    assert (october.created, october.resolved, october.escalated, october.open_at_end) == (2, 0, 1, 2)
    assert (november.created, november.resolved, november.escalated, november.open_at_end) == (1, 2, 0, 1)
    assert {p: (c.created, c.resolved) for p, c in november.by_priority.items()} == {"P2": (0, 1), "P4": (1, 1)}
    assert {o: (c.created, c.resolved) for o, c in october.by_client.items()} == {"Acme": (2, 0)}
    assert {o: (c.created, c.resolved) for o, c in november.by_product.items()} == {"Web shop": (0, 1), "(none)": (1, 1)}


def test_an_sla_target_counts_in_the_month_its_outcome_was_known(reader: Reader) -> None:
    now = at(20, 12)
    facts = [
        # P2, created Friday 30 October 15:50: the response (30 working minutes) falls due on
        # Monday 2 November 08:20 and is met at 08:10, in November
        reader.facts(recorded([(at(30, 15, 50, month=10), "open", None)], replies=(at(2, 8, 10),)), now=now),
        # P2 answered late, in October
        reader.facts(recorded([(at(28, 9, month=10), "open", None)], replies=(at(28, 11, month=10),)), now=now),
        # P2 never answered: missed when it fell due, in November
        reader.facts(recorded([(at(5, 9), "open", None)]), now=now),
    ]
    october, november = report_of(facts, now=now).months
    assert (october.sla["response"].met, october.sla["response"].late, october.sla["response"].missed) == (0, 1, 0)
    response = november.sla["response"]
    assert (response.met, response.late, response.missed, response.on_time_pct) == (1, 0, 1, 50.0)
    assert response.median_hours == pytest.approx(20 / 60)
    assert november.sla_by_priority[("response", "P2")].settled == 2


def test_time_in_each_status_is_the_mean_over_the_tickets_resolved_in_the_month(reader: Reader) -> None:
    now = at(20, 12)
    facts = [
        reader.facts(recorded([(at(2, 9), "open", None), (at(2, 11), "pending", None), (at(2, 12), "solved", None)]), now=now),
        reader.facts(recorded([(at(3, 9), "open", None), (at(3, 13), "solved", None)]), now=now),
        reader.facts(recorded([(at(3, 9), "pending", None)]), now=now),  # open still: not in the mean
    ]
    november = report_of(facts, now=now).months[1]
    assert november.mean_hours_in(november.in_status_us, "open") == 3.0
    assert november.mean_hours_in(november.in_status_us, "pending") == 0.5
    assert report_of(facts, now=now).months[0].mean_hours_in({}, "open") is None  # nothing resolved in October


def test_a_ticket_solved_in_october_and_reopened_in_november_was_not_open_at_octobers_end(reader: Reader) -> None:
    now = at(20, 12)
    fact = reader.facts(recorded([(at(5, 9, month=10), "open", None), (at(6, 9, month=10), "solved", None),
                                  (at(3, 9), "open", None)]), now=now)
    october, november = report_of([fact], now=now).months
    assert (october.open_at_end, october.resolved) == (0, 0)  # solved then, and not solved now
    assert november.open_at_end == 1


def test_a_breach_counts_in_the_month_it_fell_due_so_a_past_months_share_stays_put(reader: Reader) -> None:
    # P2 created on Friday 30 October 09:00: the response was due at 09:30 and came on 2 November.
    ticket = recorded([(at(30, 9, month=10), "open", None)], replies=(at(2, 9),))
    before = report_of([reader.facts(replace(ticket, ticket=replace(ticket.ticket, comments=ticket.ticket.comments[:1])),
                                     now=at(31, 12, month=10))], now=at(31, 12, month=10))
    after = report_of([reader.facts(ticket, now=at(20, 12))], now=at(20, 12))
    assert before.months[0].sla["response"].missed == 1  # reported at the end of October: unanswered
    assert after.months[0].sla["response"].late == 1  # reported later: answered late, still October's
    assert before.months[0].sla["response"].on_time_pct == after.months[0].sla["response"].on_time_pct == 0
    assert "response" not in after.months[1].sla
