"""Small helpers every emulator shares: clocks, id sequences, JSON responses."""

from __future__ import annotations

import base64
import json
import secrets
import threading
from datetime import datetime, timezone
from typing import Any, Callable

from starlette.responses import Response

Clock = Callable[[], float]


def iso_z(epoch: float) -> str:
    """Zendesk style: `2023-09-18T23:25:58Z` (UTC, whole seconds)."""
    return datetime.fromtimestamp(epoch, tz=timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def iso_jira(epoch: float) -> str:
    """Jira style: `2018-06-15T11:47:57.111+0000` (milliseconds, numeric offset)."""
    moment = datetime.fromtimestamp(epoch, tz=timezone.utc)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}+0000"


def slack_ts(epoch: float, seq: int) -> str:
    """Slack message ids: seconds + 6 digits; the sequence keeps them unique within a second."""
    return f"{int(epoch)}.{seq % 1_000_000:06d}"


class Sequence:
    """A thread-safe counter for ids (itertools.count's next() is atomic under the GIL, but
    we also need to move it forward after a state load)."""

    def __init__(self, start: int) -> None:
        self._lock = threading.Lock()
        self._next = start

    def __call__(self) -> int:
        with self._lock:
            value = self._next
            self._next += 1
            return value

    def peek(self) -> int:
        return self._next

    def advance_past(self, value: int) -> None:
        with self._lock:
            self._next = max(self._next, value + 1)


def json_response(body: Any, status: int = 200, headers: dict[str, str] | None = None,
                  media_type: str = "application/json; charset=utf-8") -> Response:
    """Compact JSON, no validation: the emulators already build plain dicts."""
    return Response(json.dumps(body, separators=(",", ":")), status_code=status,
                    headers=headers, media_type=media_type)


def empty_response(status: int = 204) -> Response:
    return Response(b"", status_code=status)




def basic_auth_matches(authorization: str, *, user: str, password: str) -> bool:
    """An `Authorization: Basic …` header naming exactly this user and password (constant time)."""
    if not authorization.startswith("Basic "):
        return False
    try:
        given_user, _, given_password = base64.b64decode(authorization[6:]).decode().partition(":")
    except (ValueError, UnicodeDecodeError):
        return False
    return secrets.compare_digest(given_user, user) and secrets.compare_digest(given_password, password)
