"""The admin hears at start and at each change of rules.yaml of status page components the
rules name that the page does not have: no incident could be opened with them."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from bridge.rules import Rules, load_rules
from bridge.runtime.page_check import check_components
from bridge.sandbox import Sandbox
from tests.connectors.conftest import sandbox  # noqa: F401 - the emulators, per module
from tests.connectors.test_statuspage import statuspage

ROOT = Path(__file__).resolve().parents[2]


def _naming(*components: str) -> Rules:
    rules = load_rules(ROOT / "rules.yaml")
    return rules.model_copy(update={"status_page": rules.status_page.model_copy(update={"components": components})})


def test_components_the_page_lacks_are_named_and_its_own_pass(sandbox: Sandbox, caplog: pytest.LogCaptureFixture) -> None:
    api = sandbox.info()["statuspage"]["components"]["API"]
    with caplog.at_level(logging.WARNING):
        assert check_components(_naming(api), statuspage(sandbox)) == []
        assert caplog.records == []
        assert check_components(_naming(api, "nope12345678"), statuspage(sandbox)) == ["nope12345678"]
    assert "components the page" in caplog.text and "nope12345678" in caplog.text


def test_no_page_or_no_components_asks_nothing_and_a_page_not_answering_is_no_error(sandbox: Sandbox) -> None:
    assert check_components(_naming("nope12345678"), None) == []
    sandbox.reset_counters("statuspage")
    assert check_components(_naming(), statuspage(sandbox)) == []
    assert sum(sandbox.counters("statuspage").values()) == 0  # nothing asked
    sandbox.faults("statuspage", error_rate=1.0, error_status=503)
    try:
        assert check_components(_naming("x"), statuspage(sandbox)) == []  # not answering: logged, not raised
    finally:
        sandbox.clear_faults("statuspage")
