"""Jira emulator payloads against recorded real ones (shared/reference/jira)."""

from __future__ import annotations

from typing import Any

import requests
from jira import JIRA

from bridge.sandbox import Sandbox
from bridge.sandbox.jira_shapes import LINK_TYPES
from .reference import assert_same_shape, load

# Removed from Jira Cloud user objects by the 2019 privacy changes; the recordings predate it
# (the e-mail is shown only where the user's profile allows: later recordings lack it).
LEGACY_USER_KEYS = {"name", "key", "emailAddress"}
# Newer than the 2018 recording: Cloud added accountType to user objects since.
NEWER = {"accountType"}


def _raw(info: dict, path: str) -> Any:
    response = requests.get(f"{info['jira']['url']}/rest/api/2/{path}",
                            auth=(info["jira"]["email"], info["jira"]["token"]))
    assert response.ok, response.text
    return response.json()


def _system(fields: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in fields.items() if not k.startswith("customfield_")}


def test_issue_matches_recorded_cloud_issue(jira: JIRA, info: dict) -> None:
    issue = jira.create_issue(project="SUP", summary="example summary", description="example bug report",
                              issuetype={"name": "Task"})
    ours = _raw(info, f"issue/{issue.key}")
    theirs = load("jira/sentry/get_issue_response.json")
    assert_same_shape(ours, theirs, where="issue")
    assert_same_shape(_system(ours["fields"]), _system(theirs["fields"]), where="fields", ignore=NEWER,
                      nested=("status", "priority", "issuetype", "votes", "watches", "worklog", "comment", "progress"))
    assert_same_shape(ours["fields"]["status"]["statusCategory"], theirs["fields"]["status"]["statusCategory"],
                      where="statusCategory")
    assert_same_shape(ours["fields"]["reporter"], theirs["fields"]["reporter"], where="reporter",
                      ignore=LEGACY_USER_KEYS | NEWER)
    assert_same_shape(ours["fields"]["project"], theirs["fields"]["project"], where="project",
                      ignore={"projectCategory", "projectTypeKey", "simplified", "style", "isPrivate"})
    assert (ours["fields"]["status"]["name"], ours["fields"]["priority"]["name"]) == ("To Do", "Medium")


def test_transitions_match_recording(jira: JIRA, info: dict) -> None:
    issue = jira.create_issue(project="SUP", summary="x", issuetype={"name": "Task"})
    ours = _raw(info, f"issue/{issue.key}/transitions")
    theirs = load("jira/sentry/transition_response.json")
    assert_same_shape(ours, theirs, where="transitions")
    assert_same_shape(ours["transitions"][0], theirs["transitions"][0], where="transition",
                      ignore={"isAvailable", "isLooped"}, nested=("to",))


def test_comment_and_link_match_recordings(jira: JIRA, info: dict) -> None:
    a = jira.create_issue(project="SUP", summary="a", issuetype={"name": "Bug"})
    b = jira.create_issue(project="SUP", summary="b", issuetype={"name": "Bug"})
    jira.add_comment(a, "hello")
    comment = _raw(info, f"issue/{a.key}/comment")["comments"][0]
    recorded = load("jira/zulip/comment_created.json")["comment"]
    assert_same_shape(comment, recorded, where="comment")
    assert_same_shape(comment["author"], recorded["author"], where="author", ignore=LEGACY_USER_KEYS | NEWER | {"emailAddress"})
    jira.create_issue_link("Blocks", a.key, b.key)
    link_id = _raw(info, f"issue/{a.key}")["fields"]["issuelinks"][0]["id"]
    ours = _raw(info, f"issueLink/{link_id}")
    theirs = load("jira/jira-to-matrix/api/issuelink.json")
    assert_same_shape(ours, theirs, where="issueLink", nested=("type",))
    assert_same_shape(ours["inwardIssue"], theirs["inwardIssue"], where="inwardIssue")
    assert_same_shape(ours["inwardIssue"]["fields"], theirs["inwardIssue"]["fields"], where="linked fields")


def test_link_types_are_the_cloud_defaults_in_recorded_shape(info: dict) -> None:
    ours = _raw(info, "issueLinkType")["issueLinkTypes"]
    theirs = load("jira/go-jira/all_issuelinktypes.json")["issueLinkTypes"]
    assert {t["name"] for t in ours} == set(LINK_TYPES) == {"Blocks", "Cloners", "Duplicate", "Relates"}
    recorded = {t["name"]: t for t in theirs}
    for link_type in ours:
        assert_same_shape(link_type, theirs[0], where=link_type["name"])
        if link_type["name"] in recorded and link_type["name"] != "Cloners":  # Server words Cloners differently
            assert (link_type["inward"], link_type["outward"]) == \
                (recorded[link_type["name"]]["inward"], recorded[link_type["name"]]["outward"])


def test_webhook_bodies_match_recorded_ones(sandbox: Sandbox, jira: JIRA) -> None:
    """Built by the same code the deliveries use; compared with real captures."""
    from bridge.sandbox.jira_webhooks import comment_event, issue_event
    issue = jira.create_issue(project="SUP", summary="x", issuetype={"name": "Task"})
    jira.transition_issue(issue, "In Progress")
    state = sandbox.jira.state
    with state.lock:
        record = state.issue(issue.key)
        history = record["changelog"][-1]
        updated = issue_event("jira:issue_updated", "issue_generic", state, record, state.me,
                              changelog={"id": history["id"], "items": history["items"]})
    theirs = load("jira/jira-to-matrix/webhooks/issue_updated_status-changed.json")
    assert_same_shape(updated, theirs, where="issue_updated", ignore={"level", "message", "label", "timestamp"})
    assert_same_shape(updated["changelog"]["items"][0], theirs["changelog"]["items"][0], where="changelog item")
    assert isinstance(updated["timestamp"], int)
    jira.add_comment(issue, "hi")
    with state.lock:
        created = comment_event("comment_created", state, record, record["comments"][-1])
    recorded = load("jira/zulip/comment_created.json")
    assert_same_shape(created, recorded, where="comment_created")
    assert_same_shape(created["issue"], recorded["issue"], where="comment issue")
    assert_same_shape(created["issue"]["fields"], recorded["issue"]["fields"], where="comment issue fields")


def test_error_shapes(jira: JIRA, info: dict) -> None:
    missing = requests.get(f"{info['jira']['url']}/rest/api/2/issue/SUP-999", auth=(info["jira"]["email"], info["jira"]["token"]))
    assert missing.status_code == 404
    assert missing.json() == {"errorMessages": ["Issue does not exist or you do not have permission to see it."], "errors": {}}
    bad = requests.post(f"{info['jira']['url']}/rest/api/2/issue", auth=(info["jira"]["email"], info["jira"]["token"]),
                        json={"fields": {"project": {"key": "SUP"}, "issuetype": {"name": "Bug"}}})
    assert bad.status_code == 400 and bad.json() == {"errorMessages": [], "errors": {"summary": "You must specify a summary of the issue."}}
    anonymous = requests.get(f"{info['jira']['url']}/rest/api/2/myself", auth=(info["jira"]["email"], "wrong"))
    assert anonymous.status_code == 401 and "errorMessages" in anonymous.json()


def test_recorded_issue_replays_through_serializer(sandbox: Sandbox, jira: JIRA, info: dict) -> None:
    """The recorded Cloud issue, seeded as-is, comes back with the same values where the emulator models them."""
    from bridge.sandbox.jira_import import parse_jira_time
    recorded = load("jira/sentry/get_issue_response.json")
    assert sandbox.seed("jira", {"raw_issues": [recorded]})["issues"] == ["SUP-5"]
    ours = _raw(info, "issue/SUP-5")
    assert ours["id"] == recorded["id"]
    assert_same_shape(_system(ours["fields"]), _system(recorded["fields"]), where="replayed fields")
    for name in ("summary", "description", "labels", "duedate", "environment", "resolution", "assignee", "workratio"):
        assert ours["fields"][name] == recorded["fields"][name], name
    for name in ("status", "priority", "issuetype"):
        assert ours["fields"][name]["name"] == recorded["fields"][name]["name"]
    for name in ("accountId", "displayName", "active"):  # (the e-mail: see LEGACY_USER_KEYS)
        assert ours["fields"]["reporter"][name] == recorded["fields"]["reporter"][name]
    for name in ("created", "updated"):
        assert parse_jira_time(ours["fields"][name]) == parse_jira_time(recorded["fields"][name])
    assert jira.create_issue(project="SUP", summary="after", issuetype={"name": "Bug"}).key == "SUP-6"
