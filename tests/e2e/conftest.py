"""Fixtures for end-to-end tests."""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Iterator

import pytest

from tests.e2e.harness import Running, start_daemon
from tests.e2e.inprocess import Bridge, start_bridge, stop_bridge


@pytest.fixture
def bridge(tmp_path: Path) -> Iterator[Bridge]:
    """The daemon in this process, on its own emulators (tests/e2e/inprocess.py)."""
    running = start_bridge(tmp_path)
    yield running
    stop_bridge(running)


@pytest.fixture
def daemon(tmp_path: Path) -> Iterator[Running]:
    running = start_daemon(tmp_path)
    yield running
    running.process.terminate()
    try:
        running.process.wait(15)
    except subprocess.TimeoutExpired:
        running.process.kill()
