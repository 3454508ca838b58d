"""Jira Cloud REST API v2 endpoints used by the `jira` library and the bridge."""

from __future__ import annotations

import json
from typing import Any, Callable

from starlette.responses import Response
from starlette.routing import Route

from bridge.sandbox.common import empty_response, json_response
from bridge.sandbox.jira_attachments import add_attachments, attachment_content, attachment_meta
from bridge.sandbox.jira_api import JiraBackend, R, S, actor, base_of, body_of, endpoint, listing
from bridge.sandbox.jira_search import search_classic, search_jql
from bridge.sandbox.jira_shapes import (ISSUE_TYPES, LINK_TYPES, PRIORITIES, RESOLUTIONS, STATUSES, errors,
                                        field_list, issuetype_json, link_type_json, priority_json,
                                        resolution_json, status_json, user_json)
from bridge.sandbox.jira_state import JiraApiError, not_found

async def server_info(request: R, state: S) -> Response:
    return json_response({"baseUrl": base_of(request), "version": "1001.0.0-SNAPSHOT", "versionNumbers": [1001, 0, 0],
                          "deploymentType": "Cloud", "buildNumber": 100280, "buildDate": "2025-01-01T00:00:00.000+0000",
                          "serverTime": "", "scmInfo": "sandbox", "serverTitle": "Jira (sandbox)",
                          "defaultLocale": {"locale": "en_US"}, "serverTimeZone": "Etc/UTC"})


async def myself(request: R, state: S) -> Response:
    with state.lock:
        me = user_json(base_of(request), state.users[actor(request, state)], email=True)
    return json_response({**me, "locale": "en_US", "groups": {"size": 1, "items": []},
                          "applicationRoles": {"size": 1, "items": []}, "expand": "groups,applicationRoles"})


async def fields(request: R, state: S) -> Response:
    return json_response(field_list())


async def projects(request: R, state: S) -> Response:
    expand = request.query_params.get("expand", "")
    return json_response([state.project_json(base_of(request), with_types="issueTypes" in expand)])


async def project(request: R, state: S) -> Response:
    ref = request.path_params["ref"]
    if ref.upper() not in (state.project["key"], state.project["id"]):
        raise not_found(f"No project could be found with key '{ref}'.")
    return json_response({**state.project_json(base_of(request), with_types=True), "description": "",
                          "lead": user_json(base_of(request), state.users[state.me]), "components": [], "versions": [],
                          "assigneeType": "UNASSIGNED", "roles": {}})


async def catalogue(request: R, state: S) -> Response:
    base, kind = base_of(request), request.url.path.rsplit("/", 1)[-1]
    table: dict[str, tuple[dict[str, Any], Callable[[str, str], dict[str, Any]]]] = {
        "issuetype": (ISSUE_TYPES, issuetype_json), "priority": (PRIORITIES, priority_json),
        "status": (STATUSES, status_json), "resolution": (RESOLUTIONS, resolution_json)}
    names, render = table[kind]
    return json_response([render(base, name) for name in names])


async def link_types(request: R, state: S) -> Response:
    return json_response({"issueLinkTypes": [link_type_json(base_of(request), n) for n in LINK_TYPES]})


async def create_issue(request: R, state: S) -> Response:
    data = await body_of(request)
    with state.lock:
        issue = state.create_issue(data.get("fields") or {}, actor=actor(request, state))
        if data.get("update"):
            state.edit_issue(issue["key"], {}, data["update"], actor=actor(request, state))
    return json_response({"id": issue["id"], "key": issue["key"], "self": f"{base_of(request)}/rest/api/2/issue/{issue['id']}"}, 201)


async def get_issue(request: R, state: S) -> Response:
    with state.lock:
        issue = state.issue(request.path_params["ref"])
        return json_response(state.render(issue, fields=listing(request, "fields"), base=base_of(request),
                                          expand=",".join(listing(request, "expand") or []),
                                          properties=listing(request, "properties")))


async def edit_issue(request: R, state: S) -> Response:
    data = await body_of(request)
    with state.lock:
        state.edit_issue(request.path_params["ref"], data.get("fields") or {}, data.get("update") or {}, actor=actor(request, state))
    return empty_response(204)


async def transitions(request: R, state: S) -> Response:
    base = base_of(request)
    if request.method == "POST":
        data = await body_of(request)
        with state.lock:
            state.transition(request.path_params["ref"], str((data.get("transition") or {}).get("id")),
                             data.get("fields") or {}, data.get("update") or {}, actor=actor(request, state))
        return empty_response(204)
    with state.lock:
        offered = state.transitions(request.path_params["ref"])
    return json_response({"expand": "transitions", "transitions": [
        {"id": tid, "name": name, "to": status_json(base, target), "hasScreen": False, "isGlobal": True,
         "isInitial": False, "isAvailable": True, "isConditional": False, "isLooped": False}
        for tid, name, target in offered]})


async def comments(request: R, state: S) -> Response:
    base = base_of(request)
    with state.lock:
        issue = state.issue(request.path_params["ref"])
        if request.method == "POST":
            data = await body_of(request)
            comment = state.add_comment(issue["key"], data.get("body", ""), data.get("visibility"), actor=actor(request, state))
            return json_response(state.render_comment(issue, comment, base), 201)
        rows = [state.render_comment(issue, c, base) for c in issue["comments"]]
        if request.query_params.get("orderBy") == "-created":
            rows.reverse()  # kept in the order they were made
        start = int(request.query_params.get("startAt", 0))
        size = min(int(request.query_params.get("maxResults", 50)), 5000)  # Cloud's default page is 50
        return json_response({"startAt": start, "maxResults": size, "total": len(rows), "comments": rows[start:start + size]})


async def comment(request: R, state: S) -> Response:
    base = base_of(request)
    with state.lock:
        issue = state.issue(request.path_params["ref"])
        cid = request.path_params["cid"]
        if request.method == "DELETE":
            state.delete_comment(issue["key"], cid)
            return Response(status_code=204)
        if request.method == "PUT":
            data = await body_of(request)
            found = state.update_comment(issue["key"], cid, data.get("body", ""), data.get("visibility"))
        else:
            matches = [c for c in issue["comments"] if c["id"] == cid]
            if not matches:
                raise not_found("Can not find a comment for the id: " + cid)
            found = matches[0]
        return json_response(state.render_comment(issue, found, base))


async def create_link(request: R, state: S) -> Response:
    data = await body_of(request)
    with state.lock:
        state.link(data.get("type") or {}, (data.get("inwardIssue") or {}).get("key") or (data.get("inwardIssue") or {}).get("id", ""),
                   (data.get("outwardIssue") or {}).get("key") or (data.get("outwardIssue") or {}).get("id", ""),
                   data.get("comment"), actor=actor(request, state))
    return empty_response(201)


async def issue_link(request: R, state: S) -> Response:
    with state.lock:
        lid = request.path_params["lid"]
        if request.method == "DELETE":
            state.unlink(lid)
            return empty_response(204)
        link = state.links.get(lid)
        if link is None:
            raise not_found(f"No issue link with id '{lid}' exists.")
        return json_response(state.link_json(link, base_of(request)))


async def remote_links(request: R, state: S) -> Response:
    base = base_of(request)
    with state.lock:
        issue = state.issue(request.path_params["ref"])
        if request.method == "DELETE":  # by id, or every link with the `globalId` asked for
            lid, global_id = request.path_params.get("lid"), request.query_params.get("globalId")
            if lid is None and not global_id:
                raise JiraApiError(400, errors(globalId="Either an id or a global id must be given."))
            kept = [link for link in issue["remote_links"]
                    if not (str(link["id"]) == lid if lid is not None else link.get("globalId") == global_id)]
            if len(kept) == len(issue["remote_links"]):
                raise not_found("Remote link does not exist.")
            issue["remote_links"][:] = kept
            return empty_response(204)
        if request.method == "POST":
            link, created = state.remote_link(issue["key"], await body_of(request))
            return json_response({"id": link["id"], "self": f"{base}/rest/api/2/issue/{issue['key']}/remotelink/{link['id']}"},
                                 201 if created else 200)
        rows = [{**link, "self": f"{base}/rest/api/2/issue/{issue['key']}/remotelink/{link['id']}"}
                for link in issue["remote_links"]]
        if "lid" in request.path_params:
            found = next((r for r in rows if str(r["id"]) == request.path_params["lid"]), None)
            if found is None:
                raise not_found("Remote link does not exist.")
            return json_response(found)
        return json_response(rows)


async def properties(request: R, state: S) -> Response:
    base = base_of(request)
    with state.lock:
        issue = state.issue(request.path_params["ref"])
        name = request.path_params.get("prop")
        if name is None:
            return json_response({"keys": [{"self": f"{base}/rest/api/2/issue/{issue['id']}/properties/{k}", "key": k}
                                           for k in issue["properties"]]})
        if request.method == "PUT":
            raw = await request.body()
            existed = name in issue["properties"]
            issue["properties"][name] = json.loads(raw) if raw else None
            return empty_response(200 if existed else 201)
        if name not in issue["properties"]:
            raise not_found(f"The property with key '{name}' does not exist.")
        if request.method == "DELETE":
            del issue["properties"][name]
            return empty_response(204)
        return json_response({"key": name, "value": issue["properties"][name]})


async def user_search(request: R, state: S) -> Response:
    query = (request.query_params.get("query") or "").lower()
    with state.lock:
        hits = [user_json(base_of(request), u) for u in state.users.values()
                if query and (query in u["emailAddress"].lower() or query in u["displayName"].lower())]
    return json_response(hits)


async def delete_issue(request: R, state: S) -> Response:
    with state.lock:
        state.delete_issue(request.path_params["ref"], actor=actor(request, state))
    return empty_response(204)


async def applinks(request: R, state: S) -> Response:
    return json_response([])


def route_table() -> list[tuple[str, Any, list[str]]]:
    p = "/rest/api/2"
    issue = p + "/issue/{ref}"
    return [
        (f"{p}/serverInfo", server_info, ["GET"]), (f"{p}/myself", myself, ["GET"]), (f"{p}/field", fields, ["GET"]),
        (f"{p}/project", projects, ["GET"]), (f"{p}/project/{{ref}}", project, ["GET"]),
        (f"{p}/issuetype", catalogue, ["GET"]), (f"{p}/priority", catalogue, ["GET"]),
        (f"{p}/status", catalogue, ["GET"]), (f"{p}/resolution", catalogue, ["GET"]),
        (f"{p}/issueLinkType", link_types, ["GET"]), (f"{p}/issue", create_issue, ["POST"]),
        (issue, get_issue, ["GET"]), (issue, edit_issue, ["PUT"]), (issue, delete_issue, ["DELETE"]),
        (f"{issue}/transitions", transitions, ["GET", "POST"]), (f"{issue}/comment", comments, ["GET", "POST"]),
        (f"{issue}/comment/{{cid}}", comment, ["GET", "PUT", "DELETE"]), (f"{p}/issueLink", create_link, ["POST"]),
        (f"{p}/issueLink/{{lid}}", issue_link, ["GET", "DELETE"]),
        (f"{issue}/attachments", add_attachments, ["POST"]), (f"{p}/attachment/{{aid}}", attachment_meta, ["GET"]),
        (f"{p}/attachment/content/{{aid}}", attachment_content, ["GET"]),
        (f"{issue}/remotelink", remote_links, ["GET", "POST", "DELETE"]),
        (f"{issue}/remotelink/{{lid}}", remote_links, ["GET", "DELETE"]),
        (f"{issue}/properties", properties, ["GET"]), (f"{issue}/properties/{{prop}}", properties, ["GET", "PUT", "DELETE"]),
        (f"{p}/search", search_classic, ["GET", "POST"]), (f"{p}/search/jql", search_jql, ["GET", "POST"]),
        (f"{p}/user/search", user_search, ["GET"]), ("/rest/applinks/latest/listApplicationlinks", applinks, ["GET"]),
    ]


def routes(backend: JiraBackend) -> list[Route]:
    return [Route(path, endpoint(backend, fn), methods=methods) for path, fn, methods in route_table()]


