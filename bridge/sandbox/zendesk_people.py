"""Users, organisations, groups and ticket fields endpoints of the Zendesk emulator."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from bridge.sandbox.common import json_response
from bridge.sandbox.zendesk_api import actor, base_url, ids_param, offset_page, read_json
from bridge.sandbox.zendesk_directory import ZendeskApiError
from bridge.sandbox.zendesk_shapes import NOT_FOUND
from bridge.sandbox.zendesk_state import ZendeskState as S


def _id(request: Request) -> int:
    return int(request.path_params["obj_id"])


async def me(request: Request, state: S) -> Response:
    with state.lock:
        user = state.directory.user_json(actor(state), base_url(request))
        return json_response({"user": {**user, "authenticity_token": state.authenticity_token}})


async def show_user(request: Request, state: S) -> Response:
    with state.lock:
        d = state.directory
        return json_response({"user": d.user_json(d.get_user(_id(request)), base_url(request))})


async def show_many_users(request: Request, state: S) -> Response:
    with state.lock:
        d = state.directory
        users = [d.user_json(d.users[i], base_url(request)) for i in ids_param(request) if i in d.users]
        return json_response({"users": users, "next_page": None, "previous_page": None, "count": len(users)})


async def create_user(request: Request, state: S) -> Response:
    data = (await read_json(request)).get("user") or {}
    with state.lock:
        d = state.directory
        return json_response({"user": d.user_json(d.create_user(data), base_url(request))}, 201)


async def update_user(request: Request, state: S) -> Response:
    data = (await read_json(request)).get("user") or {}
    with state.lock:
        d = state.directory
        return json_response({"user": d.user_json(d.update_user(_id(request), data), base_url(request))})


async def search_users(request: Request, state: S) -> Response:
    query = (request.query_params.get("query") or request.query_params.get("email") or "").strip()
    query = query.removeprefix("email:").strip('"').lower()
    with state.lock:
        d = state.directory
        hits = [u for u in d.users.values()
                if query and (query == (u["email"] or "").lower() or query in u["name"].lower())]
        page, paging = offset_page(request, hits)
        return json_response({"users": [d.user_json(u, base_url(request)) for u in page], **paging})


async def list_users(request: Request, state: S) -> Response:
    with state.lock:
        d = state.directory
        page, paging = offset_page(request, sorted(d.users.values(), key=lambda u: u["id"]))
        return json_response({"users": [d.user_json(u, base_url(request)) for u in page], **paging})


async def show_org(request: Request, state: S) -> Response:
    with state.lock:
        d = state.directory
        return json_response({"organization": d.org_json(d.get_org(_id(request)), base_url(request))})


async def show_many_orgs(request: Request, state: S) -> Response:
    with state.lock:
        d = state.directory
        orgs = [d.org_json(d.orgs[i], base_url(request)) for i in ids_param(request) if i in d.orgs]
        return json_response({"organizations": orgs, "next_page": None, "previous_page": None, "count": len(orgs)})


async def create_org(request: Request, state: S) -> Response:
    data = (await read_json(request)).get("organization") or {}
    with state.lock:
        d = state.directory
        return json_response({"organization": d.org_json(d.create_org(data), base_url(request))}, 201)


async def list_orgs(request: Request, state: S) -> Response:
    with state.lock:
        d = state.directory
        page, paging = offset_page(request, sorted(d.orgs.values(), key=lambda o: o["id"]))
        return json_response({"organizations": [d.org_json(o, base_url(request)) for o in page], **paging})


async def show_group(request: Request, state: S) -> Response:
    with state.lock:
        d = state.directory
        return json_response({"group": d.group_json(d.get_group(_id(request)), base_url(request))})


async def create_group(request: Request, state: S) -> Response:
    data = (await read_json(request)).get("group") or {}
    with state.lock:
        d = state.directory
        return json_response({"group": d.group_json(d.create_group(data), base_url(request))}, 201)


async def list_groups(request: Request, state: S) -> Response:
    with state.lock:
        d = state.directory
        page, paging = offset_page(request, sorted(d.groups.values(), key=lambda g: g["id"]))
        return json_response({"groups": [d.group_json(g, base_url(request)) for g in page], **paging})


async def list_ticket_fields(request: Request, state: S) -> Response:
    with state.lock:
        fields = [{**f, "url": f"{base_url(request)}/ticket_fields/{f['id']}.json"} for f in state.ticket_fields.values()]
        return json_response({"ticket_fields": fields, "next_page": None, "previous_page": None, "count": len(fields)})


async def show_ticket_field(request: Request, state: S) -> Response:
    with state.lock:
        field = state.ticket_fields.get(_id(request))
        if field is None:
            raise ZendeskApiError(404, dict(NOT_FOUND))
        return json_response({"ticket_field": {**field, "url": f"{base_url(request)}/ticket_fields/{field['id']}.json"}})


def people_routes(p: str) -> list[tuple[str, Any, list[str]]]:
    one = "{obj_id:int}.json"
    return [
        (f"{p}/users/me.json", me, ["GET"]),
        (f"{p}/users/show_many.json", show_many_users, ["GET"]),
        (f"{p}/users/search.json", search_users, ["GET"]),
        (f"{p}/users.json", create_user, ["POST"]),
        (f"{p}/users.json", list_users, ["GET"]),
        (f"{p}/users/{one}", show_user, ["GET"]),
        (f"{p}/users/{one}", update_user, ["PUT"]),
        (f"{p}/organizations/show_many.json", show_many_orgs, ["GET"]),
        (f"{p}/organizations.json", create_org, ["POST"]),
        (f"{p}/organizations.json", list_orgs, ["GET"]),
        (f"{p}/organizations/{one}", show_org, ["GET"]),
        (f"{p}/groups.json", create_group, ["POST"]),
        (f"{p}/groups.json", list_groups, ["GET"]),
        (f"{p}/groups/{one}", show_group, ["GET"]),
        (f"{p}/ticket_fields.json", list_ticket_fields, ["GET"]),
        (f"{p}/ticket_fields/{one}", show_ticket_field, ["GET"]),
    ]
