"""Recorded Jira issues (REST v2 JSON) into the emulator's records, for replay tests and seeds.

Only what the emulator models is kept: names of status, type, priority and resolution (which
must exist in the sandbox's catalogue), text fields, labels, times, people, comments and the
custom fields the sandbox defines.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from bridge.sandbox.jira_shapes import CUSTOM_FIELDS

if TYPE_CHECKING:
    from bridge.sandbox.jira_state import JiraState


def parse_jira_time(value: str | None) -> float | None:
    """`2018-06-15T11:47:57.111-0700` -> epoch seconds."""
    if not value:
        return None
    return datetime.strptime(value, "%Y-%m-%dT%H:%M:%S.%f%z").timestamp()


def _person(state: "JiraState", raw: dict[str, Any] | None) -> str | None:
    if not raw:
        return None
    account = raw["accountId"]
    state.users.setdefault(account, {"accountId": account, "emailAddress": raw.get("emailAddress", ""),
                                     "displayName": raw.get("displayName", account)})
    return account


def import_issue(state: "JiraState", raw: dict[str, Any]) -> dict[str, Any]:
    f = raw["fields"]
    key = raw["key"] if raw["key"].startswith(state.project["key"] + "-") else \
        f"{state.project['key']}-{raw['key'].rsplit('-', 1)[1]}"
    comments = [{"id": c["id"], "author": _person(state, c["author"]), "body": c["body"],
                 "created": parse_jira_time(c["created"]), "updated": parse_jira_time(c["updated"]),
                 "visibility": c.get("visibility")} for c in (f.get("comment") or {}).get("comments", [])]
    issue = {"id": raw["id"], "key": key, "comments": comments, "changelog": [], "remote_links": [],
             "properties": {},
             "fields": {"summary": f["summary"], "description": f.get("description"),
                        "issuetype": f["issuetype"]["name"], "priority": (f.get("priority") or {"name": "Medium"})["name"],
                        "labels": list(f.get("labels") or []), "status": f["status"]["name"],
                        "resolution": (f.get("resolution") or {}).get("name"),
                        "resolutiondate": parse_jira_time(f.get("resolutiondate")),
                        "assignee": _person(state, f.get("assignee")), "reporter": _person(state, f.get("reporter")),
                        "created": parse_jira_time(f["created"]), "updated": parse_jira_time(f["updated"]),
                        "duedate": f.get("duedate"), "environment": f.get("environment"),
                        "custom": {k: f[k] for k in CUSTOM_FIELDS if f.get(k) is not None}}}
    state.issues[key] = issue
    state.issue_ids.advance_past(int(raw["id"]))
    state.project["next_number"] = max(state.project["next_number"], int(key.rsplit("-", 1)[1]) + 1)
    return issue
