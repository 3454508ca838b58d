"""Outgoing webhooks: payloads, signatures, and isolation from failing targets."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from typing import Iterator

import pytest
from jira import JIRA
from zenpy import Zenpy
from zenpy.lib.api_objects import Comment, Ticket, User

from bridge.sandbox import Sandbox
from bridge.sandbox.webhooks import jira_signature, zendesk_signature
from .receiver import Receiver, wait_for

SECRET = "wMZJU7Dlw7pdGPBAs7fz3lVSjF5Hef8mqD7avv5n7zs="


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    r = Receiver()
    yield r
    r.close()


def test_zendesk_signature_matches_documented_formula() -> None:
    # computed vector from shared/reference/zendesk/webhook_signature_examples.json
    assert zendesk_signature("HRkRd4BeOAoUkfZr-mhauJT64rvBASlJRoIyPsd3zeA=", "2021-07-25T10:00:00Z",
                             b'{"say": "hello"}') == "Rry/4TtIdFyawtXXp8QdI6tlAUUQ/5kL1OTp5qo/ZIk="
    assert zendesk_signature(SECRET, "2023-09-18T23:38:21Z", b'{"ticket_id":"4014","status":"new"}') == \
        "Qv6XewKaHLej6hq6+6l/o92D1mTHNZ27F4s4LfoIz4E="


def _verify_zendesk(headers: dict[str, str], body: bytes) -> bool:
    expected = base64.b64encode(hmac.new(SECRET.encode(), headers["x-zendesk-webhook-signature-timestamp"].encode() + body,
                                         hashlib.sha256).digest()).decode()
    return hmac.compare_digest(expected, headers["x-zendesk-webhook-signature"])


def test_zendesk_ticket_events_are_signed_and_shaped(sandbox: Sandbox, zenpy: Zenpy, receiver: Receiver) -> None:
    sandbox.add_zendesk_webhook(receiver.url, SECRET)
    ticket = zenpy.tickets.create(Ticket(subject="Crash", comment=Comment(body="boom"), tags=["a"],
                                         requester=User(name="Ana", email="ana@acme.example"))).ticket
    zenpy.tickets.update(Ticket(id=ticket.id, status="open", tags=["a", "tier4"],
                                comment=Comment(body="internal", public=False)))
    wait_for(lambda: len(receiver.received) >= 4)
    assert all(_verify_zendesk(headers, body) for headers, body in receiver.received)
    events = [json.loads(body) for _, body in receiver.received]
    assert [e["type"] for e in events] == ["zen:event-type:ticket.created", "zen:event-type:ticket.status_changed",
                                           "zen:event-type:ticket.tags_changed", "zen:event-type:ticket.comment_added"]
    assert len({e["id"] for e in events}) == 4
    created, status, tags, comment = events
    assert set(created["detail"]) == {
        "actor_id", "assignee_id", "brand_id", "created_at", "custom_status", "description", "external_id", "form_id",
        "group_id", "id", "is_public", "organization_id", "priority", "requester_id", "status", "subject",
        "submitter_id", "tags", "type", "updated_at", "via"}
    assert created["detail"]["id"] == str(ticket.id) and created["subject"] == f"zen:ticket:{ticket.id}"
    assert status["event"]["current"] == "OPEN" and status["event"]["previous"] == "NEW"
    assert tags["event"]["tags_added"] == ["tier4"] and tags["event"]["tags_removed"] == []
    assert comment["event"]["comment"]["body"] == "internal" and comment["event"]["comment"]["is_public"] is False
    sequence = {e["event"]["meta"]["sequence"]["id"] for e in events[1:]}
    assert len(sequence) == 1  # one update, one sequence


def test_jira_events_are_signed_and_shaped(sandbox: Sandbox, jira: JIRA, receiver: Receiver) -> None:
    sandbox.add_jira_webhook(receiver.url, SECRET)
    issue = jira.create_issue(project="SUP", summary="Crash", issuetype={"name": "Bug"})
    jira.transition_issue(issue, "In Progress")
    jira.add_comment(issue, "on it")
    wait_for(lambda: len(receiver.received) >= 4)
    for headers, body in receiver.received:
        assert headers["x-hub-signature"] == jira_signature(SECRET, body)
        assert headers["x-atlassian-webhook-identifier"]
    events = [json.loads(body) for _, body in receiver.received]
    assert [(e["webhookEvent"], e.get("issue_event_type_name")) for e in events] == [
        ("jira:issue_created", "issue_created"), ("jira:issue_updated", "issue_generic"),
        ("comment_created", None), ("jira:issue_updated", "issue_commented")]
    created, moved, commented, _ = events
    assert isinstance(created["timestamp"], int) and created["issue"]["key"] == issue.key
    assert moved["changelog"]["items"] == [{"field": "status", "fieldtype": "jira", "fieldId": "status", "from": "10000",
                                            "fromString": "To Do", "to": "3", "toString": "In Progress"}]
    assert commented["comment"]["body"] == "on it" and commented["issue"]["key"] == issue.key


def test_failing_target_never_blocks_or_breaks_the_api(sandbox: Sandbox, zenpy: Zenpy) -> None:
    failing = Receiver(status=500)
    try:
        sandbox.add_zendesk_webhook(failing.url, SECRET)
        sandbox.add_zendesk_webhook("http://127.0.0.1:9/unreachable", SECRET)
        started = time.monotonic()
        for n in range(3):
            zenpy.tickets.create(Ticket(subject=f"T{n}", comment=Comment(body="x")))
        assert time.monotonic() - started < 2.0
        wait_for(lambda: len(failing.received) >= 9)  # 3 events x 3 attempts each
        log = wait_for(lambda: [d for d in sandbox.deliveries("zendesk") if d["url"] == failing.url][8:] and
                       [d for d in sandbox.deliveries("zendesk") if d["url"] == failing.url])
        assert {entry["status"] for entry in log} == {500} and {entry["attempt"] for entry in log} == {1, 2, 3}
        unreachable = wait_for(lambda: [d for d in sandbox.deliveries("zendesk") if d["status"] is None])
        assert unreachable[0]["error"]
        assert zenpy.tickets(id=1).subject == "T0"
    finally:
        failing.close()
