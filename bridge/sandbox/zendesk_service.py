"""The Zendesk emulator as one object: credentials, state, faults, webhooks, ASGI app."""

from __future__ import annotations

import json
import secrets
import threading
import time
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response

from bridge.sandbox.admin import admin_routes
from bridge.sandbox.common import Clock, iso_z, json_response
from bridge.sandbox.faults import Decision, ServiceGuard
from bridge.sandbox.middleware import GuardMiddleware
from bridge.sandbox.webhooks import WebhookHub, zendesk_signature
from bridge.sandbox.zendesk_routes import routes
from bridge.sandbox.zendesk_state import ZendeskState

# Enterprise plan: 700 requests/minute (reported in headers; enforced only when a limit is set)
# https://developer.zendesk.com/api-reference/introduction/rate-limits/
RATE_LIMIT_PER_MINUTE = 700
DEFAULT_TICKET_FIELDS: tuple[dict[str, Any], ...] = (
    {"id": 360000200001, "type": "tagger", "title": "Product", "active": True, "required": False},
    {"id": 360000200002, "type": "text", "title": "Jira issue", "active": True, "required": False},
    {"id": 360000200003, "type": "tagger", "title": "Severity", "active": True, "required": False},
)


def render_error(decision: Decision) -> Response:
    if decision.status == 429:
        # The documented 429 is text, not JSON (rate_limits_and_errors.json).
        return Response("Rate limit for ticket updates exceeded, please wait before updating this ticket again",
                        status_code=429, media_type="text/html; charset=utf-8",
                        headers={"Retry-After": str(decision.retry_after)})
    if decision.verdict == "drop":
        return Response(b"", status_code=502)
    return json_response({"error": "ServiceUnavailable", "description": "Sandbox injected failure"}, decision.status)


async def _unknown_endpoint(_request: Request, exc: Exception) -> Response:
    status = getattr(exc, "status_code", 404)
    return json_response({"error": "InvalidEndpoint", "description": "Not found"}, status)


def rate_headers(limit: int, remaining: int) -> dict[str, str]:
    if not limit:  # no limit set: report a full Enterprise budget, so proactive clients never wait
        limit, remaining = RATE_LIMIT_PER_MINUTE, RATE_LIMIT_PER_MINUTE
    return {"X-Rate-Limit": str(limit), "X-Rate-Limit-Remaining": str(remaining),
            "ratelimit-limit": str(limit), "ratelimit-remaining": str(remaining), "ratelimit-reset": "60",
            "X-Zendesk-API-Version": "v2"}


class ZendeskService:
    def __init__(self, *, clock: Clock, latency_ms: int = 0, email: str = "agent@sandbox.test",
                 ca_file: str | None = None) -> None:
        self.email = email
        self.token = secrets.token_urlsafe(24)
        self.colleague_token = secrets.token_urlsafe(24)
        self.clock = clock
        self._swap = threading.Lock()
        self.guard = ServiceGuard("zendesk", base_latency_ms=latency_ms)
        self.hub = WebhookHub(self._sign)
        self.webhook_verify: Any = ca_file or True
        self.state = self._fresh_state()
        app = Starlette(routes=[*admin_routes(self), *routes(self)],
                        exception_handlers={404: _unknown_endpoint, 405: _unknown_endpoint})
        self.app = GuardMiddleware(app, guard=self.guard, render_error=render_error, rate_headers=rate_headers)

    def _fresh_state(self) -> ZendeskState:
        state = ZendeskState(clock=self.clock, agent_email=self.email)
        state.ticket_fields = {f["id"]: dict(f) for f in DEFAULT_TICKET_FIELDS}
        state.publish = self._publish
        state.subscribed = lambda: bool(self.hub.targets)
        return state

    # ---- webhooks --------------------------------------------------------------------
    def _sign(self, secret: str, body: bytes) -> dict[str, str]:
        # Wall time, not the sandbox clock: receivers check the signature timestamp's freshness
        # against their own clock, even when a demo runs the sandbox on an accelerated one.
        timestamp = iso_z(time.time())
        return {"X-Zendesk-Webhook-Signature": zendesk_signature(secret, timestamp, body),
                "X-Zendesk-Webhook-Signature-Timestamp": timestamp}

    def _publish(self, events: list[dict[str, Any]]) -> None:
        for event in events:
            body = json.dumps(event, separators=(",", ":")).encode()
            self.hub.publish(event["id"], body, {"X-Zendesk-Webhook-Invocation-Id": event["id"],
                                                 "User-Agent": "Zendesk Webhook"})

    def add_webhook(self, url: str, secret: str) -> None:
        self.hub.add(url, secret, verify=self.webhook_verify)

    def deliveries(self) -> list[dict[str, Any]]:
        return self.hub.deliveries()

    def webhook_targets(self) -> list[dict[str, Any]]:
        return self.hub.target_list()

    # ---- admin -----------------------------------------------------------------------
    def reset(self) -> None:
        with self._swap:
            self.state = self._fresh_state()

    def dump(self) -> dict[str, Any]:
        return self.state.dump()

    def load(self, data: dict[str, Any]) -> None:
        self.state.load(data)

    def seed(self, data: dict[str, Any]) -> dict[str, Any]:
        """Create organisations, users, groups, ticket fields and tickets from plain data.

        `organizations`/`users`/`groups`/`tickets` are create-request bodies; `raw_*` are
        objects exactly as Zendesk returns them (ids kept), e.g. recorded payloads."""
        state = self.state
        out: dict[str, list[int]] = {"organizations": [], "users": [], "groups": [], "tickets": []}
        with state.lock:
            d = state.directory
            for raw in data.get("raw_organizations", []):  # objects exactly as the API returns them
                out["organizations"].append(d.import_org(raw)["id"])
            for raw in data.get("raw_users", []):
                out["users"].append(d.import_user(raw)["id"])
            for raw in data.get("raw_tickets", []):
                out["tickets"].append(state.import_ticket(raw, raw.get("comments", []))["id"])
            for org in data.get("organizations", []):
                out["organizations"].append(d.create_org(org)["id"])
            for user in data.get("users", []):
                out["users"].append(d.find_or_create_user(user)["id"])
            for group in data.get("groups", []):
                out["groups"].append(d.create_group(group)["id"])
            for field in data.get("ticket_fields", []):
                state.ticket_fields[int(field["id"])] = dict(field)
            for ticket in data.get("tickets", []):
                record, _ = state.create_ticket(ticket, actor_id=state.agent["id"])
                out["tickets"].append(record["id"])
        return out
