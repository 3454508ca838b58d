"""JQL search endpoints: classic `/search` (startAt paging) and Cloud's `/search/jql`
(nextPageToken paging, only ids unless `fields` is given)."""

from __future__ import annotations

import base64
import json
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from bridge.sandbox.common import json_response
from bridge.sandbox.jira_jql import Query
from bridge.sandbox.jira_api import MAX_FULL_PAGE, base_of, body_of, listing
from bridge.sandbox.jira_shapes import errors
from bridge.sandbox.jira_state import JiraApiError, JiraState


async def _params(request: Request) -> tuple[dict[str, Any], dict[str, Any] | None]:
    if request.method == "POST":
        body = await body_of(request)
        return body, body
    return dict(request.query_params), None


def _run(state: JiraState, jql: str) -> list[dict[str, Any]]:
    query = Query(jql, now=state.clock(), me=state.me, users=state.users, project=state.project)
    return query.sort([i for i in state.issues.values() if query.matches(i)])


def _expand(params: dict[str, Any]) -> str:
    value = params.get("expand") or ""
    return ",".join(value) if isinstance(value, list) else str(value)


async def search_classic(request: Request, state: JiraState) -> Response:
    params, body = await _params(request)
    start = int(params.get("startAt") or 0)
    size = max(0, min(int(params.get("maxResults") or 50), MAX_FULL_PAGE))
    wanted = listing(request, "fields", body) or ["*navigable"]
    with state.lock:
        hits = _run(state, str(params.get("jql") or ""))
        page = [state.render(i, fields=wanted, expand=_expand(params), base=base_of(request),
                             properties=listing(request, "properties", body)) for i in hits[start:start + size]]
    return json_response({"expand": "schema,names", "startAt": start, "maxResults": size, "total": len(hits),
                          "issues": page})


def _token(offset: int, jql: str) -> str:
    return base64.urlsafe_b64encode(json.dumps([offset, jql]).encode()).decode()


def _offset(token: str, jql: str) -> int:
    try:
        offset, token_jql = json.loads(base64.urlsafe_b64decode(token.encode()))
    except (ValueError, TypeError) as exc:
        raise JiraApiError(400, errors("The provided next page token is invalid or expired.")) from exc
    if token_jql != jql:
        raise JiraApiError(400, errors("The provided next page token is invalid or expired."))
    return int(offset)


async def search_jql(request: Request, state: JiraState) -> Response:
    params, body = await _params(request)
    jql = str(params.get("jql") or "")
    if not jql.strip() or jql.strip().upper().startswith("ORDER BY"):
        # Cloud rejects unbounded queries on this endpoint
        raise JiraApiError(400, errors("Unbounded JQL queries are not allowed here. Please add a search restriction to your query."))
    wanted = listing(request, "fields", body)
    size = max(1, min(int(params.get("maxResults") or 50), MAX_FULL_PAGE if wanted else 5000))
    start = _offset(str(params["nextPageToken"]), jql) if params.get("nextPageToken") else 0
    with state.lock:
        hits = _run(state, jql)
        chunk = hits[start:start + size]
        if wanted:
            page = [state.render(i, fields=wanted, expand=_expand(params), base=base_of(request),
                                 properties=listing(request, "properties", body)) for i in chunk]
        else:
            page = [{"id": i["id"]} for i in chunk]
    out: dict[str, Any] = {"issues": page, "isLast": start + size >= len(hits)}
    if not out["isLast"]:
        out["nextPageToken"] = _token(start + size, jql)
    return json_response(out)
