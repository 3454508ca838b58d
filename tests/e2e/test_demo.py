"""`make demo` keeps working: the scripted day converges with nothing left over."""

from __future__ import annotations

import os
import re
import subprocess
import sys

import pytest

from bridge.compiled import PURE_ENV
from tests.e2e.harness import ROOT

pytestmark = pytest.mark.e2e


def test_the_scripted_day_converges() -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("BRIDGE_") or k == PURE_ENV}
    result = subprocess.run(
        [sys.executable, "-m", "bridge.cli", "demo", "--once", "--speed", "240", "--timeout", "120"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=240,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert "#1 → SUP-1" in result.stdout and "#6 → SUP-1" in result.stdout  # an escalation, another customer's ticket attached
    assert "#5 → #1" in result.stdout  # a colleague's duplicate merged into the first ticket
    assert re.search(r"dead letters\s*│\s*0\s*│", result.stdout), result.stdout[-2000:]
    assert re.search(r"actions done: copy_file\s*│\s*1\s*│", result.stdout)  # the gateway log, on the issue as a file
    # The developer's fix notes, on both tickets of the issue (#1 and the other customer's #6).
    assert re.search(r"file_to_ticket\s*│\s*2\s*│", result.stdout)
    # The month's report from the demo's store: six tickets created, the HTML page written.
    report = re.search(r"this month so far\s*│\s*(\d+) created, (\d+) solved, (\d+) to Jira.*?(/\S*report\.html)", result.stdout, re.S)
    assert report is not None, result.stdout[-2000:]
    assert report.group(1) == "6" and int(report.group(3)) >= 2
