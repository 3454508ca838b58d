"""One sandbox per test session; every test starts from empty state and no faults."""

from __future__ import annotations

from typing import Iterator

import pytest
import requests
from jira import JIRA
from slack_sdk import WebClient
from zenpy import Zenpy

from bridge.sandbox import Sandbox


@pytest.fixture(scope="session")
def sandbox() -> Iterator[Sandbox]:
    sb = Sandbox(zendesk_port=0, jira_port=0, slack_port=0)
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


def make_zenpy(info: dict, **kwargs: object) -> Zenpy:
    """Exactly how the bridge's connector connects: split the host at its first dot."""
    host = info["zendesk"]["url"].split("://", 1)[1]
    subdomain, domain = host.split(".", 1)
    session = requests.Session()
    session.verify = info["ca_bundle"]
    session.trust_env = False
    return Zenpy(subdomain=subdomain, domain=domain, email=info["zendesk"]["email"],
                 token=info["zendesk"]["token"], session=session, **kwargs)


@pytest.fixture
def zenpy(info: dict) -> Zenpy:
    return make_zenpy(info, disable_cache=True)  # zenpy would otherwise answer reads from its cache


@pytest.fixture
def jira(info: dict) -> JIRA:
    return JIRA(server=info["jira"]["url"], basic_auth=(info["jira"]["email"], info["jira"]["token"]), max_retries=0)


@pytest.fixture
def slack(info: dict) -> WebClient:
    return WebClient(token=info["slack"]["token"], base_url=info["slack"]["url"])
