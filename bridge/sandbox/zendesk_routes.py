"""The Zendesk Support API v2 endpoints the bridge and zenpy use, one handler each."""

from __future__ import annotations

import uuid
from typing import Any
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from bridge.sandbox.common import empty_response, json_response
from bridge.sandbox.zendesk_api import (EXPORT_PAGE, ZendeskBackend, actor, base_url, cursor_page, endpoint,
                                        ids_param, includes, offset_page, read_json, search_engine, sideload)
from bridge.sandbox.zendesk_directory import ZendeskApiError
from bridge.sandbox.zendesk_people import people_routes
from bridge.sandbox.zendesk_shapes import NOT_FOUND
from bridge.sandbox.zendesk_state import ZendeskState

S = ZendeskState
R = Request


def _tid(request: Request) -> int:
    return int(request.path_params["ticket_id"])


def _actor(state: S) -> int:
    return int(actor(state)["id"])


async def create_ticket(request: R, state: S) -> Response:
    data = (await read_json(request)).get("ticket") or {}
    with state.lock:
        record, audit = state.create_ticket(data, actor_id=_actor(state))
        base = base_url(request)
        body = {"ticket": state.ticket_json(record, base), "audit": audit}
    return json_response(body, 201, headers={"Location": f"{base}/tickets/{record['id']}.json"})


async def show_ticket(request: R, state: S) -> Response:
    base = base_url(request)
    with state.lock:
        record = state.ticket(_tid(request))
        body = {"ticket": state.ticket_json(record, base), **sideload(state, base, includes(request), [record])}
    return json_response(body)


async def update_ticket(request: R, state: S) -> Response:
    data = (await read_json(request)).get("ticket") or {}
    with state.lock:
        record, audit = state.update_ticket(_tid(request), data, actor_id=_actor(state))
        body = {"ticket": state.ticket_json(record, base_url(request)), "audit": audit}
    return json_response(body)


async def upload(request: R, state: S) -> Response:
    data = await request.body()
    with state.lock:
        body = state.files.upload(
            request.query_params.get("filename", ""), data, content_type=request.headers.get("content-type"),
            root=base_url(request).removesuffix("/api/v2"), token=request.query_params.get("token"),
        )
    return json_response({"upload": body}, 201, headers={"Location": body["attachment"]["url"]})


async def attachment_content(request: R, state: S) -> Response:
    with state.lock:
        kind, data = state.files.read(request.path_params["secret"])
    return Response(data, media_type=kind)


async def delete_ticket(request: R, state: S) -> Response:
    with state.lock:
        state.delete_ticket(_tid(request))
    return empty_response(204)


async def restore_ticket(request: R, state: S) -> Response:
    with state.lock:
        state.restore_ticket(_tid(request))
    return json_response({})


async def list_tickets(request: R, state: S) -> Response:
    base = base_url(request)
    with state.lock:
        tickets = sorted(state.live_tickets(), key=lambda t: t["id"])
        cursor = "page[size]" in request.query_params
        page, paging = cursor_page(request, tickets) if cursor else offset_page(request, tickets)
        rows = [state.ticket_json(t, base) for t in page]
        if cursor:  # recorded: the cursor-paged list leaves out the `fields` duplicate
            rows = [{k: v for k, v in row.items() if k != "fields"} for row in rows]
        body = {"tickets": rows, **paging,
                **sideload(state, base, includes(request), page)}
    return json_response(body)


async def show_many(request: R, state: S) -> Response:
    base = base_url(request)
    with state.lock:
        page = [state.tickets[i] for i in ids_param(request) if i in state.tickets and not state.tickets[i]["_deleted"]]
        body = {"tickets": [state.ticket_json(t, base) for t in page], "next_page": None,
                "previous_page": None, "count": len(page), **sideload(state, base, includes(request), page)}
    return json_response(body)


def _job_json(request: R, job: dict[str, Any], *, done: bool) -> dict[str, Any]:
    return {"job_status": {"id": job["id"], "job_type": job["job_type"],
                           "url": f"{base_url(request)}/job_statuses/{job['id']}.json", "total": job["total"],
                           "progress": job["total"] if done else None, "status": "completed" if done else "queued",
                           "message": f"Completed at {job['finished']}" if done else None,
                           "results": job["results"] if done else None}}


async def update_many(request: R, state: S) -> Response:
    data = await read_json(request)
    items = data.get("tickets") or [{**(data.get("ticket") or {}), "id": i} for i in ids_param(request)]
    if len(items) > 100:
        raise ZendeskApiError(400, {"error": "TooManyValues", "description": "Parameter  cannot specify more than 100 values", "max_count": 100})
    results: list[dict[str, Any]] = []
    with state.lock:
        for item in items:
            try:
                state.update_ticket(int(item["id"]), item, actor_id=_actor(state))
                results.append({"action": "update", "status": "Updated", "success": True, "id": int(item["id"])})
            except ZendeskApiError as exc:
                results.append({"action": "update", "status": "Failed", "success": False, "id": int(item["id"]),
                                "error": exc.body.get("error"), "details": exc.body.get("description")})
        job_id = "V3-" + uuid.uuid4().hex
        state.record_job(job_id, job_type="Bulk Update", results=results)
        return json_response(_job_json(request, state.jobs[job_id], done=False))


async def create_many(request: R, state: S) -> Response:
    items = (await read_json(request)).get("tickets") or []
    if len(items) > 100:
        raise ZendeskApiError(400, {"error": "TooManyValues", "description": "Parameter  cannot specify more than 100 values", "max_count": 100})
    with state.lock:
        results = []
        for index, item in enumerate(items):
            record, _ = state.create_ticket(item, actor_id=_actor(state))
            results.append({"index": index, "id": record["id"], "account_id": 18525119})
        job_id = "V3-" + uuid.uuid4().hex
        state.record_job(job_id, job_type="Bulk Create Ticket", results=results)
        return json_response(_job_json(request, state.jobs[job_id], done=False))


async def merge(request: R, state: S) -> Response:
    data = await read_json(request)
    try:
        ids = [int(i) for i in data.get("ids") or ()]
    except (TypeError, ValueError):
        raise ZendeskApiError(400, {"error": "InvalidValue", "description": "ids: must be ticket ids"}) from None
    with state.lock:
        results = state.merge_tickets(_tid(request), ids, data, actor_id=_actor(state))
        job_id = "V3-" + uuid.uuid4().hex
        state.record_job(job_id, job_type="Merge Tickets", results=results)
        return json_response(_job_json(request, state.jobs[job_id], done=False))


async def job_status(request: R, state: S) -> Response:
    with state.lock:
        job = state.jobs.get(request.path_params["job_id"])
        if job is None:
            raise ZendeskApiError(404, dict(NOT_FOUND))
        return json_response(_job_json(request, job, done=True))


async def list_comments(request: R, state: S) -> Response:
    with state.lock:
        state.ticket(_tid(request))
        comments = list(state.comments[_tid(request)])
        if request.query_params.get("sort_order") == "desc":
            comments.reverse()
        page, paging = cursor_page(request, comments)
        body: dict[str, Any] = {"comments": [state.comment_json(c) for c in page], **paging}
        if "users" in includes(request):
            d = state.directory
            authors = sorted({c["author_id"] for c in page})
            body["users"] = [d.user_json(d.users[i], base_url(request)) for i in authors if i in d.users]
    return json_response(body)


async def list_audits(request: R, state: S) -> Response:
    with state.lock:
        state.ticket(_tid(request))
        page, paging = cursor_page(request, list(state.audits.get(_tid(request), [])))
        return json_response({"audits": page, **paging})


async def tags(request: R, state: S) -> Response:
    with state.lock:
        tid = _tid(request)
        if request.method != "GET":
            given = (await read_json(request)).get("tags") or []
            change = {"PUT": "additional_tags", "POST": "tags", "DELETE": "remove_tags"}[request.method]
            state.update_ticket(tid, {change: given}, actor_id=_actor(state))
        return json_response({"tags": list(state.ticket(tid)["tags"])})


async def incremental_cursor(request: R, state: S) -> Response:
    params = request.query_params
    per_page = max(1, min(int(params.get("per_page", EXPORT_PAGE)), EXPORT_PAGE))
    cursor = params.get("cursor")
    if cursor is None and "start_time" not in params:
        raise ZendeskApiError(400, {"error": "InvalidPaginationParameter", "description": "start_time or cursor is required"})
    base = base_url(request)
    with state.lock:
        page, after, end = state.incremental_page(
            start_time=None if cursor is not None else int(params["start_time"]), cursor=cursor, per_page=per_page)
        keep = {k: v for k, v in params.items() if k in ("per_page", "include")}
        body = {"tickets": [state.ticket_json(t, base, generated=True) for t in page],
                "after_url": f"{base}/incremental/tickets/cursor.json?" + urlencode({"cursor": after, **keep}),
                "before_url": None, "after_cursor": after, "before_cursor": None, "end_of_stream": end,
                **sideload(state, base, includes(request), page)}
    return json_response(body)


async def incremental_time(request: R, state: S) -> Response:
    start = int(request.query_params["start_time"])
    per_page = max(1, min(int(request.query_params.get("per_page", EXPORT_PAGE)), EXPORT_PAGE))
    base = base_url(request)
    with state.lock:
        pool = sorted((t for t in state.tickets.values() if t["_ts"] >= start), key=lambda t: t["_seq"])
        page = pool[:per_page]
        end_time = page[-1]["_ts"] if page else start
        params = {k: v for k, v in request.query_params.items() if k != "start_time"}
        body = {"tickets": [state.ticket_json(t, base, generated=True) for t in page], "count": len(page),
                "end_of_stream": len(pool) <= per_page,
                "next_page": f"{base}/incremental/tickets.json?" + urlencode({**params, "start_time": end_time}),
                "end_time": end_time, **sideload(state, base, includes(request), page)}
    return json_response(body)


async def incremental_events(request: R, state: S) -> Response:
    start = int(request.query_params["start_time"])
    base = base_url(request)
    with state.lock:
        events = state.ticket_events_since(start, EXPORT_PAGE)
    end_time = events[-1]["timestamp"] if events else start
    return json_response({"ticket_events": events, "count": len(events), "end_of_stream": len(events) < EXPORT_PAGE,
                          "next_page": f"{base}/incremental/ticket_events.json?start_time={end_time}",
                          "previous_page": None, "end_time": end_time})


def _search_hits(request: R, state: S) -> list[dict[str, Any]]:
    query = request.query_params.get("query", "")
    if request.query_params.get("filter[type]", "ticket") != "ticket":
        return []
    return search_engine(state).run(query, state.live_tickets())


async def search(request: R, state: S) -> Response:
    base = base_url(request)
    with state.lock:
        hits = _search_hits(request, state)
        if len(hits) > 1000:
            raise ZendeskApiError(422, {"error": "invalid", "description": "Search results limit exceeded"})
        page, paging = offset_page(request, hits)
        results = [{**state.ticket_json(t, base), "result_type": "ticket"} for t in page]
        return json_response({"results": results, "facets": None, **paging})


async def search_count(request: R, state: S) -> Response:
    with state.lock:
        return json_response({"count": len(_search_hits(request, state))})


async def search_export(request: R, state: S) -> Response:
    base = base_url(request)
    with state.lock:
        page, paging = cursor_page(request, _search_hits(request, state))
        results = [{**state.ticket_json(t, base), "result_type": "ticket"} for t in page]
        return json_response({"results": results, "facets": None, **paging})


def route_table() -> list[tuple[str, Any, list[str]]]:
    p = "/api/v2"
    return [
        (f"{p}/tickets.json", create_ticket, ["POST"]),
        (f"{p}/uploads.json", upload, ["POST"]),
        ("/attachments/token/{secret}/", attachment_content, ["GET"]),
        (f"{p}/tickets.json", list_tickets, ["GET"]),
        (f"{p}/tickets/show_many.json", show_many, ["GET"]),
        (f"{p}/tickets/update_many.json", update_many, ["PUT"]),
        (f"{p}/tickets/create_many.json", create_many, ["POST"]),
        (f"{p}/tickets/{{ticket_id:int}}.json", show_ticket, ["GET"]),
        (f"{p}/tickets/{{ticket_id:int}}.json", update_ticket, ["PUT"]),
        (f"{p}/tickets/{{ticket_id:int}}.json", delete_ticket, ["DELETE"]),
        (f"{p}/tickets/{{ticket_id:int}}/comments.json", list_comments, ["GET"]),
        (f"{p}/tickets/{{ticket_id:int}}/audits.json", list_audits, ["GET"]),
        (f"{p}/tickets/{{ticket_id:int}}/tags.json", tags, ["GET", "PUT", "POST", "DELETE"]),
        (f"{p}/tickets/{{ticket_id:int}}/merge.json", merge, ["POST"]),
        (f"{p}/tickets/{{ticket_id:int}}/merge", merge, ["POST"]),
        (f"{p}/deleted_tickets/{{ticket_id:int}}/restore.json", restore_ticket, ["PUT"]),
        (f"{p}/job_statuses/{{job_id}}.json", job_status, ["GET"]),
        (f"{p}/incremental/tickets/cursor.json", incremental_cursor, ["GET"]),
        (f"{p}/incremental/tickets.json", incremental_time, ["GET"]),
        (f"{p}/incremental/ticket_events.json", incremental_events, ["GET"]),
        (f"{p}/search.json", search, ["GET"]),
        (f"{p}/search/count.json", search_count, ["GET"]),
        (f"{p}/search/export.json", search_export, ["GET"]),
        *people_routes(p),
    ]


def routes(backend: ZendeskBackend) -> list[Route]:
    return [Route(path, endpoint(backend, fn), methods=methods) for path, fn, methods in route_table()]
