"""How each JQL field reads an issue record and compares against literals."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any, Callable

from bridge.sandbox.jira_jql_tokens import DATE_FIELDS, JqlError, Value, parse_time
from bridge.sandbox.jira_shapes import (CATEGORIES, CUSTOM_FIELDS, ISSUE_TYPES, PRIORITIES, RESOLUTIONS,
                                        STATUSES)

if TYPE_CHECKING:
    from bridge.sandbox.jira_jql import Query

Issue = dict[str, Any]
Getter = Callable[[Issue], Any]
_PROPERTY = re.compile(r"^issue\.property\[([^\]]+)\]((?:\.[\w-]+)*)$", re.IGNORECASE)
_CF = re.compile(r"^cf\[(\d+)\]$", re.IGNORECASE)


def _aliases(table: dict[str, Any], name: Any) -> list[str] | None:
    if name is None:
        return None
    value = table[name]
    return [name, value[0] if isinstance(value, tuple) else value]


def _key_number(key: str) -> int:
    return int(key.rsplit("-", 1)[1]) if "-" in key else int(key)


def _custom_id(name: str) -> str | None:
    match = _CF.match(name)
    if match:
        return f"customfield_{match.group(1)}"
    if name.lower() in CUSTOM_FIELDS:
        return name.lower()
    return next((fid for fid, (label, _, _) in CUSTOM_FIELDS.items() if label.lower() == name.lower()), None)


def field_getter(field: Value, query: "Query") -> Getter:
    name = str(field)
    lower = name.lower()
    if lower == "project":
        return lambda i: [query.project["key"], query.project["id"], query.project["name"]]
    if lower in ("key", "issuekey", "id"):
        return lambda i: [i["key"], i["id"]]
    if lower == "labels":
        return lambda i: list(i["fields"]["labels"])
    if lower == "status":
        return lambda i: _aliases(STATUSES, i["fields"]["status"])
    if lower == "statuscategory":
        return lambda i: [CATEGORIES[STATUSES[i["fields"]["status"]][1]]["name"], STATUSES[i["fields"]["status"]][1]]
    if lower == "resolution":
        return lambda i: _aliases(RESOLUTIONS, i["fields"]["resolution"]) or None
    if lower == "priority":
        return lambda i: _aliases(PRIORITIES, i["fields"]["priority"])
    if lower in ("issuetype", "type"):
        return lambda i: _aliases(ISSUE_TYPES, i["fields"]["issuetype"])
    if lower in ("summary", "description", "environment"):
        return lambda i: i["fields"][lower]
    if lower == "comment":
        return lambda i: "\n".join(c["body"] for c in i["comments"]) or None
    if lower == "text":
        return lambda i: "\n".join([i["fields"]["summary"] or "", i["fields"]["description"] or ""]
                                   + [c["body"] for c in i["comments"]])
    if lower in DATE_FIELDS:
        return lambda i: i["fields"][DATE_FIELDS[lower]]
    if lower in ("assignee", "reporter"):
        def person(i: Issue) -> list[str] | None:
            account = i["fields"][lower]
            if account is None:
                return None
            user = query.users.get(account, {})
            return [account, user.get("emailAddress", ""), user.get("displayName", "")]
        return person
    prop = _PROPERTY.match(name)
    if prop:
        key, path = prop.group(1), [p for p in prop.group(2).split(".") if p]

        def read(i: Issue) -> Any:
            value: Any = i["properties"].get(key)
            for part in path:
                value = value.get(part) if isinstance(value, dict) else None
            return value
        return read
    custom = _custom_id(name)
    if custom:
        return lambda i: i["fields"]["custom"].get(custom)
    raise JqlError(f"Field '{name}' does not exist or you do not have permission to view it.")


def _literal(value: Value, query: "Query") -> Any:
    if not value.quoted and value.lower() == "currentuser()":
        return query.me
    if not value.quoted and value.upper() in ("EMPTY", "NULL"):
        return None
    if value.lower() == "unresolved":  # `resolution = Unresolved` means no resolution
        return None
    return str(value)


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return list(value) if isinstance(value, list) else [value]


def compare(actual: Any, op: str, values: list[Value], query: "Query", field: Value) -> bool:
    lower = str(field).lower()
    if lower in DATE_FIELDS:
        if actual is None:
            return op == "in" and any(_literal(v, query) is None for v in values)
        moments = [parse_time(str(v), query.now) for v in values]
        return _ordered(actual, op, moments)
    if lower in ("key", "issuekey", "id") and op in (">", ">=", "<", "<="):
        return _ordered(_key_number(actual[0]), op, [_key_number(str(values[0]))])
    if op in ("~", "!~"):
        text = str(actual or "").lower()
        words = [w for w in re.split(r"\W+", str(values[0]).lower().strip("*")) if w]
        hit = bool(words) and all(w in text for w in words)
        return hit if op == "~" else not hit
    if op in (">", ">=", "<", "<="):
        try:
            return _ordered(float(actual), op, [float(values[0])])
        except (TypeError, ValueError):
            return _ordered(str(actual or ""), op, [str(values[0])])
    have = [str(a).lower() for a in _as_list(actual)]
    wanted = [_literal(v, query) for v in values]
    if op == "in":
        return any((w is None and not have) or (w is not None and str(w).lower() in have) for w in wanted)
    hit = (not have) if wanted[0] is None else str(wanted[0]).lower() in have
    if op == "=":
        return hit
    return (not hit) and (bool(have) or wanted[0] is None)  # "!=" never matches an empty field


def _ordered(actual: Any, op: str, targets: list[Any]) -> bool:
    target = targets[0]
    return {"=": actual == target, "in": actual in targets, "!=": actual != target, ">": actual > target,
            ">=": actual >= target, "<": actual < target, "<=": actual <= target}.get(op, False)


def sort_value(issue: Issue, field: str, query: "Query") -> Any:
    f = issue["fields"]
    if field in ("key", "issuekey", "id"):
        return _key_number(issue["key"])
    if field in DATE_FIELDS:
        return f[DATE_FIELDS[field]] or 0
    if field == "status":
        return list(STATUSES).index(f["status"])
    if field == "priority":
        return int(PRIORITIES[f["priority"]])
    if field in ("summary", "issuetype", "type", "resolution", "assignee", "reporter"):
        value = f.get("issuetype" if field == "type" else field)
        return str(value or "").lower()
    custom = _custom_id(field)
    if custom:
        value = f["custom"].get(custom)
        return (value is None, str(value or ""))
    return 0
