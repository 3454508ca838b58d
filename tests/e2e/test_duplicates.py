"""Duplicates through the daemon: a colleague's ticket on the same Jira issue is merged into the first.

Several people of one organisation report one problem; the agents point each ticket at the
issue (tag `jira_<key>`). The later tickets are merged into the one on the issue first: closed
with a reply that says where the request went, their requesters copied on the original.
Another organisation's ticket joins the issue as a ticket of its own. On the Jira side, an
issue closed as a duplicate of another hands its tickets over to that one.
"""

from __future__ import annotations

import pytest

from tests.e2e.harness import eventually
from tests.e2e.inprocess import Bridge
from tests.e2e.test_sync import jira_comments, settle, ticket_view, zendesk_comments

pytestmark = pytest.mark.e2e

JOINED = "is about this issue too"


def test_a_colleagues_ticket_is_merged_into_the_first_and_another_customers_joins_the_issue(bridge: Bridge) -> None:
    first = bridge.open_ticket(subject="Checkout fails with error 500", tags=["tier4"])  # Dana, Acme
    key = eventually(lambda: bridge.issue_key(first), what="the escalation")
    tag = f"jira_{key.lower()}"
    colleague = bridge.open_ticket(subject="Cannot pay by card", tags=[tag], requester=("Lee Park", "lee@acme.example"))
    customer = bridge.open_ticket(subject="Payments broken", tags=[tag], requester=("Sam Ode", "sam@globex.example"))

    eventually(lambda: ticket_view(bridge, colleague)[0] == "closed", what="the colleague's ticket merged")
    eventually(lambda: bridge.issue_key(customer) == key, what="the other customer's ticket attached")
    settle(bridge)
    zendesk = bridge.zendesk()
    lee = zendesk.tickets(id=colleague).requester_id
    assert lee in zendesk.tickets(id=first).email_cc_ids  # every update of the original reaches Lee
    [(public, reply)] = [(p, b) for p, b in zendesk_comments(bridge, colleague) if f"#{first}" in b]
    assert public and key in reply
    assert any(not p and f"#{colleague}" in b and "Lee Park" in b for p, b in zendesk_comments(bridge, first))
    # The issue lists the tickets of customers, one per organisation: not the merged one.
    assert bridge.issue_key(colleague) is None
    labels = set(bridge.jira().issue(key).fields.labels)
    assert f"zendesk-{customer}" in labels and f"zendesk-{colleague}" not in labels
    comments = jira_comments(bridge, key)
    assert sum(JOINED in c and f"#{customer}" in c for c in comments) == 1
    assert not any(f"#{colleague}" in c for c in comments)
    assert bridge.daemon.store.actions.result(f"merge:{colleague}:{first}") == {"into": first, "merged": True}

    # Development moves on: the open tickets follow, the merged one is left alone, nothing fails.
    bridge.transition(key, "In Progress")
    eventually(lambda: ticket_view(bridge, customer)[0] == "hold", what="the attached ticket following the issue")
    settle(bridge)
    assert not bridge.daemon.store.actions.with_status("dead")
    assert ticket_view(bridge, colleague)[0] == "closed"


def test_the_tickets_of_an_issue_closed_as_a_duplicate_follow_the_original(bridge: Bridge) -> None:
    first = bridge.open_ticket(subject="Checkout fails with error 500", tags=["tier4"])  # Dana, Acme
    duplicate_key = eventually(lambda: bridge.issue_key(first), what="the first escalation")
    other = bridge.open_ticket(subject="Card payments fail", tags=["tier4"], requester=("Sam Ode", "sam@globex.example"))
    original_key = eventually(lambda: bridge.issue_key(other), what="the second escalation")
    settle(bridge)
    # A developer finds both are one bug: the first issue duplicates the second, and is closed so.
    jira = bridge.jira()
    jira.create_issue_link("Duplicate", inwardIssue=duplicate_key, outwardIssue=original_key)
    [done] = [t["id"] for t in jira.transitions(duplicate_key) if t["to"]["name"] == "Done"]
    jira.transition_issue(duplicate_key, done, fields={"resolution": {"name": "Duplicate"}})

    eventually(lambda: bridge.issue_key(first) == original_key, what="the ticket following the original")
    eventually(lambda: f"jira_{original_key.lower()}" in ticket_view(bridge, first)[1], what="its tag changed")
    settle(bridge)
    status, tags = ticket_view(bridge, first)
    assert f"jira_{duplicate_key.lower()}" not in tags
    assert status == "hold"  # still with development, not handed back as "Done as Duplicate" alone would
    assert any(f"duplicate of {original_key}" in body for _, body in zendesk_comments(bridge, first))
    assert f"zendesk-{first}" in jira.issue(original_key).fields.labels
    assert sum(f"#{first} follows this issue" in c for c in jira_comments(bridge, original_key)) == 1

    # The original's progress reaches both customers now.
    bridge.transition(original_key, "In Progress")
    for ticket_id in (first, other):
        eventually(lambda t=ticket_id: any(f"{original_key} moved to In Progress" in b for _, b in zendesk_comments(bridge, t)),
                   what=f"ticket {ticket_id} told")
    settle(bridge)
    assert not bridge.daemon.store.actions.with_status("dead")


def test_a_duplicate_link_made_after_the_issue_was_closed_moves_its_tickets_too(bridge: Bridge) -> None:
    first = bridge.open_ticket(subject="Export hangs", tags=["tier4"])
    duplicate_key = eventually(lambda: bridge.issue_key(first), what="the first escalation")
    other = bridge.open_ticket(subject="CSV export never ends", tags=["tier4"], requester=("Sam Ode", "sam@globex.example"))
    original_key = eventually(lambda: bridge.issue_key(other), what="the second escalation")
    settle(bridge)
    jira = bridge.jira()
    [done] = [t["id"] for t in jira.transitions(duplicate_key) if t["to"]["name"] == "Done"]
    jira.transition_issue(duplicate_key, done, fields={"resolution": {"name": "Duplicate"}})
    eventually(lambda: ticket_view(bridge, first)[0] == "open", what="the ticket back with the agents (no link yet)")
    jira.create_issue_link("Duplicate", inwardIssue=duplicate_key, outwardIssue=original_key)
    eventually(lambda: bridge.issue_key(first) == original_key, what="the ticket following the original")
    settle(bridge)
    assert f"zendesk-{first}" not in jira.issue(duplicate_key).fields.labels  # listed by the original alone
    assert not bridge.daemon.store.actions.with_status("dead")
