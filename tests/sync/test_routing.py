"""The routing rules' outcomes reach the Zendesk ticket: its tier's group, its priority, the tags rules add."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from bridge.model import ActionKind, Decision, TicketState
from bridge.rules import Rules, load_rules
from bridge.sync.decide import decide
from tests.sync.test_decide import NOW, ROOT, ticket

ROUTING = """
routing:
  - name: vip
    when: {organization: Acme Corp}
    then: {group: VIP Desk, add_tags: [vip], reason: Acme is a VIP customer.}
    continue: true
  - name: developers
    when: {tags_any: [tier4]}
    then: {tier: 4}
"""


@pytest.fixture(scope="module")
def rules() -> Rules:
    return load_rules(ROOT / "rules.yaml")


@pytest.fixture
def vip_rules(tmp_path: Path) -> Rules:
    shipped = (ROOT / "rules.yaml").read_text()
    path = tmp_path / "rules.yaml"
    path.write_text(shipped[: shipped.index("\nrouting:")] + ROUTING + shipped[shipped.index("\nescalation:"):])
    return load_rules(path)


def routes(decision: Decision) -> list[dict[str, object]]:
    return [dict(a.params) for a in decision.actions if a.key.startswith("route:")]


def after(decision: Decision, state: TicketState = TicketState()) -> TicketState:
    """What the store keeps of a decision: its actions planned, its marks."""
    marks = {**state.marks, **{name: value for (_, name), value in decision.marks.items()}}
    return TicketState(planned=state.planned | {a.key for a in decision.actions}, marks=marks)


def test_a_ticket_tagged_for_a_higher_tier_moves_to_that_tiers_group_once(rules: Rules) -> None:
    tagged = ticket(tags=frozenset({"tier2"}), group="Tier 1 Help Desk")
    first = decide(tagged, TicketState(), rules, now=NOW, default_project="SUP")
    assert routes(first) == [{"group": "Tier 2 Support"}]
    [route] = [a for a in first.actions if a.key.startswith("route:")]
    assert route.kind is ActionKind.NOTE_TICKET and route.ticket_id == 101 and "note" not in route.params
    # Planned once: an agent who moves it back is not overruled at every update.
    assert routes(decide(tagged, after(first), rules, now=NOW, default_project="SUP")) == []
    # Once there, nothing to change.
    assert routes(decide(ticket(tags=frozenset({"tier2"}), group="Tier 2 Support"), TicketState(), rules,
                         now=NOW, default_project="SUP")) == []


def test_an_agent_who_moves_it_back_is_not_overruled_whatever_else_changed(rules: Rules) -> None:
    tagged = ticket(tags=frozenset({"tier2", "severe"}), priority="normal", group="Tier 1 Help Desk")
    first = decide(tagged, TicketState(), rules, now=NOW, default_project="SUP")
    assert routes(first) == [{"group": "Tier 2 Support", "priority": "urgent"}]
    # Priority written; the agent then moved the ticket back to tier 1's group.
    moved_back = ticket(tags=frozenset({"tier2", "severe"}), priority="urgent", group="Tier 1 Help Desk")
    assert routes(decide(moved_back, after(first), rules, now=NOW, default_project="SUP")) == []


def test_the_rules_coming_back_to_a_group_they_left_move_the_ticket_back(vip_rules: Rules) -> None:
    state = TicketState()
    moves = []
    for minutes, (org, group) in enumerate([("Acme Corp", "Tier 1 Help Desk"), ("Other", "VIP Desk"), ("Acme Corp", "Tier 1 Help Desk")]):
        # Acme is routed to VIP Desk; another organisation has no rule; Acme again (the ticket moved meanwhile).
        changed = ticket(tags=frozenset({"vip"}), organization=org, group=group, updated_at=NOW - timedelta(minutes=10 - minutes))
        decision = decide(changed, state, vip_rules, now=NOW, default_project="SUP")
        moves.append(routes(decision))
        state = after(decision, state)
    assert moves == [[{"group": "VIP Desk"}], [], []]  # VIP Desk written once: an agent moved it away since
    state = TicketState(planned=state.planned, marks={**state.marks, "routed_group": "Tier 1 Help Desk"})
    back = ticket(tags=frozenset({"vip"}), group="Tier 1 Help Desk", updated_at=NOW)
    assert routes(decide(back, state, vip_rules, now=NOW, default_project="SUP")) == [{"group": "VIP Desk"}]



def test_two_versions_judged_at_once_plan_the_move_once(rules: Rules) -> None:
    # Two workers take two changes of one ticket at the same time: both read a store that has
    # routed nothing yet. The store keeps one action per key, so Zendesk gets one update.
    first = ticket(tags=frozenset({"tier2"}), group="Tier 1 Help Desk", updated_at=NOW - timedelta(minutes=2))
    second = ticket(tags=frozenset({"tier2", "billing"}), group="Tier 1 Help Desk", updated_at=NOW - timedelta(minutes=1))
    keys = [
        {a.key for a in decide(t, TicketState(), rules, now=NOW, default_project="SUP").actions if a.key.startswith("route:")}
        for t in (first, second)
    ]
    assert len(keys[0]) == 1 and keys[0] == keys[1]


def test_the_rules_going_back_and_forth_write_every_move(vip_rules: Rules) -> None:
    # Acme's ticket goes to VIP Desk, the organisation is corrected (no rule: tier 1's group is
    # not forced), then set back to Acme twice over: each answer of the rules that differs
    # from the last one written is written, however often it was written before.
    state, moves = TicketState(), []
    for minutes, group in enumerate(["VIP Desk", "Tier 2 Support", "VIP Desk", "Tier 2 Support"]):
        tags = frozenset({"vip", "tier2"}) if group == "Tier 2 Support" else frozenset({"vip"})
        org = "Other" if group == "Tier 2 Support" else "Acme Corp"
        changed = ticket(tags=tags, organization=org, group="Tier 1 Help Desk", updated_at=NOW - timedelta(minutes=10 - minutes))
        decision = decide(changed, state, vip_rules, now=NOW, default_project="SUP")
        moves.append(routes(decision))
        state = after(decision, state)
    assert moves == [[{"group": "VIP Desk"}], [{"group": "Tier 2 Support"}], [{"group": "VIP Desk"}], [{"group": "Tier 2 Support"}]]


def test_a_severity_tag_sets_the_zendesk_priority(rules: Rules) -> None:
    severe = ticket(tags=frozenset({"severe"}), priority="normal", group="Tier 1 Help Desk")
    assert routes(decide(severe, TicketState(), rules, now=NOW, default_project="SUP")) == [{"priority": "urgent"}]
    plain = ticket(tags=frozenset(), priority="normal", group="Tier 1 Help Desk")
    assert routes(decide(plain, TicketState(), rules, now=NOW, default_project="SUP")) == []
    unset = ticket(tags=frozenset(), priority=None, group="Tier 1 Help Desk")  # the default priority: left unset
    assert routes(decide(unset, TicketState(), rules, now=NOW, default_project="SUP")) == []


def test_a_rule_s_group_and_tags_go_in_one_update(vip_rules: Rules) -> None:
    acme = ticket(tags=frozenset(), group="Tier 1 Help Desk")
    decision = decide(acme, TicketState(), vip_rules, now=NOW, default_project="SUP")
    assert routes(decision) == [{"group": "VIP Desk", "add_tags": ["vip"]}]
    # A later change of the rules' answer is a new change, made too.
    moved = ticket(tags=frozenset({"vip", "severe"}), group="VIP Desk")
    assert routes(decide(moved, after(decision), vip_rules, now=NOW, default_project="SUP")) == [{"priority": "urgent"}]


def test_an_escalation_carries_the_routing_in_its_own_update_of_the_ticket(rules: Rules) -> None:
    decision = decide(ticket(group="Tier 1 Help Desk"), TicketState(), rules, now=NOW, default_project="SUP")
    assert routes(decision) == []
    [note] = [a for a in decision.actions if a.key == "note_escalated:101"]
    assert note.params["group"] == "Tier 4 Development" and note.params["status"] == "hold"
    assert "{issue_tag}" in note.params["add_tags"]
    # Later decisions, before the update is made, do not plan it again.
    assert routes(decide(ticket(group="Tier 1 Help Desk"), after(decision), rules, now=NOW, default_project="SUP")) == []


@pytest.mark.parametrize("status", ["solved", "closed"])
def test_a_closed_ticket_is_not_routed(rules: Rules, status: str) -> None:
    done = ticket(tags=frozenset({"tier2", "severe"}), status=status, group="Tier 1 Help Desk")
    assert routes(decide(done, TicketState(), rules, now=NOW, default_project="SUP")) == []
