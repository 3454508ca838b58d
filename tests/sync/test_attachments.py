"""Files attached on Zendesk, planned for copying to the Jira issue. Pure."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from bridge.model import ActionKind, Comment, Link, TicketState
from bridge.rules import Rules
from bridge.sync.decide import decide
from bridge.sync.mirror import comments_to_jira
from tests.sync.test_decide import NOW, rules, ticket  # noqa: F401 (rules: the module's fixture)

LOG = ("gateway.log", "https://acme.zendesk.com/attachments/token/a1/?name=gateway.log")
SHOT = ("screen.png", "https://acme.zendesk.com/attachments/token/b2/?name=screen.png")


def _copies(actions: list) -> list:  # type: ignore[type-arg]
    return [a for a in actions if a.kind is ActionKind.COPY_FILE]


def test_an_escalation_copies_the_files_of_every_comment_it_carries_once_each(rules: Rules) -> None:
    first, note = ticket().comments
    t = ticket(comments=(replace(first, attachments=(LOG,)), replace(note, attachments=(SHOT, LOG))))  # the note is internal
    actions = decide(t, TicketState(), rules, now=NOW, default_project="SUP").actions
    copies = _copies(actions)
    assert [c.params["name"] for c in copies] == ["gateway.log", "screen.png"]
    assert {c.after for c in copies} == {"create_issue:101"} and all(c.issue_key is None for c in copies)


def test_a_public_reply_brings_its_files_after_it_and_a_file_is_copied_once(rules: Rules) -> None:
    link = Link(101, "SUP-7", NOW - timedelta(hours=1))
    reply = Comment("9", "Here is the screenshot", True, "dana@acme.example", NOW, attachments=(SHOT,))
    aside = Comment("10", "internal", False, "agent@help.example", NOW, attachments=(LOG,))
    actions = comments_to_jira(ticket(comments=(*ticket().comments, reply, aside)), link)
    [comment] = [a for a in actions if a.key == "comment_to_jira:101:9"]
    [copy] = _copies(actions)
    assert (copy.after, copy.issue_key, copy.params["url"]) == (comment.key, "SUP-7", SHOT[1])
    assert "screen.png: " in comment.params["body"]  # the link stays in the text
    # The same file at escalation and in a reply is one copy: keyed by the ticket and the file.
    escalated = _copies(decide(ticket(comments=(*ticket().comments, reply)), TicketState(), rules,
                               now=NOW, default_project="SUP").actions)
    assert [c.key for c in escalated] == [copy.key]


def test_files_the_bridge_wrote_are_not_copied_back() -> None:
    link = Link(101, "SUP-7", NOW - timedelta(hours=1))
    ours = Comment("9", "note", True, "bridge@help.example", NOW, attachments=(LOG,), by_bridge=True)
    assert not _copies(comments_to_jira(ticket(comments=(*ticket().comments, ours)), link))


def test_a_reply_mirrored_before_brings_no_files_now() -> None:
    # (replies mirrored before files were copied: their copies would all be planned at once)
    link = Link(101, "SUP-7", NOW - timedelta(hours=1))
    reply = Comment("9", "Screenshot", True, "dana@acme.example", NOW, attachments=(SHOT,))
    t = ticket(comments=(*ticket().comments, reply))
    assert not _copies(comments_to_jira(t, link, planned=frozenset({"comment_to_jira:101:9"})))
    assert _copies(comments_to_jira(t, link, planned=frozenset()))
