"""The Statuspage emulator answers as api.statuspage.io's REST API v1 does, over plain HTTP."""

from __future__ import annotations

import httpx
import pytest

from bridge.sandbox import Sandbox


@pytest.fixture
def page(info: dict) -> httpx.Client:
    with httpx.Client(base_url=f"{info['statuspage']['url']}/pages/{info['statuspage']['page_id']}",
                      headers={"Authorization": f"OAuth {info['statuspage']['token']}"}) as client:
        yield client


def test_an_incident_is_opened_updated_and_resolved_with_its_components(page: httpx.Client, info: dict) -> None:
    api = info["statuspage"]["components"]["API"]
    created = page.post("/incidents", json={"incident": {
        "name": "Checkout errors", "status": "investigating", "body": "We are looking into it.",
        "component_ids": [api], "components": {api: "partial_outage"}, "metadata": {"bridge": {"action": "k1"}},
    }})
    assert created.status_code == 201
    incident = created.json()
    assert (incident["status"], incident["impact"], incident["metadata"]) == ("investigating", "major", {"bridge": {"action": "k1"}})
    assert [c["status"] for c in incident["components"]] == ["partial_outage"]
    assert [u["body"] for u in incident["incident_updates"]] == ["We are looking into it."]
    assert [i["id"] for i in page.get("/incidents/unresolved").json()] == [incident["id"]]
    resolved = page.patch(f"/incidents/{incident['id']}", json={"incident": {
        "status": "resolved", "body": "Fixed.", "components": {api: "operational"}}}).json()
    assert resolved["status"] == "resolved" and resolved["resolved_at"]
    assert [u["status"] for u in resolved["incident_updates"]] == ["resolved", "investigating"]  # newest first
    assert {c["id"]: c["status"] for c in page.get("/components").json()}[api] == "operational"
    assert page.get("/incidents/unresolved").json() == []
    assert page.get(f"/incidents/{incident['id']}").json()["status"] == "resolved"


@pytest.mark.parametrize("incident, message", [
    ({"status": "investigating"}, "Name can't be blank"),
    ({"name": "x", "status": "exploding"}, "is not included in the list"),
    ({"name": "x", "component_ids": ["nope"]}, "Component nope could not be found"),
    ({"name": "x", "metadata": {"bridge": "flat"}}, "top-level values must be objects"),
])
def test_a_bad_incident_is_refused_with_422(page: httpx.Client, incident: dict, message: str) -> None:
    response = page.post("/incidents", json={"incident": incident})
    assert response.status_code == 422 and message in response.json()["error"]


def test_a_wrong_key_another_page_or_an_unknown_incident_is_refused(info: dict, page: httpx.Client) -> None:
    url = info["statuspage"]["url"]
    wrong = httpx.get(f"{url}/pages/{info['statuspage']['page_id']}/incidents", headers={"Authorization": "OAuth nope"})
    assert wrong.status_code == 401
    other = httpx.get(f"{url}/pages/abc/incidents", headers={"Authorization": f"OAuth {info['statuspage']['token']}"})
    assert other.status_code == 404
    assert page.get("/incidents/zzzzzzzzzzzz").status_code == 404


def test_the_rate_limit_answers_420_with_retry_after(sandbox: Sandbox, page: httpx.Client) -> None:
    sandbox.faults("statuspage", ratelimit_rate=1.0, retry_after=3)
    limited = page.get("/incidents")
    assert limited.status_code == 420 and limited.headers["Retry-After"] == "3"


def test_the_state_survives_a_save_and_load(sandbox: Sandbox, page: httpx.Client, tmp_path) -> None:  # type: ignore[no-untyped-def]
    page.post("/incidents", json={"incident": {"name": "Kept"}})
    saved = sandbox.snapshot()["statuspage"]
    sandbox.reset("statuspage")
    assert page.get("/incidents").json() == []
    sandbox.statuspage.load(saved)
    assert [i["name"] for i in page.get("/incidents").json()] == ["Kept"]
