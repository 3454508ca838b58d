"""Unreachable-rule detection is sound: when it says a later condition implies an earlier
one, no ticket matches the later without matching the earlier."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from bridge.rules.calendar import to_us
from bridge.rules.conditions import Context, compile_condition
from bridge.rules.reach import implies, shadowing
from bridge.rules.schema import Condition

from .helpers import make_ticket, utc

TAGS = ["a", "b", "c"]
TYPES = ["Technical Support", "Support Query"]
PRIORITIES = ["P1", "P2", "P3"]
STATUSES = ["open", "pending"]


def subset(values: list[str]) -> st.SearchStrategy[list[str]]:
    return st.lists(st.sampled_from(values), unique=True, max_size=len(values))


conditions = st.builds(
    lambda tags_any, tags_all, tags_none, types, priorities, tiers, statuses, field, text: Condition.model_validate(
        {
            "tags_any": tags_any, "tags_all": tags_all, "tags_none": tags_none, "type": types,
            "priority": priorities, "tier": tiers, "status": statuses, "text_contains": text,
            "fields": {"9": field} if field else {},
        }
    ),
    subset(TAGS), subset(TAGS), subset(TAGS), subset(TYPES), subset(PRIORITIES),
    st.lists(st.sampled_from([1, 2]), unique=True, max_size=2), subset(STATUSES), subset(["x", "y"]),
    subset(["down", "slow"]),
)

contexts = st.builds(
    lambda tags, kind, priority, tier, status, field, subject: _context(tags, kind, priority, tier, status, field, subject),
    subset(TAGS), st.sampled_from(TYPES), st.sampled_from(PRIORITIES), st.sampled_from([1, 2]),
    st.sampled_from(STATUSES), st.sampled_from(["x", "y", "z"]), st.sampled_from(["system down", "slow page", "hi"]),
)


def _context(tags: list[str], kind: str, priority: str, tier: int, status: str, field: str, subject: str) -> Context:
    ticket = make_ticket(tags=set(tags), status=status, custom_fields={"9": field}, subject=subject)
    ctx = Context(ticket, now_us=to_us(utc(2026, 11, 23, 12)), linked_issue_status=None)
    ctx.type, ctx.priority, ctx.tier = kind, priority, tier
    return ctx


@settings(max_examples=400, deadline=None)
@given(later=conditions, earlier=conditions, ctxs=st.lists(contexts, min_size=1, max_size=20))
def test_implies_is_sound(later: Condition, earlier: Condition, ctxs: list[Context]) -> None:
    if not implies(later, earlier):
        return
    later_match, earlier_match = compile_condition(later), compile_condition(earlier)
    for ctx in ctxs:
        assert not later_match(ctx) or earlier_match(ctx)


def test_implies_finds_the_obvious_cases() -> None:
    broad = Condition.model_validate({"priority": ["P1", "P2"]})
    narrow = Condition.model_validate({"priority": "P1", "tags_any": "a"})
    assert implies(narrow, broad)
    assert not implies(broad, narrow)
    assert implies(narrow, Condition())


def some(values: list[str]) -> st.SearchStrategy[list[str]]:
    return st.lists(st.sampled_from(values), unique=True, min_size=1, max_size=len(values))


# Conditions of a key or two, as real rules are: earlier ones often imply later ones.
sparse_conditions = st.fixed_dictionaries({}, optional={
    "tags_any": some(TAGS), "tags_all": some(TAGS), "tags_none": some(TAGS), "priority": some(PRIORITIES),
    "status": some(STATUSES), "fields": st.fixed_dictionaries({"9": some(["x", "y"])}),
}).map(Condition.model_validate)


@settings(max_examples=500, deadline=None)
@given(rules=st.lists(st.tuples(sparse_conditions, st.booleans(), st.booleans()), max_size=8))
def test_shadowing_skips_only_pairs_that_cannot_imply(rules: list[tuple[Condition, bool, bool]]) -> None:
    """The quick test of which keys each rule tests passes over no pair `implies` would report."""
    expected: list[tuple[int, int]] = []
    for later, (condition, _, _) in enumerate(rules):
        for earlier in range(later - 1, -1, -1):
            earlier_condition, continues, changes = rules[earlier]
            if not continues and implies(condition, earlier_condition):
                expected.append((later, earlier))
                break
            if continues and changes and earlier not in {found for found, _ in expected}:
                break  # (one that never runs changes nothing)
    assert list(shadowing(rules)) == expected
