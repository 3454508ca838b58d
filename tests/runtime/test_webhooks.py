"""Webhook ingest: only correctly signed, fresh, well-formed deliveries reach the inbox."""

from __future__ import annotations

import json
import socket
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bridge.connectors.signatures import jira_signature, zendesk_signature
from bridge.runtime.app import create_app
from bridge.runtime.http import HttpServer
from bridge.runtime.metrics import Metrics
from bridge.runtime.webhooks import WebhookConfig, webhook_router
from bridge.store import Store, open_store

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=timezone.utc)
ZD_SECRET = "zendesk-test-secret"
JIRA_SECRET = "jira-test-secret"
LIMIT = 64 * 1024


def make_client(store: Store, woken: list[int]) -> TestClient:
    router = webhook_router(
        store=store,
        config=WebhookConfig(zendesk_secret=ZD_SECRET, jira_secret=JIRA_SECRET, max_bytes=LIMIT),
        metrics=Metrics(),
        clock=lambda: NOW,
        on_new=lambda: woken.append(1),
    )
    return TestClient(create_app(store=store, metrics=Metrics(), ready=lambda: True, routers=(router,)))


@pytest.fixture
def store(tmp_path: Path) -> Store:
    return open_store(f"sqlite:///{tmp_path / 'bridge.db'}")


@pytest.fixture
def woken() -> list[int]:
    return []


@pytest.fixture
def client(store: Store, woken: list[int]) -> TestClient:
    return make_client(store, woken)


def zendesk_headers(body: bytes, *, at: datetime = NOW, secret: str = ZD_SECRET) -> dict[str, str]:
    stamp = at.strftime("%Y-%m-%dT%H:%M:%SZ")
    return {
        "X-Zendesk-Webhook-Signature": zendesk_signature(secret, stamp, body),
        "X-Zendesk-Webhook-Signature-Timestamp": stamp,
        "Content-Type": "application/json",
    }


def zendesk_body(ticket_id: int = 42, updated: str = "2026-03-02T08:59:30Z") -> bytes:
    return json.dumps(
        {"type": "zen:event-type:ticket.status_changed", "id": "01HX", "time": updated,
         "detail": {"id": str(ticket_id), "updated_at": updated, "status": "OPEN"}}
    ).encode()


def test_a_signed_zendesk_delivery_is_stored_once_and_wakes_the_workers(client, store, woken) -> None:
    body = zendesk_body()
    first = client.post("/webhooks/zendesk", content=body, headers=zendesk_headers(body))
    again = client.post("/webhooks/zendesk", content=body, headers=zendesk_headers(body))
    assert first.status_code == 200 and first.json() == {"stored": True, "event_id": "ticket:42:2026-03-02T08:59:30Z"}
    assert again.status_code == 200 and again.json()["stored"] is False
    assert store.inbox.count("pending") == 1
    assert woken == [1]


def test_zendesk_trigger_bodies_with_placeholders_are_accepted(client, store) -> None:
    body = json.dumps({"ticket": {"id": "7", "updated_at": "2026-03-02T08:00:00Z"}}).encode()
    response = client.post("/webhooks/zendesk", content=body, headers=zendesk_headers(body))
    assert response.status_code == 200
    [claimed] = store.inbox.claim(now=NOW, limit=5, lease=timedelta(seconds=5))
    assert claimed.event.subject == "7"


@pytest.mark.parametrize(
    "mangle, status",
    [
        (lambda body, h: h | {"X-Zendesk-Webhook-Signature": "AAAA"}, 401),
        (lambda body, h: zendesk_headers(body, secret="wrong"), 401),
        (lambda body, h: {k: v for k, v in h.items() if "Timestamp" not in k}, 401),
        (lambda body, h: zendesk_headers(body, at=NOW - timedelta(minutes=6)), 401),
    ],
    ids=["bad-signature", "wrong-secret", "no-timestamp", "stale-timestamp"],
)
def test_bad_zendesk_deliveries_are_refused_and_nothing_is_stored(client, store, mangle, status) -> None:
    body = zendesk_body()
    response = client.post("/webhooks/zendesk", content=body, headers=mangle(body, zendesk_headers(body)))
    assert response.status_code == status
    assert "error" in response.json()
    assert store.inbox.count("pending") == 0


@pytest.mark.parametrize(
    "body, status",
    [(b"{not json", 400), (b"[1, 2]", 400), (b'{"detail": {"id": "x"}}', 400), (b"{" + b" " * LIMIT + b"}", 413),
     # an ISO week date, which Python's own parser would read as that Monday's midnight
     (b'{"ticket": {"id": "7", "updated_at": "2026-W10-1"}}', 400)],
    ids=["malformed", "not-an-object", "no-ticket-id", "oversized", "week-date"],
)
def test_malformed_and_oversized_zendesk_bodies_are_refused(client, store, body, status) -> None:
    response = client.post("/webhooks/zendesk", content=body, headers=zendesk_headers(body))
    assert response.status_code == status
    assert store.inbox.count("pending") == 0


REFERENCE = Path(__file__).resolve().parents[3] / "shared" / "reference" / "jira"


def jira_body(comment: bool = False) -> bytes:
    """Real recorded Jira Cloud webhook bodies."""
    name = "zulip/comment_created.json" if comment else "jira-to-matrix/webhooks/issue_updated_status-changed.json"
    return (REFERENCE / name).read_bytes()


def test_recorded_jira_webhooks_are_stored_with_their_issue(client, store) -> None:
    for body in (jira_body(), jira_body(comment=True)):
        response = client.post("/webhooks/jira", content=body, headers={"X-Hub-Signature": jira_signature(JIRA_SECRET, body)})
        assert response.status_code == 200, response.text
    events = store.inbox.claim(now=NOW, limit=5, lease=timedelta(seconds=5))
    assert [(e.event.kind, e.event.subject) for e in events] == [("issue_updated", "INDEV-6"), ("comment_created", "ZUL-1")]
    assert events[0].event.payload["changelog"]["items"][0]["toString"] == "In Progress"


def test_jira_deliveries_with_a_bad_signature_are_refused(client, store) -> None:
    body = jira_body()
    assert client.post("/webhooks/jira", content=body, headers={"X-Hub-Signature": "sha256=00"}).status_code == 401
    assert client.post("/webhooks/jira", content=body).status_code == 401
    assert store.inbox.count("pending") == 0


def test_webhooks_are_refused_when_no_secret_is_configured(store, woken) -> None:
    router = webhook_router(
        store=store, config=WebhookConfig("", "", LIMIT), metrics=Metrics(), clock=lambda: NOW, on_new=lambda: None
    )
    client = TestClient(create_app(store=store, metrics=Metrics(), ready=lambda: True, routers=(router,)))
    body = zendesk_body()
    response = client.post("/webhooks/zendesk", content=body, headers=zendesk_headers(body))
    assert response.status_code == 403
    assert "BRIDGE_ZENDESK_WEBHOOK_SECRET" in response.json()["error"]


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4),
    max_leaves=20,
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(payload=json_values | st.binary(max_size=200).map(lambda b: b.decode("latin-1")))
def test_no_signed_body_whatever_its_shape_yields_a_server_error(client, payload) -> None:
    body = (json.dumps(payload) if not isinstance(payload, str) else payload).encode()
    for path, headers in (
        ("/webhooks/zendesk", zendesk_headers(body)),
        ("/webhooks/jira", {"X-Hub-Signature": jira_signature(JIRA_SECRET, body)}),
    ):
        response = client.post(path, content=body, headers=headers)
        assert response.status_code in (200, 400, 413), (path, body, response.text)


@pytest.mark.parametrize(
    "payload",
    [
        {"detail": {"id": "5", "updated_at": "yesterday"}},
        {"webhookEvent": "jira:issue_updated", "issue": {"key": "SUP-1", "fields": ["not", "an", "object"]}},
        {"webhookEvent": "jira:issue_updated", "timestamp": 1e20, "issue": {"key": "SUP-1", "fields": {"status": "Done"}}},
    ],
    ids=["zendesk-bad-date", "jira-fields-list", "jira-absurd-timestamp"],
)
def test_signed_bodies_with_unreadable_details_get_a_400_not_a_500(client, store, payload) -> None:
    body = json.dumps(payload).encode()
    headers = zendesk_headers(body) | {"X-Hub-Signature": jira_signature(JIRA_SECRET, body)}
    path = "/webhooks/jira" if "webhookEvent" in payload else "/webhooks/zendesk"
    response = client.post(path, content=body, headers=headers)
    assert response.status_code == 400, response.text
    assert store.inbox.count("pending") == 0


def post_signed(client, path: str, body: bytes):  # type: ignore[no-untyped-def]
    headers = zendesk_headers(body) | {"X-Hub-Signature": jira_signature(JIRA_SECRET, body)}
    return client.post(path, content=body, headers=headers)


@pytest.mark.parametrize(
    "path, body",
    [
        ("/webhooks/zendesk", b"[" * 60_000),  # deeper than the JSON reader goes
        ("/webhooks/jira", b'{"webhookEvent": "jira:issue_updated", "issue": {"key": "\\ud800"}}'),  # half a UTF-16 pair
        ("/webhooks/jira", json.dumps({"webhookEvent": "jira:issue_updated", "issue": {"key": "K" * 65}}).encode()),
        ("/webhooks/jira", json.dumps({"webhookEvent": "jira:issue_updated", "issue": {"key": "SUP-1\u0000"}}).encode()),
        ("/webhooks/zendesk", json.dumps({"ticket": {"id": True, "updated_at": "2026-03-02T08:00:00Z"}}).encode()),
        ("/webhooks/zendesk", json.dumps({"ticket": {"id": "١٢", "updated_at": "2026-03-02T08:00:00Z"}}).encode()),
        ("/webhooks/zendesk", json.dumps({"ticket": {"id": str(2**63), "updated_at": "2026-03-02T08:00:00Z"}}).encode()),
        ("/webhooks/zendesk", json.dumps({"type": "zen:event-type:ticket.status_changed", "id": "01HX",
                                          "detail": {"id": "5", "updated_at": "2026-03-02T08:00:00Z",
                                                     "created_at": "garbage"}}).encode()),
        ("/webhooks/zendesk", json.dumps({"type": "zen:event-type:ticket.tags_changed", "id": "01HX",
                                          "detail": {"id": "5", "updated_at": "2026-03-02T08:00:00Z", "tags": "tier4"}}).encode()),
    ],
    ids=["nested", "surrogate", "long-key", "nul", "id-true", "id-not-ascii", "id-too-big",
         "bad-created-at", "tags-not-a-list"],
)
def test_what_the_inbox_or_the_worker_could_not_take_is_refused_at_the_door(client, store, path, body) -> None:
    response = post_signed(client, path, body)
    assert response.status_code == 400, response.text
    assert store.inbox.count("pending") == 0


@pytest.mark.parametrize("stamp", ["9999-12-31T23:59:59-01:00", "0001-01-01T00:00:00+01:00"])
def test_a_signature_timestamp_out_of_range_is_a_401(client, store, stamp) -> None:
    body = zendesk_body()
    headers = {"X-Zendesk-Webhook-Signature": zendesk_signature(ZD_SECRET, stamp, body),
               "X-Zendesk-Webhook-Signature-Timestamp": stamp}
    assert client.post("/webhooks/zendesk", content=body, headers=headers).status_code == 401


def test_a_time_ahead_of_the_clock_waits_no_longer_than_one_just_made(client, store) -> None:
    for ticket_id, updated in ((1, "9999-12-31T23:59:59Z"), (2, (NOW + timedelta(days=1)).isoformat())):
        body = json.dumps({"ticket": {"id": str(ticket_id), "updated_at": updated}}).encode()
        assert post_signed(client, "/webhooks/zendesk", body).status_code == 200
    ready = store.inbox.claim(now=NOW + timedelta(seconds=5), limit=5, lease=timedelta(seconds=5))
    assert sorted(e.event.subject for e in ready) == ["1", "2"]


def test_a_time_with_an_offset_is_the_same_moment_in_the_inbox(client, store) -> None:
    body = json.dumps({"ticket": {"id": "3", "updated_at": "2026-03-02T13:59:30+05:00"}}).encode()  # 08:59:30Z
    assert post_signed(client, "/webhooks/zendesk", body).json()["event_id"] == "ticket:3:2026-03-02T08:59:30Z"
    [claimed] = store.inbox.claim(now=NOW + timedelta(seconds=5), limit=5, lease=timedelta(seconds=5))
    assert claimed.event.occurred_at == datetime(2026, 3, 2, 8, 59, 30, tzinfo=timezone.utc)


def test_a_trigger_body_without_updated_at_is_refused_saying_what_to_send(client, store) -> None:
    # Every such delivery would share one event id: all but the first would be dropped unseen.
    for ticket_id in ("91001", "91002"):
        response = post_signed(client, "/webhooks/zendesk", json.dumps({"ticket": {"id": ticket_id}}).encode())
        assert response.status_code == 400 and "{{ticket.updated_at_with_timestamp}}" in response.json()["error"]
    assert store.inbox.count("pending") == 0


@pytest.mark.parametrize(
    "path, payload",
    [
        ("/webhooks/zendesk", {"type": "zen:event-type:user.created", "id": "01HY", "detail": {"id": "5"}}),
        ("/webhooks/jira", {"webhookEvent": "issuelink_created", "issueLink": {"id": 1}}),
        ("/webhooks/jira", {"webhookEvent": "project_created", "project": {"key": "NEW"}}),
        ("/webhooks/jira", json.loads((REFERENCE / "jira-to-matrix" / "webhooks" / "comment_created.json").read_text())),
    ],
    ids=["zendesk-user-event", "jira-issue-link", "jira-project", "jira-server-comment"],
)
def test_deliveries_about_what_the_bridge_does_not_follow_are_answered_200_and_not_stored(client, store, path, payload) -> None:
    response = post_signed(client, path, json.dumps(payload).encode())
    assert response.status_code == 200 and response.json()["stored"] is False and "ignored" in response.json()
    assert store.inbox.count("pending") == 0


def test_a_deleted_comment_is_not_taken_for_its_last_update(client, store) -> None:
    comment = {"id": "10757", "created": "2026-03-02T08:00:00.000+0000", "updated": "2026-03-02T08:10:00.000+0000"}
    for kind in ("comment_updated", "comment_deleted"):
        body = json.dumps({"webhookEvent": kind, "issue": {"key": "SUP-1"}, "comment": comment}).encode()
        assert post_signed(client, "/webhooks/jira", body).json()["stored"] is True, kind


def serving(store: Store, **config: Any) -> HttpServer:
    """The webhook endpoints on a real HTTP server (loopback): for what a test client cannot send."""
    settings = WebhookConfig(ZD_SECRET, JIRA_SECRET, LIMIT, **config)
    router = webhook_router(store=store, config=settings, metrics=Metrics(), clock=lambda: NOW, on_new=lambda: None)
    server = HttpServer(create_app(store=store, metrics=Metrics(), ready=lambda: True, routers=(router,)),
                        host="127.0.0.1", port=0)
    server.start()
    return server


def test_a_sender_gone_mid_body_is_one_warning_not_a_traceback(store, caplog) -> None:
    server = serving(store)
    try:
        with socket.create_connection((server.host, server.port)) as raw:
            raw.sendall(b"POST /webhooks/zendesk HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n" + b"{" * 10)
        deadline = time.monotonic() + 10
        while not any("went away" in r.getMessage() for r in caplog.records) and time.monotonic() < deadline:
            time.sleep(0.05)  # polling the log for the server thread's line, with a deadline
    finally:
        server.stop()
    assert any("went away" in r.getMessage() and r.levelname == "WARNING" for r in caplog.records)
    assert not [r for r in caplog.records if r.levelname == "ERROR"]
    assert store.inbox.count("pending") == 0


def _whole_answer(raw: socket.socket) -> bytes:
    """A response's head and its body, which may come in separate reads (the socket's timeout is the deadline)."""
    answer = b""
    while b"\r\n\r\n" not in answer or len(answer.partition(b"\r\n\r\n")[2]) < _content_length(answer):
        chunk = raw.recv(4096)
        if not chunk:
            break
        answer += chunk
    return answer


def _content_length(answer: bytes) -> int:
    for line in answer.partition(b"\r\n\r\n")[0].split(b"\r\n"):
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            return int(value)
    return 0


def test_a_sender_stalled_mid_body_is_answered_408_and_let_go(store) -> None:
    server = serving(store, body_seconds=0.5)
    try:
        with socket.create_connection((server.host, server.port), timeout=10) as raw:
            raw.sendall(b"POST /webhooks/zendesk HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n" + b"{" * 10)
            answer = _whole_answer(raw)
    finally:
        server.stop()
    assert answer.startswith(b"HTTP/1.1 408") and b"did not arrive within 0.5 s" in answer
    assert store.inbox.count("pending") == 0
