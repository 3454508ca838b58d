"""`Sandbox`: the emulators of Zendesk, Jira, Slack and Statuspage, started together on loopback,
with one Python handle.

    sb = Sandbox(zendesk_port=0, jira_port=0, slack_port=0, statuspage_port=0)
    sb.start()           # one background thread, one asyncio loop, four uvicorn servers
    sb.info()            # URLs and credentials (generated at start, never hard-coded)
    sb.faults("jira", error_rate=0.3); sb.counters("jira"); sb.save(); sb.stop()
"""

from __future__ import annotations

import json
import logging
import tempfile
import time
from pathlib import Path
from typing import Any, Callable, Literal, Mapping

from bridge.sandbox.faults import FaultConfig
from bridge.sandbox.jira_service import JiraService
from bridge.sandbox.server import AppSpec, ServerThread
from bridge.sandbox.slack_service import SlackService
from bridge.sandbox.statuspage_service import StatuspageService
from bridge.sandbox.tls import make_tls_files
from bridge.sandbox.zendesk_service import ZendeskService

log = logging.getLogger(__name__)

ServiceName = Literal["zendesk", "jira", "slack", "statuspage"]
SERVICES: tuple[ServiceName, ...] = ("zendesk", "jira", "slack", "statuspage")
# What the real services allow per minute (documented in docs/SANDBOX.md); off unless asked for.
REALISTIC_RATE_LIMITS: dict[str, int] = {"zendesk": 700, "jira": 600, "slack": 60, "statuspage": 60}
Service = ZendeskService | JiraService | SlackService | StatuspageService


class Sandbox:
    def __init__(self, host: str = "127.0.0.1", zendesk_port: int = 8701, jira_port: int = 8702,
                 slack_port: int = 8703, statuspage_port: int = 8704, workdir: Path | str | None = None,
                 state_file: Path | str | None = None,
                 latency_ms: int = 0, *, rate_limits: Mapping[str, int | None] | None = None,
                 clock: Callable[[], float] = time.time, jira_project: str = "SUP") -> None:
        self.host = host
        self._ports = {"zendesk": zendesk_port, "jira": jira_port, "slack": slack_port, "statuspage": statuspage_port}
        self._tmp: tempfile.TemporaryDirectory[str] | None = None
        if workdir is None:
            self._tmp = tempfile.TemporaryDirectory(prefix="bridge-sandbox-")
            workdir = self._tmp.name
        self.workdir = Path(workdir)
        self.state_file = Path(state_file) if state_file else None
        limits = dict(rate_limits or {})
        self.zendesk = ZendeskService(clock=clock, latency_ms=latency_ms)
        self.jira = JiraService(clock=clock, latency_ms=latency_ms, project_key=jira_project)
        self.slack = SlackService(clock=clock, latency_ms=latency_ms)
        self.statuspage = StatuspageService(clock=clock, latency_ms=latency_ms)
        for name in SERVICES:
            if limits.get(name):
                self.service(name).guard.set_default_rate_limit(limits[name])
        self._server: ServerThread | None = None
        self.ca_file: Path | None = None

    def service(self, name: str) -> Service:
        services: dict[str, Service] = {
            "zendesk": self.zendesk, "jira": self.jira, "slack": self.slack, "statuspage": self.statuspage}
        if name not in services:
            raise ValueError(f"unknown service {name!r}; expected one of {SERVICES}")
        return services[name]

    # ---- lifecycle ----------------------------------------------------------------------------
    def start(self) -> "Sandbox":
        if self._server is not None:
            raise RuntimeError("sandbox already started")
        tls = make_tls_files(self.workdir, self.host)
        self.ca_file = tls.ca_file
        self.zendesk.webhook_verify = str(tls.ca_file)
        if self.state_file is not None and self.state_file.exists():
            self._load(self.state_file)
        self._server = ServerThread([
            AppSpec("zendesk", self.zendesk.app, self.host, self._ports["zendesk"], tls.cert_file, tls.key_file),
            AppSpec("jira", self.jira.app, self.host, self._ports["jira"]),
            AppSpec("slack", self.slack.app, self.host, self._ports["slack"]),
            AppSpec("statuspage", self.statuspage.app, self.host, self._ports["statuspage"]),
        ])
        self._ports = self._server.start()
        self.jira.set_base_url(f"http://{self._netloc('jira')}")
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.stop()
            self._server = None
        for name in ("zendesk", "jira"):
            self.service(name).hub.close()  # type: ignore[union-attr]
        if self._tmp is not None:
            self._tmp.cleanup()
            self._tmp = None

    def __enter__(self) -> "Sandbox":
        return self.start()

    def __exit__(self, *_exc: object) -> None:
        self.stop()

    def _netloc(self, name: str) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{host}:{self._ports[name]}"

    def info(self) -> dict[str, Any]:
        return {
            "zendesk": {"url": f"https://{self._netloc('zendesk')}", "email": self.zendesk.email, "token": self.zendesk.token,
                        # a second agent, for people who are not the bridge (tests, demo, benchmarks)
                        "colleague": {"email": self.zendesk.state.colleague["email"], "token": self.zendesk.colleague_token}},
            "jira": {"url": f"http://{self._netloc('jira')}", "email": self.jira.email, "token": self.jira.token,
                     "project": self.jira.project_key,
                     # a developer's own account: their comments, moves and files are not the bridge's
                     "developer": {"email": self.jira.state.users[self.jira.state.developer]["emailAddress"],
                                   "token": self.jira.developer_token}},
            "slack": {"url": f"http://{self._netloc('slack')}/api/", "token": self.slack.token,
                      "manager_channel": self.slack.state.manager_channel},
            "statuspage": {"url": f"http://{self._netloc('statuspage')}/v1", "token": self.statuspage.token,
                           "page_id": self.statuspage.page_id,
                           "components": {c["name"]: c["id"] for c in self.statuspage.state.components.values()}},
            "ca_bundle": str(self.ca_file) if self.ca_file else None,
        }

    # ---- webhooks -------------------------------------------------------------------------------
    def add_zendesk_webhook(self, url: str, secret: str) -> None:
        self.zendesk.add_webhook(url, secret)

    def add_jira_webhook(self, url: str, secret: str) -> None:
        self.jira.add_webhook(url, secret)

    def clear_webhooks(self) -> None:
        """Unregister every webhook target (queued deliveries to them are dropped)."""
        self.zendesk.hub.close()
        self.jira.hub.close()

    def move_jira_issue(self, key: str, new_key: str) -> None:
        """An issue moved to another project, as an admin would in Jira's own screens."""
        jira = self.jira
        with jira.state.lock:
            jira.state.move_issue(key, new_key, actor=jira.state.me)

    def deliveries(self, service: str) -> list[dict[str, Any]]:
        """Every webhook delivery attempt: `{"url", "event_id", "attempt", "status", "error", "at"}`
        (`status` None when the target could not be reached)."""
        return self.service(service).deliveries()

    def webhooks_idle(self) -> bool:
        """True when no webhook delivery is queued or in flight (for tests that poll)."""
        return self.zendesk.hub.idle() and self.jira.hub.idle()

    # ---- faults, limits, counters ------------------------------------------------------------------
    def faults(self, service: str, **settings: Any) -> dict[str, Any]:
        """Set faults on one service, e.g. `faults("jira", error_rate=0.3, error_status=503)`.

        Keys: error_rate, error_status, ratelimit_rate, retry_after, latency_ms, drop_rate,
        only (endpoint substrings), rate_limit (requests/minute, None = off), seed."""
        unknown = set(settings) - set(FaultConfig.__dataclass_fields__) - {"rate_limit", "seed"}
        if unknown:
            raise TypeError(f"unknown fault settings: {sorted(unknown)}")
        guard = self.service(service).guard
        guard.configure(**settings)
        return guard.stats()["faults"] | {"rate_limit": guard.limiter.per_minute}

    def clear_faults(self, service: str | None = None) -> None:
        for name in (service,) if service else SERVICES:
            self.service(name).guard.clear_faults()

    def counters(self, service: str) -> dict[str, int]:
        """Requests per endpoint, e.g. `{"POST /rest/api/2/issue": 3, "GET /rest/api/2/issue/{key}": 5}`."""
        return self.service(service).guard.counters()

    def stats(self, service: str) -> dict[str, Any]:
        """Counters plus responses by status and the fault settings."""
        return self.service(service).guard.stats()

    def reset_counters(self, service: str | None = None) -> None:
        for name in (service,) if service else SERVICES:
            self.service(name).guard.reset_counters()

    # ---- state --------------------------------------------------------------------------------------
    def reset(self, service: str | None = None) -> None:
        """Forget all data (credentials, webhooks and the Slack manager channel id stay)."""
        for name in (service,) if service else SERVICES:
            self.service(name).reset()

    def seed(self, service: str, data: dict[str, Any]) -> dict[str, Any]:
        return self.service(service).seed(data)

    def snapshot(self) -> dict[str, Any]:
        return {"version": 1, **{name: self.service(name).dump() for name in SERVICES}}

    def save(self, path: Path | str | None = None) -> Path:
        target = Path(path) if path else (self.state_file or self.workdir / "sandbox-state.json")
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.with_suffix(target.suffix + ".tmp")
        tmp.write_text(json.dumps(self.snapshot(), separators=(",", ":")))
        tmp.replace(target)  # atomic: a crash mid-save keeps the previous file
        return target

    def _load(self, path: Path) -> None:
        data = json.loads(path.read_text())
        for name in SERVICES:
            if name in data:
                self.service(name).load(data[name])
