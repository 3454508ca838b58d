"""Reading a file from a service: streamed, given up past a size, within a deadline."""

from __future__ import annotations

import time

import requests

from bridge.connectors.errors import RetriableError


def read_capped(response: requests.Response, *, max_bytes: int, deadline: float, service: str) -> bytes | None:
    """The body of a streamed `response`; None as soon as it is known to be larger than
    `max_bytes` (read no further). RetriableError past `deadline` (time.monotonic())."""
    length = response.headers.get("Content-Length", "")
    if length.isdigit() and int(length) > max_bytes:
        return None
    data = bytearray()
    for chunk in response.iter_content(65536):
        data += chunk
        if len(data) > max_bytes:
            return None
        if time.monotonic() > deadline:
            raise RetriableError(service, "reading the file took too long")
    return bytes(data)
