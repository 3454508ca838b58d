"""zenpy against the Zendesk emulator: the operations the bridge performs."""

from __future__ import annotations

from zenpy import Zenpy
from zenpy.lib.api_objects import Comment, Ticket, User

from bridge.sandbox import Sandbox


def _create(zenpy: Zenpy, subject: str = "Login fails", email: str = "ana@acme.example", **fields: object) -> Ticket:
    audit = zenpy.tickets.create(Ticket(subject=subject, description="It fails with error 500",
                                        requester=User(name="Ana Lima", email=email), **fields))
    return audit.ticket


def test_create_with_requester_creates_user_and_organization(zenpy: Zenpy) -> None:
    ticket = _create(zenpy, tags=["tier4", "Login Issue"])
    assert ticket.status == "new"
    assert ticket.tags == ["tier4", "login", "issue"]
    requester = zenpy.users(id=ticket.requester_id)
    assert (requester.name, requester.email, requester.role) == ("Ana Lima", "ana@acme.example", "end-user")
    org = zenpy.organizations(id=ticket.organization_id)
    assert org.name == "Acme" and org.domain_names == ["acme.example"]
    # a second requester from the same domain joins the same organisation
    other = _create(zenpy, email="bo@acme.example")
    assert other.organization_id == ticket.organization_id and other.requester_id != ticket.requester_id


def test_show_update_tags_status_and_internal_note(zenpy: Zenpy) -> None:
    ticket = zenpy.tickets(id=_create(zenpy).id)
    ticket.tags.extend(["jira_sup_1"])
    ticket.status = "open"
    ticket.comment = Comment(body="Escalated to SUP-1", public=False)
    updated = zenpy.tickets.update(ticket).ticket
    assert updated.status == "open" and "jira_sup_1" in updated.tags
    comments = list(zenpy.tickets.comments(ticket=ticket.id))
    assert [(c.body, c.public) for c in comments] == [("It fails with error 500", True), ("Escalated to SUP-1", False)]
    assert comments[1].author_id == zenpy.users.me().id


def test_sideloads_users_and_organizations(zenpy: Zenpy) -> None:
    ticket = _create(zenpy)
    shown = zenpy.tickets(id=ticket.id, include=["users", "organizations"])
    assert shown.requester.email == "ana@acme.example"
    assert shown.organization.name == "Acme"


def test_incremental_cursor_export_pages_and_resumes(zenpy: Zenpy, sandbox: Sandbox) -> None:
    ids = [_create(zenpy, subject=f"T{i}").id for i in range(5)]
    first = zenpy.tickets.incremental(start_time=0, paginate_by_time=False, per_page=2)
    assert [t.id for t in first] == ids  # zenpy follows after_url to the end of the stream
    cursor = first._response_json["after_cursor"]
    assert first._response_json["end_of_stream"] is True
    # nothing new: the saved cursor yields nothing, and keeps working after a change
    again = zenpy.tickets.incremental(cursor=cursor, paginate_by_time=False)
    assert list(again) == []
    ticket = zenpy.tickets(id=ids[1])
    ticket.priority = "high"
    zenpy.tickets.update(ticket)
    changed = zenpy.tickets.incremental(cursor=cursor, paginate_by_time=False)
    assert [(t.id, t.priority) for t in changed] == [(ids[1], "high")]
    assert sandbox.counters("zendesk")["GET /api/v2/incremental/tickets/cursor.json"] >= 4
