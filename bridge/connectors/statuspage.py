"""Statuspage (api.statuspage.io, REST API v1): the incident the bridge keeps for a possible
system-wide issue. The only code that knows this API.

No client library is kept up for it, so this speaks HTTP with httpx. An incident the bridge
opens carries a digest of its action's key in `metadata`, so a retried attempt finds one an interrupted
attempt opened instead of opening a second.
"""

from __future__ import annotations

import hashlib
import ssl
from pathlib import Path
from typing import Any

import httpx

from bridge.connectors.errors import ApiError, NotFound, RetriableError, from_status, retry_after_seconds

SERVICE = "statuspage"
METADATA_KEY = "escalation_bridge"  # (Statuspage wants every top-level metadata value to be an object)


class StatuspageConnector:
    def __init__(self, *, url: str, token: str, page_id: str, ca_bundle: Path | None = None, timeout: float = 15) -> None:
        verify: ssl.SSLContext | bool = True
        if ca_bundle is not None:
            verify = ssl.create_default_context()
            verify.load_verify_locations(cafile=str(ca_bundle))
        self.page_id = page_id
        self._http = httpx.Client(
            base_url=f"{url.rstrip('/')}/pages/{page_id}",
            headers={"Authorization": f"OAuth {token}", "Accept": "application/json"},
            timeout=timeout,
            verify=verify,
        )

    def open_incident(
        self, *, name: str, status: str, body: str, components: dict[str, str], notify: bool, action_key: str
    ) -> str:
        """A new incident (published on the page); its id."""
        incident = self._call("POST", "/incidents", {"incident": {
            "name": name, "status": status, "body": body, "component_ids": list(components),
            "components": components, "deliver_notifications": notify,
            "metadata": {METADATA_KEY: {"action": _digest(action_key)}},
        }})
        return str(incident["id"])

    def find_incident(self, action_key: str) -> str | None:
        """The unresolved incident opened for `action_key`, if an earlier attempt opened it."""
        for incident in self._call("GET", "/incidents/unresolved"):
            if ((incident.get("metadata") or {}).get(METADATA_KEY) or {}).get("action") == _digest(action_key):
                return str(incident["id"])
        return None

    def incident_status(self, incident_id: str) -> str:
        return str(self._call("GET", f"/incidents/{incident_id}")["status"])

    def update_incident(self, incident_id: str, *, status: str, body: str, components: dict[str, str], notify: bool) -> None:
        self._call("PATCH", f"/incidents/{incident_id}", {"incident": {
            "status": status, "body": body, "components": components, "deliver_notifications": notify,
        }})

    def component_ids(self) -> set[str]:
        return {str(c["id"]) for c in self._call("GET", "/components")}

    def close(self) -> None:
        self._http.close()

    def _call(self, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        try:
            response = self._http.request(method, path, json=body)
        except httpx.TimeoutException as exc:
            raise RetriableError(SERVICE, f"timed out: {type(exc).__name__}") from exc
        except httpx.TransportError as exc:
            raise RetriableError(SERVICE, f"unreachable: {type(exc).__name__}") from exc
        if response.status_code == 420:  # Statuspage's rate limit, beside 429
            raise RetriableError(SERVICE, "rate limited", status=420, retry_after=retry_after_seconds(response.headers))
        if response.is_success:
            try:
                return response.json()
            except ValueError:
                raise RetriableError(SERVICE, "answered with no JSON (a proxy's page?)", status=response.status_code) from None
        raise _error(response)


def _digest(action_key: str) -> str:
    """What the incident's metadata holds of its action's key: the key names the Jira issue,
    which page admins and integrations reading the metadata need not see."""
    return hashlib.sha256(action_key.encode()).hexdigest()[:24]


def _error(response: httpx.Response) -> ApiError:
    try:
        said = response.json().get("error")
    except (ValueError, AttributeError):
        said = None
    text = str(said or response.text[:300] or "no response body")
    if response.status_code == 404 and said:
        return NotFound(SERVICE, text, status=404)  # its own answer: no such page or incident
    return from_status(SERVICE, response.status_code, text, headers=response.headers)
