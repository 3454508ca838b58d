"""The status page's incident for a possible system-wide issue: what `backsync` plans. Pure."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from bridge.model import ActionKind, Decision, Issue, Link, TicketState
from bridge.rules import Rules
from bridge.sync.backsync import backsync
from bridge.sync.status_page import INCIDENT_MARK
from tests.sync.test_decide import NOW, rules  # noqa: F401 (rules: the module's fixture)

AT_WORK = {"jira_status": "To Do", "jira_category": "new"}


def issue(status: str = "In Progress", category: str = "indeterminate", **changes: object) -> Issue:
    return replace(Issue("SUP-7", "Checkout fails: NPE in PaymentService", status, category, frozenset(), NOW), **changes)  # type: ignore[arg-type]


def tickets(count: int, **marks: str) -> list[tuple[Link, TicketState]]:
    return [(Link(100 + n, "SUP-7", NOW - timedelta(days=1)), TicketState(marks={**AT_WORK, **marks})) for n in range(count)]


def incident_actions(decision: Decision) -> list:  # type: ignore[type-arg]
    return [a for a in decision.actions if a.kind is ActionKind.STATUS_PAGE]


def test_enough_tickets_on_one_issue_open_a_public_incident_that_says_nothing_internal(rules: Rules) -> None:
    decision = backsync(issue(), tickets(5), rules, status_page=True)
    [opened] = incident_actions(decision)
    assert opened.key == "status_page:open:SUP-7" and opened.after is None
    assert opened.params["status"] == "identified"  # in progress in Jira
    assert opened.params["name"] == rules.status_page.name and "PaymentService" not in str(opened.params)
    assert opened.params["body"] == rules.status_page.messages.identified
    # Every ticket of the issue remembers which incident is theirs.
    assert {decision.marks[(100 + n, INCIDENT_MARK)] for n in range(5)} == {opened.key}


def test_fewer_tickets_no_status_page_or_an_issue_done_already_open_nothing(rules: Rules) -> None:
    assert not incident_actions(backsync(issue(), tickets(4), rules, status_page=True))
    assert not incident_actions(backsync(issue(), tickets(5), rules))
    assert not incident_actions(backsync(issue("Done", "done"), tickets(5), rules, status_page=True))
    lower = rules.model_copy(update={"status_page": rules.status_page.model_copy(update={"open_at": 2})})
    assert incident_actions(backsync(issue(), tickets(2), lower, status_page=True))


def test_the_incident_follows_the_issues_moves_and_resolves_with_its_components(rules: Rules) -> None:
    page = rules.status_page.model_copy(update={"components": ("cmp1",), "jira_statuses": {"In Review": "monitoring"}})
    with_page = rules.model_copy(update={"status_page": page})
    opened = "status_page:open:SUP-7"
    known = tickets(5, **{INCIDENT_MARK: opened, "jira_status": "In Progress", "jira_category": "indeterminate"})
    [review] = incident_actions(backsync(issue("In Review"), known, with_page, status_page=True))
    assert (review.params["status"], review.after) == ("monitoring", opened)
    assert review.params["components"] == {"cmp1": "partial_outage"}
    [done] = incident_actions(backsync(issue("Done", "done"), known, with_page, status_page=True))
    assert done.params["status"] == "resolved" and done.params["components"] == {"cmp1": "operational"}
    # A view in which the issue did not move (a comment) moves nothing.
    assert not incident_actions(backsync(issue(), known, with_page, status_page=True))


def test_a_ticket_joining_later_learns_the_incident_and_none_opens_twice(rules: Rules) -> None:
    opened = "status_page:open:SUP-7"
    known = tickets(5, **{INCIDENT_MARK: opened})
    newcomer = (Link(200, "SUP-7", NOW), TicketState())
    decision = backsync(issue(), [*known, newcomer], rules, status_page=True)
    assert not [a for a in incident_actions(decision) if a.after is None]
    assert decision.marks[(200, INCIDENT_MARK)] == opened


def test_an_issue_closed_as_a_duplicate_leaves_its_incident_as_it_is(rules: Rules) -> None:
    known = tickets(5, **{INCIDENT_MARK: "status_page:open:SUP-7"})
    closed = issue("Done", "done", resolution="Duplicate", duplicates="SUP-3")
    assert not incident_actions(backsync(closed, known, rules, status_page=True))
