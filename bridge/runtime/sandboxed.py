"""The daemon wired to the built-in sandbox: settings from its credentials, webhooks to the daemon."""

from __future__ import annotations

import secrets
from pathlib import Path
from typing import Any

from pydantic import SecretStr

from bridge.config import Settings


def sandbox_settings(base: Settings, info: dict[str, Any], **overrides: Any) -> Settings:
    """`base` pointed at the emulators described by `Sandbox.info()`, with fresh webhook secrets."""
    return base.model_copy(
        update={
            "zendesk_url": info["zendesk"]["url"],
            "zendesk_email": info["zendesk"]["email"],
            "zendesk_token": SecretStr(info["zendesk"]["token"]),
            "zendesk_webhook_secret": SecretStr(secrets.token_urlsafe(24)),
            "jira_url": info["jira"]["url"],
            "jira_email": info["jira"]["email"],
            "jira_token": SecretStr(info["jira"]["token"]),
            "jira_project": info["jira"]["project"],
            "jira_webhook_secret": SecretStr(secrets.token_urlsafe(24)),
            "slack_base_url": info["slack"]["url"],
            "slack_token": SecretStr(info["slack"]["token"]),
            "slack_manager_channel": info["slack"]["manager_channel"],
            "statuspage_url": info["statuspage"]["url"],
            "statuspage_token": SecretStr(info["statuspage"]["token"]),
            "statuspage_page_id": info["statuspage"]["page_id"],
            "ca_bundle": Path(info["ca_bundle"]) if info.get("ca_bundle") else None,
            **overrides,
        }
    )


def register_webhooks(sandbox: Any, settings: Settings, daemon_url: str) -> None:
    """Have the emulators sign and deliver ticket and issue events to the running daemon."""
    sandbox.add_zendesk_webhook(f"{daemon_url}/webhooks/zendesk", settings.zendesk_webhook_secret.get_secret_value())
    sandbox.add_jira_webhook(f"{daemon_url}/webhooks/jira", settings.jira_webhook_secret.get_secret_value())
