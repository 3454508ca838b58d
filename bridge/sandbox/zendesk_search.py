"""A subset of the Zendesk search language for tickets.

Supported (https://support.zendesk.com/hc/en-us/articles/4408886879258):
`type:ticket`, `status:` with `:`, `<`, `>`, `<=`, `>=` (ordered new<open<pending<hold<solved<closed),
`priority:`, `ticket_type:`, `tags:` / `-tags:`, `requester:` / `assignee:` (id, e-mail or `none`),
`organization:` (id or name), `group:`, `created`/`updated`/`solved` with a date or ISO time,
`subject:word`, free words (subject, description and comments), `order_by:` + `sort:`.
Repeated values of one property are OR'ed, different properties AND'ed, as Zendesk does.
"""

from __future__ import annotations

import re
import shlex
from datetime import datetime, timezone
from typing import Any, Callable

from bridge.sandbox.zendesk_shapes import STATUSES

Predicate = Callable[[dict[str, Any]], bool]
_TERM = re.compile(r"^(-?)([a-z_]+)(:|<=|>=|<|>)(.+)$")


def _epoch(text: str) -> float:
    text = text.strip().strip('"')
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
        text += "T00:00:00Z"
    return datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(timezone.utc).timestamp()


def _cmp(op: str, left: Any, right: Any) -> bool:
    if left is None:
        return False
    return {":": left == right, "<": left < right, ">": left > right,
            "<=": left <= right, ">=": left >= right}[op]


class TicketSearch:
    def __init__(self, *, users: dict[int, dict[str, Any]], orgs: dict[int, dict[str, Any]],
                 comments: dict[int, list[dict[str, Any]]]) -> None:
        self.users = users
        self.orgs = orgs
        self.comments = comments

    def _user_ids(self, value: str) -> set[Any]:
        if value == "none":
            return {None}
        if value.isdigit():
            return {int(value)}
        return {u["id"] for u in self.users.values() if (u.get("email") or "").lower() == value.lower()
                or u["name"].lower() == value.lower()}

    def _org_ids(self, value: str) -> set[Any]:
        if value == "none":
            return {None}
        if value.isdigit():
            return {int(value)}
        return {o["id"] for o in self.orgs.values() if o["name"].lower() == value.lower()}

    def _term(self, key: str, op: str, value: str) -> Predicate | None:
        value = value.strip('"')
        if key == "status":
            rank = STATUSES.index(value) if value in STATUSES else -1
            return lambda t: _cmp(op, STATUSES.index(t["status"]), rank)
        if key in ("priority", "ticket_type"):
            field = "type" if key == "ticket_type" else key
            return lambda t: t[field] == value
        if key in ("tags", "tag"):
            return lambda t: value.lower() in t["tags"]
        if key in ("requester", "assignee", "submitter"):
            ids = self._user_ids(value)
            return lambda t: t[f"{key}_id"] in ids
        if key == "organization":
            ids = self._org_ids(value)
            return lambda t: t["organization_id"] in ids
        if key == "group":
            return lambda t: str(t["group_id"]) == value or (value == "none" and t["group_id"] is None)
        if key in ("created", "updated"):
            moment = _epoch(value)
            field = f"{key}_at"
            return lambda t: _cmp(op if op != ":" else ">=", _epoch(t[field]), moment) and (
                op != ":" or _epoch(t[field]) < moment + 86400)
        if key == "subject":
            return lambda t: value.lower() in (t["subject"] or "").lower()
        if key in ("external_id",):
            return lambda t: str(t["external_id"]) == value
        return None  # type:, order_by:, sort: and unknown keys do not filter

    def _text(self, word: str) -> Predicate:
        word = word.lower()

        def match(ticket: dict[str, Any]) -> bool:
            haystack = [ticket["subject"] or "", ticket["description"] or ""]
            haystack += [c["body"] for c in self.comments.get(ticket["id"], [])]
            return any(word in text.lower() for text in haystack)
        return match

    def run(self, query: str, tickets: list[dict[str, Any]]) -> list[dict[str, Any]]:
        try:
            tokens = shlex.split(query)
        except ValueError:
            tokens = query.split()
        groups: dict[str, list[Predicate]] = {}
        negated: list[Predicate] = []
        text: list[Predicate] = []
        order_by, descending = "created_at", True
        wanted_type = "ticket"
        for token in tokens:
            match = _TERM.match(token)
            if not match:
                text.append(self._text(token))
                continue
            neg, key, op, value = match.groups()
            if key == "type":
                wanted_type = value
            elif key == "order_by":
                order_by = {"updated": "updated_at", "created": "created_at", "priority": "priority",
                            "status": "status"}.get(value, f"{value}")
            elif key == "sort":
                descending = value == "desc"
            else:
                predicate = self._term(key, op, value)
                if predicate is not None:
                    (negated if neg else groups.setdefault(f"{key}{op}", [])).append(predicate)
        if wanted_type != "ticket":
            return []
        hits = [t for t in tickets
                if all(any(p(t) for p in alternatives) for alternatives in groups.values())
                and not any(p(t) for p in negated) and all(p(t) for p in text)]
        hits.sort(key=lambda t: (t.get(order_by) is None, t.get(order_by) or "", t["id"]), reverse=descending)
        return hits
