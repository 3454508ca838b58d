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
        self._rules = load_rules(path)  # the first load must succeed: never start on broken rules
        self._stamp = self._mtime()

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

    def _mtime(self) -> float | None:
        try:
            return self._path.stat().st_mtime
        except OSError:
            return None
