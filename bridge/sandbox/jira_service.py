"""The Jira emulator as one object: credentials, state, faults, webhooks, ASGI app."""

from __future__ import annotations

import json
import secrets
import uuid
from datetime import datetime, timedelta, timezone
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response

from bridge.sandbox.admin import admin_routes
from bridge.sandbox.common import Clock, json_response
from bridge.sandbox.faults import Decision, ServiceGuard
from bridge.sandbox.jira_import import import_issue
from bridge.sandbox.jira_routes import routes
from bridge.sandbox.jira_shapes import errors
from bridge.sandbox.jira_state import JiraState
from bridge.sandbox.middleware import GuardMiddleware
from bridge.sandbox.webhooks import WebhookHub, jira_signature


def render_error(decision: Decision) -> Response:
    if decision.status == 429:
        # https://developer.atlassian.com/cloud/jira/platform/rate-limiting/
        reset = (datetime.now(timezone.utc) + timedelta(seconds=decision.retry_after)).strftime("%Y-%m-%dT%H:%MZ")
        return json_response(errors("Rate limit exceeded."), 429, headers={
            "Retry-After": str(decision.retry_after), "X-RateLimit-Reset": reset,
            "RateLimit-Reason": "jira-burst-based", "X-RateLimit-Limit": "0", "X-RateLimit-Remaining": "0"})
    if decision.verdict == "drop":
        return Response(b"", status_code=502)
    return json_response(errors("Service temporarily unavailable (sandbox injected failure)."), decision.status)


async def _unknown_endpoint(request: Request, exc: Exception) -> Response:
    status = getattr(exc, "status_code", 404)
    return json_response(errors(f"null for uri: {request.url}"), status)


def rate_headers(limit: int, remaining: int) -> dict[str, str]:
    if not limit:
        return {}
    return {"X-RateLimit-Limit": str(limit), "X-RateLimit-Remaining": str(remaining),
            "X-RateLimit-NearLimit": "true" if remaining < limit * 0.2 else "false"}


class JiraService:
    def __init__(self, *, clock: Clock, latency_ms: int = 0, email: str = "bridge@sandbox.test",
                 project_key: str = "SUP", rate_limit: int | None = None) -> None:
        self.email = email
        self.token = secrets.token_urlsafe(24)
        self.developer_token = secrets.token_urlsafe(24)
        self.clock = clock
        self.project_key = project_key
        self.base_url = "http://127.0.0.1"
        self.guard = ServiceGuard("jira", base_latency_ms=latency_ms, default_rate_limit=rate_limit)
        self.hub = WebhookHub(lambda secret, body: {"X-Hub-Signature": jira_signature(secret, body)})
        self.state = self._fresh_state()
        app = Starlette(routes=[*admin_routes(self), *routes(self)],
                        exception_handlers={404: _unknown_endpoint, 405: _unknown_endpoint})
        self.app = GuardMiddleware(app, guard=self.guard, render_error=render_error, rate_headers=rate_headers)

    def _fresh_state(self) -> JiraState:
        state = JiraState(clock=self.clock, email=self.email, project_key=self.project_key,
                          developer_token=self.developer_token)
        state.base = self.base_url
        state.publish = self._publish
        state.subscribed = lambda: bool(self.hub.targets)
        return state

    def set_base_url(self, url: str) -> None:
        self.base_url = url
        self.state.base = url

    def _publish(self, events: list[tuple[str, dict[str, Any]]]) -> None:
        for name, payload in events:
            delivery_id = str(uuid.uuid4())
            body = json.dumps(payload, separators=(",", ":")).encode()
            self.hub.publish(delivery_id, body, {
                "X-Atlassian-Webhook-Identifier": delivery_id, "X-Atlassian-Webhook-Flow": "Primary",
                "User-Agent": "Atlassian Webhook HTTP Client", "X-Sandbox-Webhook-Event": name})

    def add_webhook(self, url: str, secret: str) -> None:
        self.hub.add(url, secret)

    def deliveries(self) -> list[dict[str, Any]]:
        return self.hub.deliveries()

    def webhook_targets(self) -> list[dict[str, Any]]:
        return self.hub.target_list()

    def reset(self) -> None:
        self.state = self._fresh_state()

    def dump(self) -> dict[str, Any]:
        return self.state.dump()

    def load(self, data: dict[str, Any]) -> None:
        self.state.load(data)

    def seed(self, data: dict[str, Any]) -> dict[str, Any]:
        """`{"users": [{"emailAddress", "displayName", "apiToken"}], "issues": [{fields}], "raw_issues": [...]}`
        -> keys. A user seeded with an `apiToken` signs in with it (basic auth, as the bridge does):
        a developer whose changes are theirs, not the bridge's account's."""
        state = self.state
        out: dict[str, list[str]] = {"users": [], "issues": []}
        with state.lock:
            for raw in data.get("raw_issues", []):  # issues exactly as GET /rest/api/2/issue returns them
                out["issues"].append(import_issue(state, raw)["key"])
            for user in data.get("users", []):
                account = user.get("accountId") or f"557058:{uuid.uuid4()}"
                state.users[account] = {"accountId": account, "emailAddress": user["emailAddress"],
                                        "displayName": user.get("displayName") or user["emailAddress"].split("@")[0]}
                if user.get("apiToken"):
                    state.users[account]["apiToken"] = str(user["apiToken"])
                out["users"].append(account)
            for fields in data.get("issues", []):
                fields = {"project": {"key": state.project["key"]}, "issuetype": {"name": "Bug"}, **fields}
                out["issues"].append(state.create_issue(fields, actor=state.me)["key"])
        return out


