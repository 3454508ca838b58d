"""Writes to Jira that must not fail or double: a retried comment, a text over Jira's limit."""

from __future__ import annotations

from bridge.connectors.jira import TEXT_LIMIT, render_description
from bridge.sandbox import Sandbox
from tests.connectors.conftest import jira


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


def test_looking_for_an_earlier_comment_stops_at_the_last_page(sandbox: Sandbox) -> None:
    """Each read spends the retry's lease: a page shorter than a full one is the last."""
    connector = jira(sandbox)
    key = connector.client.create_issue(project=sandbox.info()["jira"]["project"], summary="Login slow", issuetype={"name": "Bug"}).key
    for n in range(3):
        connector.client.add_comment(key, f"Looked at log {n}")
    sandbox.reset_counters("jira")
    assert connector.signed_comment(key, "comment_to_jira:8:1") is None
    assert sandbox.counters("jira") == {"GET /rest/api/2/issue/{key}/comment": 1}


def test_a_text_over_jiras_limit_is_cut_and_says_so(sandbox: Sandbox) -> None:
    """Jira refuses more than 32,767 characters: a pasted log made the escalation, or the
    customer's reply, a dead letter."""
    connector = jira(sandbox)
    log = "\n".join(f"2026-11-30T10:{n % 60:02}:00Z ERROR export worker {n}: timeout after 30000 ms" for n in range(800))
    sections = [("Ticket", "Export fails for big accounts"), ("Conversation", log),
                ("Attachments (in Zendesk)", "export.log: https://acme.zendesk.com/attachments/token/z/?name=export.log")]
    description = render_description(sections)
    key = connector.create_issue(project=sandbox.info()["jira"]["project"], summary="Exports time out",
                                 description=description, issue_type="Bug", priority=None, labels=["zendesk-9"])
    stored = connector.client.issue(key).fields.description
    assert len(stored) <= TEXT_LIMIT and stored.startswith("h3. Ticket") and "worker 10: timeout" in stored
    assert "the whole text is in Zendesk)" in stored and stored.count("{noformat}") % 2 == 0
    # the long section is cut, not the end: what comes after it is all there
    assert stored.endswith("h3. Attachments (in Zendesk)\n{noformat}\n"
                           "export.log: https://acme.zendesk.com/attachments/token/z/?name=export.log\n{noformat}")
    # a text that was never long stays as it was
    assert render_description(sections[:1]) == "h3. Ticket\n{noformat}\nExport fails for big accounts\n{noformat}"

    written = connector.add_comment(key, f"Public reply on Zendesk #9 by dana@acme.example:\n\n{log}", action_key="c:9:1")
    body = connector.client.comment(key, written).body
    assert len(body) <= TEXT_LIMIT and "the whole text is in Zendesk)" in body
    assert connector.signed_comment(key, "c:9:1") == written  # still signed: a retry still finds it


def test_what_a_customer_wrote_is_shown_in_jira_not_obeyed(sandbox: Sandbox) -> None:
    """`[~accountid:…]` in a reply mentioned (and notified) a developer; links and colours took effect."""
    connector = jira(sandbox)
    key = connector.create_issue(project=sandbox.info()["jira"]["project"], summary="Login loops", description="x",
                                 issue_type="Bug", priority=None, labels=["zendesk-3"])
    reply = "Ask [~accountid:5b10a2844c20165700ede21g] to look at [this|http://evil.example] {color:red}now{color}"
    written = connector.add_comment(key, reply, action_key="c:3:1")
    body = connector.client.comment(key, written).body
    assert body.startswith(r"Ask \[~accountid:5b10a2844c20165700ede21g] to look at \[this|http://evil.example] "
                           r"\{color:red}now\{color}")
    assert connector.signed_comment(key, "c:3:1") == written  # the signature itself is not escaped


def test_the_limit_counts_as_jira_does_an_emoji_is_two(sandbox: Sandbox) -> None:
    connector = jira(sandbox)
    key = connector.create_issue(project=sandbox.info()["jira"]["project"], summary="Emoji storm", description="x",
                                 issue_type="Bug", priority=None, labels=["zendesk-4"])
    written = connector.add_comment(key, "Customer says: " + "🔥" * 20_000, action_key="c:4:1")  # 40,000 units
    body = connector.client.comment(key, written).body
    assert len(body.encode("utf-16-le")) // 2 <= TEXT_LIMIT and "the whole text is in Zendesk)" in body
    assert "\ufffd" not in body  # no half of an emoji left at the cut
