"""The admin hears at start and at each change of rules.yaml of groups the rules move
tickets to that Zendesk does not have, not from the history of the first ticket routed there."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from bridge.rules import Rules, load_rules
from bridge.runtime.group_check import check_groups
from bridge.sandbox import Sandbox
from tests.connectors.conftest import sandbox, zendesk  # noqa: F401 - the emulators, per module

ROOT = Path(__file__).resolve().parents[2]


def _with_tier_group(rules: Rules, tier: int, group: str) -> Rules:
    return rules.model_copy(update={"tiers": {**rules.tiers, tier: rules.tiers[tier].model_copy(update={"group": group})}})


def test_the_shipped_rules_name_only_groups_the_sandbox_has(sandbox: Sandbox, caplog: pytest.LogCaptureFixture) -> None:
    rules = load_rules(ROOT / "rules.yaml")
    assert len(rules.groups_moved_to()) >= 3
    with caplog.at_level(logging.WARNING):
        assert check_groups(rules, zendesk(sandbox)) == []
    assert caplog.records == []


def test_a_group_zendesk_lacks_is_named_until_it_is_created(sandbox: Sandbox, caplog: pytest.LogCaptureFixture) -> None:
    rules = _with_tier_group(load_rules(ROOT / "rules.yaml"), 3, "Tier 3 Night Shift")
    connector = zendesk(sandbox)
    with caplog.at_level(logging.WARNING):
        assert check_groups(rules, connector) == ["Tier 3 Night Shift"]
    assert "Zendesk groups that do not exist: 'Tier 3 Night Shift'" in caplog.text

    with sandbox.zendesk.state.lock:
        sandbox.zendesk.state.directory.create_group({"name": "tier 3 night shift"})  # in another case: the same
    assert check_groups(rules, connector) == []


def test_zendesk_not_answering_leaves_the_check_for_later(sandbox: Sandbox, caplog: pytest.LogCaptureFixture) -> None:
    rules = _with_tier_group(load_rules(ROOT / "rules.yaml"), 2, "Tier 2 Weekend")
    sandbox.faults("zendesk", error_rate=1.0, error_status=503)
    try:
        with caplog.at_level(logging.INFO):
            assert check_groups(rules, zendesk(sandbox)) == []
    finally:
        sandbox.clear_faults("zendesk")
    assert "could not check the groups rules.yaml names" in caplog.text
