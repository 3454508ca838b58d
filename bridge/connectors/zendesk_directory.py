"""Zendesk's people, organisations and groups as the bridge last saw them, by id.

A webhook names a ticket's requester, organisation and group by id only; the rules need
their e-mail and names. Every side-load the bridge reads anyway (the export, a ticket read,
a comments read) fills this, so a read just for a name is rare. Entries are kept for a
while only: a renamed organisation is seen again within that time.
"""

from __future__ import annotations

import threading
import time
from typing import Any, Callable, Iterable, Mapping

KINDS = ("users", "organizations", "groups")


class Directory:
    def __init__(self, *, ttl_seconds: float = 600, clock: Callable[[], float] = time.monotonic) -> None:
        self._ttl = ttl_seconds
        self._clock = clock
        self._lock = threading.Lock()  # workers share one connector
        self._known: dict[str, dict[int, tuple[float, Mapping[str, Any]]]] = {kind: {} for kind in KINDS}

    def remember(self, kind: str, records: Iterable[Mapping[str, Any]]) -> None:
        expires = self._clock() + self._ttl
        with self._lock:
            known = self._known[kind]
            for record in records:
                if isinstance(record, Mapping) and isinstance(record.get("id"), int):
                    known[record["id"]] = (expires, record)

    def get(self, kind: str, record_id: Any) -> Mapping[str, Any] | None:
        if not isinstance(record_id, int):
            return None
        with self._lock:
            entry = self._known[kind].get(record_id)
        if entry is None or entry[0] < self._clock():
            return None
        return entry[1]
