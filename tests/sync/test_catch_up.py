"""Old news (a breach or staleness found long after it began) goes into one catch-up summary,
not a Slack notice each; news the bridge was there for, or held back in quiet hours, does not."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest

from bridge.model import Ticket, TicketState
from bridge.rules import Rules
from bridge.rules.schema import QuietHours, RoutingRule
from bridge.store import Conflict, Store
from bridge.store.history import caught_up_lines, record_many
from bridge.sync.catch_up import CURSOR, catch_up_summary
from bridge.sync.decide import decide
from bridge.sync.notify import CAUGHT_UP_MARK
from bridge.sync.sweep import sweep
from tests.sync.test_decide import ticket
from tests.sync.test_sweep import MONDAY_9, remember, rules, store  # noqa: F401 - the fixtures too

MONTH_LATER = datetime(2026, 4, 1, 9, 0, tzinfo=timezone.utc)  # a Wednesday, a month after MONDAY_9


def with_notifications(rules: Rules, **changes: Any) -> Rules:
    return rules.model_copy(update={"notifications": rules.notifications.model_copy(update=changes)})


def question(number: int, created: datetime, **changes: object) -> Ticket:
    """A Support Query nobody answered: response 30m, review 1d, resolution 3d, tier 1 response
    1d; stale after 2d."""
    fields: dict[str, object] = {
        "id": number, "type": "question", "priority": "normal", "tags": frozenset(), "created_at": created,
        "updated_at": created, "comments": ticket().comments[:1],
        "url": f"https://acme.zendesk.com/agent/tickets/{number}",
    }
    return replace(ticket(), **(fields | changes))  # type: ignore[arg-type]


def pending_notices(store: Store) -> list[str]:
    return sorted(a.action.key for a in store.actions.with_status("pending") if a.action.key.startswith("notify:"))


def test_a_month_old_backlog_gets_one_summary_not_a_notice_per_breach(store: Store, rules: Rules) -> None:
    for number in range(1, 6):
        remember(store, rules, question(number, MONDAY_9), MONDAY_9)
    sweep(store=store, rules=rules, now=MONTH_LATER, default_project="SUP", clock=lambda: MONTH_LATER)
    assert pending_notices(store) == []  # 20 breaches and 5 stale tickets: not 25 pings
    lines = [(e.what, e.detail) for e in store.history.of(3) if e.what.startswith("caught up")]
    assert lines == [
        ("caught up sla_breach", "response due 2026-03-02 09:30 UTC"),
        ("caught up sla_breach", "review due 2026-03-03 09:00 UTC"),
        ("caught up sla_breach", "resolution due 2026-03-05 09:00 UTC"),
        ("caught up sla_breach", "tier1_response due 2026-03-03 09:00 UTC"),
        ("caught up stale", "stale since 2026-03-04 09:00 UTC"),
    ]

    assert catch_up_summary(store=store, rules=rules, now=MONTH_LATER) == 1
    [summary] = [a.action for a in store.actions.with_status("pending")]
    assert summary.key.startswith("notify:catch_up:") and summary.ticket_id is None
    text = summary.params["text"]
    assert "20 SLA breaches and 5 stale tickets on 5 tickets, older than 1d" in text
    assert (
        "• #1: response due 2026-03-02 09:30 UTC · review due 2026-03-03 09:00 UTC · resolution due 2026-03-05 09:00 UTC"
        " · tier1_response due 2026-03-03 09:00 UTC · stale since 2026-03-04 09:00 UTC\n• #2: response due"
    ) in text
    assert "more tickets" not in text  # all five listed

    # Judged again (new rules make every ticket due): already summarized, nothing new.
    store.snapshots.make_all_due(at=MONTH_LATER)
    later = MONTH_LATER + timedelta(minutes=1)
    sweep(store=store, rules=rules, now=later, default_project="SUP", clock=lambda: later)
    assert catch_up_summary(store=store, rules=rules, now=later) == 0
    assert len(store.actions.with_status("pending")) == 1


def test_a_breach_the_bridge_was_there_for_gets_its_own_notice(store: Store, rules: Rules) -> None:
    remember(store, rules, question(1, MONDAY_9), MONDAY_9)
    sweep(store=store, rules=rules, now=MONTH_LATER, default_project="SUP", clock=lambda: MONTH_LATER)
    fresh = question(2, MONTH_LATER - timedelta(minutes=40))  # response due 08:50 (work starts 08:00)
    remember(store, rules, fresh, fresh.created_at)
    sweep(store=store, rules=rules, now=MONTH_LATER, default_project="SUP", clock=lambda: MONTH_LATER)
    assert pending_notices(store) == ["notify:sla:2:response:breach:2026-04-01T08:50:00+00:00"]
    assert catch_up_summary(store=store, rules=rules, now=MONTH_LATER) == 1  # ticket 1's, alone
    assert "on 1 ticket," in store.actions.with_status("pending")[-1].action.params["text"]


def test_with_catch_up_none_every_old_breach_gets_its_own_notice(store: Store, rules: Rules) -> None:
    every = with_notifications(rules, catch_up="none")
    remember(store, every, question(1, MONDAY_9), MONDAY_9)
    sweep(store=store, rules=every, now=MONTH_LATER, default_project="SUP", clock=lambda: MONTH_LATER)
    assert len(pending_notices(store)) == 5  # four breaches, stale
    assert catch_up_summary(store=store, rules=every, now=MONTH_LATER) == 0


def test_what_quiet_hours_held_back_goes_out_on_its_own_when_they_end(rules: Rules) -> None:
    quiet = QuietHours.model_validate({"hours": "15:00-09:00", "timezone": "UTC", "except": ["sla_breach"]})
    held = with_notifications(rules, quiet_hours=quiet, catch_up="1h")
    thursday_9 = datetime(2026, 3, 5, 9, 0, tzinfo=timezone.utc)
    replied = ticket().comments[:1] + (replace(ticket().comments[0], id="2", author="agent@help.example"),)
    # Stale at Wednesday 15:30, in the quiet spell from 15:00: held until Thursday 09:00.
    in_spell = question(1, MONDAY_9, updated_at=MONDAY_9.replace(hour=15, minute=30), comments=replied)
    # Stale at Wednesday 14:00, before the spell: old news at Thursday 09:00.
    before = question(2, MONDAY_9, updated_at=MONDAY_9.replace(hour=14), comments=replied)

    waiting = decide(in_spell, TicketState(), held, now=thursday_9 - timedelta(hours=1), default_project="SUP")
    assert not waiting.actions and waiting.next_check == thursday_9
    out = decide(in_spell, TicketState(), held, now=thursday_9, default_project="SUP")
    assert [a.key for a in out.actions if "stale" in a.key] == ["notify:stale:1:2026-03-02T15:30:00+00:00"]
    assert not [found for found in out.caught_up if found[1] == "stale"]

    old = decide(before, TicketState(), held, now=thursday_9, default_project="SUP")
    assert not [a.key for a in old.actions if "stale" in a.key]
    assert (2, "stale", "stale since 2026-03-04 14:00 UTC") in old.caught_up
    assert "notify:stale:2:2026-03-02T14:00:00+00:00" in old.marks[(2, CAUGHT_UP_MARK)].split()
    assert old.expect == {(2, CAUGHT_UP_MARK): None}  # a second worker recording it too would conflict
    # Once summarized, it is not summarized again.
    again = decide(before, TicketState(marks={CAUGHT_UP_MARK: old.marks[(2, CAUGHT_UP_MARK)]}), held, now=thursday_9,
                   default_project="SUP")
    assert again.actions == old.actions and not again.caught_up and not again.marks


def test_the_summary_waits_for_quiet_hours_to_end_and_is_dropped_when_switched_off(store: Store, rules: Rules) -> None:
    remember(store, rules, question(1, MONDAY_9), MONDAY_9)
    sweep(store=store, rules=rules, now=MONTH_LATER, default_project="SUP", clock=lambda: MONTH_LATER)
    night = datetime(2026, 4, 1, 23, tzinfo=timezone.utc)  # shipped quiet hours: 20:00-07:00 London
    assert catch_up_summary(store=store, rules=rules, now=night) == 0
    assert catch_up_summary(store=store, rules=rules, now=night + timedelta(hours=8)) == 1

    remember(store, rules, question(2, MONDAY_9), MONDAY_9)
    sweep(store=store, rules=rules, now=MONTH_LATER, default_project="SUP", clock=lambda: MONTH_LATER)
    silent = with_notifications(rules, events=rules.notifications.events.model_copy(update={"catch_up": False}))
    assert catch_up_summary(store=store, rules=silent, now=MONTH_LATER) == 0
    assert catch_up_summary(store=store, rules=rules, now=MONTH_LATER) == 0  # ticket 2's lines are behind the bookmark
    assert len(store.actions.with_status("pending")) == 1


def test_a_long_summary_lists_the_first_ten_tickets(store: Store, rules: Rules) -> None:
    for number in range(1, 13):
        remember(store, rules, question(number, MONDAY_9), MONDAY_9)
    sweep(store=store, rules=rules, now=MONTH_LATER, default_project="SUP", clock=lambda: MONTH_LATER)
    assert catch_up_summary(store=store, rules=rules, now=MONTH_LATER) == 1
    text = store.actions.with_status("pending")[0].action.params["text"]
    assert [line.split(":")[0] for line in text.splitlines()[1:-1]] == [f"• #{n}" for n in range(1, 11)]
    assert text.splitlines()[-1] == "…and 2 more tickets: `bridge history TICKET` shows each one's."


def test_what_was_summed_up_stays_summed_up_and_what_comes_up_later_is_summed_up_too(rules: Rules) -> None:
    reviewed = question(1, MONDAY_9, tags=frozenset({"reviewed"}))  # the review clock stopped
    first = decide(reviewed, TicketState(), rules, now=MONTH_LATER, default_project="SUP")
    assert first.caught_up and not [a for a in first.actions if a.key.startswith("notify:")]
    state = TicketState(marks={CAUGHT_UP_MARK: first.marks[(1, CAUGHT_UP_MARK)]})

    # Untagged, the review breach (Tuesday 3 March) comes back: older than the others summed
    # up, it is summed up now; nothing summed up before comes round again.
    later = MONTH_LATER + timedelta(hours=1)
    untagged = decide(replace(reviewed, tags=frozenset(), updated_at=later), state, rules, now=later,
                      default_project="SUP")
    assert untagged.caught_up == ((1, "sla_breach", "review due 2026-03-03 09:00 UTC"),)

    # Every notice of its own from now on: what was summed up is not sent one by one after all.
    every = with_notifications(rules, catch_up="none")
    assert not decide(reviewed, state, every, now=later, default_project="SUP").actions


def test_two_workers_finding_the_same_old_news_record_it_once(store: Store, rules: Rules) -> None:
    old = question(1, MONDAY_9)
    remember(store, rules, old, MONDAY_9)
    state = store.ticket_state(1)
    one, two = (decide(old, state, rules, now=MONTH_LATER, default_project="SUP") for _ in range(2))
    store.commit_decision(None, one, ticket_ids=[1], now=MONTH_LATER)
    with pytest.raises(Conflict):  # an event's decision: the event is looked at again
        store.commit_decision(None, two, ticket_ids=[1], now=MONTH_LATER)
    store.commit_timer_decisions([(1, two)], now=MONTH_LATER)  # a sweep's: dropped, the batch goes on
    assert len([e for e in store.history.of(1) if e.what.startswith("caught up")]) == len(one.caught_up) == 5


def test_with_no_old_news_the_summary_bookmark_still_moves_on(store: Store, rules: Rules) -> None:
    store.history.add(1, "event ticket.changed", "nothing to do", now=MONDAY_9)
    assert catch_up_summary(store=store, rules=rules, now=MONDAY_9) == 0
    assert store.cursor(CURSOR) == "1"


def test_staleness_a_routing_rule_asks_for_without_stale_after_is_sent_however_old(rules: Rules) -> None:
    # stale_after: none, and a rule of the admin's own: when the ticket went stale is not known.
    idle = rules.model_copy(update={
        "notifications": rules.notifications.model_copy(update={"stale_after": "none"}),
        "routing": (RoutingRule.model_validate({"name": "idle", "when": {"idle_over": "3d"}, "then": {"notify": ["stale"]}}),),
    })
    decision = decide(question(1, MONDAY_9), TicketState(), idle, now=MONTH_LATER, default_project="SUP")
    assert "notify:stale:1:2026-03-02T09:00:00+00:00" in [a.key for a in decision.actions]


def test_two_leaders_summing_up_at_once_send_one_summary(store: Store, rules: Rules) -> None:
    remember(store, rules, question(1, MONDAY_9), MONDAY_9)
    sweep(store=store, rules=rules, now=MONTH_LATER, default_project="SUP", clock=lambda: MONTH_LATER)
    # The other leader reads the bookmark too, and moves it before this one does.
    read_cursor, other = store.cursor, []

    def read_then_lose_the_race(name: str) -> str | None:
        value = read_cursor(name)
        store.cursor = read_cursor  # type: ignore[method-assign]  # the other leader reads as usual
        other.append(catch_up_summary(store=store, rules=rules, now=MONTH_LATER))
        with store.engine.begin() as conn:  # and old news of another ticket comes in
            record_many(conn, caught_up_lines([(2, "stale", "stale since 2026-03-04 09:00 UTC")]), now=MONTH_LATER)
        return value

    store.cursor = read_then_lose_the_race  # type: ignore[method-assign]
    assert catch_up_summary(store=store, rules=rules, now=MONTH_LATER) == 0 and other == [1]
    [first] = [a.action for a in store.actions.with_status("pending")]
    assert "on 1 ticket," in first.params["text"]  # ticket 1 only, told once
    assert catch_up_summary(store=store, rules=rules, now=MONTH_LATER) == 1  # ticket 2's, next time
    assert "1 stale ticket on 1 ticket" in store.actions.with_status("pending")[-1].action.params["text"]
