"""Files through the connectors: read from Zendesk (credentials to its own host only), added to Jira."""

from __future__ import annotations

import io
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Iterator
from urllib.parse import urlsplit

import pytest
from zenpy.lib.api_objects import Comment as ZComment
from zenpy.lib.api_objects import Ticket as ZTicket

from bridge.connectors.errors import NotFound
from bridge.sandbox import Sandbox
from tests.connectors.conftest import jira, zendesk


def _uploaded(sandbox: Sandbox, data: bytes, name: str = "trace.log") -> str:
    client = zendesk(sandbox)._client
    upload = client.attachments.upload(io.BytesIO(data), target_name=name)
    created = client.tickets.create(ZTicket(subject="Export fails", comment=ZComment(body="log", uploads=[upload.token])))
    [comment] = list(client.tickets.comments(ticket=created.ticket.id))
    return str(comment.attachments[0].content_url)


def test_a_file_is_read_whole_or_not_at_all_when_it_is_too_large(sandbox: Sandbox) -> None:
    url = _uploaded(sandbox, b"x" * 5000)
    connector = zendesk(sandbox)
    assert connector.download(url, max_bytes=5000, within=10) == b"x" * 5000
    assert connector.download(url, max_bytes=4999, within=10) is None
    with pytest.raises(NotFound):
        connector.download(url.replace("/token/", "/token/gone"), max_bytes=5000, within=10)


def test_a_file_linked_on_a_host_mapped_domain_is_read_from_the_bridges_own_zendesk(sandbox: Sandbox) -> None:
    url = _uploaded(sandbox, b"mapped")
    mapped = urlsplit(url)._replace(netloc="support.acme.example").geturl()  # the account's own domain
    assert zendesk(sandbox).download(mapped, max_bytes=100, within=10) == b"mapped"


@pytest.fixture
def elsewhere() -> Iterator[tuple[str, list[str | None]]]:
    """A file server on another host, which records the Authorization header it was sent."""
    seen: list[str | None] = []

    class Files(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802
            seen.append(self.headers.get("Authorization"))
            if self.path.startswith("/private/"):  # a file behind a sign-in
                self.send_response(302)
                self.send_header("Location", "/signin")
                self.end_headers()
                return
            page = self.path == "/signin"
            self.send_response(200)
            self.send_header("Content-Type", "text/html" if page else "image/png")
            self.send_header("Content-Length", "4")
            self.end_headers()
            self.wfile.write(b"data")

        def log_message(self, *_: object) -> None:
            pass

    server = HTTPServer(("127.0.0.2", 0), Files)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.2:{server.server_port}/files/a.png", seen
    server.shutdown()


def test_the_bridges_credentials_never_go_to_another_host(sandbox: Sandbox, elsewhere: tuple[str, list[str | None]]) -> None:
    url, seen = elsewhere
    assert zendesk(sandbox).download(url, max_bytes=100, within=10) == b"data"
    assert seen == [None]


def test_a_sign_in_page_instead_of_the_file_is_not_taken_for_it(sandbox: Sandbox, elsewhere: tuple[str, list[str | None]]) -> None:
    url, _ = elsewhere
    with pytest.raises(NotFound):
        zendesk(sandbox).download(url.replace("/files/", "/private/"), max_bytes=100, within=10)


def test_a_file_is_added_to_an_issue_and_listed_by_name_and_size(sandbox: Sandbox) -> None:
    connector = jira(sandbox)
    key = connector.create_issue(project="SUP", summary="Export fails", description="...", issue_type="Bug", priority=None,
                                 labels=[], due=None, extra_fields={})
    connector.add_attachment(key, name="trace.log", data=b"log line")
    assert connector.attachments(key) == [("trace.log", 8)]
