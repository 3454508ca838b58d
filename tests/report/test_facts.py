"""One ticket's figures: when each SLA target was met and in how much working time, when it
was resolved, and how long it spent in each status and stage (shipped rules: gmt-office,
Mon–Fri 08:00–16:00)."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from bridge.report.facts import NONE, Reader
from bridge.rules import load_rules

from .helpers import at, recorded

HOUR = 3600 * 1_000_000
MINUTE = 60 * 1_000_000
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def reader() -> Reader:
    return Reader(load_rules(ROOT / "rules.yaml"))


def outcomes(fact) -> dict[str, tuple[str, float | None]]:  # type: ignore[no-untyped-def]
    return {o.target: (o.state, None if o.taken_us is None else o.taken_us / HOUR) for o in fact.outcomes}


def test_targets_met_on_time_with_the_working_time_each_took(reader: Reader) -> None:
    # Technical Support P2: response 30m, review 4h (met on hold), resolution 2 working days.
    ticket = recorded(
        [(at(2, 9), "new", None), (at(2, 9, 20), "open", None), (at(2, 11), "hold", None), (at(3, 10), "solved", None)],
        replies=(at(2, 9, 20),),
    )
    fact = reader.facts(ticket, now=at(10, 12))
    assert fact is not None
    assert (fact.priority, fact.type, fact.policy) == ("P2", "Technical Support", "technical-p2")
    assert outcomes(fact) == {"response": ("met", 20 / 60), "review": ("met", 2.0), "resolution": ("met", 9.0)}
    assert fact.resolved == at(3, 10)
    assert {s: v // MINUTE for s, v in fact.in_status.items()} == {"new": 20, "open": 100, "hold": 23 * 60}


def test_a_ticket_nobody_answered_until_it_was_solved_met_every_target_late(reader: Reader) -> None:
    # P1: response 30m, review 1h, resolution 4h; solved on Wednesday at 09:00.
    ticket = recorded([(at(2, 9), "new", None), (at(4, 9), "solved", None)], priority="urgent")
    fact = reader.facts(ticket, now=at(10, 12))
    assert fact is not None and fact.priority == "P1"
    # Monday 09:00–16:00, Tuesday 08:00–16:00, Wednesday 08:00–09:00: 16 working hours.
    assert outcomes(fact) == {"response": ("late", 16.0), "review": ("late", 16.0), "resolution": ("late", 16.0)}


def test_an_open_ticket_past_its_due_time_missed_it_and_the_others_still_run(reader: Reader) -> None:
    ticket = recorded([(at(2, 9), "open", None)], type="question", priority="normal")  # Support Query
    fact = reader.facts(ticket, now=at(2, 12))
    assert fact is not None and fact.policy == "support-query"
    assert outcomes(fact) == {"response": ("missed", None), "review": ("running", None), "resolution": ("running", None)}
    response = fact.outcomes[0]
    assert response.settled == response.due == at(2, 9, 30)
    assert fact.outcomes[1].settled is None and fact.resolved is None


def test_time_paused_awaiting_the_client_is_not_counted(reader: Reader) -> None:
    ticket = recorded(
        [(at(2, 9), "open", None), (at(2, 10), "pending", None), (at(2, 14), "open", None), (at(3, 12), "solved", None)],
        replies=(at(2, 9, 5),), pauses=((at(2, 10), at(2, 14)),),
    )
    fact = reader.facts(ticket, now=at(10, 12))
    assert fact is not None
    # Monday 7 working hours less the 4 paused, Tuesday 08:00–12:00: 7 hours.
    assert outcomes(fact)["resolution"] == ("met", 7.0)
    assert fact.in_status["pending"] == 4 * HOUR


def test_a_reopened_ticket_is_resolved_when_last_solved_and_its_target_counts_the_first_solve(reader: Reader) -> None:
    ticket = recorded(
        [(at(2, 9), "open", None), (at(2, 12), "solved", None), (at(2, 14), "open", None),
         (at(3, 9), "solved", None), (at(4, 9), "closed", None)],
        replies=(at(2, 9, 10),),
    )
    fact = reader.facts(ticket, now=at(10, 12))
    assert fact is not None
    assert fact.resolved == at(3, 9)  # closing later changes nothing
    assert outcomes(fact)["resolution"] == ("met", 3.0)
    assert fact.in_status == {"open": 3 * HOUR + 19 * HOUR, "solved": 2 * HOUR}


def test_a_ticket_first_seen_solved_counts_from_that_sighting(reader: Reader) -> None:
    # Created Monday 09:00, first seen (solved) at 12:00: resolved then, nothing known before.
    ticket = recorded([(at(2, 12), "solved", None)], created_at=at(2, 9))
    fact = reader.facts(ticket, now=at(10, 12))
    assert fact is not None and fact.resolved == at(2, 12)
    assert outcomes(fact)["resolution"] == ("met", 3.0)
    assert outcomes(fact)["response"] == ("late", 3.0)  # solving stops the response clock too
    assert fact.in_status == {}


def test_time_at_each_support_stage_comes_from_its_stage_tag(reader: Reader) -> None:
    ticket = recorded(
        [(at(2, 9), "open", {"stage_under_investigation"}), (at(2, 15), "hold", {"stage_raised_with_development"}),
         (at(3, 15), "solved", {"stage_client_sign_off"})],
    )
    fact = reader.facts(ticket, now=at(10, 12))
    assert fact is not None
    assert {s: v / HOUR for s, v in fact.in_stage.items()} == {"Under Investigation": 6.0, "Raised with Development": 24.0}


def test_the_product_is_the_fields_value_or_the_first_product_tagged(reader: Reader, tmp_path: Path) -> None:
    assert reader.facts(recorded([(at(2, 9), "open", {"cards", "export"})]), now=at(2, 10)).product == "Web shop"  # type: ignore[union-attr]
    assert reader.facts(recorded([(at(2, 9), "open", {"export"})]), now=at(2, 10)).product == "Reporting"  # type: ignore[union-attr]
    assert reader.facts(recorded([(at(2, 9), "open", set())], organization=None), now=at(2, 10)).organization == NONE  # type: ignore[union-attr]
    path = tmp_path / "rules.yaml"
    path.write_text((ROOT / "rules.yaml").read_text(encoding="utf-8") + "\nfields: {product: 3601}\n", encoding="utf-8")
    by_field = Reader(load_rules(path))
    tagged = recorded([(at(2, 9), "open", {"cards"})], custom_fields={"3601": "reports"})
    assert by_field.facts(tagged, now=at(2, 10)).product == "Reporting"  # type: ignore[union-attr]  # an option's tag
    other = recorded([(at(2, 9), "open", {"cards"})], custom_fields={"3601": "Mobile app"})
    assert by_field.facts(other, now=at(2, 10)).product == "Mobile app"  # type: ignore[union-attr]  # a value no product names


def test_a_deleted_ticket_is_no_part_of_any_figure(reader: Reader) -> None:
    assert reader.facts(recorded([(at(2, 9), "open", None), (at(2, 10), "deleted", None)]), now=at(2, 11)) is None


def test_tags_first_seen_late_are_not_taken_for_earlier_moments(reader: Reader) -> None:
    # P2, review 4 working hours (met by the tag `reviewed`): first seen at 15:00 already
    # tagged. The reply at 09:10 met the response; nothing says the review was done before 15:00.
    ticket = recorded([(at(2, 15), "open", {"reviewed"})], created_at=at(2, 9), replies=(at(2, 9, 10),))
    fact = reader.facts(ticket, now=at(10, 12))
    assert fact is not None
    assert outcomes(fact)["response"] == ("met", 10 / 60)
    assert outcomes(fact)["review"] == ("late", 6.0)


def test_a_linked_ticket_is_judged_by_the_policy_the_daemon_applies_at_the_top_tier(tmp_path: Path) -> None:
    text = (ROOT / "rules.yaml").read_text(encoding="utf-8").replace(
        "  policies:\n",
        "  policies:\n    - name: development\n      when: {tier: 4}\n      calendar: gmt-office\n"
        "      targets: {response: 30m, review: 1d, resolution: 20d}\n", 1)
    path = tmp_path / "rules.yaml"
    path.write_text(text, encoding="utf-8")
    reader = Reader(load_rules(path))
    ticket = recorded([(at(2, 9), "open", None)], replies=(at(2, 9, 10),), linked_at=at(2, 10))
    fact = reader.facts(ticket, now=at(10, 12))
    assert fact is not None and fact.policy == "development"
    assert outcomes(fact)["resolution"] == ("running", None)  # technical-p2's 2 days would be missed
    assert reader.facts(replace(ticket, linked_at=None), now=at(10, 12)).policy == "technical-p2"  # type: ignore[union-attr]


def test_reported_as_of_an_earlier_moment_the_ticket_is_as_it_was_then(reader: Reader) -> None:
    ticket = recorded(
        [(at(2, 9), "new", None), (at(2, 11), "open", None), (at(4, 9), "solved", None)],
        replies=(at(2, 11),), linked_at=at(3, 9),
    )
    fact = reader.facts(ticket, now=at(2, 12))
    assert fact is not None
    assert fact.resolved is None and fact.escalated is None and fact.open_at(at(2, 12))
    assert outcomes(fact) == {"response": ("late", 2.0), "review": ("running", None), "resolution": ("running", None)}
    assert fact.in_status == {"new": 2 * HOUR, "open": 1 * HOUR}
    assert reader.facts(ticket, now=at(2, 8)) is None  # not created yet


def test_a_merged_duplicate_is_neither_solved_nor_open_and_has_no_sla_figures(reader: Reader) -> None:
    ticket = recorded([(at(2, 9), "open", None), (at(2, 10), "closed", None)], merged_at=at(2, 10))
    fact = reader.facts(ticket, now=at(10, 12))
    assert fact is not None
    assert (fact.merged, fact.resolved, fact.outcomes) == (at(2, 10), None, ())
    assert fact.open_at(at(2, 9, 30)) and not fact.open_at(at(3, 9))
