"""The connectors against the sandbox: one emulator set per test module, and connectors on it."""

from __future__ import annotations

from pathlib import Path
from typing import Iterator

import pytest

from bridge.connectors.jira import JiraConnector
from bridge.connectors.zendesk import ZendeskConnector
from bridge.sandbox import Sandbox


@pytest.fixture(scope="module")
def sandbox(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Sandbox]:
    box = Sandbox(zendesk_port=0, jira_port=0, slack_port=0, statuspage_port=0, workdir=tmp_path_factory.mktemp("sandbox"))
    box.start()
    yield box
    box.stop()


def zendesk(sandbox: Sandbox, token: str | None = None) -> ZendeskConnector:
    z = sandbox.info()["zendesk"]
    return ZendeskConnector(url=z["url"], email=z["email"], token=token or z["token"], ca_bundle=Path(sandbox.info()["ca_bundle"]), timeout=5)


def jira(sandbox: Sandbox, token: str | None = None) -> JiraConnector:
    j = sandbox.info()["jira"]
    return JiraConnector(url=j["url"], email=j["email"], token=token or j["token"], timeout=5)
