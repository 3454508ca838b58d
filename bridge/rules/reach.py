"""Unreachable rules: a later rule whose condition implies an earlier rule's, with nothing
in between that could change the ticket, can never be reached (first match wins).

The test is conservative: it reports a rule only when it can prove the shadowing from
the condition keys alone; conditions it cannot compare are never reported.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from bridge.rules.schema import Condition

# Keys that hold when the ticket's value is any of the listed ones.
_ANY_OF = (
    "type", "priority", "tier", "status", "zendesk_type", "organization",
    "requester_domain", "group", "text_contains", "linked_issue_status",
)


def implies(later: Condition, earlier: Condition) -> bool:
    """Whether every ticket matching `later` also matches `earlier`."""
    return _implies(later, _tests(earlier))


def _tests(condition: Condition) -> tuple[tuple[str, object], ...]:
    """The keys `condition` tests, with their values: an empty one tests nothing (False does)."""
    return tuple(
        (key, value) for key in Condition.model_fields
        if (value := getattr(condition, key)) or value is False
    )


def _implies(later: Condition, earlier_tests: tuple[tuple[str, object], ...]) -> bool:
    for key, wanted in earlier_tests:
        have = getattr(later, key)
        if wanted != have and not _covers(key, wanted, have, later):
            return False
    return True


def _covers(key: str, wanted: object, have: object, later: Condition) -> bool:
    if key in _ANY_OF:
        return bool(have) and set(have) <= set(wanted)  # type: ignore[call-overload]
    if key == "tags_any":
        tags = set(wanted)  # type: ignore[call-overload]
        return (bool(have) and set(have) <= tags) or bool(tags & set(later.tags_all))  # type: ignore[call-overload]
    if key in ("tags_all", "tags_none"):
        return set(wanted) <= set(have)  # type: ignore[call-overload]
    if key == "fields":
        return all(
            field in have and set(have[field]) <= set(values)  # type: ignore[operator,index]
            for field, values in wanted.items()  # type: ignore[attr-defined]
        )
    return False


def shadowing(rules: Sequence[tuple[Condition, bool, bool]]) -> Iterator[tuple[int, int]]:
    """(later, earlier) index pairs; each rule is (condition, continues, changes the ticket)."""
    # What each rule tests, once: a file of thousands of rules compares millions of pairs, and
    # most pairs fail at once: an earlier rule testing a key the later one does not.
    tests = [_tests(condition) for condition, _, _ in rules]
    keys = [frozenset(key for key, _ in tested) for tested in tests]
    unreachable: set[int] = set()
    for later, (condition, _, _) in enumerate(rules):
        # (an earlier `tags_any` may be met by the later rule's `tags_all`)
        answerable = keys[later] | {"tags_any"} if condition.tags_all else keys[later]
        for earlier in range(later - 1, -1, -1):
            _, continues, _ = rules[earlier]
            if not continues and keys[earlier] <= answerable and _implies(condition, tests[earlier]):
                unreachable.add(later)
                yield later, earlier
                break
            if continues and rules[earlier][2] and earlier not in unreachable:
                break  # it may change the ticket and carry on: what `later` sees may differ
