"""A JQL subset: parse once into a predicate and a sort key.

Clauses: `field op value` with =, !=, ~, !~, >, >=, <, <=, IN, NOT IN, IS [NOT] EMPTY|NULL,
joined by AND / OR / NOT and parentheses, then `ORDER BY field [ASC|DESC], ...`.
Fields: project, key/issuekey/id, labels, status, statusCategory, resolution, priority,
issuetype/type, summary, description, text, comment, created, updated, resolved/resolutiondate,
assignee, reporter, custom fields (`cf[10030]`, `customfield_10030` or the field's name),
and `issue.property[key].path`. Dates: `"2024-05-01"`, `"2024-05-01 10:00"`, relative `-15m`,
`-2h`, `-1d`, `-1w`, and now()/startOfDay()/endOfDay(). Times are UTC.
"""

from __future__ import annotations

from typing import Any

from bridge.sandbox.jira_fields import compare, field_getter, sort_value
from bridge.sandbox.jira_jql_tokens import Issue, JqlError, Predicate, Value, tokenize

class Query:
    """Compiled JQL: `matches(issue)` and `sort(issues)`. `context` supplies lookups."""

    def __init__(self, jql: str, *, now: float, me: str, users: dict[str, dict[str, Any]], project: dict[str, Any]) -> None:
        self.now, self.me, self.users, self.project = now, me, users, project
        self.tokens = tokenize(jql or "")
        self.pos = 0
        self.order: list[tuple[str, bool]] = []
        self.predicate: Predicate = self._parse_all()

    # ---- parser -----------------------------------------------------------------------------
    def _peek(self, offset: int = 0) -> Value | None:
        i = self.pos + offset
        return self.tokens[i] if i < len(self.tokens) else None

    def _kw(self, word: str, offset: int = 0) -> bool:
        tok = self._peek(offset)
        return tok is not None and not tok.quoted and tok.upper() == word

    def _next(self) -> Value:
        tok = self._peek()
        if tok is None:
            raise JqlError("Error in the JQL Query: Expecting more input at the end of the query.")
        self.pos += 1
        return tok

    def _parse_all(self) -> Predicate:
        predicate: Predicate = lambda _issue: True
        if self._peek() is not None and not (self._kw("ORDER") and self._kw("BY", 1)):
            predicate = self._or()
        if self._kw("ORDER") and self._kw("BY", 1):
            self.pos += 2
            while True:
                field = self._next().lower()
                descending = False
                if self._kw("ASC") or self._kw("DESC"):
                    descending = self._next().upper() == "DESC"
                self.order.append((field, descending))
                if self._peek() != ",":
                    break
                self.pos += 1
        if self._peek() is not None:
            raise JqlError(f"Error in the JQL Query: Expecting either 'OR' or 'AND' but got '{self._peek()}'.")
        return predicate

    def _or(self) -> Predicate:
        parts = [self._and()]
        while self._kw("OR"):
            self.pos += 1
            parts.append(self._and())
        return parts[0] if len(parts) == 1 else (lambda i: any(p(i) for p in parts))

    def _and(self) -> Predicate:
        parts = [self._not()]
        while self._kw("AND"):
            self.pos += 1
            parts.append(self._not())
        return parts[0] if len(parts) == 1 else (lambda i: all(p(i) for p in parts))

    def _not(self) -> Predicate:
        if self._kw("NOT"):
            self.pos += 1
            inner = self._not()
            return lambda i: not inner(i)
        head = self._peek()
        if head is not None and head == "(" and not head.quoted:
            self.pos += 1
            inner = self._or()
            if self._next() != ")":
                raise JqlError("Error in the JQL Query: Expecting ')'.")
            return inner
        return self._clause()

    def _values(self) -> list[Value]:
        if self._peek() == "(":
            self.pos += 1
            out = []
            while True:
                out.append(self._value())
                sep = self._next()
                if sep == ")":
                    return out
                if sep != ",":
                    raise JqlError("Error in the JQL Query: Expecting ',' or ')'.")
        return [self._value()]

    def _value(self) -> Value:
        tok = self._next()
        if not tok.quoted and self._peek() == "(" and self._peek(1) == ")":  # function call like now()
            self.pos += 2
            merged = Value(tok + "()")
            return merged
        return tok

    def _clause(self) -> Predicate:
        field = self._next()
        getter = field_getter(field, self)
        if self._kw("IS"):
            self.pos += 1
            negate = self._kw("NOT")
            if negate:
                self.pos += 1
            word = self._next().upper()
            if word not in ("EMPTY", "NULL"):
                raise JqlError(f"Error in the JQL Query: Expecting 'EMPTY' or 'NULL' but got '{word}'.")
            return lambda i: _empty(getter(i)) != negate
        if self._kw("NOT") and self._kw("IN", 1):
            self.pos += 2
            values = self._values()
            return lambda i: not compare(getter(i), "in", values, self, field)
        if self._kw("IN"):
            self.pos += 1
            values = self._values()
            return lambda i: compare(getter(i), "in", values, self, field)
        op = self._next()
        if op not in ("=", "!=", "~", "!~", ">", ">=", "<", "<="):
            raise JqlError(f"Error in the JQL Query: Expecting operator but got '{op}'.")
        values = [self._value()]
        return lambda i: compare(getter(i), str(op), values, self, field)

    # ---- evaluation -----------------------------------------------------------------------------
    def matches(self, issue: Issue) -> bool:
        return self.predicate(issue)

    def sort(self, issues: list[Issue]) -> list[Issue]:
        ordered = sorted(issues, key=lambda i: int(i["id"]), reverse=True)
        for field, descending in reversed(self.order or [("created", True)]):
            ordered.sort(key=lambda i: sort_value(i, field, self), reverse=descending)
        return ordered


def _empty(value: Any) -> bool:
    return value is None or value == [] or value == ""


