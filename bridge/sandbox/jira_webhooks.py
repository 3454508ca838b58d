"""Jira Cloud webhook bodies (`jira:issue_created`, `jira:issue_updated`, `comment_*`, `issuelink_*`).

Shapes follow shared/reference/jira/jira-to-matrix/webhooks and zulip/comment_created.json:
`timestamp` is epoch milliseconds, updates carry `changelog{id, items[]}`, comment events
carry the comment and a reduced issue.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from bridge.sandbox.jira_shapes import (ISSUE_TYPES, PRIORITIES, RESOLUTIONS, STATUSES, issuetype_json,
                                        priority_json, status_json, user_json)

if TYPE_CHECKING:
    from bridge.sandbox.jira_state import JiraState

# record field -> (changelog field name, fieldId, lookup table for ids or None)
TRACKED = {
    "summary": ("summary", "summary", None), "description": ("description", "description", None),
    "status": ("status", "status", STATUSES), "resolution": ("resolution", "resolution", RESOLUTIONS),
    "priority": ("priority", "priority", PRIORITIES), "issuetype": ("issuetype", "issuetype", ISSUE_TYPES),
    "assignee": ("assignee", "assignee", None), "labels": ("labels", "labels", None),
    "duedate": ("duedate", "duedate", None), "environment": ("environment", "environment", None),
}


def _id_of(table: dict[str, Any] | None, name: Any) -> Any:
    if table is None or name is None:
        return None
    value = table[name]
    return value[0] if isinstance(value, tuple) else value


def changelog_items(before: dict[str, Any], after: dict[str, Any]) -> list[dict[str, Any]]:
    items = []
    for key, (field, field_id, table) in TRACKED.items():
        old, new = before.get(key), after.get(key)
        if old == new:
            continue
        if key == "labels":
            old, new = " ".join(old or []) or None, " ".join(new or []) or None
        item = {"field": field, "fieldtype": "jira", "fieldId": field_id,
                "from": _id_of(table, old) if table else (old if key in ("assignee",) else None),
                "fromString": old if key != "assignee" else old, "to": _id_of(table, new) if table else (
                    new if key in ("assignee",) else None), "toString": new}
        items.append(item)
    for key in set(before.get("custom", {})) | set(after.get("custom", {})):
        old, new = before.get("custom", {}).get(key), after.get("custom", {}).get(key)
        if old != new:
            items.append({"field": key, "fieldtype": "custom", "fieldId": key, "from": None,
                          "fromString": None if old is None else str(old), "to": None,
                          "toString": None if new is None else str(new)})
    return items


def _millis(state: "JiraState") -> int:
    return int(state.clock() * 1000)


def issue_event(event: str, type_name: str, state: "JiraState", issue: dict[str, Any], actor: str, *,
                changelog: dict[str, Any] | None = None, comment: dict[str, Any] | None = None) -> dict[str, Any]:
    rendered = state.render(issue)
    # Jira Cloud's webhook issue carries neither comments nor the work log (so its webhook
    # bodies show, since 2019): a receiver reads the issue when it needs them.
    rendered["fields"] = {k: v for k, v in rendered["fields"].items() if k not in ("comment", "worklog")}
    body: dict[str, Any] = {"timestamp": _millis(state), "webhookEvent": event, "issue_event_type_name": type_name,
                            "user": user_json(state.base, state.users[actor]), "issue": rendered}
    if changelog is not None:
        body["changelog"] = changelog
    if comment is not None:
        body["comment"] = comment
    return body


def reduced_issue(state: "JiraState", issue: dict[str, Any]) -> dict[str, Any]:
    f = issue["fields"]
    base = state.base
    return {"id": issue["id"], "self": f"{base}/rest/api/2/issue/{issue['id']}", "key": issue["key"],
            "fields": {"summary": f["summary"], "issuetype": issuetype_json(base, f["issuetype"]),
                       "project": state.project_json(base),
                       "assignee": user_json(base, state.users[f["assignee"]]) if f["assignee"] else None,
                       "priority": priority_json(base, f["priority"]), "status": status_json(base, f["status"])}}


def comment_event(event: str, state: "JiraState", issue: dict[str, Any], comment: dict[str, Any]) -> dict[str, Any]:
    return {"timestamp": _millis(state), "webhookEvent": event, "comment": state.render_comment(issue, comment),
            "issue": reduced_issue(state, issue)}


def link_event(event: str, state: "JiraState", link: dict[str, Any]) -> dict[str, Any]:
    from bridge.sandbox.jira_shapes import LINK_TYPES
    lid, inward, outward = LINK_TYPES[link["type"]]
    return {"timestamp": _millis(state), "webhookEvent": event,
            "issueLink": {"id": int(link["id"]), "sourceIssueId": int(state.issues[link["outward"]]["id"]),
                          "destinationIssueId": int(state.issues[link["inward"]]["id"]),
                          "issueLinkType": {"id": int(lid), "name": link["type"], "outwardName": outward,
                                            "inwardName": inward, "isSubTaskLinkType": False, "isSystemLinkType": False},
                          "systemLink": False}}
