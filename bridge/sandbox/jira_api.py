"""HTTP plumbing of the Jira emulator: basic auth, Jira-shaped errors, request parsing."""

from __future__ import annotations

import json
from typing import Any, Awaitable, Callable, Protocol

from starlette.requests import Request
from starlette.responses import Response

from bridge.sandbox.common import basic_auth_matches, json_response
from bridge.sandbox.jira_jql_tokens import JqlError
from bridge.sandbox.jira_shapes import errors
from bridge.sandbox.jira_state import JiraApiError, JiraState

S = JiraState
R = Request
MAX_FULL_PAGE = 100  # search returns at most 100 issues with fields per page


class JiraBackend(Protocol):
    state: JiraState
    email: str
    token: str


def base_of(request: R) -> str:
    return f"{request.url.scheme}://{request.url.netloc}"


def _account(request: R, backend: JiraBackend) -> str | None:
    """The account the request signs in as: the bridge's, or a seeded user's with an `apiToken`."""
    header = request.headers.get("authorization", "")
    if basic_auth_matches(header, user=backend.email, password=backend.token):
        return backend.state.me
    with backend.state.lock:
        users = list(backend.state.users.values())
    for user in users:
        token = user.get("apiToken")
        if token and basic_auth_matches(header, user=user["emailAddress"], password=token):
            return str(user["accountId"])
    return None


def actor(request: R, state: S) -> str:
    """Who makes the request's changes (comments, transitions, files)."""
    return getattr(request.state, "actor", None) or state.me


def endpoint(backend: JiraBackend, fn: Callable[[R, S], Awaitable[Response]]) -> Callable[[R], Awaitable[Response]]:
    async def handler(request: R) -> Response:
        request.state.actor = _account(request, backend)
        if request.state.actor is None:
            return json_response(errors("You are not authenticated. Authentication required to perform this operation."),
                                 401, headers={"WWW-Authenticate": 'Basic realm="protected-area"'})
        try:
            return await fn(request, backend.state)
        except JiraApiError as exc:
            return json_response(exc.body, exc.status)
        except JqlError as exc:
            return json_response(exc.body, 400)
        except (ValueError, KeyError, TypeError) as exc:
            return json_response(errors(f"Bad request: {exc}"), 400)
    return handler


async def body_of(request: R) -> dict[str, Any]:
    raw = await request.body()
    data = json.loads(raw) if raw else {}
    if not isinstance(data, dict):
        raise ValueError("expected a JSON object")
    return data


def listing(request: R, name: str, body: dict[str, Any] | None = None) -> list[str] | None:
    """`fields`/`properties` arrive as repeated params, comma lists, or JSON arrays."""
    raw: Any = (body or {}).get(name) if body is not None else None
    if raw is None:
        raw = request.query_params.getlist(name) or None
    if raw is None:
        return None
    items = raw if isinstance(raw, list) else [raw]
    return [part.strip() for item in items for part in str(item).split(",") if part.strip()]
