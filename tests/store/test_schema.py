"""Replicas starting at once on one PostgreSQL database: each finds the schema made, none fails."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import inspect

from bridge.store.db import make_engine


@pytest.mark.postgres
def test_replicas_starting_at_once_all_get_the_schema(postgres_url: str) -> None:
    ready = threading.Barrier(6)
    failures: list[BaseException] = []

    def start() -> None:
        ready.wait()
        try:
            make_engine(postgres_url).dispose()
        except BaseException as exc:  # noqa: BLE001 - what a replica would die of
            failures.append(exc)

    replicas = [threading.Thread(target=start) for _ in range(6)]
    for replica in replicas:
        replica.start()
    for replica in replicas:
        replica.join(timeout=60)
    assert failures == []
    engine = make_engine(postgres_url)
    assert {"tickets", "timeline", "events", "actions"} <= set(inspect(engine).get_table_names())
    engine.dispose()
