"""examples/: every rules file checks clean, and the Pacific example gives the due times a
West Coast team expects (DST, US federal holidays, its own day off)."""

from __future__ import annotations

import json
import re
import shlex

import pytest
from typer.testing import CliRunner

from bridge.rules import load_rules
from bridge.rules.cli import rules_app

from .helpers import ROOT

EXAMPLES = ROOT / "examples"
runner = CliRunner()


@pytest.mark.parametrize("path", sorted(EXAMPLES.glob("*.yaml")), ids=lambda p: p.name)
def test_example_rules_check_clean(path) -> None:
    load_rules(path)


def documented_commands() -> list[str]:
    """The `bridge rules …` commands written in the examples' README and rules files."""
    texts = [(EXAMPLES / "README.md").read_text(encoding="utf-8")]
    texts += [path.read_text(encoding="utf-8") for path in sorted(EXAMPLES.glob("*.yaml"))]
    return [m[1] for text in texts for m in re.finditer(r"^[#\s]*bridge (rules .+)$", text, re.MULTILINE)]


@pytest.mark.parametrize("command", documented_commands())
def test_the_documented_commands_work(command: str, monkeypatch) -> None:
    monkeypatch.chdir(ROOT)  # they are written for the project's root
    result = runner.invoke(rules_app, shlex.split(command)[1:])
    assert result.exit_code == 0, result.output


def test_the_commands_are_found() -> None:
    assert len(documented_commands()) >= 4


def explain(ticket: str, now: str) -> dict:
    result = runner.invoke(
        rules_app,
        ["explain", "--rules", str(EXAMPLES / "pacific.yaml"), "--ticket", str(EXAMPLES / "tickets" / ticket),
         "--now", now, "--json"],
    )
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def test_friday_afternoon_outage_rolls_over_the_dst_weekend() -> None:
    # Created Fri 6 Mar 2026 15:30 PST; DST starts Sun 8 Mar; 1 working day = 9 hours.
    out = explain("outage.json", "2026-03-09T17:00:00Z")
    assert out["priority"] == "P1"  # raised by the data-loss rule over the sev2 field
    assert out["due"] == {
        "response": "2026-03-06T23:45:00Z",
        "review": "2026-03-07T00:30:00Z",
        "resolution": "2026-03-09T22:30:00Z",  # Mon 15:30 PDT
    }
    assert out["rules"] == ["data-loss"]
    assert out["escalate"]["reason"] == "Response SLA breached at tier 3"


def test_question_before_thanksgiving_skips_the_holiday() -> None:
    out = explain("question.json", "2026-11-27T16:00:00Z")
    assert out["due"] == {
        "response": "2026-11-27T18:00:00Z",  # Wed 15:00 PST + 2h, Thanksgiving, Fri 08:00 + 2h
        "review": "2026-11-30T23:00:00Z",
        "resolution": None,
    }
    assert out["escalate"] is None


def test_company_day_off_is_skipped(tmp_path) -> None:
    ticket = json.loads((EXAMPLES / "tickets" / "question.json").read_text())
    ticket["created_at"] = ticket["updated_at"] = "2026-12-23T23:00:00Z"  # Wed 15:00 PST
    path = tmp_path / "t.json"
    path.write_text(json.dumps(ticket))
    result = runner.invoke(rules_app, ["explain", "--rules", str(EXAMPLES / "pacific.yaml"), "--ticket", str(path),
                                       "--now", "2026-12-23T23:00:00Z", "--json"])
    # 24 Dec is the company's day off, 25 Dec a federal holiday: Mon 28 Dec 10:00 PST.
    assert json.loads(result.output)["due"]["response"] == "2026-12-28T18:00:00Z"
