from __future__ import annotations

from pathlib import Path

import pytest

from bridge.rules import Rules, load_rules

from .helpers import SHIPPED

@pytest.fixture(scope="session")
def shipped() -> Rules:
    return load_rules(SHIPPED)


@pytest.fixture
def write_rules(tmp_path: Path):
    """Write a rules file (text) and return its path."""

    def write(text: str, name: str = "rules.yaml") -> Path:
        path = tmp_path / name
        path.write_text(text, encoding="utf-8")
        return path

    return write
