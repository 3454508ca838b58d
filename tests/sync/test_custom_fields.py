"""Whether the rules read custom fields decides if a webhook's description of a ticket is enough."""

from __future__ import annotations

from pathlib import Path

from bridge.rules import load_rules
from bridge.sync.custom_fields import rules_read_custom_fields

ROOT = Path(__file__).resolve().parents[2]


def test_the_shipped_rules_read_no_custom_field_and_the_pacific_example_does() -> None:
    assert rules_read_custom_fields(load_rules(ROOT / "rules.yaml")) is False
    assert rules_read_custom_fields(load_rules(ROOT / "examples" / "pacific.yaml")) is True


def test_a_custom_field_deep_in_a_routing_condition_counts(tmp_path: Path) -> None:
    text = (ROOT / "rules.yaml").read_text()
    assert "\nrouting:\n" in text
    nested = text.replace(
        "\nrouting:\n",
        "\nrouting:\n  - name: billing product\n    when: {any: [{tags_any: [x]}, {not: {fields: {'360': [billing]}}}]}\n"
        "    then: {add_tags: [billing]}\n",
        1,
    )
    path = tmp_path / "rules.yaml"
    path.write_text(nested)
    assert rules_read_custom_fields(load_rules(path)) is True
