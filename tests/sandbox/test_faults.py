"""Injected faults and rate limits, observed exactly as the real clients observe them."""

from __future__ import annotations

import time
import urllib.error

import pytest
import requests
from jira import JIRA, JIRAError
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from zenpy import Zenpy
from zenpy.lib.api_objects import Comment, Ticket
from zenpy.lib.exception import APIException, RatelimitBudgetExceeded

from bridge.sandbox import Sandbox
from .clients import make_zenpy


def _ticket(zenpy: Zenpy) -> Ticket:
    return zenpy.tickets.create(Ticket(subject="x", comment=Comment(body="y"))).ticket


def test_zendesk_429_reaches_zenpy_with_retry_after(sandbox: Sandbox, info: dict) -> None:
    sandbox.faults("zendesk", ratelimit_rate=1.0, retry_after=30)
    # zenpy sleeps Retry-After and retries; with a budget it gives up instead of sleeping 30 s
    budgeted = make_zenpy(info, ratelimit_budget=1, disable_cache=True)
    started = time.monotonic()
    with pytest.raises(RatelimitBudgetExceeded):
        budgeted.tickets(id=1)
    assert time.monotonic() - started < 2.0
    session = requests.Session()
    session.verify, session.trust_env = info["ca_bundle"], False
    raw = session.get(f"{info['zendesk']['url']}/api/v2/tickets/1.json",
                      auth=(f"{info['zendesk']['email']}/token", info["zendesk"]["token"]))
    assert raw.status_code == 429 and raw.headers["Retry-After"] == "30"
    assert sandbox.stats("zendesk")["statuses"]["429"] == 2


def test_zendesk_5xx_is_an_api_exception(sandbox: Sandbox, zenpy: Zenpy) -> None:
    sandbox.faults("zendesk", error_rate=1.0, error_status=503)
    with pytest.raises(APIException) as failed:
        _ticket(zenpy)
    assert failed.value.response.status_code == 503


def test_zendesk_per_minute_limit_and_headers(sandbox: Sandbox, info: dict) -> None:
    sandbox.faults("zendesk", rate_limit=3)
    session = requests.Session()
    session.verify, session.trust_env = info["ca_bundle"], False
    session.auth = (f"{info['zendesk']['email']}/token", info["zendesk"]["token"])
    url = f"{info['zendesk']['url']}/api/v2/users/me.json"
    remaining = [session.get(url).headers["X-Rate-Limit-Remaining"] for _ in range(3)]
    assert remaining == ["2", "1", "0"]
    limited = session.get(url)
    assert limited.status_code == 429 and 1 <= int(limited.headers["Retry-After"]) <= 60


def test_jira_429_and_503_are_jira_errors(sandbox: Sandbox, jira: JIRA) -> None:
    sandbox.faults("jira", ratelimit_rate=1.0, retry_after=7)
    with pytest.raises(JIRAError) as limited:
        jira.myself()
    assert limited.value.status_code == 429
    assert limited.value.response.headers["Retry-After"] == "7"
    assert limited.value.response.json()["errorMessages"]
    sandbox.faults("jira", ratelimit_rate=0.0, error_rate=1.0, error_status=503)
    with pytest.raises(JIRAError) as unavailable:
        jira.myself()
    assert unavailable.value.status_code == 503


def test_slack_429_is_slack_api_error_with_retry_after(sandbox: Sandbox, slack: WebClient, info: dict) -> None:
    sandbox.faults("slack", ratelimit_rate=1.0, retry_after=3)
    with pytest.raises(SlackApiError) as limited:
        slack.chat_postMessage(channel=info["slack"]["manager_channel"], text="x")
    assert limited.value.response.status_code == 429
    assert limited.value.response.headers["Retry-After"] in ("3", ["3"])
    assert limited.value.response["error"] == "ratelimited"


def test_dropped_connections(sandbox: Sandbox, jira: JIRA, zenpy: Zenpy, slack: WebClient, info: dict) -> None:
    sandbox.faults("jira", drop_rate=1.0)
    with pytest.raises(requests.exceptions.ConnectionError):
        jira.myself()
    sandbox.faults("zendesk", drop_rate=1.0)
    with pytest.raises(requests.exceptions.ConnectionError):
        _ticket(zenpy)
    sandbox.faults("slack", drop_rate=1.0)
    with pytest.raises((urllib.error.URLError, ConnectionError, OSError)):
        slack.auth_test()
    assert sandbox.stats("jira")["statuses"]["0"] >= 1  # 0 = no response sent


def test_latency_and_endpoint_filter(sandbox: Sandbox, jira: JIRA) -> None:
    sandbox.faults("jira", latency_ms=300, error_rate=1.0, only=["POST /rest/api/2/issue"])
    started = time.monotonic()
    jira.myself()  # not matched: fast and fine
    assert time.monotonic() - started < 0.25
    started = time.monotonic()
    with pytest.raises(JIRAError):
        jira.create_issue(project="SUP", summary="x", issuetype={"name": "Bug"})
    assert time.monotonic() - started >= 0.3


def test_seeded_faults_are_reproducible(sandbox: Sandbox, slack: WebClient) -> None:
    def failures() -> int:
        sandbox.faults("slack", error_rate=0.5, seed=42)
        count = 0
        for _ in range(20):
            try:
                slack.auth_test()
            except SlackApiError:
                count += 1
        return count
    first, second = failures(), failures()
    assert first == second and 0 < first < 20


def test_counters_per_endpoint(sandbox: Sandbox, jira: JIRA) -> None:
    issue = jira.create_issue(project="SUP", summary="x", issuetype={"name": "Bug"})
    jira.add_comment(issue, "a")
    jira.add_comment(issue, "b")
    counters = sandbox.counters("jira")
    assert counters["POST /rest/api/2/issue"] == 1
    assert counters["POST /rest/api/2/issue/{key}/comment"] == 2
    assert sandbox.stats("jira")["statuses"]["201"] == 3


def test_clearing_faults_restores_service(sandbox: Sandbox, jira: JIRA) -> None:
    sandbox.faults("jira", error_rate=1.0)
    sandbox.clear_faults("jira")
    assert jira.myself()["emailAddress"]
    with pytest.raises(TypeError):
        sandbox.faults("jira", eror_rate=1.0)


def test_constructor_rate_limit_survives_clear_faults(tmp_path: object) -> None:
    with Sandbox(zendesk_port=0, jira_port=0, slack_port=0, statuspage_port=0, rate_limits={"jira": 2}) as sb:
        info = sb.info()
        auth = (info["jira"]["email"], info["jira"]["token"])
        url = info["jira"]["url"] + "/rest/api/2/myself"
        assert [requests.get(url, auth=auth).status_code for _ in range(3)] == [200, 200, 429]
        sb.clear_faults()
        assert requests.get(url, auth=auth).status_code == 429
        assert sb.stats("jira")["rate_limit_per_minute"] == 2


def test_zendesk_reports_a_budget_even_without_a_limit(info: dict) -> None:
    session = requests.Session()
    session.verify, session.trust_env = info["ca_bundle"], False
    response = session.get(f"{info['zendesk']['url']}/api/v2/users/me.json",
                           auth=(f"{info['zendesk']['email']}/token", info["zendesk"]["token"]))
    assert response.headers["X-Rate-Limit"] == "700" and response.headers["X-Rate-Limit-Remaining"] == "700"
