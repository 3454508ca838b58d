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
PRUNE_EVERY = 1_000  # calls to `remember`


class Directory:
    def __init__(self, *, ttl_seconds: float = 3600, clock: Callable[[], float] = time.monotonic) -> None:
        self._ttl = ttl_seconds
        self._clock = clock
        self._lock = threading.Lock()  # workers share one connector
        self._known: dict[str, dict[int, tuple[float, Mapping[str, Any]]]] = {kind: {} for kind in KINDS}
        self._remembered = 0

    def remember(self, kind: str, records: Iterable[Mapping[str, Any]]) -> None:
        now = self._clock()
        expires = now + self._ttl
        with self._lock:
            known = self._known[kind]
            self._remembered += 1
            if self._remembered % PRUNE_EVERY == 0:  # forget what has expired: the directory must not grow for ever
                for record_id in [i for i, (until, _) in known.items() if until < now]:
                    del known[record_id]
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
