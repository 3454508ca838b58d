"""Attachments in the Zendesk emulator: files uploaded (`POST /api/v2/uploads.json`), given to a
comment by their upload token (`comment.uploads`), and served from their `content_url`.

Shapes follow the recorded upload in shared/reference/zendesk (zenpy's TestAttachmentUpload
cassette): an upload token for the comment, and a content token, another one, in the URL the
file is read from.
"""

from __future__ import annotations

import base64
import mimetypes
import secrets
from urllib.parse import quote
from typing import Any, Callable

from bridge.sandbox.common import iso_z
from bridge.sandbox.zendesk_directory import ZendeskApiError

UPLOAD_DAYS = 3  # an upload token not used by a comment expires


class ZendeskFiles:
    def __init__(self, *, clock: Callable[[], float], ids: Callable[[], int]) -> None:
        self.clock = clock
        self.ids = ids
        self.uploads: dict[str, list[dict[str, Any]]] = {}  # upload token -> attachments not on a comment yet
        self.content: dict[str, tuple[str, bytes]] = {}  # content token -> (content type, bytes)

    def upload(self, name: str, data: bytes, *, content_type: str | None, root: str, token: str | None = None) -> dict[str, Any]:
        """`POST /api/v2/uploads.json?filename=…[&token=…]`: the body is the file; a second file
        joins an upload by its token."""
        if not name.strip():
            raise ZendeskApiError(400, {"error": "InvalidEndpoint", "description": "filename is required"})
        if token is not None and token not in self.uploads:
            raise ZendeskApiError(422, {"error": "RecordInvalid", "description": "Upload token is invalid"})
        kind = content_type if content_type and content_type != "application/x-www-form-urlencoded" else None
        kind = kind or mimetypes.guess_type(name)[0] or "application/octet-stream"
        attachment_id, secret = self.ids(), secrets.token_urlsafe(19)[:25]
        content_url = f"{root}/attachments/token/{secret}/?name={quote(name)}"
        attachment = {
            "url": f"{root}/api/v2/attachments/{attachment_id}.json", "id": attachment_id, "file_name": name,
            "content_url": content_url, "mapped_content_url": content_url, "content_type": kind, "size": len(data),
            "width": None, "height": None, "inline": False, "deleted": False, "malware_access_override": False,
            "malware_scan_result": "not_scanned", "thumbnails": [],
        }
        self.content[secret] = (kind, data)
        token = token or secrets.token_urlsafe(19)[:25]
        self.uploads.setdefault(token, []).append(attachment)
        return {"token": token, "expires_at": iso_z(self.clock() + UPLOAD_DAYS * 86400),
                "attachments": list(self.uploads[token]), "attachment": attachment}

    def take(self, tokens: Any) -> list[dict[str, Any]]:
        """The attachments of a new comment's `uploads`: each token is used once (one unknown is ignored)."""
        if isinstance(tokens, str):
            tokens = [tokens]  # (one token may come as a plain string, as zenpy's recorded request sends it)
        return [attachment for token in tokens or () for attachment in self.uploads.pop(str(token), [])]

    def read(self, secret: str) -> tuple[str, bytes]:
        found = self.content.get(secret)
        if found is None:
            raise ZendeskApiError(404, {"error": "RecordNotFound", "description": "Not found"})
        return found

    def dump(self) -> dict[str, Any]:
        return {"uploads": self.uploads,
                "content": {k: [kind, base64.b64encode(data).decode()] for k, (kind, data) in self.content.items()}}

    def load(self, data: dict[str, Any]) -> None:
        self.uploads = dict(data.get("uploads", {}))
        self.content = {k: (kind, base64.b64decode(encoded)) for k, (kind, encoded) in data.get("content", {}).items()}
