"""Zendesk emulator payloads against the recorded real responses (shared/reference/zendesk)."""

from __future__ import annotations

import copy
from typing import Any

import pytest
import requests
from zenpy import Zenpy
from zenpy.lib.api_objects import Comment, Ticket, User

from bridge.sandbox import Sandbox
from .reference import assert_same_shape, zendesk_body, zendesk_interactions

CREATE = "TestTicketCreateUpdateDelete.test_single_object_creation-create-single"


@pytest.fixture
def raw(info: dict) -> requests.Session:
    session = requests.Session()
    session.verify = info["ca_bundle"]
    session.trust_env = False
    session.auth = (f"{info['zendesk']['email']}/token", info["zendesk"]["token"])
    session.headers["Content-Type"] = "application/json"
    return session


def _url(info: dict, path: str) -> str:
    return f"{info['zendesk']['url']}/api/v2/{path}"


def _make(raw: requests.Session, info: dict, **ticket: Any) -> dict[str, Any]:
    body = {"ticket": {"subject": "test", "comment": {"body": "test"},
                       "requester": {"name": "Ana", "email": "ana@acme.example"}, **ticket}}
    response = raw.post(_url(info, "tickets.json"), json=body)
    assert response.status_code == 201
    assert response.headers["Location"] == f"{info['zendesk']['url']}/api/v2/tickets/{response.json()['ticket']['id']}.json"
    return response.json()


def test_create_response_matches_recording(raw: requests.Session, info: dict) -> None:
    ours = _make(raw, info)
    theirs = zendesk_body(CREATE, "POST", "/tickets.json")
    assert_same_shape(ours, theirs, where="create")
    assert_same_shape(ours["ticket"], theirs["ticket"], where="ticket", nested=("via",))
    assert_same_shape(ours["audit"], theirs["audit"], where="audit", nested=("metadata", "via"))
    ours_events = {e["type"]: e for e in ours["audit"]["events"]}
    theirs_events = {e["type"]: e for e in theirs["audit"]["events"]}
    for kind in ("Comment", "Create"):
        assert_same_shape(ours_events[kind], theirs_events[kind], where=f"audit event {kind}")
    assert [e["field_name"] for e in ours["audit"]["events"] if e["type"] == "Create"][:3] == \
        ["subject", "requester_id", "priority"]


def test_update_show_and_show_many_match_recording(raw: requests.Session, info: dict) -> None:
    ticket = _make(raw, info)["ticket"]
    name = "TestTicketCreateUpdateDelete.test_single_object_update-update-single"
    updated = raw.put(_url(info, f"tickets/{ticket['id']}.json"), json={"ticket": {"subject": "new"}}).json()
    assert_same_shape(updated["ticket"], zendesk_body(name, "PUT", "/tickets/")["ticket"], where="update")
    shown = raw.get(_url(info, f"tickets/{ticket['id']}.json")).json()
    recorded = zendesk_body("TestDeletedTickets.test_delete_and_restore", "GET", "/tickets/")
    assert_same_shape(shown, recorded, where="show")
    many = raw.get(_url(info, f"tickets/show_many.json?ids={ticket['id']}")).json()
    recorded_many = zendesk_body("TestTicketCreateUpdateDelete.test_single_object_create-create-multiple", "GET", "show_many")
    assert_same_shape(many, recorded_many, where="show_many")


def test_user_organization_group_match_recording(raw: requests.Session, info: dict) -> None:
    ticket = _make(raw, info)["ticket"]
    name = "TestDeletedTickets.test_delete_and_restore"
    org = raw.get(_url(info, f"organizations/{ticket['organization_id']}.json")).json()
    assert_same_shape(org["organization"], zendesk_body(name, "GET", "/organizations/")["organization"], where="org")
    user = raw.get(_url(info, f"users/{ticket['requester_id']}.json")).json()
    assert_same_shape(user["user"], zendesk_body(name, "GET", "/users/")["user"], where="user")
    me = raw.get(_url(info, "users/me.json")).json()["user"]
    recorded_me = zendesk_body("TestUserMe.test_users_me", "GET", "/users/me")["user"]
    assert_same_shape(me, recorded_me, where="me")
    group = raw.post(_url(info, "groups.json"), json={"group": {"name": "Tier 2"}})
    assert group.status_code == 201
    recorded_group = zendesk_body("TestGroupCreateUpdateDelete.test_single_object_creation-create-single", "POST", "groups")
    assert_same_shape(group.json()["group"], recorded_group["group"], where="group")


def test_comments_page_matches_recording(raw: requests.Session, info: dict) -> None:
    ticket = _make(raw, info)["ticket"]
    page = raw.get(_url(info, f"tickets/{ticket['id']}/comments.json?include_inline_images=false&page[size]=100")).json()
    recorded = zendesk_body("TestAttachmentUpload.test_redact_attachment-upload-single", "GET", "/comments.json")
    assert_same_shape(page, recorded, where="comments page", nested=("meta", "links"))
    assert_same_shape(page["comments"][0], recorded["comments"][0], where="comment", nested=("via", "metadata"))


def test_incremental_cursor_matches_recording(raw: requests.Session, info: dict) -> None:
    _make(raw, info)
    ours = raw.get(_url(info, "incremental/tickets/cursor.json?start_time=0")).json()
    recorded = zendesk_body("TicketsIncrementalTest.test_get_values", "GET", "/incremental/tickets/cursor.json")
    assert_same_shape(ours, recorded, where="cursor export")
    assert_same_shape(ours["tickets"][0], recorded["tickets"][0], where="exported ticket")
    assert ours["after_url"].startswith(f"{info['zendesk']['url']}/api/v2/incremental/tickets/cursor.json?cursor=")
    timed = raw.get(_url(info, "incremental/tickets.json?start_time=0")).json()
    recorded_timed = zendesk_body("TicketsIncrementalTest.test_get_values", "GET", "/incremental/tickets.json")
    assert_same_shape(timed, recorded_timed, where="time export")


def test_job_status_matches_recording(raw: requests.Session, info: dict) -> None:
    ticket = _make(raw, info)["ticket"]
    queued = raw.put(_url(info, "tickets/update_many.json"), json={"tickets": [{"id": ticket["id"], "subject": "x"}]}).json()
    name = "TestTicketCreateUpdateDelete.test_multiple_update_single_object-update-many"
    recorded_queued = zendesk_body(name, "PUT", "update_many")
    assert_same_shape(queued["job_status"], recorded_queued["job_status"], where="queued", ignore={"job_type"})
    done = raw.get(queued["job_status"]["url"]).json()
    recorded_done = zendesk_body(name, "GET", "job_statuses", index=1)
    assert_same_shape(done["job_status"], recorded_done["job_status"], where="job done", ignore={"job_type"})
    assert done["job_status"]["results"] == [{"action": "update", "status": "Updated", "success": True, "id": ticket["id"]}]


def test_errors_match_recording(raw: requests.Session, info: dict) -> None:
    missing = raw.put(_url(info, "tickets/999999.json"), json={"ticket": {"subject": "x"}})
    recorded = zendesk_body("TestTicketCreateUpdateDelete.test_single_update_raises_recordnotfoundexception-recordnotfound-update", "PUT", "/tickets/")
    assert (missing.status_code, missing.json()) == (404, recorded)
    too_many = raw.post(_url(info, "tickets/create_many.json"), json={"tickets": [{"subject": "x"}] * 101})
    recorded_400 = zendesk_body("TestTicketCreateUpdateDelete.test_raises_toomanyvaluesexception_create-create-multiple", "POST", "create_many")
    assert (too_many.status_code, too_many.json()) == (400, recorded_400)
    blank = raw.post(_url(info, "tickets.json"), json={"ticket": {"subject": "no description"}})
    assert blank.status_code == 422
    assert blank.json()["error"] == "RecordInvalid" and "base" in blank.json()["details"]
    anonymous = requests.get(_url(info, "tickets/1.json"), verify=info["ca_bundle"])
    assert anonymous.status_code == 401 and anonymous.json() == {"error": "Couldn't authenticate you"}
    deleted = raw.delete(_url(info, f"tickets/{_make(raw, info)['ticket']['id']}.json"))
    assert (deleted.status_code, deleted.content) == (204, b"")


def test_recorded_ticket_replays_through_serializer(sandbox: Sandbox, raw: requests.Session, info: dict) -> None:
    """Recorded objects stored as-is come back out of the serializers identical (but for the host)."""
    recorded_ticket = zendesk_body(CREATE, "POST", "/tickets.json")["ticket"]
    recorded_user = zendesk_body("TestDeletedTickets.test_delete_and_restore", "GET", "/users/")["user"]
    recorded_org = zendesk_body("TestDeletedTickets.test_delete_and_restore", "GET", "/organizations/")["organization"]
    recorded_comments = zendesk_body("TestAttachmentUpload.test_redact_attachment-upload-single", "GET", "/comments.json")["comments"]
    sandbox.service("zendesk").state.ticket_fields.clear()  # the recorded account had no custom fields
    sandbox.seed("zendesk", {"raw_organizations": [recorded_org], "raw_users": [recorded_user],
                             "raw_tickets": [{**recorded_ticket, "comments": recorded_comments}]})
    base = f"{info['zendesk']['url']}/api/v2"

    def rehost(obj: dict[str, Any], kind: str) -> dict[str, Any]:
        return {**copy.deepcopy(obj), "url": f"{base}/{kind}/{obj['id']}.json"}
    assert raw.get(_url(info, f"tickets/{recorded_ticket['id']}.json")).json()["ticket"] == rehost(recorded_ticket, "tickets")
    assert raw.get(_url(info, f"users/{recorded_user['id']}.json")).json()["user"] == rehost(recorded_user, "users")
    assert raw.get(_url(info, f"organizations/{recorded_org['id']}.json")).json()["organization"] == rehost(recorded_org, "organizations")
    replayed = raw.get(_url(info, f"tickets/{recorded_ticket['id']}/comments.json")).json()["comments"]
    assert replayed == recorded_comments


def test_zenpy_objects_have_the_recorded_attributes(zenpy: Zenpy) -> None:
    """zenpy parses the emulator's ticket into the same attribute set as the recorded one."""
    ours = zenpy.tickets.create(Ticket(subject="x", comment=Comment(body="y"), requester=User(name="A", email="a@b.example"))).ticket
    recorded = zenpy.tickets._object_mapping.object_from_json("ticket", zendesk_body(CREATE, "POST", "/tickets.json")["ticket"])
    assert set(ours.to_dict()) == set(recorded.to_dict())


def test_every_recorded_ticket_list_has_our_keys(raw: requests.Session, info: dict) -> None:
    _make(raw, info)
    for path in ("tickets.json", "tickets.json?page[size]=100", "incremental/tickets.json?start_time=0",
                 "incremental/tickets/cursor.json?start_time=0"):
        ours = raw.get(_url(info, path)).json()
        compared = 0
        recorded_path = path.replace("[", "%5B").replace("]", "%5D")
        for name in ("TicketsIncrementalTest.test_get_values", "TestTicketsPagination.test_values"):
            for interaction in zendesk_interactions(name):
                if not interaction["request"]["uri"].endswith("/api/v2/" + recorded_path):
                    continue
                recorded = interaction["response"]["body"]
                assert_same_shape(ours, recorded, where=path, nested=("meta", "links"))
                compared += 1
                for ticket in recorded["tickets"]:
                    assert_same_shape(ours["tickets"][0], ticket, where=f"{path} ticket")
        assert compared, f"no recording of {path}"
