"""The `jira` library against the Jira emulator: connect, create, get, search, comment, transition."""

from __future__ import annotations

from jira import JIRA


def _create(jira: JIRA, summary: str = "Login fails for Acme", **fields: object) -> object:
    return jira.create_issue(project="SUP", summary=summary, description="From Zendesk ticket #1",
                             issuetype={"name": "Bug"}, **fields)


def test_connects_as_cloud(jira: JIRA) -> None:
    assert jira.deploymentType == "Cloud"
    assert jira.myself()["emailAddress"] == "bridge@sandbox.test"
    assert "Zendesk Ticket IDs" in {f["name"] for f in jira.fields()}


def test_create_get_and_comment(jira: JIRA) -> None:
    issue = _create(jira, labels=["zendesk-1"], priority={"name": "High"})
    assert issue.key == "SUP-1"
    fetched = jira.issue("SUP-1")
    assert (fetched.fields.summary, fetched.fields.status.name, fetched.fields.priority.name) == \
        ("Login fails for Acme", "To Do", "High")
    jira.add_comment(issue, "Looking into it", visibility={"type": "role", "value": "Developers"})
    comments = jira.comments(issue)
    assert comments[0].body == "Looking into it" and comments[0].visibility.value == "Developers"


def test_workflow_to_done_sets_resolution(jira: JIRA) -> None:
    issue = _create(jira)
    assert [t["name"] for t in jira.transitions(issue)] == ["In Progress", "Done"]
    for name in ("In Progress", "In Review", "Done"):
        jira.transition_issue(issue, name)
    done = jira.issue(issue.key)
    assert done.fields.status.name == "Done" and done.fields.resolution.name == "Done"
    assert done.fields.resolutiondate is not None


def test_search_by_project_labels_and_status(jira: JIRA) -> None:
    a = _create(jira, summary="A", labels=["zendesk-1"])
    _create(jira, summary="B", labels=["zendesk-2"])
    jira.transition_issue(a, "In Progress")
    found = jira.search_issues('project = SUP AND labels = "zendesk-1" AND status = "In Progress"')
    assert [i.key for i in found] == [a.key]
    everything = jira.search_issues("project = SUP ORDER BY key ASC")
    assert [i.key for i in everything] == ["SUP-1", "SUP-2"]
