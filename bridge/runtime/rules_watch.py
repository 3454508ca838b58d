"""Keeps the rules in force: reloads rules.yaml when it changes, keeps the last good one if it breaks."""

from __future__ import annotations

import logging
import threading
from pathlib import Path

from bridge.rules import Rules, RulesError, load_rules

log = logging.getLogger(__name__)


class RulesHolder:
    def __init__(self, path: Path) -> None:
        self._path = path
        self._lock = threading.Lock()
        self._stamp = self._mtime()  # before reading: an edit made while it is read is seen next time
        self._rules = load_rules(path)  # the first load must succeed: never start on broken rules

    def current(self) -> Rules:
        with self._lock:
            return self._rules

    def reload_if_changed(self) -> bool:
        """Returns True when new rules came into force."""
        stamp = self._mtime()
        if stamp == self._stamp:
            return False
        self._stamp = stamp
        try:
            rules = load_rules(self._path)
        except RulesError as exc:
            for problem in exc.problems:
                log.error("rules not reloaded: %s", problem)
            return False
        with self._lock:
            self._rules = rules
        log.info("rules reloaded from %s", self._path)
        return True

    def _mtime(self) -> tuple[int, int] | None:
        # Nanoseconds and size: two saves within one coarse timestamp tick still differ.
        try:
            status = self._path.stat()
        except OSError:
            return None
        return status.st_mtime_ns, status.st_size
