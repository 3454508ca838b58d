"""Recorded Jira webhooks and examples: a moved issue names its old key, an edited comment its edit, a file its author."""

from __future__ import annotations

import pytest

from bridge.codec import issue_from_json, issue_to_json
from bridge.connectors.jira_json import comment_from_json, moved_from_key, moves_the_issue
from bridge.connectors.jira_json import file_from_json
from bridge.model import Issue
from tests.sandbox.reference import load


@pytest.mark.parametrize(
    ("recording", "old", "new"),
    [("issue_updated_generic.json", "RN-83", "BBCOM-1233"), ("issue_updated_move-issue.json", "TCP-2", "INDEV-130")],
)
def test_the_old_key_of_a_moved_issue_is_read_from_its_changelog(recording: str, old: str, new: str) -> None:
    body = load(f"jira/jira-to-matrix/webhooks/{recording}")
    assert body["issue"]["key"] == new
    assert moved_from_key(body["changelog"], new) == old
    assert moved_from_key(body["changelog"], "OTHER-1") is None  # a Key item about another key


def test_a_changelog_without_a_key_item_names_no_old_key() -> None:
    assert moved_from_key({"items": [{"field": "status", "fromString": "To Do", "toString": "Done"}]}, "SUP-1") is None
    assert moved_from_key(None, "SUP-1") is None
    assert moved_from_key({"items": "not a list"}, "SUP-1") is None


@pytest.mark.parametrize(
    ("recording", "moves"),
    [
        ("issue_updated_status-changed.json", True),
        ("issue_updated_move-issue.json", True),
        ("issue_updated_generic.json", True),  # a move's items name no fieldId
        ("epic_created.json", True),  # a Russian site: the status item's field is "Статус"
        ("issue_updated_issue-assigned.json", False),
        ("issue_updated_description-update.json", False),
        ("issue_updated_rank-changed.json", False),
        ("issue_updated_commented.json", False),  # no changelog at all
    ],
)
def test_a_changelog_that_moves_the_issue_to_another_status_or_project(recording: str, moves: bool) -> None:
    assert moves_the_issue(load(f"jira/jira-to-matrix/webhooks/{recording}").get("changelog")) is moves


def test_an_unreadable_changelog_is_taken_as_a_move_so_the_issue_is_read() -> None:
    assert moves_the_issue({"items": "not a list"}) and moves_the_issue({"items": [None]}) and moves_the_issue(["x"])
    assert not moves_the_issue({}) and not moves_the_issue(None) and not moves_the_issue({"items": []})


def test_an_edited_comment_is_known_by_its_updated_time() -> None:
    """As recorded: a new comment's `updated` equals its `created`; an edited one's is later."""
    edited = comment_from_json(load("jira/jira-to-matrix/webhooks/comment_updated.json")["comment"])
    new = comment_from_json(load("jira/jira-to-matrix/webhooks/comment_created.json")["comment"])
    assert edited.edited_at is not None and edited.edited_at > edited.created_at
    assert new.edited_at is None
    assert issue_from_json(issue_to_json(Issue("A-1", "s", "Done", "done", frozenset(), new.created_at,
                                               comments=(edited,)))).comments[0].edited_at == edited.edited_at


def test_an_issues_files_are_read_from_the_reference_example_and_kept_through_the_store() -> None:
    """Jira's getIssue example: an attachment's id is a number there, its author a Cloud account."""
    raw = next(op for op in load("jira/openapi_v3_examples.json")["operations"] if op["operationId"] == "getIssue")
    [picture] = [file_from_json(a) for a in raw["responses"]["200"]["example"]["fields"]["attachment"]]
    assert (picture.id, picture.name, picture.size) == ("10000", "picture.jpg", 23123)
    assert (picture.author, picture.author_id) == ("Mia Krystof", "5b10a2844c20165700ede21g")
    assert picture.created_at.isoformat() == "2022-07-15T09:19:44.990000+00:00"
    issue = Issue("A-1", "s", "Done", "done", frozenset(), picture.created_at, files=(picture,))
    assert issue_from_json(issue_to_json(issue)).files == (picture,)
