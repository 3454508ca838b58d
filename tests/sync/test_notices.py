"""What the support manager reads in Slack: people's words shown as written, never obeyed,
and each notice saying why it was sent."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest

from bridge.model import ActionKind, Comment, Issue, Link, TicketState
from bridge.rules import Rules, evaluate
from bridge.sync.backsync import backsync
from bridge.sync.decide import decide
from bridge.timetext import iso
from tests.sync.test_decide import NOW, rules, ticket  # noqa: F401 - `rules` is a fixture

PRODUCT_TEAM_NEEDED = "The product team is needed; the support manager is told."  # the shipped rule's reason
HOSTILE = "<!channel> Refund & chargeback <https://evil.example|click here>"


def notices(decision) -> dict[str, str]:  # type: ignore[no-untyped-def]
    return {a.params["kind"]: a.params["text"] for a in decision.actions if a.kind is ActionKind.NOTIFY}


def test_a_subject_that_would_ping_the_channel_or_hide_a_link_is_shown_as_text(rules: Rules) -> None:
    escalated = ticket(subject=HOSTILE, organization="R&D <Labs>", tags=frozenset({"tier4", "product_team"}))
    texts = notices(decide(escalated, TicketState(), rules, now=NOW, default_project="SUP"))
    breached = ticket(subject=HOSTILE, tags=frozenset(), created_at=NOW - timedelta(hours=3), comments=())
    texts |= notices(decide(breached, TicketState(), rules, now=NOW, default_project="SUP"))
    assert set(texts) == {"escalation", "product_team", "sla_breach"}
    for text in texts.values():
        assert "<!channel>" not in text and "<https://evil" not in text
        assert "&lt;!channel&gt; Refund &amp; chargeback &lt;https://evil.example|click here&gt;" in text
        assert "<https://acme.zendesk.com/agent/tickets/101|Open the ticket>" in text  # the bridge's own link works
    assert "R&amp;D &lt;Labs&gt;" in texts["escalation"] and "R&amp;D &lt;Labs&gt;" in texts["product_team"]


def test_a_possible_system_wide_issue_shows_the_issue_summary_as_text(rules: Rules) -> None:
    issue = Issue("DEV-9", "<!here> payments & refunds", "In Progress", "indeterminate", frozenset(), NOW)
    linked = [(Link(n, "DEV-9", NOW), TicketState()) for n in range(1, 6)]
    [text] = [a.params["text"] for a in backsync(issue, linked, rules).actions if a.kind is ActionKind.NOTIFY]
    assert "(&lt;!here&gt; payments &amp; refunds)" in text


@pytest.mark.parametrize("also", [{"tier4"}, set()])
def test_the_product_team_notice_says_why_the_product_team_is_needed(rules: Rules, also: set[str]) -> None:
    # Also stale (no update for days) and, in one case, escalating: those reasons come after the rule's.
    quiet = ticket(tags=frozenset({"product_team", *also}), created_at=NOW - timedelta(days=10),
                   updated_at=NOW - timedelta(days=8))
    assert evaluate(quiet, rules, now=NOW).reasons[-1] != PRODUCT_TEAM_NEEDED  # other reasons come after it
    text = notices(decide(quiet, TicketState(), rules, now=NOW, default_project="SUP"))["product_team"]
    assert PRODUCT_TEAM_NEEDED in text
    assert "stale" not in text.lower() and "Escalate" not in text


def test_a_response_answered_late_while_the_bridge_was_away_is_told_once(rules: Rules) -> None:
    unanswered = ticket(tags=frozenset(), created_at=NOW - timedelta(hours=3), comments=ticket().comments[:1])
    due = evaluate(unanswered, rules, now=NOW).due["response"]
    assert due is not None and due < NOW - timedelta(minutes=30)
    late_reply = Comment("3", "Sorry for the wait: we are on it.", True, "agent@help.example", due + timedelta(minutes=20))
    answered = replace(unanswered, comments=unanswered.comments + (late_reply,), updated_at=late_reply.created_at)
    # The bridge comes back after the late reply: that reply is all that tells of the breach.
    decision = decide(answered, TicketState(), rules, now=NOW, default_project="SUP")
    [told] = [a for a in decision.actions if a.kind is ActionKind.NOTIFY]
    assert told.key == f"notify:sla:101:response:breach:{iso(due)}"  # the key the breach had at its due time
    assert told.params["kind"] == "sla_breach"
    assert f"ticket #101 response met late, due {iso(due)[:10]} {iso(due)[11:16]} UTC" in told.params["text"]
    # Seen at its due time already (or told once): not again.
    again = decide(answered, TicketState(planned=frozenset({told.key})), rules, now=NOW, default_project="SUP")
    assert not [a for a in again.actions if a.kind is ActionKind.NOTIFY]
    # Answered in time: nothing to tell.
    in_time = replace(late_reply, created_at=due - timedelta(minutes=5))
    on_time = replace(unanswered, comments=unanswered.comments + (in_time,), updated_at=in_time.created_at)
    assert not [a for a in decide(on_time, TicketState(), rules, now=NOW, default_project="SUP").actions
                if a.kind is ActionKind.NOTIFY]


def test_a_response_answered_late_long_ago_is_summed_up_not_sent(rules: Rules) -> None:
    unanswered = ticket(tags=frozenset(), created_at=NOW - timedelta(days=10), comments=ticket().comments[:1])
    due = evaluate(unanswered, rules, now=NOW).due["response"]
    assert due is not None
    late_reply = Comment("3", "Sorry for the wait.", True, "agent@help.example", due + timedelta(hours=2))
    answered = replace(unanswered, comments=unanswered.comments + (late_reply,), updated_at=late_reply.created_at)
    decision = decide(answered, TicketState(), rules, now=NOW, default_project="SUP")
    assert not [a for a in decision.actions if a.kind is ActionKind.NOTIFY and "response" in a.key]
    assert (101, "sla_breach", f"response due {iso(due)[:10]} {iso(due)[11:16]} UTC") in decision.caught_up
