"""Health, readiness and metrics, as an orchestrator and Prometheus see them."""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy import create_engine

from bridge.runtime.app import create_app
from bridge.runtime.metrics import Metrics
from bridge.store import Store, open_store


def test_health_readiness_and_metrics(tmp_path: Path) -> None:
    store = open_store(f"sqlite:///{tmp_path / 'bridge.db'}")
    started = {"yes": False}
    metrics = Metrics()
    client = TestClient(create_app(store=store, metrics=metrics, ready=lambda: started["yes"]))

    assert client.get("/healthz").json() == {"status": "ok"}
    starting = client.get("/readyz")
    assert starting.status_code == 503 and starting.json()["status"] == "starting"
    started["yes"] = True
    assert client.get("/readyz").status_code == 200

    metrics.webhooks.labels(source="zendesk", outcome="401").inc()
    text = client.get("/metrics").text
    assert 'bridge_webhooks_total{outcome="401",source="zendesk"} 1.0' in text
    assert "bridge_store_up 1.0" in text


def test_not_ready_when_the_store_does_not_answer() -> None:
    unreachable = Store(create_engine("postgresql+psycopg://nobody@127.0.0.1:1/none", connect_args={"connect_timeout": 1}))
    client = TestClient(create_app(store=unreachable, metrics=Metrics(), ready=lambda: True))
    response = client.get("/readyz")
    assert response.status_code == 503 and response.json()["status"] == "store unavailable"
    assert client.get("/healthz").status_code == 200  # alive, just not ready
    metrics = client.get("/metrics")  # still scraped: the outage is when its figures matter
    assert metrics.status_code == 200 and "bridge_store_up 0.0" in metrics.text
