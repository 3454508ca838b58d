"""The JQL subset, on plain issue records (no server)."""

from __future__ import annotations

from typing import Any

import pytest

from bridge.sandbox.jira_jql import JqlError, Query

NOW = 1_700_000_000.0
PROJECT = {"key": "SUP", "id": "10000", "name": "Support Escalations"}
USERS = {"me": {"accountId": "me", "emailAddress": "bridge@sandbox.test", "displayName": "Bridge"}}


def issue(number: int, *, status: str = "To Do", labels: tuple[str, ...] = (), updated: float = NOW,
          priority: str = "Medium", summary: str = "", assignee: str | None = None,
          resolution: str | None = None, custom: dict[str, Any] | None = None,
          properties: dict[str, Any] | None = None) -> dict[str, Any]:
    return {"id": str(10000 + number), "key": f"SUP-{number}", "comments": [{"body": f"comment {number}"}],
            "properties": properties or {},
            "fields": {"summary": summary or f"issue {number}", "description": None, "issuetype": "Bug",
                       "priority": priority, "labels": list(labels), "status": status, "resolution": resolution,
                       "resolutiondate": None, "assignee": assignee, "reporter": "me", "created": NOW - 1000 + number,
                       "updated": updated, "duedate": None, "environment": None, "custom": custom or {}}}


ISSUES = [
    issue(1, labels=("zendesk-1", "tier4"), updated=NOW - 7200, priority="High", summary="Login fails"),
    issue(2, status="In Progress", labels=("zendesk-2",), updated=NOW - 60, assignee="me"),
    issue(3, status="Done", resolution="Done", updated=NOW - 86400 * 3, custom={"customfield_10030": "7"}),
    issue(4, status="In Review", labels=("tier4",), properties={"bridge": {"origin": 4, "org": "Acme"}}),
]


def keys(jql: str) -> list[str]:
    query = Query(jql, now=NOW, me="me", users=USERS, project=PROJECT)
    return [i["key"] for i in query.sort([i for i in ISSUES if query.matches(i)])]


@pytest.mark.parametrize(("jql", "expected"), [
    ("project = SUP ORDER BY key ASC", ["SUP-1", "SUP-2", "SUP-3", "SUP-4"]),
    ("project = SUP", ["SUP-4", "SUP-3", "SUP-2", "SUP-1"]),  # default: created DESC
    ("key in (SUP-1, SUP-3) ORDER BY key", ["SUP-1", "SUP-3"]),
    ("issuekey = SUP-2", ["SUP-2"]),
    ('labels = "tier4" ORDER BY key', ["SUP-1", "SUP-4"]),
    ("labels in (zendesk-1, zendesk-2) ORDER BY key", ["SUP-1", "SUP-2"]),
    ("labels is EMPTY", ["SUP-3"]),
    ("labels not in (tier4) ORDER BY key", ["SUP-2", "SUP-3"]),
    ('status = "In Progress"', ["SUP-2"]),
    ("status != Done ORDER BY key", ["SUP-1", "SUP-2", "SUP-4"]),
    ("status in ('To Do', 'In Review') ORDER BY key", ["SUP-1", "SUP-4"]),
    ("statusCategory = Done", ["SUP-3"]),
    ("resolution = Unresolved ORDER BY key", ["SUP-1", "SUP-2", "SUP-4"]),
    ("resolution = Done", ["SUP-3"]),
    ("resolution is EMPTY ORDER BY key", ["SUP-1", "SUP-2", "SUP-4"]),
    ("updated >= -1h ORDER BY key", ["SUP-2", "SUP-4"]),
    ('updated >= "2023-11-14" ORDER BY key', ["SUP-1", "SUP-2", "SUP-4"]),
    ("updated < -1d", ["SUP-3"]),
    ("priority = High", ["SUP-1"]),
    ('summary ~ "login"', ["SUP-1"]),
    ('text ~ "comment 3"', ["SUP-3"]),
    ("assignee = currentUser()", ["SUP-2"]),
    ("assignee is EMPTY ORDER BY key", ["SUP-1", "SUP-3", "SUP-4"]),
    ("cf[10030] = 7", ["SUP-3"]),
    ('"Zendesk Ticket IDs" is not EMPTY', ["SUP-3"]),
    ("issue.property[bridge].origin = 4", ["SUP-4"]),
    ("issue.property[bridge].org = Acme", ["SUP-4"]),
    ("project = SUP AND (status = Done OR labels = zendesk-2) ORDER BY key", ["SUP-2", "SUP-3"]),
    ("NOT labels = tier4 ORDER BY key", ["SUP-2", "SUP-3"]),
    ("project = SUP ORDER BY updated DESC", ["SUP-4", "SUP-2", "SUP-1", "SUP-3"]),
    ("project = SUP ORDER BY priority ASC, key DESC", ["SUP-1", "SUP-4", "SUP-3", "SUP-2"]),
    ("key > SUP-2 ORDER BY key", ["SUP-3", "SUP-4"]),
])
def test_clauses(jql: str, expected: list[str]) -> None:
    assert keys(jql) == expected


@pytest.mark.parametrize("jql", ["foo = bar", "project = ", "status = Done AND", "project = SUP ORDER", 'updated > "yesterday"'])
def test_errors_are_jira_shaped(jql: str) -> None:
    with pytest.raises(JqlError) as error:
        keys(jql)
    assert set(error.value.body) == {"errorMessages", "errors"} and error.value.body["errorMessages"]
