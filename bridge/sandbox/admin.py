"""The admin API under `/__sandbox/`, the same on every emulator.

It is for tests, benchmarks and demos on loopback: no auth, never faulted, not counted.
"""

from __future__ import annotations

import json
from typing import Any, Protocol

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from bridge.sandbox.common import json_response
from bridge.sandbox.faults import FaultConfig, ServiceGuard

FAULT_KEYS = set(FaultConfig.__dataclass_fields__) | {"rate_limit", "seed"}


class AdminTarget(Protocol):
    guard: ServiceGuard

    def reset(self) -> None: ...
    def seed(self, data: dict[str, Any]) -> dict[str, Any]: ...
    def dump(self) -> dict[str, Any]: ...
    def deliveries(self) -> list[dict[str, Any]]: ...
    def webhook_targets(self) -> list[dict[str, Any]]: ...
    def add_webhook(self, url: str, secret: str) -> None: ...


async def _body(request: Request) -> dict[str, Any]:
    raw = await request.body()
    if not raw:
        return {}
    data = json.loads(raw)
    if not isinstance(data, dict):
        raise ValueError("expected a JSON object")
    return data


def admin_routes(target: AdminTarget) -> list[Route]:
    async def counters(_: Request) -> Response:
        return json_response(target.guard.stats())

    async def reset_counters(_: Request) -> Response:
        target.guard.reset_counters()
        return json_response({"ok": True})

    async def faults(request: Request) -> Response:
        if request.method == "DELETE":
            target.guard.clear_faults()
        elif request.method in ("PUT", "POST"):
            try:
                changes = await _body(request)
                unknown = set(changes) - FAULT_KEYS
                if unknown:
                    return json_response({"error": f"unknown fault settings: {sorted(unknown)}"}, 400)
                target.guard.configure(**changes)
            except (ValueError, TypeError) as exc:
                return json_response({"error": str(exc)}, 400)
        return json_response(target.guard.stats()["faults"] | {"rate_limit": target.guard.limiter.per_minute})

    async def reset(_: Request) -> Response:
        target.reset()
        target.guard.reset_counters()
        target.guard.clear_faults()
        return json_response({"ok": True})

    async def seed(request: Request) -> Response:
        try:
            return json_response(target.seed(await _body(request)))
        except (ValueError, KeyError, TypeError) as exc:
            return json_response({"error": str(exc)}, 400)

    async def state(_: Request) -> Response:
        return json_response(target.dump())

    async def webhooks(request: Request) -> Response:
        if request.method == "POST":
            try:
                data = await _body(request)
                target.add_webhook(str(data["url"]), str(data["secret"]))
            except (ValueError, KeyError) as exc:
                return json_response({"error": str(exc)}, 400)
        return json_response({"targets": target.webhook_targets(), "deliveries": target.deliveries()})

    return [
        Route("/__sandbox/counters", counters, methods=["GET"]),
        Route("/__sandbox/counters/reset", reset_counters, methods=["POST"]),
        Route("/__sandbox/faults", faults, methods=["GET", "PUT", "POST", "DELETE"]),
        Route("/__sandbox/reset", reset, methods=["POST"]),
        Route("/__sandbox/seed", seed, methods=["POST"]),
        Route("/__sandbox/state", state, methods=["GET"]),
        Route("/__sandbox/webhooks", webhooks, methods=["GET", "POST"]),
    ]
