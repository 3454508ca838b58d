"""ASGI wrapper that applies a ServiceGuard in front of an emulator's routes.

The admin API under `/__sandbox/` bypasses it: tests must be able to switch faults off
while faults are on.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Callable

from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from bridge.sandbox.faults import Decision, ServiceGuard, endpoint_name

log = logging.getLogger(__name__)

ADMIN_PREFIX = "/__sandbox"
ErrorRenderer = Callable[[Decision], Response]
RateHeaders = Callable[[int, int], dict[str, str]]


def _abort_connection(receive: Receive) -> bool:
    """Drop the TCP connection without a response, as a crashed proxy would.

    uvicorn's `receive` is a bound method of its per-request cycle, which holds the
    transport; there is no public ASGI way to do this.
    """
    transport = getattr(getattr(receive, "__self__", None), "transport", None)
    if transport is None:
        return False
    transport.abort()
    return True


class GuardMiddleware:
    def __init__(self, app: ASGIApp, *, guard: ServiceGuard, render_error: ErrorRenderer,
                 rate_headers: RateHeaders) -> None:
        self.app = app
        self.guard = guard
        self.render_error = render_error
        self.rate_headers = rate_headers

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"].startswith(ADMIN_PREFIX):
            await self.app(scope, receive, send)
            return
        decision = self.guard.decide(endpoint_name(scope["method"], scope["path"]))
        if decision.latency_s > 0:
            await asyncio.sleep(decision.latency_s)
        if decision.verdict == "drop" and _abort_connection(receive):
            self.guard.record_status(0)
            return
        if decision.verdict in ("error", "ratelimit", "drop"):
            response = self.render_error(decision)
            self.guard.record_status(response.status_code)
            await response(scope, receive, send)
            return
        limit, remaining = self.guard.rate_headers()
        extra = [(k.lower().encode(), v.encode()) for k, v in self.rate_headers(limit, remaining).items()]

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                self.guard.record_status(message["status"])
                message = {**message, "headers": list(message.get("headers", [])) + extra}
            await send(message)

        await self.app(scope, receive, send_with_headers)
