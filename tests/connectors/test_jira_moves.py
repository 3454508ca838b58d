"""A Jira issue moved to another project: the recorded webhooks name its old key."""

from __future__ import annotations

import pytest

from bridge.connectors.jira_json import moved_from_key
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
