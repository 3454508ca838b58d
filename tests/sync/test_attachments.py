"""Files planned for copying: attached on Zendesk, to the Jira issue; attached in Jira, to the tickets. Pure."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from bridge.model import ActionKind, Comment, IssueFile, Link, TicketState
from bridge.rules import Rules
from bridge.sync.attachments import files_to_ticket
from bridge.sync.backsync import backsync
from bridge.sync.decide import decide
from bridge.sync.mirror import comments_to_jira
from tests.sync.test_decide import NOW, rules, ticket  # noqa: F401 (rules: the module's fixture)
from tests.sync.test_decide import issue as issue_of

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


# -- Jira -> Zendesk: files developers attach to the issue --------------------------------------

BRIDGE = "557058:bridge"
DEV = "557058:devon"


def _jira_file(file_id: str, name: str, author_id: str, *, at: timedelta = timedelta(0)) -> IssueFile:
    return IssueFile(file_id, name, 2048, "devon@dev.example" if author_id == DEV else "Escalation Bridge", author_id, NOW + at)


def test_a_file_a_developer_attaches_reaches_every_linked_ticket_once_in_a_note(rules: Rules) -> None:
    links = [Link(101, "SUP-7", NOW - timedelta(days=1)), Link(102, "SUP-7", NOW - timedelta(hours=2))]
    fix = _jira_file("10040", "fix-notes.txt", DEV)
    issue = replace(issue_of("In Progress"), files=(fix,))
    decision = backsync(issue, [(link, TicketState(link=link)) for link in links], rules, bridge_account=BRIDGE)
    files = [a for a in decision.actions if a.kind is ActionKind.FILE_TO_TICKET]
    assert [(a.ticket_id, a.key) for a in files] == [(101, "file_to_ticket:101:10040"), (102, "file_to_ticket:102:10040")]
    assert files[0].params["note"] == "devon@dev.example attached fix-notes.txt to SUP-7."
    assert (files[0].params["file_id"], files[0].params["size"]) == ("10040", 2048)
    # Planned once: a later view of the issue plans it for no ticket again.
    again = backsync(issue, [(link, TicketState(link=link, planned=frozenset(a.key for a in files))) for link in links],
                     rules, bridge_account=BRIDGE)
    assert not [a for a in again.actions if a.kind is ActionKind.FILE_TO_TICKET]


def test_files_the_bridge_copied_and_files_older_than_the_link_stay_in_jira(rules: Rules) -> None:
    link = Link(101, "SUP-7", NOW - timedelta(hours=1))
    ours = _jira_file("10041", "gateway.log", BRIDGE)  # copied from a ticket: another customer's, maybe
    older = _jira_file("10042", "design.pdf", DEV, at=-timedelta(days=3))  # on the issue before this ticket joined
    issue = replace(issue_of("In Progress"), files=(ours, older))
    assert not [a for a in backsync(issue, [(link, TicketState(link=link))], rules, bridge_account=BRIDGE).actions
                if a.kind is ActionKind.FILE_TO_TICKET]
    # Without the bridge's own account nothing is copied: its own files must never echo.
    dev = replace(issue, files=(_jira_file("10043", "fix.txt", DEV),))
    assert not files_to_ticket(dev, link, bridge_account=None)
    assert files_to_ticket(dev, link, bridge_account=BRIDGE)
    # A file whose author Jira does not name may be the bridge's own: it stays too.
    assert not files_to_ticket(replace(dev, files=(_jira_file("10044", "x.txt", ""),)), link, bridge_account=BRIDGE)


def test_a_file_the_bridge_copied_stays_in_jira_though_its_account_was_replaced_since(rules: Rules) -> None:
    links = [Link(101, "SUP-7", NOW - timedelta(days=1)), Link(102, "SUP-7", NOW - timedelta(hours=2))]
    # Copied for #101 under the bridge's former account, which Jira now names as the author.
    copied = _jira_file("10045", "gateway.log", "557058:former-bridge")
    issue = replace(issue_of("In Progress"), files=(copied, _jira_file("10046", "fix.txt", DEV)))
    states = [TicketState(link=links[0], marks={"jira_file:10045": "copy_file:101:ab12"}), TicketState(link=links[1])]
    decision = backsync(issue, list(zip(links, states)), rules, bridge_account=BRIDGE)
    assert sorted(a.key for a in decision.actions if a.kind is ActionKind.FILE_TO_TICKET) == [
        "file_to_ticket:101:10046", "file_to_ticket:102:10046"]  # not another customer's log, to #102 or back to #101
