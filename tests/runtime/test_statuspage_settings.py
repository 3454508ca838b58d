"""The status page's settings: both or neither, and its token kept out of every message."""

from __future__ import annotations

import pytest
from pydantic import SecretStr

from bridge.config import Settings, SettingsError, load_settings, redact


def test_a_token_without_a_page_or_a_page_without_a_token_is_refused_naming_both(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir("/")  # (no .env file)
    for given in ({"statuspage_token": "k" * 32}, {"statuspage_page_id": "abc"}):
        with pytest.raises(SettingsError) as refused:
            load_settings(**given)
        assert "BRIDGE_STATUSPAGE_TOKEN and BRIDGE_STATUSPAGE_PAGE_ID go together" in str(refused.value)


def test_a_configured_page_is_used_and_its_token_is_redacted() -> None:
    token = "f" * 32
    settings = Settings(_env_file=None, statuspage_token=SecretStr(token), statuspage_page_id="abc")  # type: ignore[call-arg]
    assert settings.statuspage and not Settings(_env_file=None).statuspage  # type: ignore[call-arg]
    assert redact(f"refused: OAuth {token}", settings) == "refused: OAuth ***"
