"""The daemon's HTTP face: health, readiness, metrics, and the routers it is given (webhooks)."""

from __future__ import annotations

from typing import Callable

from fastapi import APIRouter, FastAPI, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from sqlalchemy import text

from bridge.runtime.metrics import Metrics
from bridge.store import Store, store_unavailable


def create_app(
    *, store: Store, metrics: Metrics, ready: Callable[[], bool], routers: tuple[APIRouter, ...] = ()
) -> FastAPI:
    app = FastAPI(title="escalation bridge", docs_url=None, redoc_url=None, openapi_url=None)
    for router in routers:
        app.include_router(router)

    @app.get("/healthz")
    def healthz() -> dict[str, str]:
        """The process is up and serving."""
        return {"status": "ok"}

    @app.get("/readyz")
    def readyz(response: Response) -> dict[str, str]:
        """Ready to take work: the store answers and the daemon has started its workers."""
        try:
            with store.engine.connect() as conn:
                conn.execute(text("SELECT 1"))
        except Exception as exc:  # noqa: BLE001 — readiness reports, it does not raise
            response.status_code = 503
            return {"status": "store unavailable", "error": type(exc).__name__}
        if not ready():
            response.status_code = 503
            return {"status": "starting"}
        return {"status": "ready"}

    @app.get("/metrics")
    def metrics_endpoint() -> Response:
        """The daemon's own counters always; the store's counts while it answers (Prometheus
        would otherwise lose every figure in an outage, which is when they matter)."""
        try:
            counts = store.actions.counts()
        except Exception as error:  # noqa: BLE001 — only an outage is the store's to report here
            if not store_unavailable(error):
                raise
            metrics.store_up.set(0)
        else:
            metrics.store_up.set(1)
            for status, count in counts.items():
                metrics.actions.labels(status=status).set(count)
        return Response(generate_latest(metrics.registry), media_type=CONTENT_TYPE_LATEST)

    return app
