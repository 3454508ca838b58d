"""A clock a reply stopped after its due time was breached all the same: it reports `late`.

Where the bridge was down at the due time, or first saw the ticket after the reply, this is
the only trace of the breach; it must reach the manager, and must not act as a running one.
"""

from __future__ import annotations

from datetime import timedelta

from bridge.rules import Rules, SlaAlert, evaluate, load_rules
from bridge.rules.calendar import to_us

from .helpers import BASE, SHIPPED, make_ticket, reply, utc

MONDAY_9 = utc(2026, 11, 23, 9)
RESPONSE_DUE = utc(2026, 11, 23, 10)  # BASE: response 1h on Mon-Fri 08:00-16:00 GMT
AGENT = "bob@support.example"

ROUTE_ON_BREACH = """\
routing:
  - name: breached-to-engineers
    when: {sla: breach}
    then: {tier: 3}
escalation:
  when: {sla_breach_at_tier: 3}
"""


def answered(at, **changes):  # type: ignore[no-untyped-def]
    first = reply("ann@client.example", MONDAY_9)
    return make_ticket(comments=(first, reply(AGENT, at)), updated_at=at, **changes)


def test_a_reply_after_the_due_time_leaves_the_response_breached_as_late(write_rules) -> None:  # type: ignore[no-untyped-def]
    rules = load_rules(write_rules(BASE))
    ev = evaluate(answered(utc(2026, 11, 23, 10, 15)), rules, now=utc(2026, 11, 23, 10, 30))
    assert ev.sla_alerts == (SlaAlert("response", "late", to_us(RESPONSE_DUE)),)


def test_a_reply_in_time_or_at_the_due_moment_meets_the_target(write_rules) -> None:  # type: ignore[no-untyped-def]
    rules = load_rules(write_rules(BASE))
    for at in (utc(2026, 11, 23, 9, 40), RESPONSE_DUE):
        assert evaluate(answered(at), rules, now=utc(2026, 11, 23, 10, 30)).sla_alerts == ()


def test_a_target_met_late_neither_routes_nor_escalates_as_a_running_breach(write_rules) -> None:  # type: ignore[no-untyped-def]
    rules = load_rules(write_rules(BASE + ROUTE_ON_BREACH))
    unanswered = evaluate(make_ticket(), rules, now=utc(2026, 11, 23, 10, 30))
    assert unanswered.rules == ("breached-to-engineers",) and unanswered.escalate is not None  # the rules work
    late = evaluate(answered(utc(2026, 11, 23, 10, 15)), rules, now=utc(2026, 11, 23, 10, 30))
    assert late.rules == () and late.tier == 1 and late.escalate is None
    assert [a.level for a in late.sla_alerts] == ["late"]


def test_a_clock_stopped_by_a_status_counts_as_met_in_time(write_rules) -> None:  # type: ignore[no-untyped-def]
    # Solved (no moment known) after a late reply: the status stops the clock, nothing is late.
    rules = load_rules(write_rules(BASE))
    solved = answered(utc(2026, 11, 23, 10, 15), status="solved")
    assert evaluate(solved, rules, now=utc(2026, 11, 23, 10, 30)).sla_alerts == ()


def test_a_restarted_clock_is_late_only_for_a_reply_late_after_the_reopen(write_rules) -> None:  # type: ignore[no-untyped-def]
    rules = load_rules(write_rules(BASE))
    reopened = utc(2026, 11, 24, 9)  # response due again at 10:00 on Tuesday
    in_time_first_time = reply(AGENT, utc(2026, 11, 23, 9, 30))
    ticket = make_ticket(comments=(reply("ann@client.example", MONDAY_9), in_time_first_time,
                                   reply(AGENT, utc(2026, 11, 24, 10, 20))), updated_at=utc(2026, 11, 24, 10, 20))
    ev = evaluate(ticket, rules, now=utc(2026, 11, 24, 10, 30), restarted=reopened)
    assert [(a.target, a.level, a.due) for a in ev.sla_alerts] == [("response", "late", utc(2026, 11, 24, 10))]
    on_time = make_ticket(comments=ticket.comments[:2] + (reply(AGENT, utc(2026, 11, 24, 9, 50)),))
    assert evaluate(on_time, rules, now=utc(2026, 11, 24, 10, 30), restarted=reopened).sla_alerts == ()


def test_a_tier_response_answered_late_is_late_too() -> None:
    shipped: Rules = load_rules(SHIPPED)
    # A question at tier 1 (response 1 working day: due Tuesday 09:00), answered Tuesday 11:00.
    question = make_ticket(type="question", created_at=MONDAY_9, updated_at=utc(2026, 11, 24, 11),
                           comments=(reply("ann@client.example", MONDAY_9), reply(AGENT, utc(2026, 11, 24, 11))))
    ev = evaluate(question, shipped, now=utc(2026, 11, 24, 11) + timedelta(minutes=5))
    tier = [(a.level, a.due) for a in ev.sla_alerts if a.target == "tier1_response"]
    assert tier == [("late", utc(2026, 11, 24, 9))]


def test_a_late_reply_that_sets_the_ticket_pending_still_tells_of_the_breach(write_rules) -> None:  # type: ignore[no-untyped-def]
    # Awaiting the client pauses the clocks: nothing runs, but the response was late all the same.
    rules = load_rules(write_rules(BASE))
    late = utc(2026, 11, 23, 10, 15)
    pending = answered(late, status="pending")
    ev = evaluate(pending, rules, now=utc(2026, 11, 23, 10, 30), paused=[(late, None)])
    assert ev.paused is True
    assert ev.sla_alerts == (SlaAlert("response", "late", to_us(RESPONSE_DUE)),)
    in_time = answered(utc(2026, 11, 23, 9, 45), status="pending")
    assert evaluate(in_time, rules, now=utc(2026, 11, 23, 10, 30), paused=[(utc(2026, 11, 23, 9, 45), None)]).sla_alerts == ()


def test_a_tier_response_answered_late_then_pending_is_late_too() -> None:
    shipped: Rules = load_rules(SHIPPED)
    answer = utc(2026, 11, 24, 11)
    question = make_ticket(type="question", status="pending", created_at=MONDAY_9, updated_at=answer,
                           comments=(reply("ann@client.example", MONDAY_9), reply(AGENT, answer)))
    ev = evaluate(question, shipped, now=answer + timedelta(minutes=5), paused=[(answer, None)])
    assert [(a.target, a.level) for a in ev.sla_alerts if a.target == "tier1_response"] == [("tier1_response", "late")]


def test_replies_listed_out_of_order_are_judged_by_the_earliest(write_rules) -> None:  # type: ignore[no-untyped-def]
    rules = load_rules(write_rules(BASE))
    first = reply("ann@client.example", MONDAY_9)
    shuffled = make_ticket(comments=(first, reply(AGENT, utc(2026, 11, 23, 10, 15)), reply(AGENT, utc(2026, 11, 23, 9, 30))))
    assert evaluate(shuffled, rules, now=utc(2026, 11, 23, 10, 30)).sla_alerts == ()


def test_a_target_met_late_is_no_warning_to_routing_either(write_rules) -> None:  # type: ignore[no-untyped-def]
    rules = load_rules(write_rules(BASE + "routing:\n  - name: at-risk\n    when: {sla: warning}\n    then: {tier: 2}\n"))
    assert evaluate(make_ticket(), rules, now=utc(2026, 11, 23, 9, 50)).rules == ("at-risk",)  # a warning routes
    late = evaluate(answered(utc(2026, 11, 23, 10, 15)), rules, now=utc(2026, 11, 23, 10, 30))
    assert late.rules == () and [a.level for a in late.sla_alerts] == ["late"]
