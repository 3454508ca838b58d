"""Jira Cloud REST v2 shapes: statuses, workflow, issue types, priorities, link types, fields.

Shapes follow shared/reference/jira (sentry/get_issue_response.json, transition_response.json,
go-jira/all_issuelinktypes.json). Ids mimic a fresh Jira Cloud site.
"""

from __future__ import annotations

from typing import Any

CATEGORIES = {
    "new": {"id": 2, "key": "new", "colorName": "blue-gray", "name": "To Do"},
    "indeterminate": {"id": 4, "key": "indeterminate", "colorName": "yellow", "name": "In Progress"},
    "done": {"id": 3, "key": "done", "colorName": "green", "name": "Done"},
}
# name -> (id, category key, description)
STATUSES = {
    "To Do": ("10000", "new", ""),
    "In Progress": ("3", "indeterminate", "This issue is being actively worked on at the moment by the assignee."),
    "In Review": ("10001", "indeterminate", "A developer is reviewing the change."),
    "Done": ("10002", "done", ""),
}
# transition id -> (name, target status); which are offered from each status
TRANSITIONS = {"11": ("To Do", "To Do"), "21": ("In Progress", "In Progress"),
               "31": ("In Review", "In Review"), "41": ("Done", "Done")}
WORKFLOW = {
    "To Do": ("21", "41"),
    "In Progress": ("11", "31", "41"),
    "In Review": ("21", "41"),
    "Done": ("11", "21"),
}
ISSUE_TYPES = {
    "Bug": ("10004", "A problem or error.", 10303),
    "Task": ("10002", "A small, distinct piece of work.", 10318),
    "Story": ("10001", "A user story.", 10315),
    "Epic": ("10000", "A big user story that needs to be broken down.", 10307),
}
PRIORITIES = {"Highest": "1", "High": "2", "Medium": "3", "Low": "4", "Lowest": "5"}
RESOLUTIONS = {"Done": "10000", "Won't Do": "10001", "Duplicate": "10002", "Cannot Reproduce": "10003"}
# Jira Cloud's default link types (go-jira's file is a Server site's larger set).
LINK_TYPES = {
    "Blocks": ("10000", "is blocked by", "blocks"),
    "Cloners": ("10001", "is cloned by", "clones"),
    "Duplicate": ("10002", "is duplicated by", "duplicates"),
    "Relates": ("10003", "relates to", "relates to"),
}
# Custom fields the sandbox site has, in addition to the system ones.
CUSTOM_FIELDS = {
    "customfield_10030": ("Zendesk Ticket IDs", "string", "com.atlassian.jira.plugin.system.customfieldtypes:textfield"),
    "customfield_10031": ("Zendesk Organization", "string", "com.atlassian.jira.plugin.system.customfieldtypes:textfield"),
    "customfield_10032": ("Zendesk Ticket Count", "number", "com.atlassian.jira.plugin.system.customfieldtypes:float"),
    "customfield_10033": ("Severity", "string", "com.atlassian.jira.plugin.system.customfieldtypes:textfield"),
}
SYSTEM_FIELDS = {
    # id: (name, schema type, navigable/searchable clause names)
    "summary": ("Summary", "string", ["summary"]), "description": ("Description", "string", ["description"]),
    "issuetype": ("Issue Type", "issuetype", ["issuetype", "type"]), "project": ("Project", "project", ["project"]),
    "priority": ("Priority", "priority", ["priority"]), "labels": ("Labels", "array", ["labels"]),
    "status": ("Status", "status", ["status"]), "resolution": ("Resolution", "resolution", ["resolution"]),
    "assignee": ("Assignee", "user", ["assignee"]), "reporter": ("Reporter", "user", ["reporter"]),
    "created": ("Created", "datetime", ["created", "createdDate"]), "updated": ("Updated", "datetime", ["updated", "updatedDate"]),
    "resolutiondate": ("Resolved", "datetime", ["resolved", "resolutiondate"]),
    "comment": ("Comment", "comments-page", ["comment"]), "issuelinks": ("Linked Issues", "array", ["issuelinks"]),
    "duedate": ("Due date", "date", ["due", "duedate"]), "components": ("Components", "array", ["component"]),
    "environment": ("Environment", "string", ["environment"]), "fixVersions": ("Fix versions", "array", ["fixVersion"]),
}
EXPAND = "renderedFields,names,schema,operations,editmeta,changelog,versionedRepresentations"


def status_json(base: str, name: str) -> dict[str, Any]:
    sid, category, description = STATUSES[name]
    cat = CATEGORIES[category]
    return {"self": f"{base}/rest/api/2/status/{sid}", "description": description,
            "iconUrl": f"{base}/images/icons/statuses/generic.png", "name": name, "id": sid,
            "statusCategory": {"self": f"{base}/rest/api/2/statuscategory/{cat['id']}", **cat}}


def issuetype_json(base: str, name: str) -> dict[str, Any]:
    tid, description, avatar = ISSUE_TYPES[name]
    return {"self": f"{base}/rest/api/2/issuetype/{tid}", "id": tid, "description": description,
            "iconUrl": f"{base}/secure/viewavatar?size=xsmall&avatarId={avatar}&avatarType=issuetype",
            "name": name, "subtask": False, "avatarId": avatar}


def priority_json(base: str, name: str) -> dict[str, Any]:
    pid = PRIORITIES[name]
    return {"self": f"{base}/rest/api/2/priority/{pid}", "iconUrl": f"{base}/images/icons/priorities/{name.lower()}.svg",
            "name": name, "id": pid}


def resolution_json(base: str, name: str) -> dict[str, Any]:
    rid = RESOLUTIONS[name]
    return {"self": f"{base}/rest/api/2/resolution/{rid}", "id": rid, "description": f"{name}.", "name": name}


def link_type_json(base: str, name: str) -> dict[str, Any]:
    lid, inward, outward = LINK_TYPES[name]
    return {"id": lid, "name": name, "inward": inward, "outward": outward, "self": f"{base}/rest/api/2/issueLinkType/{lid}"}


def user_json(base: str, user: dict[str, Any], *, email: bool = False) -> dict[str, Any]:
    """A user as Jira Cloud shows one: without `emailAddress`, which Cloud keeps to the user
    (profile visibility) everywhere but `/myself`, where `email` asks for it."""
    avatar = f"https://avatar-management.sandbox.invalid/{user['accountId']}"
    return {"self": f"{base}/rest/api/2/user?accountId={user['accountId']}", "accountId": user["accountId"],
            **({"emailAddress": user["emailAddress"]} if email else {}),
            "avatarUrls": {size: f"{avatar}/{size}" for size in ("48x48", "24x24", "16x16", "32x32")},
            "displayName": user["displayName"], "active": True, "timeZone": "Etc/UTC", "accountType": "atlassian"}


def field_list() -> list[dict[str, Any]]:
    out = []
    for fid, (name, kind, clauses) in SYSTEM_FIELDS.items():
        out.append({"id": fid, "key": fid, "name": name, "custom": False, "orderable": True, "navigable": True,
                    "searchable": True, "clauseNames": clauses, "schema": {"type": kind, "system": fid}})
    for fid, (name, kind, custom) in CUSTOM_FIELDS.items():
        number = int(fid.split("_")[1])
        out.append({"id": fid, "key": fid, "name": name, "untranslatedName": name, "custom": True, "orderable": True,
                    "navigable": True, "searchable": True, "clauseNames": [f"cf[{number}]", name],
                    "schema": {"type": kind, "custom": custom, "customId": number}})
    return out


def errors(*messages: str, **fields: str) -> dict[str, Any]:
    return {"errorMessages": list(messages), "errors": dict(fields)}
