"""HTTP plumbing of the Zendesk emulator: auth, error shapes, pagination, side-loads.

URLs in responses (url, next_page, after_url, links.next) are built from the request's
own scheme and host, so zenpy, which only parses responses under its base URL, follows them.
"""

from __future__ import annotations

import base64
import json
from contextvars import ContextVar
from typing import Any, Awaitable, Callable, Protocol
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import Response

from bridge.sandbox.common import basic_auth_matches, json_response
from bridge.sandbox.zendesk_directory import ZendeskApiError
from bridge.sandbox.zendesk_search import TicketSearch
from bridge.sandbox.zendesk_state import ZendeskState

Handler = Callable[[Request], Awaitable[Response]]
MAX_PAGE = 100  # cursor pagination: page[size] max 100
EXPORT_PAGE = 1000  # incremental exports: up to 1000 per page


class ZendeskBackend(Protocol):
    state: ZendeskState
    email: str
    token: str
    colleague_token: str


# Who the request authenticated as: changes are made by that user (the actor of audits and webhooks).
ACTOR: ContextVar[int | None] = ContextVar("zendesk_actor", default=None)


def actor(state: ZendeskState) -> dict[str, Any]:
    user_id = ACTOR.get()
    return state.directory.users.get(user_id, state.agent) if user_id is not None else state.agent


def base_url(request: Request) -> str:
    return f"{request.url.scheme}://{request.url.netloc}/api/v2"


def _authenticated(request: Request, backend: ZendeskBackend) -> int | None:
    """The id of the user the request's credentials belong to, or None."""
    header = request.headers.get("authorization", "")
    state = backend.state
    if basic_auth_matches(header, user=f"{backend.email}/token", password=backend.token):
        return int(state.agent["id"])
    if basic_auth_matches(header, user=f"{state.colleague['email']}/token", password=backend.colleague_token):
        return int(state.colleague["id"])
    return None


def endpoint(backend: ZendeskBackend, fn: Callable[[Request, ZendeskState], Awaitable[Response]]) -> Handler:
    """Auth, the state lock, and Zendesk's error shapes around one route."""
    async def handler(request: Request) -> Response:
        user_id = _authenticated(request, backend)
        if user_id is None:
            return json_response({"error": "Couldn't authenticate you"}, 401,
                                 headers={"WWW-Authenticate": 'Basic realm="Web Password"'})
        ACTOR.set(user_id)
        state = backend.state
        try:
            return await fn(request, state)
        except ZendeskApiError as exc:
            return json_response(exc.body, exc.status)
        except (ValueError, KeyError, TypeError) as exc:
            return json_response({"error": "InvalidEndpoint", "description": f"Bad request: {exc}"}, 400)
    return handler


async def read_json(request: Request) -> dict[str, Any]:
    raw = await request.body()
    data = json.loads(raw) if raw else {}
    if not isinstance(data, dict):
        raise ValueError("body must be a JSON object")
    return data


def includes(request: Request) -> set[str]:
    return {part.strip() for part in request.query_params.get("include", "").split(",") if part.strip()}


def sideload(state: ZendeskState, base: str, wanted: set[str], tickets: list[dict[str, Any]]) -> dict[str, Any]:
    """`include=users,organizations,groups`: the objects the tickets refer to, once each."""
    out: dict[str, Any] = {}
    d = state.directory
    if "users" in wanted:
        ids: set[int] = set()
        for t in tickets:
            ids.update(i for i in (t["requester_id"], t["submitter_id"], t["assignee_id"]) if i)
            ids.update(t["collaborator_ids"])
        out["users"] = [d.user_json(d.users[i], base) for i in sorted(ids) if i in d.users]
    if "organizations" in wanted:
        ids = {t["organization_id"] for t in tickets if t["organization_id"]}
        out["organizations"] = [d.org_json(d.orgs[i], base) for i in sorted(ids) if i in d.orgs]
    if "groups" in wanted:
        ids = {t["group_id"] for t in tickets if t["group_id"]}
        out["groups"] = [d.group_json(d.groups[i], base) for i in sorted(ids) if i in d.groups]
    return out


def cursor_page(request: Request, items: list[Any], *, default_size: int = MAX_PAGE) -> tuple[list[Any], dict[str, Any]]:
    """Zendesk cursor pagination: `page[size]`, `page[after]` -> `meta` + `links`.

    The cursor is the position, base64-encoded; opaque to clients like the real one."""
    size = max(1, min(int(request.query_params.get("page[size]", default_size)), MAX_PAGE))
    after = request.query_params.get("page[after]")
    start = int(base64.b64decode(after).decode()) if after else 0
    page = items[start:start + size]
    has_more = start + size < len(items)
    after_cursor = base64.b64encode(str(start + len(page)).encode()).decode() if page else None
    before_cursor = base64.b64encode(str(start).encode()).decode() if page else None
    params = {k: v for k, v in request.query_params.items() if k != "page[after]"}
    # Zendesk sends links.next even on the last page; clients must look at meta.has_more.
    next_url = f"{request.url.scheme}://{request.url.netloc}{request.url.path}?" + urlencode(
        {**params, "page[after]": after_cursor}) if after_cursor else None
    prev_url = f"{request.url.scheme}://{request.url.netloc}{request.url.path}?" + urlencode(
        {**params, "page[before]": before_cursor}) if before_cursor else None
    return page, {"meta": {"has_more": has_more, "after_cursor": after_cursor, "before_cursor": before_cursor},
                  "links": {"prev": prev_url, "next": next_url}}


def offset_page(request: Request, items: list[Any]) -> tuple[list[Any], dict[str, Any]]:
    """Offset pagination: `page`, `per_page` -> `next_page`, `previous_page`, `count`."""
    per_page = max(1, min(int(request.query_params.get("per_page", 100)), 100))
    page_no = max(1, int(request.query_params.get("page", 1)))
    start = (page_no - 1) * per_page
    params = dict(request.query_params)

    def link(number: int) -> str:
        return f"{request.url.scheme}://{request.url.netloc}{request.url.path}?" + urlencode({**params, "page": number})
    return items[start:start + per_page], {
        "next_page": link(page_no + 1) if start + per_page < len(items) else None,
        "previous_page": link(page_no - 1) if page_no > 1 else None, "count": len(items)}


def ids_param(request: Request) -> list[int]:
    return [int(part) for part in request.query_params.get("ids", "").split(",") if part.strip()]


def search_engine(state: ZendeskState) -> TicketSearch:
    d = state.directory
    return TicketSearch(users=d.users, orgs=d.orgs, comments=state.comments)
