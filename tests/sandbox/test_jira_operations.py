"""The `jira` library performs every Jira operation the bridge may use."""

from __future__ import annotations

import pytest
from jira import JIRA, JIRAError

from bridge.sandbox import Sandbox


def _create(jira: JIRA, summary: str = "Crash", **fields: object):  # type: ignore[no-untyped-def]
    return jira.create_issue(project="SUP", summary=summary, description="d", issuetype={"name": "Bug"}, **fields)


def test_edit_fields_and_labels(jira: JIRA) -> None:
    issue = _create(jira, labels=["zendesk-1"])
    issue.update(fields={"summary": "Crash on login", "customfield_10030": "1,2"},
                 update={"labels": [{"add": "zendesk-2"}, {"remove": "zendesk-1"}]})
    fetched = jira.issue(issue.key)
    assert fetched.fields.summary == "Crash on login"
    assert fetched.fields.labels == ["zendesk-2"]
    assert fetched.fields.customfield_10030 == "1,2"
    with pytest.raises(JIRAError) as bad:
        issue.update(fields={"labels": ["has space"]})
    assert bad.value.status_code == 400 and "labels" in bad.value.response.json()["errors"]


def test_changelog_expand_lists_every_change(jira: JIRA) -> None:
    issue = _create(jira)
    jira.transition_issue(issue, "In Progress")
    issue.update(fields={"priority": {"name": "Highest"}})
    histories = jira.issue(issue.key, expand="changelog").changelog.histories
    assert [(h.items[0].field, h.items[0].fromString, h.items[0].toString) for h in histories] == [
        ("status", "To Do", "In Progress"), ("priority", "Medium", "Highest")]


def test_issue_links_and_types(jira: JIRA) -> None:
    original, duplicate = _create(jira, "Original"), _create(jira, "Duplicate")
    assert {t.name for t in jira.issue_link_types()} == {"Blocks", "Cloners", "Duplicate", "Relates"}
    jira.create_issue_link("Duplicate", duplicate.key, original.key)  # inward "is duplicated by", outward "duplicates"
    links = jira.issue(original.key).fields.issuelinks
    assert len(links) == 1 and links[0].type.name == "Duplicate"
    assert links[0].inwardIssue.key == duplicate.key
    seen_from_duplicate = jira.issue(duplicate.key).fields.issuelinks[0]
    assert seen_from_duplicate.outwardIssue.key == original.key
    jira.create_issue_link("Duplicate", duplicate.key, original.key)  # repeating is a no-op
    assert len(jira.issue(original.key).fields.issuelinks) == 1
    jira.delete_issue_link(links[0].id)
    assert jira.issue(original.key).fields.issuelinks == []


def test_remote_links_upsert_by_global_id(jira: JIRA) -> None:
    issue = _create(jira)
    link = {"url": "https://acme.zendesk.com/agent/tickets/1", "title": "Zendesk #1"}
    jira.add_remote_link(issue.key, link, globalId="zendesk-ticket-1")
    jira.add_remote_link(issue.key, {**link, "title": "Zendesk #1 (Acme)"}, globalId="zendesk-ticket-1")
    remote = jira.remote_links(issue.key)
    assert len(remote) == 1 and remote[0].object.title == "Zendesk #1 (Acme)"
    assert jira.remote_link(issue.key, remote[0].id).globalId == "zendesk-ticket-1"


def test_remote_links_are_deleted_by_global_id_or_id(jira: JIRA) -> None:
    issue = _create(jira)
    for n in (1, 2):
        jira.add_remote_link(issue.key, {"url": f"https://z.example/{n}", "title": f"#{n}"}, globalId=f"zendesk-ticket-{n}")
    jira.delete_remote_link(issue.key, global_id="zendesk-ticket-1")
    assert [link.globalId for link in jira.remote_links(issue.key)] == ["zendesk-ticket-2"]
    with pytest.raises(JIRAError) as gone:
        jira.delete_remote_link(issue.key, global_id="zendesk-ticket-1")
    assert gone.value.status_code == 404
    jira.delete_remote_link(issue.key, internal_id=str(jira.remote_links(issue.key)[0].id))
    assert jira.remote_links(issue.key) == []


def test_issue_properties_round_trip_and_search(jira: JIRA) -> None:
    issue = _create(jira)
    jira.add_issue_property(issue.key, "bridge", {"tickets": [1, 2], "origin": 1})
    assert jira.issue_property(issue.key, "bridge").value.origin == 1
    assert [p.key for p in jira.issue_properties(issue.key)] == ["bridge"]
    found = jira.search_issues("project = SUP AND issue.property[bridge].origin = 1")
    assert [i.key for i in found] == [issue.key]
    with pytest.raises(JIRAError) as missing:
        jira.issue_property(issue.key, "nope")
    assert missing.value.status_code == 404


def test_invalid_transition_and_missing_issue(jira: JIRA) -> None:
    issue = _create(jira)
    with pytest.raises(JIRAError) as invalid:
        jira.transition_issue(issue, "31")  # In Review is not reachable from To Do
    assert invalid.value.status_code == 400
    assert invalid.value.response.json()["errorMessages"] == ["Transition id '31' is not valid for this issue."]
    with pytest.raises(JIRAError) as missing:
        jira.issue("SUP-999")
    assert missing.value.status_code == 404


def test_done_with_resolution_and_reopen(jira: JIRA) -> None:
    issue = _create(jira)
    jira.transition_issue(issue, "Done", fields={"resolution": {"name": "Duplicate"}})
    assert jira.issue(issue.key).fields.resolution.name == "Duplicate"
    jira.transition_issue(issue, "To Do")
    reopened = jira.issue(issue.key)
    assert reopened.fields.resolution is None and reopened.fields.resolutiondate is None


def test_search_paging_both_endpoints(jira: JIRA, sandbox: Sandbox) -> None:
    keys = [_create(jira, f"I{n}").key for n in range(7)]
    first = jira.enhanced_search_issues("project = SUP ORDER BY key ASC", maxResults=3)
    assert [i.key for i in first] == keys[:3] and first.nextPageToken
    rest = jira.enhanced_search_issues("project = SUP ORDER BY key ASC", nextPageToken=first.nextPageToken, maxResults=10)
    assert [i.key for i in rest] == keys[3:]
    everything = jira.enhanced_search_issues("project = SUP ORDER BY key ASC", maxResults=0)  # 0 = fetch all pages
    assert [i.key for i in everything] == keys
    classic = jira._get_json("search", params={"jql": "project = SUP ORDER BY key DESC", "startAt": 5, "maxResults": 5})
    assert classic["total"] == 7 and [i["key"] for i in classic["issues"]] == keys[1::-1]
    ids_only = jira._get_json("search/jql", params={"jql": "project = SUP"})
    assert set(ids_only["issues"][0]) == {"id"} and ids_only["isLast"] is True
    assert sandbox.counters("jira")["GET /rest/api/2/search/jql"] >= 4
