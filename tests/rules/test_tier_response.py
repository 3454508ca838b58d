"""Per-tier response targets (tiers.<n>.response): DESIGN.md's T1 1, T2 2, T3 3 working days."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from typer.testing import CliRunner

from bridge.rules import Rules, RulesError, evaluate, load_rules
from bridge.rules.cli import rules_app, rules_json_schema
from bridge.rules.sla import tier_response_due

from .helpers import BASE, SHIPPED, make_ticket, reply, utc

MONDAY = utc(2026, 11, 23, 9)  # gmt-office: Mon-Fri 08:00-16:00 GMT, a working day is 8 h


def tier_alerts(ev) -> dict[str, tuple[str, object]]:  # type: ignore[no-untyped-def]
    return {a.target: (a.level, a.due) for a in ev.sla_alerts if a.target.startswith("tier")}


def test_the_shipped_tiers_carry_design_md_response_targets(shipped: Rules) -> None:
    assert {n: (t.response, t.calendar) for n, t in shipped.tiers.items()} == {
        1: ("1d", "gmt-office"), 2: ("2d", "gmt-office"), 3: ("3d", "gmt-office"), 4: (None, None),
    }


def test_tier1_response_warns_then_breaches_after_one_working_day(shipped: Rules) -> None:
    ticket = make_ticket(type="question", created_at=MONDAY, updated_at=MONDAY)
    due = utc(2026, 11, 24, 9)  # Mon 09-16 (7 h) + Tue 08-09 (1 h)
    assert tier_alerts(evaluate(ticket, shipped, now=utc(2026, 11, 23, 14, 59))) == {}
    assert tier_alerts(evaluate(ticket, shipped, now=utc(2026, 11, 23, 15))) == {"tier1_response": ("warning", due)}
    assert tier_alerts(evaluate(ticket, shipped, now=due)) == {"tier1_response": ("breach", due)}
    assert tier_response_due(shipped, ticket, tier=1, now=MONDAY) == due


def test_the_next_change_includes_the_tier_warning(shipped: Rules) -> None:
    # A Service Task (response 30m: breached by 10:00; review 3d: warns Wed 11:00) at tier 2 since Monday 09:00.
    ticket = make_ticket(type="task", tags={"tier2"}, created_at=MONDAY, updated_at=MONDAY)
    ev = evaluate(ticket, shipped, now=MONDAY + timedelta(hours=1), tier_since=(2, MONDAY))
    # tier 2: 2 working days = 16 h, warns at 75 % = 12 h: Mon 09-16 (7 h) + Tue 08-13 (5 h).
    assert ev.next_change == utc(2026, 11, 24, 13)
    later = evaluate(ticket, shipped, now=utc(2026, 11, 24, 13), tier_since=(2, MONDAY))
    assert tier_alerts(later) == {"tier2_response": ("warning", utc(2026, 11, 25, 9))}
    assert later.next_change == utc(2026, 11, 25, 9)  # the breach (before the review's warning and staleness)


def test_a_tier_response_counts_from_entering_the_tier_and_wants_a_reply_since(shipped: Rules) -> None:
    entered = utc(2026, 11, 24, 10)  # moved to tier 2 on Tuesday 10:00
    before = reply("agent@us.example", MONDAY + timedelta(minutes=5))
    ticket = make_ticket(type="task", tags={"tier2"}, created_at=MONDAY, updated_at=entered,
                         comments=(reply("ann@client.example", MONDAY), before))
    due = utc(2026, 11, 26, 10)  # Tue 10-16 (6 h) + Wed (8 h) + Thu 08-10 (2 h)
    ev = evaluate(ticket, shipped, now=due, tier_since=(2, entered))
    assert tier_alerts(ev) == {"tier2_response": ("breach", due)}  # the tier-1 reply does not count
    answered = make_ticket(type="task", tags={"tier2"}, created_at=MONDAY, updated_at=entered,
                           comments=(*ticket.comments, reply("lead@us.example", entered + timedelta(hours=1))))
    assert tier_alerts(evaluate(answered, shipped, now=due, tier_since=(2, entered))) == {}


def test_without_a_record_the_entry_is_the_last_update_but_at_the_default_tier_the_creation(shipped: Rules) -> None:
    updated = utc(2026, 11, 24, 10)
    tier2 = make_ticket(type="task", tags={"tier2"}, created_at=MONDAY, updated_at=updated)
    assert tier_response_due(shipped, tier2, tier=2, now=updated) == utc(2026, 11, 26, 10)
    # A record of another tier: the tier changed with the last update.
    assert tier_response_due(shipped, tier2, tier=2, now=updated, tier_since=(1, MONDAY)) == utc(2026, 11, 26, 10)
    tier1 = make_ticket(type="task", created_at=MONDAY, updated_at=updated)
    assert tier_response_due(shipped, tier1, tier=1, now=updated) == utc(2026, 11, 24, 9)


def test_a_reopen_restarts_the_tier_response_clock(shipped: Rules) -> None:
    reopened = utc(2026, 11, 30, 10)
    ticket = make_ticket(type="task", created_at=MONDAY, updated_at=reopened,
                         comments=(reply("ann@client.example", MONDAY), reply("agent@us.example", MONDAY)))
    assert tier_alerts(evaluate(ticket, shipped, now=reopened + timedelta(hours=2))) == {}
    ev = evaluate(ticket, shipped, now=utc(2026, 12, 1, 10), restarted=reopened)
    assert tier_alerts(ev) == {"tier1_response": ("breach", utc(2026, 12, 1, 10))}


@pytest.mark.parametrize("changes", [{"status": "pending"}, {"tags": {"stage_awaiting_client_info"}}, {"status": "solved"}])
def test_no_tier_alert_while_paused_or_solved(shipped: Rules, changes: dict[str, object]) -> None:
    ticket = make_ticket(type="question", created_at=MONDAY, updated_at=MONDAY, **changes)
    assert tier_alerts(evaluate(ticket, shipped, now=utc(2026, 11, 30, 12))) == {}


def test_the_development_tier_has_no_response_target(shipped: Rules) -> None:
    ticket = make_ticket(tags={"tier4"}, created_at=MONDAY, updated_at=MONDAY)
    ev = evaluate(ticket, shipped, now=utc(2026, 11, 30, 12))
    assert ev.tier == 4 and tier_alerts(ev) == {}
    assert tier_response_due(shipped, ticket, tier=4, now=MONDAY) is None


def test_a_tier_breach_alone_does_not_escalate(write_rules) -> None:  # type: ignore[no-untyped-def]
    text = BASE.replace("  2: {name: Support, group: Support, tags: [tier2]}",
                        "  2: {name: Support, group: Support, tags: [tier2], response: 1h, calendar: office}")
    text = text.replace("targets: {response: 1h, review: 4h, resolution: 2d}", "targets: {response: none}")
    text += "escalation: {when: {tier_reached: 4, sla_breach_at_tier: 2}}\n"
    rules = load_rules(write_rules(text))
    ticket = make_ticket(tags={"tier2"}, created_at=MONDAY, updated_at=MONDAY)
    ev = evaluate(ticket, rules, now=utc(2026, 11, 23, 12))
    assert [(a.target, a.level) for a in ev.sla_alerts] == [("tier2_response", "breach")]
    assert ev.escalate is None


def test_rules_without_tier_targets_raise_no_tier_alerts(write_rules) -> None:  # type: ignore[no-untyped-def]
    rules = load_rules(write_rules(BASE))
    ticket = make_ticket(created_at=MONDAY, updated_at=MONDAY)
    assert tier_alerts(evaluate(ticket, rules, now=utc(2026, 12, 23, 12))) == {}


def _problems(write_rules, old: str, new: str) -> list[str]:  # type: ignore[no-untyped-def]
    text = SHIPPED.read_text(encoding="utf-8")
    assert old in text
    with pytest.raises(RulesError) as error:
        load_rules(write_rules(text.replace(old, new, 1)))
    return [str(problem).split("/")[-1] for problem in error.value.problems]


def test_a_tier_target_needs_a_known_calendar(write_rules) -> None:  # type: ignore[no-untyped-def]
    lines = SHIPPED.read_text(encoding="utf-8").splitlines()
    at = next(n for n, row in enumerate(lines, 1) if "response: 1d" in row)
    assert _problems(write_rules, "    response: 1d\n    calendar: gmt-office\n", "    response: 1d\n") == [
        f"rules.yaml:{at}:15: tier 1's response target is working time: say on which calendar (calendar: ...)"
    ]
    assert _problems(write_rules, "    calendar: gmt-office\n", "    calendar: gmt-ofice\n") == [
        f"rules.yaml:{at + 1}:15: unknown calendar 'gmt-ofice'; did you mean 'gmt-office'?"
    ]
    assert _problems(write_rules, "    response: 1d\n", "    response: 1\n") == [
        f"rules.yaml:{at}:15: tiers.1.response: 1 has no unit: write e.g. 1m, 1h or 1d"
    ]


def test_the_schema_offers_the_new_keys() -> None:
    definitions = rules_json_schema()["$defs"]
    assert {"response", "calendar"} <= set(definitions["Tier"]["properties"])
    assert "restart_on_reopen" in definitions["Sla"]["properties"]


def test_explain_shows_the_tier_due_time(tmp_path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "t.json"
    path.write_text(json.dumps({"ticket": {
        "id": 7, "subject": "How do I export?", "description": "?", "status": "open", "priority": "normal",
        "type": "question", "tags": [], "created_at": "2026-11-23T09:00:00Z", "updated_at": "2026-11-23T09:00:00Z",
    }}), encoding="utf-8")
    result = CliRunner().invoke(rules_app, ["explain", "--ticket", str(path), "--rules", str(SHIPPED),
                                            "--now", "2026-11-23T10:00:00Z", "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["tier_response_due"] == "2026-11-24T09:00:00Z"
    table = CliRunner().invoke(rules_app, ["explain", "--ticket", str(path), "--rules", str(SHIPPED),
                                           "--now", "2026-11-23T10:00:00Z"])
    assert "tier 1 response due" in table.output and "2026-11-24T09:00:00Z" in table.output


def test_the_tier_clock_pauses_with_the_ticket_s_policy(write_rules) -> None:  # type: ignore[no-untyped-def]
    # The policy pauses on its own tag, not on sla.pause_when: the tier clock is paused by the
    # same condition the recorded pauses come from, so it cannot alert while they are open.
    text = BASE.replace("  1: {name: Help desk, group: Desk}",
                        "  1: {name: Help desk, group: Desk, response: 1h, calendar: office}")
    text = text.replace("      targets: {response: 1h, review: 4h, resolution: 2d}",
                        "      targets: {response: 1h, review: 4h, resolution: 2d}\n"
                        "      pause_when: {tags_any: [waiting_on_vendor]}")
    rules = load_rules(write_rules(text))
    waiting = make_ticket(tags={"waiting_on_vendor"}, created_at=MONDAY, updated_at=MONDAY)
    ev = evaluate(waiting, rules, now=utc(2026, 11, 23, 12))
    assert ev.paused and tier_alerts(ev) == {}
    # Paused since 09:30, resumed at 11:00: the hour's target falls due at 11:30, not 10:00.
    running = make_ticket(created_at=MONDAY, updated_at=utc(2026, 11, 23, 11))
    paused = [(utc(2026, 11, 23, 9, 30), utc(2026, 11, 23, 11))]
    ev = evaluate(running, rules, now=utc(2026, 11, 23, 11, 15), paused=paused)
    assert tier_alerts(ev) == {"tier1_response": ("warning", utc(2026, 11, 23, 11, 30))}


def test_a_changed_copy_of_the_rules_counts_its_own_tier_targets(shipped: Rules) -> None:
    ticket = make_ticket(type="question", created_at=MONDAY, updated_at=MONDAY)
    tiers = dict(shipped.tiers)
    tiers[1] = tiers[1].model_copy(update={"response": "2d"})
    longer = shipped.model_copy(update={"tiers": tiers})
    assert tier_response_due(shipped, ticket, tier=1, now=MONDAY) == utc(2026, 11, 24, 9)
    assert tier_response_due(longer, ticket, tier=1, now=MONDAY) == utc(2026, 11, 25, 9)
