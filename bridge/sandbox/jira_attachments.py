"""Attachments in the Jira emulator: `POST /rest/api/2/issue/{key}/attachments` (a multipart form,
field `file`, with `X-Atlassian-Token: no-check`), listed in the issue's `fields.attachment`, read
back from `GET /rest/api/2/attachment/content/{id}`.

Shapes follow the Attachment and AttachmentMetadata schemas of Jira Cloud's REST API reference
(shared/reference/jira: the OpenAPI document). Files over the site's limit are refused with 413.
"""

from __future__ import annotations

import base64
import mimetypes
from typing import Any

from starlette.responses import Response

from bridge.sandbox.common import json_response
from bridge.sandbox.jira_api import R, S, actor, base_of
from bridge.sandbox.jira_render import attachment_json
from bridge.sandbox.jira_shapes import errors
from bridge.sandbox.jira_state import JiraApiError, not_found

MAX_BYTES = 10 * 1024 * 1024  # Jira Cloud's attachment size is a site setting; this sandbox's is 10 MB


async def add_attachments(request: R, state: S) -> Response:
    if request.headers.get("x-atlassian-token", "").lower() != "no-check":
        return Response("XSRF check failed", status_code=403, media_type="text/plain")
    form = await request.form(max_part_size=MAX_BYTES + 1)
    files = [value for key, value in form.multi_items() if key == "file" and not isinstance(value, str)]
    if not files:
        raise JiraApiError(400, errors("No file was attached: send the multipart field 'file'."))
    contents = [(upload.filename or "attachment", await upload.read(), upload.content_type) for upload in files]
    base = base_of(request)
    with state.lock:
        issue = state.issue(request.path_params["ref"])
        added = []
        for name, data, kind in contents:
            if len(data) > MAX_BYTES:
                raise JiraApiError(413, errors(f"The file {name} is too large: the limit is {MAX_BYTES} bytes."))
            attachment = {
                "id": str(state.ids()), "filename": name, "author": actor(request, state), "created": state.clock(), "size": len(data),
                "mimeType": kind if kind and kind != "application/octet-stream" else mimetypes.guess_type(name)[0] or "application/octet-stream",
                "data": base64.b64encode(data).decode(),
            }
            issue.setdefault("attachments", []).append(attachment)
            state.attachment_added(issue, attachment)
            added.append(attachment_json(base, attachment, state.users))
        return json_response(added)


def _find(state: S, attachment_id: str) -> dict[str, Any]:
    for issue in state.issues.values():
        for attachment in issue.get("attachments", ()):
            if attachment["id"] == attachment_id:
                return attachment
    raise not_found("The attachment does not exist.")


async def attachment_meta(request: R, state: S) -> Response:
    base = base_of(request)
    with state.lock:
        return json_response(attachment_json(base, _find(state, request.path_params["aid"]), state.users))


async def attachment_content(request: R, state: S) -> Response:
    with state.lock:
        attachment = _find(state, request.path_params["aid"])
        return Response(base64.b64decode(attachment["data"]), media_type=attachment["mimeType"])
