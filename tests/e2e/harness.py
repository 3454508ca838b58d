"""The daemon as a real subprocess against its built-in sandbox, and real clients to look at it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, TypeVar

import requests
import yaml
from jira import JIRA
from slack_sdk import WebClient
from zenpy import Zenpy

from bridge.compiled import PURE_ENV
from bridge.connectors.zendesk import split_host

T = TypeVar("T")
ROOT = Path(__file__).resolve().parents[2]


def daytime_rules(directory: Path) -> Path:
    """The shipped rules without quiet hours, written to `directory`: these tests run at any
    hour, and a notice held back until 07:00 London time is for the rules tests to show, not
    a reason for one of these to wait in vain."""
    data = yaml.safe_load((ROOT / "rules.yaml").read_text(encoding="utf-8"))
    data["notifications"].pop("quiet_hours", None)
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / "rules-daytime.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


def eventually(probe: Callable[[], T | None], *, timeout: float = 30.0, what: str = "condition") -> T:
    """Poll `probe` until it returns something truthy, or fail after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    last: T | None = None
    while time.monotonic() < deadline:
        last = probe()
        if last:
            return last
        time.sleep(0.1)  # polling interval of the probe, not a wait for a result
    raise AssertionError(f"timed out after {timeout}s waiting for {what}; last seen: {last!r}")


@dataclass
class Running:
    process: subprocess.Popen[str]
    info: dict[str, Any]
    env: dict[str, str]
    log: Path

    def zendesk(self) -> Zenpy:
        """Zendesk as the people using it see it: a colleague's account, not the bridge's."""
        session = requests.Session()
        session.verify = self.info["ca_bundle"]
        session.trust_env = False
        subdomain, domain = split_host(self.info["zendesk"]["url"])
        person = self.info["zendesk"]["colleague"]
        return Zenpy(
            subdomain=subdomain, domain=domain, email=person["email"], token=person["token"], session=session,
            disable_cache=True,
        )

    def jira(self) -> JIRA:
        j = self.info["jira"]
        return JIRA(server=j["url"], basic_auth=(j["email"], j["token"]))

    def developer(self) -> JIRA:
        """Jira as a developer sees it: their own account, not the bridge's."""
        j = self.info["jira"]
        return JIRA(server=j["url"], basic_auth=(j["developer"]["email"], j["developer"]["token"]))

    def slack(self) -> WebClient:
        s = self.info["slack"]
        return WebClient(token=s["token"], base_url=s["url"])

    def bridge(self, *args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
        """Another `bridge` command against the same sandbox and store."""
        env = self.env | sandbox_env(self.info)
        return subprocess.run(
            [sys.executable, "-m", "bridge.cli", *args], env=env, cwd=ROOT, capture_output=True, text=True, timeout=timeout
        )


def sandbox_env(info: dict[str, Any]) -> dict[str, str]:
    return {
        "BRIDGE_ZENDESK_URL": info["zendesk"]["url"],
        "BRIDGE_ZENDESK_EMAIL": info["zendesk"]["email"],
        "BRIDGE_ZENDESK_TOKEN": info["zendesk"]["token"],
        "BRIDGE_JIRA_URL": info["jira"]["url"],
        "BRIDGE_JIRA_EMAIL": info["jira"]["email"],
        "BRIDGE_JIRA_TOKEN": info["jira"]["token"],
        "BRIDGE_JIRA_PROJECT": info["jira"]["project"],
        "BRIDGE_SLACK_BASE_URL": info["slack"]["url"],
        "BRIDGE_SLACK_TOKEN": info["slack"]["token"],
        "BRIDGE_SLACK_MANAGER_CHANNEL": info["slack"]["manager_channel"],
        "BRIDGE_CA_BUNDLE": info["ca_bundle"] or "",
    }


def base_env(tmp_path: Path) -> dict[str, str]:
    # The caller's settings stay out; which core decides is the run's choice (BRIDGE_PURE_PYTHON=1 make test).
    env = {k: v for k, v in os.environ.items() if not k.startswith("BRIDGE_") or k == PURE_ENV}
    env |= {
        "BRIDGE_STORE_URL": f"sqlite:///{tmp_path / 'bridge.db'}",
        "BRIDGE_RULES": str(daytime_rules(tmp_path)),
        "BRIDGE_HTTP_PORT": "0",
        "BRIDGE_POLL_INTERVAL_SECONDS": "1",
        "PYTHONUNBUFFERED": "1",
    }
    return env


def start_daemon(tmp_path: Path, *extra: str, env: dict[str, str] | None = None, store: bool = True) -> Running:
    """`bridge run --sandbox`; with `store`, on the store the environment names, for the test to read."""
    env = env or base_env(tmp_path)
    log = tmp_path / "daemon.log"
    ports = ("--zendesk-port", "0", "--jira-port", "0", "--slack-port", "0", "--statuspage-port", "0")
    process = subprocess.Popen(
        [sys.executable, "-m", "bridge.cli", "run", "--sandbox", *ports, *(("--store", env["BRIDGE_STORE_URL"]) if store else ()), *extra],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=log.open("w"), text=True,
    )
    assert process.stdout is not None
    line = process.stdout.readline()  # blocks until the sandbox is up and has printed its line
    if not line:
        process.wait(10)
        raise AssertionError(f"daemon exited ({process.returncode}) before printing the sandbox line:\n{log.read_text()}")
    return Running(process=process, info=json.loads(line), env=env, log=log)


