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
OPENED = "status_page:open:SUP-7"


def issue(status: str = "In Progress", category: str = "indeterminate", **changes: object) -> Issue:
    return replace(Issue("SUP-7", "Checkout fails: NPE in PaymentService", status, category, frozenset(), NOW), **changes)  # type: ignore[arg-type]


def tickets(count: int, **marks: str) -> list[tuple[Link, TicketState]]:
    return [(Link(100 + n, "SUP-7", NOW - timedelta(days=1)), TicketState(marks={**AT_WORK, **marks})) for n in range(count)]


def incident_actions(decision: Decision) -> list:  # type: ignore[type-arg]
    return [a for a in decision.actions if a.kind is ActionKind.STATUS_PAGE]


def test_enough_tickets_on_one_issue_open_a_public_incident_that_says_nothing_internal(rules: Rules) -> None:
    decision = backsync(issue(), tickets(5), rules, status_page=True)
    [opened] = incident_actions(decision)
    assert opened.key == OPENED and opened.after is None
    assert opened.params["status"] == "identified"  # in progress in Jira
    assert opened.params["name"] == rules.status_page.name and "PaymentService" not in str(opened.params)
    assert opened.params["body"] == rules.status_page.messages.identified
    # The manager's notice of a possible system-wide issue says the page is being told.
    [told] = [a for a in decision.actions if a.kind is ActionKind.NOTIFY]
    assert "public incident is being opened on the status page" in told.params["text"]
    assert "status page" not in [a for a in backsync(issue(), tickets(5), rules).actions
                                 if a.kind is ActionKind.NOTIFY][0].params["text"]
    # Every ticket of the issue remembers which incident is theirs, and its step.
    assert {decision.marks[(100 + n, INCIDENT_MARK)] for n in range(5)} == {f"{OPENED} identified"}


def test_fewer_tickets_no_status_page_or_an_issue_done_already_open_nothing(rules: Rules) -> None:
    assert not incident_actions(backsync(issue(), tickets(4), rules, status_page=True))
    assert not incident_actions(backsync(issue(), tickets(5), rules))
    assert not incident_actions(backsync(issue("Done", "done"), tickets(5), rules, status_page=True))
    lower = rules.model_copy(update={"status_page": rules.status_page.model_copy(update={"open_at": 2})})
    assert incident_actions(backsync(issue(), tickets(2), lower, status_page=True))


def test_a_late_view_of_an_issue_done_since_opens_nothing_and_moves_nothing_back(rules: Rules) -> None:
    done_seen = {"jira_status": "Done", "jira_category": "done", "jira_updated": (NOW + timedelta(hours=1)).isoformat()}
    assert not incident_actions(backsync(issue(), tickets(5, **done_seen), rules, status_page=True))
    known = tickets(5, **done_seen, **{INCIDENT_MARK: f"{OPENED} resolved"})
    assert not incident_actions(backsync(issue(), known, rules, status_page=True))


def test_the_incident_follows_the_issues_steps_and_resolves_with_its_components(rules: Rules) -> None:
    page = rules.status_page.model_copy(update={"components": ("cmp1",), "jira_statuses": {"In Review": "monitoring"}})
    with_page = rules.model_copy(update={"status_page": page})
    known = tickets(5, **{INCIDENT_MARK: f"{OPENED} identified", "jira_status": "In Progress", "jira_category": "indeterminate"})
    decision = backsync(issue("In Review"), known, with_page, status_page=True)
    [review] = incident_actions(decision)
    assert (review.params["status"], review.after) == ("monitoring", OPENED)
    assert review.params["components"] == {"cmp1": "partial_outage"}
    assert decision.marks[(100, INCIDENT_MARK)] == f"{OPENED} monitoring"
    [done] = incident_actions(backsync(issue("Done", "done"), known, with_page, status_page=True))
    assert done.params["status"] == "resolved" and done.params["components"] == {"cmp1": "operational"}
    # The step it is at already plans nothing (a comment, say).
    assert not incident_actions(backsync(issue(), known, with_page, status_page=True))


def test_the_incident_is_resolved_though_every_ticket_is_closed(rules: Rules) -> None:
    known = tickets(5, **{INCIDENT_MARK: f"{OPENED} identified"})
    closed = {100 + n: "closed" for n in range(5)}
    [done] = incident_actions(backsync(issue("Done", "done"), known, rules, status_page=True, ticket_statuses=closed))
    assert done.params["status"] == "resolved"


def test_a_ticket_joining_later_learns_the_incident_and_none_opens_twice(rules: Rules) -> None:
    known = tickets(5, **{INCIDENT_MARK: f"{OPENED} identified"})
    newcomer = (Link(200, "SUP-7", NOW), TicketState())
    decision = backsync(issue(), [*known, newcomer], rules, status_page=True)
    assert not incident_actions(decision)
    assert decision.marks[(200, INCIDENT_MARK)] == f"{OPENED} identified"


def test_tickets_bringing_another_incident_keep_it_and_the_issues_own_is_the_most_told(rules: Rules) -> None:
    own = tickets(5, **{INCIDENT_MARK: f"{OPENED} identified"})
    brought = [(Link(300, "SUP-7", NOW), TicketState(marks={**AT_WORK, INCIDENT_MARK: "status_page:open:SUP-3 identified"}))]
    decision = backsync(issue("Done", "done"), [*own, *brought], rules, status_page=True)
    done, brought_done = incident_actions(decision)
    assert done.after == OPENED
    assert (brought_done.after, brought_done.params["status"]) == ("status_page:open:SUP-3", "resolved")  # ends with it
    assert decision.marks[(300, INCIDENT_MARK)] == "status_page:open:SUP-3 resolved"  # its own, never two on one ticket
    # Only resolving ends the other one: a step before that moves the issue's own alone.
    [review] = incident_actions(backsync(issue("In Review"), [*own, *brought], rules, status_page=True))
    assert review.after == OPENED


def test_an_issue_closed_as_a_duplicate_leaves_its_incident_as_it_is(rules: Rules) -> None:
    known = tickets(5, **{INCIDENT_MARK: f"{OPENED} identified"})
    closed = issue("Done", "done", resolution="Duplicate", duplicates="SUP-3")
    assert not incident_actions(backsync(closed, known, rules, status_page=True))
