"""`bridge rules check|explain` and `bridge schema` as a user runs them."""

from __future__ import annotations

import json
import os

import jsonschema
import pytest
import yaml
from typer.testing import CliRunner

from bridge.rules.cli import rules_app, rules_json_schema

from .helpers import DATA, SHIPPED

runner = CliRunner()


def test_check_ok_prints_one_line_summary() -> None:
    result = runner.invoke(rules_app, ["check", str(SHIPPED)])
    assert result.exit_code == 0, result.output
    assert result.output.count("\n") == 1
    assert "OK" in result.output


def test_check_uses_env_default(monkeypatch) -> None:
    monkeypatch.setenv("BRIDGE_RULES", str(SHIPPED))
    assert runner.invoke(rules_app, ["check"]).exit_code == 0


def test_check_broken_file_exits_1_with_positions(write_rules) -> None:
    path = write_rules("tiers: {1: {nme: x}}\n")
    result = runner.invoke(rules_app, ["check", str(path)])
    assert result.exit_code == 1
    assert f"{path}:1:13: unknown key 'nme'; did you mean 'name'?" in result.output
    assert "Traceback" not in result.output


def test_check_missing_file(tmp_path) -> None:
    result = runner.invoke(rules_app, ["check", str(tmp_path / "x.yaml")])
    assert result.exit_code == 1
    assert "file not found" in result.output


def test_check_named_pipe_with_no_writer_answers_at_once(tmp_path) -> None:
    # Opening a FIFO waits for a writer; `rules check` must not hang on one (the test run's
    # timeout is the deadline: a hang fails it).
    fifo = tmp_path / "rules.yaml"
    os.mkfifo(fifo)
    result = runner.invoke(rules_app, ["check", str(fifo)])
    assert result.exit_code == 1
    assert f"{fifo}:1:1: the rules file is empty (or only comments)" in result.output


def test_check_a_directory(tmp_path) -> None:
    result = runner.invoke(rules_app, ["check", str(tmp_path)])
    assert result.exit_code == 1
    assert result.output.strip() == f"{tmp_path}: cannot read: Is a directory"


def test_explain_json() -> None:
    result = runner.invoke(
        rules_app,
        ["explain", "--ticket", str(DATA / "ticket_tier4.json"), "--rules", str(SHIPPED),
         "--now", "2026-11-23T09:00:00Z", "--json"],
    )
    assert result.exit_code == 0, result.output
    out = json.loads(result.output)
    assert out["tier"] == 4
    assert out["priority"] == "P1"
    assert out["type"] == "Technical Support"
    assert out["sla_policy"] == "technical-p1"
    # Created Friday 15:00 GMT: 4 working hours = 1 h on Friday + 3 h on Monday.
    assert out["due"] == {
        "response": "2026-11-20T15:30:00Z",
        "review": "2026-11-20T16:00:00Z",
        "resolution": "2026-11-23T11:00:00Z",
    }
    assert out["escalate"]["to"] == "jira"
    assert out["rules"] == ["developers"]
    assert any("tier4" in reason for reason in out["reasons"])


def test_explain_table() -> None:
    result = runner.invoke(
        rules_app, ["explain", "--ticket", str(DATA / "ticket_tier4.json"), "--rules", str(SHIPPED),
                    "--now", "2026-11-23T09:00:00Z"],
    )
    assert result.exit_code == 0, result.output
    assert "technical-p1" in result.output
    assert "2026-11-23T11:00:00Z" in result.output


def test_explain_bad_ticket_file(tmp_path) -> None:
    bad = tmp_path / "t.json"
    bad.write_text("{not json")
    result = runner.invoke(rules_app, ["explain", "--ticket", str(bad), "--rules", str(SHIPPED)])
    assert result.exit_code == 1
    assert "Traceback" not in result.output


def test_schema_describes_rules_yaml() -> None:
    schema = rules_json_schema()
    assert {"tiers", "calendars", "sla", "routing", "escalation"} <= set(schema["properties"])
    assert schema["additionalProperties"] is False
    json.dumps(schema)


def test_problems_are_listed_in_file_order(write_rules) -> None:
    text = (SHIPPED.read_text().replace("    timezone: GMT ", "    timezon: GMT ", 1)
            .replace('      mon-fri: ["08:00-16:00"]\n', "      mon-fri: [8:00-16:00]\n", 1))
    result = runner.invoke(rules_app, ["check", str(write_rules(text))])
    assert result.exit_code == 1
    lines = result.output.strip().splitlines()
    assert len(lines) == 2
    positions = [tuple(int(n) for n in line.split(":")[1:3]) for line in lines]
    assert positions == sorted(positions)
    assert "did you mean 'timezone'" in lines[0]


def test_schema_command_prints_json(capsys) -> None:
    from bridge.rules.cli import schema_command

    schema_command()
    printed = json.loads(capsys.readouterr().out)
    assert printed["title"] == "rules.yaml"
    assert "calendars" in printed["properties"]


def test_explain_rejects_a_bad_now() -> None:
    result = runner.invoke(
        rules_app, ["explain", "--ticket", str(DATA / "ticket_tier4.json"), "--rules", str(SHIPPED), "--now", "monday"]
    )
    assert result.exit_code == 1
    assert "not an ISO 8601 time" in result.output
    assert "Traceback" not in result.output


def test_explain_with_broken_rules_lists_the_problems(write_rules) -> None:
    path = write_rules("tiers: {1: {nme: x}}\n")
    result = runner.invoke(rules_app, ["explain", "--ticket", str(DATA / "ticket_tier4.json"), "--rules", str(path)])
    assert result.exit_code == 1
    assert "did you mean 'name'" in result.output


@pytest.mark.parametrize("path", [SHIPPED, SHIPPED.parent / "examples" / "pacific.yaml"])
def test_shipped_files_pass_the_schema_editors_use(path) -> None:
    """What an editor shows with `bridge schema` hooked in: no false alarms on our own files,
    and a misspelt section flagged."""
    validator = jsonschema.Draft202012Validator(rules_json_schema())
    # (an editor's YAML 1.2 reads 2026-12-24 as text, PyYAML as a date: as text here too)
    data = json.loads(json.dumps(yaml.safe_load(path.read_text(encoding="utf-8")), default=str))
    assert [error.message for error in validator.iter_errors(data)] == []
    data["tierz"] = data.pop("tiers")
    assert any("tierz" in error.message for error in validator.iter_errors(data))
    data["tiers"] = {"four": data["tierz"][next(iter(data["tierz"]))]}
    calendar = next(iter(data["calendars"].values()))
    calendar["hours"]["monday"] = "08:00-12:00"
    flagged = " ".join(error.message for error in validator.iter_errors(data))
    assert "'four' does not match" in flagged and "'monday' does not match" in flagged
    data["escalation"]["issue_type"] = " "
    data["routing"][0]["when"]["tags_any"] = ["x", ""]
    flagged = " ".join(error.message for error in validator.iter_errors(data))
    assert "' ' does not match" in flagged and "['x', ''] is not valid" in flagged
