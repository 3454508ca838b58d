"""A reopened ticket's SLA clocks restart from the reopen, with their full target (sla.restart_on_reopen)."""

from __future__ import annotations

from datetime import timedelta

import pytest
import yaml

from bridge.rules import Rules, RulesError, evaluate, load_rules
from bridge.rules.calendar import to_us
from bridge.rules.sla import clock_starts

from .helpers import SHIPPED, make_ticket, reply, utc

# A Support Query (shipped policy support-query: response 30m, review 1d, resolution 3d on
# gmt-office, Mon-Fri 08:00-16:00 GMT), created Monday 2026-11-23 09:00, answered at 09:10,
# solved on Tuesday and reopened the next Monday at 10:00.
CREATED = utc(2026, 11, 23, 9)
REOPENED = utc(2026, 11, 30, 10)
FIRST_REPLY = reply("agent@us.example", CREATED + timedelta(minutes=10))


def reopened(**changes: object):  # type: ignore[no-untyped-def]
    values = {
        "type": "question",
        "created_at": CREATED,
        "updated_at": REOPENED,
        "comments": (reply("ann@client.example", CREATED), FIRST_REPLY),
    }
    values.update(changes)
    return make_ticket(**values)


def alerts(ev) -> dict[str, str]:  # type: ignore[no-untyped-def]
    return {alert.target: alert.level for alert in ev.sla_alerts}


def with_sla(shipped: Rules, **sla: object) -> Rules:
    data = yaml.safe_load(SHIPPED.read_text(encoding="utf-8"))
    data["sla"].update(sla)
    return Rules.model_validate(data)


def test_without_a_restart_a_reopened_ticket_is_breached_from_its_creation(shipped: Rules) -> None:
    ev = evaluate(reopened(), shipped, now=REOPENED + timedelta(minutes=5))
    assert ev.due["resolution"] == utc(2026, 11, 26, 9)  # 3 working days from creation
    assert alerts(ev)["resolution"] == "breach"


def test_a_restart_gives_resolution_and_review_their_full_target_from_the_reopen(shipped: Rules) -> None:
    ev = evaluate(reopened(), shipped, now=REOPENED + timedelta(minutes=5), restarted=REOPENED)
    assert ev.due["review"] == utc(2026, 12, 1, 10)  # 1 working day (8 h): Mon 10-16, Tue 08-10
    assert ev.due["resolution"] == utc(2026, 12, 3, 10)  # 3 working days
    assert "resolution" not in alerts(ev) and "review" not in alerts(ev)
    # ... and they warn and breach from there.
    assert alerts(evaluate(reopened(), shipped, now=utc(2026, 12, 2, 15), restarted=REOPENED)) == {
        "response": "breach", "review": "breach", "resolution": "warning", "tier1_response": "breach",
    }
    assert alerts(evaluate(reopened(), shipped, now=utc(2026, 12, 3, 10), restarted=REOPENED))["resolution"] == "breach"


def test_a_restarted_response_clock_waits_for_a_reply_after_the_reopen(shipped: Rules) -> None:
    ticket = reopened()
    ev = evaluate(ticket, shipped, now=REOPENED + timedelta(minutes=40), restarted=REOPENED)
    assert ev.due["response"] == REOPENED + timedelta(minutes=30)
    assert alerts(ev)["response"] == "breach"  # the reply of last week does not answer the reopen
    answered = reopened(comments=(*ticket.comments, reply("agent@us.example", REOPENED + timedelta(minutes=20))))
    assert "response" not in alerts(evaluate(answered, shipped, now=REOPENED + timedelta(minutes=40), restarted=REOPENED))


def test_pauses_before_the_restart_do_not_count_and_later_ones_do(shipped: Rules) -> None:
    before = [(utc(2026, 11, 24, 10), utc(2026, 11, 25, 10))]
    now = REOPENED + timedelta(hours=3)
    ev = evaluate(reopened(), shipped, now=now, restarted=REOPENED, paused=before)
    assert ev.due["resolution"] == utc(2026, 12, 3, 10)
    after = [(utc(2026, 11, 30, 11), utc(2026, 11, 30, 12))]  # an hour awaiting the client after the reopen
    ev = evaluate(reopened(), shipped, now=now, restarted=REOPENED, paused=before + after)
    assert ev.due["resolution"] == utc(2026, 12, 3, 11)


def test_the_next_change_of_a_restarted_ticket_is_its_restarted_warning(shipped: Rules) -> None:
    ev = evaluate(reopened(), shipped, now=REOPENED + timedelta(minutes=1), restarted=REOPENED)
    assert ev.next_change == REOPENED + timedelta(minutes=22, seconds=30)  # 75 % of 30 min


def test_only_the_listed_clocks_restart(shipped: Rules) -> None:
    rules = with_sla(shipped, restart_on_reopen=["resolution"])
    ev = evaluate(reopened(), rules, now=REOPENED + timedelta(minutes=40), restarted=REOPENED)
    assert ev.due["resolution"] == utc(2026, 12, 3, 10)
    assert ev.due["response"] == CREATED + timedelta(minutes=30)  # from creation, and met by the first reply
    assert ev.due["review"] == utc(2026, 11, 24, 9)
    assert alerts(ev) == {"review": "breach"}  # the tier's response clock is a response clock: not restarted
    nothing = with_sla(shipped, restart_on_reopen=[])
    assert evaluate(reopened(), nothing, now=REOPENED, restarted=REOPENED).due == evaluate(
        reopened(), nothing, now=REOPENED
    ).due


def test_a_ticket_never_reopened_is_unchanged(shipped: Rules) -> None:
    ticket = make_ticket(type="question", created_at=CREATED, updated_at=CREATED + timedelta(hours=1))
    for now in (CREATED + timedelta(minutes=25), utc(2026, 11, 26, 12)):
        assert evaluate(ticket, shipped, now=now) == evaluate(ticket, shipped, now=now, restarted=None)
    # A "reopen" at or before creation is no reopen.
    assert clock_starts(("response",), to_us(CREATED), to_us(CREATED)) is None
    assert evaluate(ticket, shipped, now=CREATED + timedelta(minutes=25), restarted=CREATED) == evaluate(
        ticket, shipped, now=CREATED + timedelta(minutes=25)
    )


def test_solving_a_reopened_ticket_stops_its_restarted_clocks(shipped: Rules) -> None:
    answer = reply("agent@us.example", REOPENED + timedelta(minutes=20))
    solved = reopened(status="solved", comments=(*reopened().comments, answer))
    assert evaluate(solved, shipped, now=utc(2026, 12, 10, 12), restarted=REOPENED).sla_alerts == ()


def test_routing_on_the_sla_sees_the_restarted_clocks(shipped: Rules) -> None:
    data = yaml.safe_load(SHIPPED.read_text(encoding="utf-8"))
    data["routing"].insert(0, {"name": "late", "when": {"sla": "breach"}, "then": {"add_tags": ["late"]}, "continue": True})
    rules = Rules.model_validate(data)
    assert evaluate(reopened(), rules, now=REOPENED + timedelta(minutes=5)).add_tags == ("late",)
    assert evaluate(reopened(), rules, now=REOPENED + timedelta(minutes=5), restarted=REOPENED).add_tags == ()


@pytest.mark.parametrize("written", ["[response, reslution]", "reslution"])
def test_an_unknown_restart_target_is_reported_with_its_position(write_rules, written: str) -> None:  # type: ignore[no-untyped-def]
    text = SHIPPED.read_text(encoding="utf-8").replace(
        "restart_on_reopen: [response, review, resolution]", f"restart_on_reopen: {written}"
    )
    path = write_rules(text)
    with pytest.raises(RulesError) as error:
        load_rules(path)
    (problem,) = error.value.problems
    line = next(n for n, row in enumerate(text.splitlines(), 1) if "restart_on_reopen" in row)
    assert problem.line == line
    assert problem.message == "unknown SLA target 'reslution'; did you mean 'resolution'?"


