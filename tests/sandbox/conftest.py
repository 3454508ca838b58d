"""One sandbox per test session; every test starts from empty state and no faults."""

from __future__ import annotations

from typing import Iterator

import pytest
from jira import JIRA
from slack_sdk import WebClient
from zenpy import Zenpy

from bridge.sandbox import Sandbox

from .clients import make_zenpy


@pytest.fixture(scope="session")
def sandbox() -> Iterator[Sandbox]:
    sb = Sandbox(zendesk_port=0, jira_port=0, slack_port=0, statuspage_port=0)
    sb.start()
    yield sb
    sb.stop()


@pytest.fixture(autouse=True)
def clean(sandbox: Sandbox) -> Iterator[None]:
    sandbox.reset()
    sandbox.clear_faults()
    sandbox.reset_counters()
    yield
    sandbox.clear_faults()
    sandbox.clear_webhooks()


@pytest.fixture
def info(sandbox: Sandbox) -> dict:
    return sandbox.info()


@pytest.fixture
def zenpy(info: dict) -> Zenpy:
    return make_zenpy(info, disable_cache=True)  # zenpy would otherwise answer reads from its cache


@pytest.fixture
def jira(info: dict) -> JIRA:
    return JIRA(server=info["jira"]["url"], basic_auth=(info["jira"]["email"], info["jira"]["token"]), max_retries=0)


@pytest.fixture
def slack(info: dict) -> WebClient:
    return WebClient(token=info["slack"]["token"], base_url=info["slack"]["url"])
