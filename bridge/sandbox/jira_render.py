"""Jira JSON rendering: issues, comments, links, changelogs, webhook bodies.

Records in JiraState hold names and account ids; these functions expand them into the
nested objects Jira returns (see shared/reference/jira/sentry/get_issue_response.json).
"""

from __future__ import annotations

import copy
from typing import Any, Iterable

from bridge.sandbox.common import iso_jira
from bridge.sandbox.jira_shapes import (CUSTOM_FIELDS, EXPAND, issuetype_json, link_type_json, priority_json,
                                        resolution_json, status_json, user_json)

def project_json(base: str, project: dict[str, Any], *, with_types: bool = False) -> dict[str, Any]:
    out = {"self": f"{base}/rest/api/2/project/{project['id']}", "id": project["id"], "key": project["key"],
           "name": project["name"], "projectTypeKey": "software", "simplified": False, "style": "classic",
           "isPrivate": False, "avatarUrls": {s: f"{base}/secure/projectavatar?size={s}" for s in ("48x48", "24x24", "16x16", "32x32")},
           "projectCategory": None}
    if with_types:
        out["issueTypes"] = [issuetype_json(base, name) for name in project["issue_types"]]
    return out


def comment_json(base: str, issue_id: str, comment: dict[str, Any], users: dict[str, dict[str, Any]]) -> dict[str, Any]:
    out = {"self": f"{base}/rest/api/2/issue/{issue_id}/comment/{comment['id']}", "id": comment["id"],
           "author": user_json(base, users[comment["author"]]), "body": comment["body"],
           "updateAuthor": user_json(base, users[comment["author"]]),
           "created": iso_jira(comment["created"]), "updated": iso_jira(comment["updated"]), "jsdPublic": True}
    if comment.get("visibility"):
        out["visibility"] = dict(comment["visibility"])
    return out


def _linked_issue(base: str, other: dict[str, Any]) -> dict[str, Any]:
    f = other["fields"]
    return {"id": other["id"], "key": other["key"], "self": f"{base}/rest/api/2/issue/{other['id']}",
            "fields": {"summary": f["summary"], "status": status_json(base, f["status"]),
                       "priority": priority_json(base, f["priority"]), "issuetype": issuetype_json(base, f["issuetype"])}}


def link_json(base: str, link: dict[str, Any], issues: dict[str, dict[str, Any]], *, side: str | None = None) -> dict[str, Any]:
    """A link as seen from one issue (`side` = the key of that issue), or whole (`side=None`)."""
    out: dict[str, Any] = {"id": link["id"], "self": f"{base}/rest/api/2/issueLink/{link['id']}",
                           "type": link_type_json(base, link["type"])}
    if side != link["inward"]:
        out["inwardIssue"] = _linked_issue(base, issues[link["inward"]])
    if side != link["outward"]:
        out["outwardIssue"] = _linked_issue(base, issues[link["outward"]])
    return out


def attachment_json(base: str, attachment: dict[str, Any], users: dict[str, dict[str, Any]]) -> dict[str, Any]:
    return {
        "self": f"{base}/rest/api/2/attachment/{attachment['id']}", "id": attachment["id"],
        "filename": attachment["filename"], "author": user_json(base, users[attachment["author"]]),
        "created": iso_jira(attachment["created"]), "size": attachment["size"], "mimeType": attachment["mimeType"],
        "content": f"{base}/rest/api/2/attachment/content/{attachment['id']}",
    }


def issue_fields(base: str, issue: dict[str, Any], *, project: dict[str, Any], users: dict[str, dict[str, Any]],
                 links: Iterable[dict[str, Any]], issues: dict[str, dict[str, Any]]) -> dict[str, Any]:
    f = issue["fields"]
    def user(account: str | None) -> dict[str, Any] | None:
        return user_json(base, users[account]) if account else None
    comments = [comment_json(base, issue["id"], c, users) for c in issue["comments"]]
    out: dict[str, Any] = {
        "issuetype": issuetype_json(base, f["issuetype"]), "timespent": None,
        "project": project_json(base, project), "fixVersions": [], "aggregatetimespent": None,
        "resolution": resolution_json(base, f["resolution"]) if f["resolution"] else None,
        "resolutiondate": iso_jira(f["resolutiondate"]) if f["resolutiondate"] else None, "workratio": -1,
        "watches": {"self": f"{base}/rest/api/2/issue/{issue['key']}/watchers", "watchCount": 1, "isWatching": True},
        "lastViewed": None, "created": iso_jira(f["created"]), "priority": priority_json(base, f["priority"]),
        "labels": list(f["labels"]), "aggregatetimeoriginalestimate": None, "timeestimate": None, "versions": [],
        "issuelinks": [link_json(base, link, issues, side=issue["key"]) for link in links],
        "assignee": user(f["assignee"]), "updated": iso_jira(f["updated"]), "status": status_json(base, f["status"]),
        "components": [], "timeoriginalestimate": None, "description": f["description"], "timetracking": {},
        "security": None, "aggregatetimeestimate": None,
        "attachment": [attachment_json(base, a, users) for a in issue.get("attachments", ())], "summary": f["summary"],
        "creator": user(f["reporter"]), "subtasks": [], "reporter": user(f["reporter"]),
        "aggregateprogress": {"progress": 0, "total": 0}, "environment": f["environment"], "duedate": f["duedate"],
        "progress": {"progress": 0, "total": 0},
        "comment": {"comments": comments, "maxResults": len(comments), "total": len(comments), "startAt": 0},
        "votes": {"self": f"{base}/rest/api/2/issue/{issue['key']}/votes", "votes": 0, "hasVoted": False},
        "worklog": {"startAt": 0, "maxResults": 20, "total": 0, "worklogs": []},
    }
    for fid in CUSTOM_FIELDS:
        out[fid] = copy.deepcopy(f["custom"].get(fid))
    return out


def select_fields(fields: dict[str, Any], wanted: list[str] | None) -> dict[str, Any]:
    """Jira's `fields` parameter: `*all`, `*navigable`, ids, and `-id` to exclude."""
    if not wanted or any(w in ("*all", "*navigable") for w in wanted):
        keep = set(fields)
    else:
        keep = {w for w in wanted if not w.startswith("-")}
    keep -= {w[1:] for w in (wanted or []) if w.startswith("-")}
    return {k: v for k, v in fields.items() if k in keep}


def issue_json(base: str, issue: dict[str, Any], fields: dict[str, Any], *, expand: str = "",
               properties: dict[str, Any] | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {"expand": EXPAND, "id": issue["id"], "self": f"{base}/rest/api/2/issue/{issue['id']}",
                           "key": issue["key"], "fields": fields}
    if "changelog" in expand:
        out["changelog"] = {"startAt": 0, "maxResults": len(issue["changelog"]), "total": len(issue["changelog"]),
                            "histories": copy.deepcopy(issue["changelog"])}
    if properties:
        out["properties"] = properties
    if "renderedFields" in expand:
        out["renderedFields"] = {"description": fields.get("description")}
    return out
