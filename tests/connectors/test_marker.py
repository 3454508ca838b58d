"""The bridge's signature: its own comments are known by it, replies quoting them are not."""

from __future__ import annotations

from bridge.connectors.marker import is_signed, sign, signed_for

REPLY = "A fix for this issue is now in place. Please reply to confirm."


def test_a_signed_comment_is_the_bridges_and_names_its_action() -> None:
    body = sign(REPLY, "status_reply:101:SUP-7")
    assert is_signed(body) and is_signed(body + "\n\n")
    assert signed_for(body, "status_reply:101:SUP-7") and not signed_for(body, "status_reply:102:SUP-7")


def test_a_reply_quoting_the_bridges_comment_is_the_customers() -> None:
    """Such a reply was taken for the bridge's own and never reached Jira."""
    quoted = "\n".join(f"> {line}" for line in sign(REPLY, "status_reply:101:SUP-7").splitlines())
    for body in (f"Still broken for us.\n\n{quoted}", f"{quoted}\n\nStill broken for us.",
                 f"Still broken. You wrote: {sign(REPLY, 'k')} and it is not fixed."):
        assert not is_signed(body), body
        assert not signed_for(body, "status_reply:101:SUP-7")


def test_a_comment_of_the_bridges_that_someone_edited_is_still_the_bridges() -> None:
    """Else its text (a customer's reply) would be copied back to the ticket as a developer's."""
    body = sign("Public reply on Zendesk #7 by dana@acme.example:\n\nStill broken.", "comment_to_jira:7:31")
    for edited in (body + "\n\n(edit: removed a phone number)", body.replace("[escalation", "\\[escalation").replace("]", "\\]")):
        assert is_signed(edited), edited
        assert signed_for(edited, "comment_to_jira:7:31")
