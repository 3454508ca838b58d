"""The Statuspage emulator: a page's incidents under `/v1/pages/{page_id}/…`, as api.statuspage.io answers.

What the bridge uses of the REST API v1: incidents created (`POST …/incidents`), read
(`GET …/incidents/{id}`, `GET …/incidents/unresolved`) and updated (`PATCH …/incidents/{id}`),
and the page's components (`GET …/components`). Bodies are `{"incident": {...}}`, JSON or form.
Authentication is `Authorization: OAuth <api key>`; a wrong key answers 401, another page 404.
The documented rate limit (1 request a second per key) answers 420, the code Statuspage
has used for it beside 429, with `Retry-After`.
"""

from __future__ import annotations

import json
import secrets
import threading
from copy import deepcopy
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from bridge.sandbox.admin import admin_routes
from bridge.sandbox.common import Clock, iso_z, json_response
from bridge.sandbox.faults import Decision, ServiceGuard
from bridge.sandbox.middleware import GuardMiddleware

INCIDENT_STATUSES = ("investigating", "identified", "monitoring", "resolved")
COMPONENT_STATUSES = ("operational", "under_maintenance", "degraded_performance", "partial_outage", "major_outage")
# The impact an incident takes from its worst component, as Statuspage computes it.
_IMPACT = {"major_outage": "critical", "partial_outage": "major", "degraded_performance": "minor"}
DEFAULT_COMPONENTS = ("API", "Web app", "Payments")
NAME_MAX, BODY_MAX = 255, 25_000


class StatuspageError(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def render_error(decision: Decision) -> Response:
    if decision.status == 429:
        return json_response({"error": "Rate limit exceeded"}, 420, headers={"Retry-After": str(decision.retry_after)})
    if decision.verdict == "drop":
        return Response(b"", status_code=502)
    return Response("<html><body>Service Unavailable</body></html>", status_code=decision.status, media_type="text/html")


class StatuspageState:
    """One page: its components and incidents (ids as Statuspage writes them: 12 lower-case characters)."""

    def __init__(self, *, clock: Clock) -> None:
        self.clock = clock
        self.lock = threading.RLock()
        self.page_id = _new_id()
        self.components: dict[str, dict[str, Any]] = {}
        self.incidents: dict[str, dict[str, Any]] = {}
        for name in DEFAULT_COMPONENTS:
            self.add_component(name)

    def add_component(self, name: str) -> dict[str, Any]:
        now = iso_z(self.clock())
        component = {"id": _new_id(), "page_id": self.page_id, "name": name, "status": "operational",
                     "description": None, "position": len(self.components) + 1, "showcase": True,
                     "group_id": None, "group": False, "only_show_if_degraded": False,
                     "created_at": now, "updated_at": now}
        self.components[component["id"]] = component
        return component

    def incident(self, incident_id: str) -> dict[str, Any]:
        found = self.incidents.get(incident_id)
        if found is None:
            raise StatuspageError(404, "The requested resource could not be found.")
        return found

    def create(self, data: dict[str, Any]) -> dict[str, Any]:
        name = str(data.get("name") or "").strip()
        if not name:
            raise StatuspageError(422, "Name can't be blank")
        if len(name) > NAME_MAX:
            raise StatuspageError(422, f"Name is too long (maximum is {NAME_MAX} characters)")
        status = str(data.get("status") or "investigating")
        metadata = data.get("metadata") or {}
        if not isinstance(metadata, dict) or any(not isinstance(v, dict) for v in metadata.values()):
            raise StatuspageError(422, "Metadata top-level values must be objects")
        now = iso_z(self.clock())
        incident: dict[str, Any] = {
            "id": _new_id(), "page_id": self.page_id, "name": name, "status": status, "impact": "none",
            "impact_override": data.get("impact_override"), "created_at": now, "updated_at": now,
            "started_at": now, "monitoring_at": None, "resolved_at": None,
            "shortlink": f"https://stspg.io/{secrets.token_hex(3)}", "metadata": metadata,
            "incident_updates": [], "components": [], "postmortem_body": None,
        }
        self._apply(incident, status, data)
        self.incidents[incident["id"]] = incident
        return incident

    def update(self, incident_id: str, data: dict[str, Any]) -> dict[str, Any]:
        incident = self.incident(incident_id)
        if "name" in data and str(data["name"] or "").strip():
            incident["name"] = str(data["name"]).strip()[:NAME_MAX]
        if isinstance(data.get("metadata"), dict):
            incident["metadata"] = data["metadata"]
        self._apply(incident, str(data.get("status") or incident["status"]), data)
        return incident

    def _apply(self, incident: dict[str, Any], status: str, data: dict[str, Any]) -> None:
        """A status, message and component changes: an incident update, as Statuspage records one."""
        if status not in INCIDENT_STATUSES:
            raise StatuspageError(422, f"Status {status!r} is not included in the list")
        body = str(data.get("body") or "")
        if len(body) > BODY_MAX:
            raise StatuspageError(422, f"Body is too long (maximum is {BODY_MAX} characters)")
        changes = dict(data.get("components") or {})
        for component_id in data.get("component_ids") or list(changes):
            if component_id not in self.components:
                raise StatuspageError(422, f"Component {component_id} could not be found")
        for component_id, component_status in changes.items():
            if component_id not in self.components:
                raise StatuspageError(422, f"Component {component_id} could not be found")
            if component_status not in COMPONENT_STATUSES:
                raise StatuspageError(422, f"Component status {component_status!r} is not included in the list")
        now = iso_z(self.clock())
        affected = [{"code": cid, "name": self.components[cid]["name"], "old_status": self.components[cid]["status"],
                     "new_status": new} for cid, new in changes.items()]
        for component_id, component_status in changes.items():
            self.components[component_id].update(status=component_status, updated_at=now)
        listed = {c["id"] for c in incident["components"]}
        for component_id in [*(data.get("component_ids") or ()), *changes]:
            if component_id not in listed:
                incident["components"].append(self.components[component_id])
                listed.add(component_id)
        incident["components"] = [self.components[c["id"]] for c in incident["components"]]
        worst = max((c["status"] for c in incident["components"]), key=COMPONENT_STATUSES.index, default="operational")
        incident["impact"] = incident.get("impact_override") or _IMPACT.get(worst, incident["impact"])
        if status != incident["status"] or body or changes or not incident["incident_updates"]:
            incident["incident_updates"].insert(0, {
                "id": _new_id(), "incident_id": incident["id"], "status": status, "body": body,
                "created_at": now, "updated_at": now, "display_at": now, "affected_components": affected,
                "deliver_notifications": bool(data.get("deliver_notifications", True)),
            })
        if status == "monitoring" and incident["monitoring_at"] is None:
            incident["monitoring_at"] = now
        incident["resolved_at"] = now if status == "resolved" else None
        incident["status"] = status
        incident["updated_at"] = now

    def dump(self) -> dict[str, Any]:
        with self.lock:
            return deepcopy({"page_id": self.page_id, "components": self.components, "incidents": self.incidents})

    def load(self, data: dict[str, Any]) -> None:
        with self.lock:
            self.page_id, self.components, self.incidents = data["page_id"], data["components"], data["incidents"]


def _new_id() -> str:
    return "".join(secrets.choice("abcdefghijklmnopqrstuvwxyz0123456789") for _ in range(12))


class StatuspageService:
    def __init__(self, *, clock: Clock, latency_ms: int = 0, rate_limit: int | None = None) -> None:
        self.token = secrets.token_hex(16)  # Statuspage's API keys are 32 hexadecimal characters
        self.clock = clock
        self.guard = ServiceGuard("statuspage", base_latency_ms=latency_ms, default_rate_limit=rate_limit)
        self.state = StatuspageState(clock=clock)
        base = "/v1/pages/{page_id}"
        app = Starlette(routes=[
            *admin_routes(self),
            Route(base + "/incidents", self.incidents, methods=["GET", "POST"]),
            Route(base + "/incidents/unresolved", self.unresolved, methods=["GET"]),
            Route(base + "/incidents/{incident_id}", self.one_incident, methods=["GET", "PATCH", "PUT"]),
            Route(base + "/components", self.components, methods=["GET"]),
        ])
        self.app = GuardMiddleware(app, guard=self.guard, render_error=render_error, rate_headers=lambda _l, _r: {})

    @property
    def page_id(self) -> str:
        return self.state.page_id

    def _check(self, request: Request) -> Response | None:
        header = request.headers.get("authorization", "")
        key = header[6:] if header.startswith("OAuth ") else request.query_params.get("api_key", "")
        if not key or not secrets.compare_digest(key, self.token):
            return json_response({"error": "Could not authenticate"}, 401)
        if request.path_params["page_id"] != self.state.page_id:
            return json_response({"error": "The requested resource could not be found."}, 404)
        return None

    async def _incident_body(self, request: Request) -> dict[str, Any]:
        raw = await request.body()
        if request.headers.get("content-type", "").startswith("application/json"):
            data = json.loads(raw or b"{}")
        else:  # form fields as incident[name]=…
            form = await request.form()
            data = {"incident": {k[len("incident["):-1]: v for k, v in form.items() if k.startswith("incident[")}}
        incident = data.get("incident") if isinstance(data, dict) else None
        if not isinstance(incident, dict):
            raise StatuspageError(400, "incident is missing")
        return incident

    async def _answer(self, request: Request, work: Any) -> Response:
        refused = self._check(request)
        if refused is not None:
            return refused
        try:
            body = await self._incident_body(request) if request.method in ("POST", "PATCH", "PUT") else {}
            with self.state.lock:
                status, result = work(body)
                return json_response(deepcopy(result), status)
        except StatuspageError as exc:
            return json_response({"error": exc.message}, exc.status)
        except ValueError:
            return json_response({"error": "The request body is not valid JSON."}, 400)

    async def incidents(self, request: Request) -> Response:
        if request.method == "POST":
            return await self._answer(request, lambda body: (201, self.state.create(body)))
        newest = lambda: sorted(self.state.incidents.values(), key=lambda i: i["created_at"], reverse=True)  # noqa: E731
        return await self._answer(request, lambda _: (200, newest()))

    async def unresolved(self, request: Request) -> Response:
        return await self._answer(request, lambda _: (200, [
            i for i in sorted(self.state.incidents.values(), key=lambda i: i["created_at"], reverse=True)
            if i["status"] != "resolved"
        ]))

    async def one_incident(self, request: Request) -> Response:
        incident_id = request.path_params["incident_id"]
        if request.method == "GET":
            return await self._answer(request, lambda _: (200, self.state.incident(incident_id)))
        return await self._answer(request, lambda body: (200, self.state.update(incident_id, body)))

    async def components(self, request: Request) -> Response:
        return await self._answer(request, lambda _: (200, list(self.state.components.values())))

    # ---- admin ------------------------------------------------------------------------------
    def reset(self) -> None:
        with self.state.lock:
            self.state.incidents.clear()
            for component in self.state.components.values():
                component["status"] = "operational"

    def dump(self) -> dict[str, Any]:
        return self.state.dump()

    def load(self, data: dict[str, Any]) -> None:
        self.state.load(data)

    def seed(self, data: dict[str, Any]) -> dict[str, Any]:
        """`{"components": ["name", ...]}` -> created ids."""
        with self.state.lock:
            return {"components": [self.state.add_component(str(name))["id"] for name in data.get("components", [])]}

    def deliveries(self) -> list[dict[str, Any]]:
        return []  # the bridge takes no webhooks from Statuspage

    def webhook_targets(self) -> list[dict[str, Any]]:
        return []

    def add_webhook(self, url: str, secret: str) -> None:
        raise NotImplementedError("the Statuspage emulator sends no webhooks")
