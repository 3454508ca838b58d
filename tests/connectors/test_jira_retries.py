"""A retried Jira comment finds the one an earlier attempt wrote, however busy the issue."""

from __future__ import annotations

from typing import Iterator

import pytest

from bridge.sandbox import Sandbox
from tests.connectors.test_errors import jira


@pytest.fixture(scope="module")
def sandbox(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Sandbox]:
    box = Sandbox(zendesk_port=0, jira_port=0, slack_port=0, workdir=tmp_path_factory.mktemp("sandbox"))
    box.start()
    yield box
    box.stop()


def test_an_earlier_attempts_comment_is_found_behind_a_full_page_of_others(sandbox: Sandbox) -> None:
    """Jira gives 50 comments a page: only the first was looked at, so on a busy issue a retry
    after a timed-out write found nothing and posted the comment a second time."""
    connector = jira(sandbox)
    client = connector.client
    key = client.create_issue(project=sandbox.info()["jira"]["project"], summary="Checkout fails", issuetype={"name": "Bug"}).key
    for n in range(60):  # the developers had been talking
        client.add_comment(key, f"Looked at log {n}")
    written = connector.add_comment(key, "Public reply on Zendesk #7 by dana@acme.example", action_key="comment_to_jira:7:31")
    for n in range(60):  # and carried on
        client.add_comment(key, f"Looked at trace {n}")
    assert len(client.comments(key)) == 50  # a page, as on Jira Cloud: the comment is on none of the first, either way
    assert connector.signed_comment(key, "comment_to_jira:7:31") == written
    assert connector.signed_comment(key, "comment_to_jira:7:32") is None
