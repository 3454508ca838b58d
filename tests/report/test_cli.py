"""`bridge report` on a store the daemon wrote: the summary, the HTML page and the CSV file."""

from __future__ import annotations

import csv
import os
import subprocess
import sys
from pathlib import Path

import pytest

from bridge.store import open_store

from .helpers import at, history, keep

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    store_url = f"sqlite:///{tmp_path / 'bridge.db'}"
    store = open_store(store_url)
    # Acme's checkout outage: P1, answered in 10 minutes, solved the next day (late), linked to Jira.
    keep(store, *history(1, [(at(28, 9, month=10), "new"), (at(28, 9, 10, month=10), "open"), (at(29, 10, month=10), "solved")],
                         replies=(at(28, 9, 10, month=10),), priority="urgent", tags={"checkout"}))
    store.links.add(1, "SUP-1", now=at(28, 9, 30, month=10))
    # Globex's question: answered and solved within the hour in November.
    keep(store, *history(2, [(at(3, 9), "new"), (at(3, 9, 20), "pending"), (at(3, 10), "solved")],
                         replies=(at(3, 9, 20),), priority="normal", type="question", organization="Globex <b>&</b> Sons",
                         tags={"invoices"}))
    # Initech's report timeout: open, nobody has answered.
    keep(store, *history(3, [(at(5, 9), "new")], priority="high", type="problem", organization="Initech", tags={"reports"}))
    store.close()
    return {k: v for k, v in os.environ.items() if not k.startswith("BRIDGE_")} | {
        "BRIDGE_STORE_URL": store_url, "BRIDGE_RULES": str(ROOT / "rules.yaml"),
    }


def bridge(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "bridge.cli", *args], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=120)


def test_the_report_sums_up_each_month_and_writes_html_and_csv(env: dict[str, str], tmp_path: Path) -> None:
    html, table = tmp_path / "report.html", tmp_path / "report.csv"
    result = bridge(env, "report", "--months", "3", "--to", "2026-11", "--now", "2026-11-20T12:00:00Z",
                    "--html", str(html), "--csv", str(table))
    assert result.returncode == 0, result.stderr
    assert "2026-10" in result.stdout and "2026-11*" in result.stdout  # November is not over: to date
    rows = csv.DictReader(table.open(encoding="utf-8-sig"))  # (a BOM: spreadsheets read accents right)
    figures = {(r["month"], r["section"], r["group"], r["measure"]): r["value"] for r in rows}
    october = [figures[("2026-10", "volume", "all", m)] for m in ("created", "resolved", "escalated", "open_at_end")]
    november = [figures[("2026-11", "volume", "all", m)] for m in ("created", "resolved", "escalated", "open_at_end")]
    assert (october, november) == (["1", "1", "1", "0"], ["2", "1", "0", "1"])
    assert figures[("2026-10", "sla", "response", "met")] == "1"
    assert figures[("2026-10", "sla", "resolution", "late")] == "1"  # P1: 4 working hours, took 9
    assert figures[("2026-10", "sla", "resolution", "median_hours")] == "9.00"
    assert figures[("2026-11", "sla", "response", "missed")] == "1"  # Initech's, due on 5 November 09:30
    assert figures[("2026-11", "sla", "response", "on_time_pct")] == "50.00"
    assert figures[("2026-11", "client", "Globex <b>&</b> Sons", "resolved")] == "1"
    assert figures[("2026-11", "product", "Billing", "created")] == "1"
    assert figures[("2026-10", "product", "Web shop", "resolved")] == "1"
    assert figures[("2026-10", "severity", "P1 Highest", "resolved")] == "1"
    assert figures[("2026-11", "status", "pending", "mean_hours")] == "0.67"  # Globex's 40 minutes
    page = html.read_text(encoding="utf-8")
    assert page.count("<svg") >= 3 and "Globex &lt;b&gt;&amp;&lt;/b&gt; Sons" in page and "Web shop" in page
    # Trends compare whole months: October on September, not November's first weeks on October.
    assert "Created: 1 in 2026-10, up from none on 2026-09" in page and "in 2026-11" not in page


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--to", "November"), "--to 'November': not a month as YYYY-MM"),
        (("--now", "2026-11-20T12:00:00"), "give its offset"),
        (("--months", "0"), "--months"),
    ],
)
def test_bad_options_are_said_plainly(env: dict[str, str], args: tuple[str, ...], message: str) -> None:
    result = bridge(env, "report", *args)
    assert result.returncode != 0 and message in result.stderr and "Traceback" not in result.stderr


def test_broken_rules_are_reported_at_their_line(env: dict[str, str], tmp_path: Path) -> None:
    broken = tmp_path / "broken.yaml"
    broken.write_text((ROOT / "rules.yaml").read_text(encoding="utf-8").replace("products:", "prodcts:"), encoding="utf-8")
    result = bridge(env, "report", "--rules", str(broken))
    assert result.returncode == 1 and f"{broken}:" in result.stderr and "prodcts" in result.stderr


def test_a_store_that_is_not_there_is_said_not_made(env: dict[str, str], tmp_path: Path) -> None:
    result = bridge(env | {"BRIDGE_STORE_URL": f"sqlite:///{tmp_path / 'nowhere.db'}"}, "report")
    assert result.returncode == 1 and "no store at" in result.stderr
    assert not (tmp_path / "nowhere.db").exists()
