"""Regular expressions that can run for hours on one ticket's text ("catastrophic backtracking").

Python's `re` has no time limit, and a ticket's text is written by anyone who can open a
ticket: a rule's `text_regex` shaped like `(a+)+` would hold a worker on a text that almost
matches. The shape caught here is the common one: a repeat without bound whose every pass
is, apart from parts that may match nothing, another repeat without bound (`(a+)+`,
`(\\w+\\s?)*`, `(.*)*`). `(\\d+\\.)+` is fine: each pass must match a dot.
"""

from __future__ import annotations

from re import _constants as c  # the parsed form of a pattern; stable across 3.11+
from re import _parser
from typing import Any


def repeats_a_repeat(pattern: str) -> bool:
    """Whether the (valid) pattern repeats, without bound, a repeat without bound."""
    return _walk(_parser.parse(pattern))


def _walk(items: Any) -> bool:
    for op, av in items:
        if op in (c.MAX_REPEAT, c.MIN_REPEAT):
            _, most, body = av
            if most == c.MAXREPEAT and _only_repeats(body):
                return True
            if _walk(body):
                return True
        elif op is c.SUBPATTERN and _walk(av[-1]):
            return True
        elif op is c.BRANCH and any(_walk(branch) for branch in av[1]):
            return True
        elif op in (c.ASSERT, c.ASSERT_NOT) and _walk(av[1]):
            return True
    return False


def _only_repeats(body: Any) -> bool:
    """The body holds a repeat without bound, and nothing else it must match."""
    items = _flat(body)
    unbounded = [item for item in items if _is_repeat(item) and item[1][1] == c.MAXREPEAT]
    return bool(unbounded) and all(_is_repeat(item) and item[1][0] == 0 for item in items if item not in unbounded)


def _flat(body: Any) -> list[Any]:
    """The body's items, groups opened: `((a+))` is `a+`."""
    items: list[Any] = []
    for op, av in body:
        if op is c.SUBPATTERN:
            items += _flat(av[-1])
        else:
            items.append((op, av))
    return items


def _is_repeat(item: Any) -> bool:
    return item[0] in (c.MAX_REPEAT, c.MIN_REPEAT)
