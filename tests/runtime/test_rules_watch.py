"""The daemon takes up a changed rules.yaml, and keeps the last good rules when the new file is broken."""

from __future__ import annotations

import logging
import os
from pathlib import Path

import pytest

from bridge.rules import RulesError
from bridge.runtime.rules_watch import RulesHolder

ROOT = Path(__file__).resolve().parents[2]


def write(path: Path, text: str, *, stamp: int) -> None:
    path.write_text(text)
    os.utime(path, (stamp, stamp))  # a distinct mtime, whatever the filesystem's resolution


def test_a_changed_file_comes_into_force_and_a_broken_one_does_not(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    shipped = (ROOT / "rules.yaml").read_text()
    path = tmp_path / "rules.yaml"
    write(path, shipped, stamp=1_000_000)
    holder = RulesHolder(path)
    assert holder.reload_if_changed() is False  # unchanged

    write(path, shipped.replace("warn_at: 75%", "warn_at: 50%"), stamp=1_000_100)
    assert holder.reload_if_changed() is True
    changed = holder.current()

    broken = shipped.replace("tiers:", "tierz:", 1)
    write(path, broken, stamp=1_000_200)
    with caplog.at_level(logging.ERROR):
        assert holder.reload_if_changed() is False
    assert holder.current() is changed  # the last good rules stay in force
    line = next(n for n, text in enumerate(broken.splitlines(), 1) if text.startswith("tierz:"))
    assert any(f"{path}:{line}:1:" in record.getMessage() for record in caplog.records), caplog.text


def test_the_daemon_never_starts_on_a_broken_file(tmp_path: Path) -> None:
    path = tmp_path / "rules.yaml"
    write(path, "version: 1\ntiers: [\n", stamp=1_000_000)
    with pytest.raises(RulesError) as raised:
        RulesHolder(path)
    assert str(raised.value.problems[0]).startswith(f"{path}:")


def test_a_file_yaml_cannot_even_read_keeps_the_last_good_rules(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    """An impossible holiday date, then a save within the same second of the same size: both seen."""
    shipped = (ROOT / "rules.yaml").read_text()
    path = tmp_path / "rules.yaml"
    write(path, shipped, stamp=1_000_000)
    holder = RulesHolder(path)
    good = holder.current()
    broken = shipped.replace("holidays:", "holidays: {dates: [2026-04-31]}\n    x-holidays:", 1)
    write(path, broken, stamp=1_000_100)
    with caplog.at_level(logging.ERROR):
        assert holder.reload_if_changed() is False
    assert holder.current() is good
    assert "'2026-04-31' is not a valid date" in caplog.text
    path.write_text(shipped.replace("warn_at: 75%", "warn_at: 50%"))
    os.utime(path, ns=(1_000_100_000_000_001, 1_000_100_000_000_001))  # one nanosecond later
    assert holder.reload_if_changed() is True
