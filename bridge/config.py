"""Settings from `BRIDGE_*` environment variables or a `.env` file."""

from __future__ import annotations

import difflib
import os
from collections.abc import Mapping
from pathlib import Path
from urllib.parse import urlsplit

from pydantic import Field, SecretStr, ValidationError, field_validator, model_validator
from dotenv import dotenv_values
from pydantic_settings import BaseSettings, SettingsConfigDict

from bridge.connectors.slack_text import CHANNEL_ID_HINT, is_channel_id

ENV_FILE = ".env"  # in the directory the bridge runs in


class Settings(BaseSettings):
    """Everything the daemon needs to reach the services (Zendesk, Jira, Slack; Statuspage where
    one is kept) and its store.

    Secrets are `SecretStr`: their repr is masked, so they never reach a log line.
    """

    model_config = SettingsConfigDict(
        env_prefix="BRIDGE_", env_file=ENV_FILE, extra="ignore", frozen=True
    )

    zendesk_url: str = ""
    zendesk_email: str = ""
    zendesk_token: SecretStr = SecretStr("")
    zendesk_webhook_secret: SecretStr = SecretStr("")

    jira_url: str = ""
    jira_email: str = ""
    jira_token: SecretStr = SecretStr("")
    jira_project: str = "SUP"
    jira_webhook_secret: SecretStr = SecretStr("")

    slack_token: SecretStr = SecretStr("")
    slack_base_url: str = "https://slack.com/api/"
    slack_manager_channel: str = ""

    # Optional: a Statuspage page the bridge keeps an incident on for a possible system-wide issue.
    statuspage_url: str = "https://api.statuspage.io/v1"
    statuspage_token: SecretStr = SecretStr("")
    statuspage_page_id: str = ""

    store_url: str = "sqlite:///bridge.db"
    rules: Path = Path("rules.yaml")
    http_host: str = "127.0.0.1"
    http_port: int = Field(default=8080, ge=0, le=65535)
    ca_bundle: Path | None = None

    # (bounded: a day at most, and never inf or nan, which no timer or date can hold)
    poll_interval_seconds: float = Field(default=30.0, gt=0, le=86_400, allow_inf_nan=False)
    sweep_interval_seconds: float = Field(default=60.0, gt=0, le=86_400, allow_inf_nan=False)
    workers: int = Field(default=4, ge=1, le=64)
    max_attempts: int = Field(default=8, ge=1, le=1000)
    # How long a worker owns a claimed event or action; after a crash, work waits this long.
    lease_seconds: float = Field(default=60.0, ge=1, le=86_400, allow_inf_nan=False)
    # Per API call. A worker renews its lease on an action before each write; the reads
    # before that write (an earlier attempt looked for) and the write must fit in one
    # lease, or another worker takes the action over and this attempt stops unwritten.
    api_timeout_seconds: float = Field(default=15.0, gt=0, le=3600, allow_inf_nan=False)
    # first retry after about this long, doubling, up to retry_max_seconds apart
    retry_base_seconds: float = Field(default=2.0, gt=0, le=86_400, allow_inf_nan=False)
    retry_max_seconds: float = Field(default=900.0, gt=0, le=86_400, allow_inf_nan=False)
    webhook_max_bytes: int = Field(default=1_048_576, ge=1024, le=1 << 30)
    # Files attached on Zendesk larger than this stay a link in the Jira issue; 0: none is copied.
    attachment_max_mb: float = Field(default=10.0, ge=0, le=100, allow_inf_nan=False)  # (a worker holds one in memory)

    @field_validator("slack_manager_channel")
    @classmethod
    def _channel_id(cls, value: str) -> str:
        if value and not is_channel_id(value):
            raise ValueError(CHANNEL_ID_HINT)
        return value

    @field_validator("zendesk_url", "jira_url", "slack_base_url", "statuspage_url")
    @classmethod
    def _http_url(cls, value: str) -> str:
        # The messages never repeat the URL: it may hold a password.
        if not value:
            return value
        if not value.startswith(("http://", "https://")):
            raise ValueError("must start with http:// or https://")
        try:
            parts = urlsplit(value)
            parts.port  # noqa: B018 - raises for a port that is no port
        except ValueError:
            raise ValueError("is not a URL (its host or port cannot be read)") from None
        if "@" in parts.netloc:
            raise ValueError("must not hold a user or password: the credentials go in the *_EMAIL and *_TOKEN settings")
        if not parts.hostname or any(ch.isspace() for ch in value):
            raise ValueError("is not a URL (no host, or a space in it)")
        return value.rstrip("/") if not value.endswith("/api/") else value

    @field_validator("ca_bundle")
    @classmethod
    def _existing_file(cls, value: Path | None) -> Path | None:
        if value is not None and not value.is_file():
            raise ValueError(f"no such file: {value}")
        return value


    @model_validator(mode="after")
    def _statuspage_whole(self) -> "Settings":
        if bool(self.statuspage_token.get_secret_value()) != bool(self.statuspage_page_id):
            raise ValueError(
                "BRIDGE_STATUSPAGE_TOKEN and BRIDGE_STATUSPAGE_PAGE_ID go together: set both to keep a status page, or neither"
            )
        return self

    @property
    def statuspage(self) -> bool:
        """Whether a status page is configured."""
        return bool(self.statuspage_page_id)

    @model_validator(mode="after")
    def _calls_fit_in_a_lease(self) -> "Settings":
        if self.api_timeout_seconds * 3 >= self.lease_seconds:
            raise ValueError(
                f"BRIDGE_LEASE_SECONDS ({self.lease_seconds:g}) must exceed 3 × BRIDGE_API_TIMEOUT_SECONDS "
                f"({self.api_timeout_seconds:g}): the reads before an action's write and the write itself must fit in its lease"
            )
        return self


def redact(text: str, settings: Settings | None) -> str:
    """`text` without any secret of `settings` in it (tokens, webhook secrets, the store's
    password): for messages made of what a library said, which may quote a URL or a header."""
    if settings is None:
        return text
    secrets = [
        value.get_secret_value()
        for value in (settings.zendesk_token, settings.jira_token, settings.slack_token, settings.statuspage_token,
                      settings.zendesk_webhook_secret, settings.jira_webhook_secret)
    ]
    # The store's password as written (between "user:" and the last "@"), and its parts: an
    # unescaped "@" in it leaves a driver quoting the rest as a host name.
    credentials = settings.store_url.partition("://")[2].rpartition("@")[0]
    password = credentials.partition(":")[2]
    secrets += [password, *password.split("@")]
    for secret in sorted((s for s in secrets if len(s) >= 4), key=len, reverse=True):
        text = text.replace(secret, "***")
    return text


class SettingsError(Exception):
    """A setting is missing or malformed; the message names it as the operator writes it."""


def load_settings(**overrides: object) -> Settings:
    """Read settings, turning pydantic's report into one line per bad `BRIDGE_*` variable."""
    lines = _misspelt(os.environ) + _misspelt(_env_file(), where=f"{ENV_FILE}: ")
    try:
        settings = Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        for error in exc.errors():
            message = error["msg"].removeprefix("Value error, ")  # pydantic's wording for our own checks
            if error["loc"]:
                message = f"BRIDGE_{'_'.join(str(part) for part in error['loc']).upper()}: {message}"
            lines.append(message)  # (a check of several settings names them itself)
    if lines:
        raise SettingsError("\n".join(lines))
    return settings


def _env_file() -> Mapping[str, str | None]:
    """The variables the `.env` file in the current directory sets (none if it is not there)."""
    return dotenv_values(ENV_FILE) if Path(ENV_FILE).is_file() else {}


def _misspelt(environment: Mapping[str, str | None], *, where: str = "") -> list[str]:
    """`BRIDGE_*` variables that are no setting but nearly one: a typo would leave the default in
    force unnoticed. (One like no setting at all may belong to something else: left alone.)"""
    known = ["BRIDGE_" + name.upper() for name in Settings.model_fields]
    lines = []
    for name in sorted(environment):
        if name.startswith("BRIDGE_") and name not in known:
            close = difflib.get_close_matches(name, known, n=1, cutoff=0.85)
            if close:
                lines.append(f"{where}{name}: no such setting; did you mean {close[0]}?")
    return lines


def require(settings: Settings, *names: str) -> None:
    """Fail clearly when a setting the chosen mode needs was left empty."""
    missing = []
    for name in names:
        value = getattr(settings, name)
        if isinstance(value, SecretStr):
            value = value.get_secret_value()
        if not value:
            missing.append("BRIDGE_" + name.upper())
    if missing:
        raise SettingsError(f"{', '.join(missing)}: required but not set")
