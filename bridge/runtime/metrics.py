"""Prometheus metrics, one registry per daemon (no module globals)."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.webhooks = Counter(
            "bridge_webhooks_total", "Webhook deliveries by source and outcome", ["source", "outcome"], registry=self.registry
        )
        self.events_new = Counter(
            "bridge_events_new_total", "New events stored in the inbox by source", ["source"], registry=self.registry
        )
        self.actions = Gauge(
            "bridge_actions", "Actions in the store by status", ["status"], registry=self.registry
        )
        self.store_up = Gauge(
            "bridge_store_up", "1 if the store answered when these metrics were read, else 0", registry=self.registry
        )
        self.polls = Counter("bridge_polls_total", "Poll cycles by source and outcome", ["source", "outcome"], registry=self.registry)
