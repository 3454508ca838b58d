"""zenpy performs the rest of the Zendesk operations the bridge may use."""

from __future__ import annotations

import time

import pytest
from zenpy import Zenpy
from zenpy.lib.api_objects import Comment, CustomField, Ticket, User
from zenpy.lib.exception import APIException, RecordNotFoundException

from bridge.sandbox import Sandbox


def _create(zenpy: Zenpy, subject: str = "Login fails", email: str = "ana@acme.example", **fields: object) -> Ticket:
    return zenpy.tickets.create(Ticket(subject=subject, comment=Comment(body=f"{subject}: details"),
                                       requester=User(name=email.split("@")[0], email=email), **fields)).ticket


def test_show_many_and_update_many_with_job_status(zenpy: Zenpy) -> None:
    a, b = _create(zenpy, "A"), _create(zenpy, "B")
    assert {t.id for t in zenpy.tickets(ids=[a.id, b.id])} == {a.id, b.id}
    a.status, b.status = "pending", "pending"
    job = zenpy.tickets.update([a, b])
    done = zenpy.job_status(id=job.id)
    assert done.status == "completed" and [r.success for r in done.results] == [True, True]
    assert {t.status for t in zenpy.tickets(ids=[a.id, b.id])} == {"pending"}


def test_delete_then_restore(zenpy: Zenpy, sandbox: Sandbox) -> None:
    ticket = _create(zenpy)
    zenpy.tickets.delete(ticket)
    with pytest.raises(RecordNotFoundException):
        zenpy.tickets(id=ticket.id)
    # the incremental export reports it as deleted, as Zendesk does
    exported = list(zenpy.tickets.incremental(start_time=0, paginate_by_time=False))
    assert [(t.id, t.status) for t in exported] == [(ticket.id, "deleted")]
    zenpy.tickets._put(f"{zenpy.tickets._build_url(zenpy.tickets.endpoint(id=ticket.id))}".replace(
        f"/tickets/{ticket.id}.json", f"/deleted_tickets/{ticket.id}/restore.json"), payload={})
    assert zenpy.tickets(id=ticket.id).id == ticket.id


def test_search_tickets_with_common_filters(zenpy: Zenpy) -> None:
    a = _create(zenpy, "Checkout crash", tags=["tier4"], priority="urgent")
    _create(zenpy, "Password reset", email="bo@other.example", tags=["tier1"])
    zenpy.tickets.update(Ticket(id=a.id, status="open"))
    assert [t.id for t in zenpy.search(type="ticket", tags="tier4")] == [a.id]
    assert [t.id for t in zenpy.search("crash", type="ticket")] == [a.id]
    assert [t.id for t in zenpy.search(type="ticket", status="open", priority="urgent")] == [a.id]
    assert [t.id for t in zenpy.search(type="ticket", requester="ana@acme.example")] == [a.id]
    assert len(list(zenpy.search(type="ticket", status_less_than="solved"))) == 2
    assert [t.id for t in zenpy.search(type="ticket", organization="Acme")] == [a.id]
    assert zenpy.search(type="ticket", tags="tier1", status="open").count == 0


def test_custom_fields_ccs_and_followers(zenpy: Zenpy) -> None:
    ticket = _create(zenpy, custom_fields=[CustomField(id=360000200001, value="billing")])
    # every field of the account is listed, null where unset, as Zendesk does
    assert ticket.custom_fields == [
        {"id": 360000200001, "value": "billing"}, {"id": 360000200002, "value": None}, {"id": 360000200003, "value": None}
    ]
    assert ticket.fields == ticket.custom_fields
    cc = zenpy.users.create(User(name="Cleo", email="cleo@acme.example"))
    zenpy.tickets.update(Ticket(id=ticket.id, email_ccs=[{"user_id": cc.id, "action": "put"}],
                                followers=[{"user_email": "dev@acme.example", "action": "put"}]))
    shown = zenpy.tickets(id=ticket.id)
    follower = zenpy.users.search(query="dev@acme.example").next()
    assert shown.email_cc_ids == [cc.id] and shown.follower_ids == [follower.id]
    assert set(shown.collaborator_ids) == {cc.id, follower.id}
    with pytest.raises(APIException) as invalid:
        zenpy.tickets.update(Ticket(id=ticket.id, custom_fields=[{"id": 1, "value": "x"}]))
    assert invalid.value.response.status_code == 422


def test_tags_endpoints(zenpy: Zenpy) -> None:
    ticket = _create(zenpy, tags=["a"])
    zenpy.tickets.add_tags(ticket.id, ["b", "c"])
    zenpy.tickets.delete_tags(ticket.id, ["a"])
    assert sorted(zenpy.tickets.tags(ticket.id)) == ["b", "c"]


def test_ticket_events_export(zenpy: Zenpy) -> None:
    ticket = _create(zenpy)
    zenpy.tickets.update(Ticket(id=ticket.id, status="open", comment=Comment(body="note", public=False)))
    events = list(zenpy.tickets.events(start_time=int(time.time()) - 60))
    assert [e.ticket_id for e in events] == [ticket.id, ticket.id]
    changes = [c for c in events[1].child_events if c["event_type"] == "Change"]
    assert changes == [{**changes[0], "status": "open", "previous_value": "new"}]
    comments = [c for c in events[1].child_events if c["event_type"] == "Comment"]
    assert comments[0]["body"] == "note" and comments[0]["public"] is False


def test_closed_ticket_rejects_updates(zenpy: Zenpy) -> None:
    ticket = _create(zenpy)
    zenpy.tickets.update(Ticket(id=ticket.id, status="closed"))
    with pytest.raises(APIException) as closed:
        zenpy.tickets.update(Ticket(id=ticket.id, subject="again"))
    assert closed.value.response.status_code == 422
    assert closed.value.response.json()["details"]["status"][0]["description"] == "Status: closed prevents ticket update"


def test_assigning_opens_and_solving_assigns(zenpy: Zenpy) -> None:
    ticket = _create(zenpy)
    me = zenpy.users.me()
    assert zenpy.tickets.update(Ticket(id=ticket.id, assignee_id=me.id)).ticket.status == "open"
    other = _create(zenpy, "Other")
    solved = zenpy.tickets.update(Ticket(id=other.id, status="solved")).ticket
    assert solved.assignee_id == me.id


def test_an_update_that_changes_nothing_records_nothing(zenpy: Zenpy) -> None:
    ticket = _create(zenpy, tags=["a"])
    cursor = zenpy.tickets.incremental(start_time=0, paginate_by_time=False)._response_json["after_cursor"]
    zenpy.tickets.update(Ticket(id=ticket.id, additional_tags=["a"]))
    assert list(zenpy.tickets.incremental(cursor=cursor, paginate_by_time=False)) == []
    assert len(list(zenpy.tickets.audits(ticket=ticket.id))) == 1


def test_create_many_users_and_organizations(zenpy: Zenpy) -> None:
    from zenpy.lib.api_objects import Organization
    org = zenpy.organizations.create(Organization(name="Globex", domain_names=["globex.example"]))
    user = zenpy.users.create(User(name="Hank", email="hank@globex.example"))
    assert user.organization_id == org.id
    job = zenpy.tickets.create([Ticket(subject=f"bulk {n}", comment=Comment(body="x"), requester_id=user.id) for n in range(3)])
    done = zenpy.job_status(id=job.id)
    ids = [r.id for r in done.results]
    assert [t.subject for t in zenpy.tickets(ids=ids)] == ["bulk 0", "bulk 1", "bulk 2"]
    assert {t.organization_id for t in zenpy.tickets(ids=ids)} == {org.id}


def test_safe_update_refuses_a_ticket_changed_since_the_stamp(zenpy: Zenpy, sandbox: Sandbox) -> None:
    ticket = _create(zenpy)
    seen = ticket.updated_at
    applied = zenpy.tickets.update(Ticket(id=ticket.id, status="open", safe_update=True, updated_stamp=seen))
    assert applied.ticket.status == "open"  # unchanged since the stamp: applied
    sandbox.zendesk.state.tickets[ticket.id]["updated_at"] = "2099-01-01T00:00:00Z"  # someone changed it later
    with pytest.raises(APIException) as caught:
        zenpy.tickets.update(Ticket(id=ticket.id, status="pending", safe_update=True, updated_stamp=seen))
    assert caught.value.response.status_code == 409
    assert caught.value.response.json()["error"] == "UpdateConflict"
    assert zenpy.tickets(id=ticket.id).status == "open"  # nothing of the refused update landed


def test_merge_closes_the_source_and_copies_its_requester_on_the_target(zenpy: Zenpy) -> None:
    target = _create(zenpy, "Checkout fails", email="ana@acme.example")
    source = _create(zenpy, "Cannot pay", email="lee@acme.example")
    job = zenpy.tickets.merge(target.id, [source.id], target_comment="Lee's request merged", source_comment="Merged into the first")
    assert zenpy.job_status(id=job.id).status == "completed"
    closed, kept = zenpy.tickets(id=source.id), zenpy.tickets(id=target.id)
    assert closed.status == "closed" and kept.status != "closed"
    assert kept.email_cc_ids == []  # the comment on the target is internal: its requester is not copied
    # Comments are internal unless asked otherwise (zenpy's merge cannot ask).
    assert [(c.body, c.public) for c in zenpy.tickets.comments(ticket=source.id)][-1] == ("Merged into the first", False)
    assert [(c.body, c.public) for c in zenpy.tickets.comments(ticket=target.id)][-1] == ("Lee's request merged", False)
    # A closed ticket takes no part in a merge, either way round.
    other = _create(zenpy, "Another")
    with pytest.raises(APIException) as refused:
        zenpy.tickets.merge(other.id, [source.id])
    assert refused.value.response.status_code == 422
    with pytest.raises(APIException):
        zenpy.tickets.merge(source.id, [other.id])
    assert zenpy.tickets(id=other.id).status != "closed"


def test_a_merge_with_a_public_comment_on_the_target_copies_the_sources_requester(zenpy: Zenpy) -> None:
    target = _create(zenpy, "Checkout fails", email="ana@acme.example")
    source = _create(zenpy, "Cannot pay", email="lee@acme.example")
    url = zenpy.tickets._build_url(zenpy.tickets.endpoint.merge(id=target.id))
    zenpy.tickets._post(url, payload={"ids": [source.id], "target_comment": "Lee joins", "target_comment_is_public": True})
    kept = zenpy.tickets(id=target.id)
    lee = zenpy.tickets(id=source.id).requester_id
    assert kept.email_cc_ids == [lee] and lee in kept.collaborator_ids
    assert [(c.body, c.public) for c in zenpy.tickets.comments(ticket=target.id)][-1] == ("Lee joins", True)
