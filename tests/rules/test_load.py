"""Loading rules files: every problem reported as path:line:col: message."""

from __future__ import annotations

from pathlib import Path

import pytest

from bridge.rules import RulesError, load_rules

from .helpers import SHIPPED

MINIMAL = """\
defaults: {type: Query, priority: P3}
tiers:
  1: {name: Help desk}
  4: {name: Development, tags: [tier4]}
calendars:
  office:
    timezone: Europe/London
    hours: {mon-fri: ["09:00-17:00"]}
priorities:
  P1: {label: Highest, zendesk: urgent, jira: Highest}
  P3: {label: Medium, zendesk: normal, jira: Medium}
types:
  Query: {zendesk: [question]}
"""


def problems(write_rules, text: str) -> list[str]:
    with pytest.raises(RulesError) as caught:
        load_rules(write_rules(text))
    return [str(problem) for problem in caught.value.problems]


def test_shipped_rules_load(shipped) -> None:
    assert 4 in shipped.tiers


def test_minimal_file_loads(write_rules) -> None:
    rules = load_rules(write_rules(MINIMAL))
    assert rules.defaults.type == "Query"


def test_missing_file(tmp_path: Path) -> None:
    path = tmp_path / "nope.yaml"
    with pytest.raises(RulesError) as caught:
        load_rules(path)
    assert [str(p) for p in caught.value.problems] == [f"{path}: file not found"]


def test_unknown_key_with_did_you_mean_at_key_position(write_rules) -> None:
    text = MINIMAL.replace("    timezone: Europe/London", "    timezone: Europe/London\n    holliday: {}")
    path = str(write_rules(text))
    assert problems(write_rules, text) == [f"{path}:8:5: unknown key 'holliday'; did you mean 'holidays'?"]


def test_wrong_type_points_at_value(write_rules) -> None:
    text = MINIMAL.replace("1: {name: Help desk}", "1: {name: Help desk, tags: {a: 1}}")
    (only,) = problems(write_rules, text)
    assert only.split(":")[1:3] == ["3", "30"]
    assert "tiers.1.tags" in only


def test_yaml_syntax_error_has_position(write_rules) -> None:
    (only,) = problems(write_rules, MINIMAL + "routing: [\n")
    assert ":" in only and "YAML syntax error" in only


def test_every_problem_is_reported_not_only_the_first(write_rules) -> None:
    text = MINIMAL.replace("label: Highest", "lable: Highest").replace("zendesk: [question]", "zendesk: [question], tgs: [q]")
    found = problems(write_rules, text)
    assert len(found) == 2  # unknown lable (its "missing label" is folded in), unknown tgs
    assert any("did you mean 'label'" in p for p in found)
    assert any("did you mean 'tags'" in p for p in found)


def test_unknown_references(write_rules) -> None:
    text = MINIMAL.replace("priority: P3}", "priority: P2}", 1) + """\
sla:
  policies:
    - name: q
      calendar: ofice
      targets: {response: 30m}
"""
    found = problems(write_rules, text)
    assert any(":1:" in p and "unknown priority 'P2'" in p for p in found)
    assert any("unknown calendar 'ofice'; did you mean 'office'?" in p for p in found)


def test_shipped_file_is_the_default_reference() -> None:
    assert SHIPPED.exists()


def test_a_copy_of_the_rules_with_changes_is_judged_by_the_changes() -> None:
    from datetime import datetime, timezone

    from bridge.model import Ticket
    from bridge.rules import evaluate

    rules = load_rules(SHIPPED)
    now = datetime(2026, 11, 23, 10, tzinfo=timezone.utc)
    ticket = Ticket(id=1, subject="s", description="d", status="open", priority="urgent", type="incident",
                    tags=frozenset(), created_at=now, updated_at=now)
    assert evaluate(ticket, rules, now=now).priority == "P1"  # compiled, and the engine kept on these rules
    p1, p2 = rules.priorities["P1"], rules.priorities["P2"]
    swapped = rules.model_copy(update={"priorities": {
        **rules.priorities, "P1": p1.model_copy(update={"zendesk": p2.zendesk}), "P2": p2.model_copy(update={"zendesk": p1.zendesk}),
    }})
    assert evaluate(ticket, swapped, now=now).priority == "P2"
