"""Every API failure reaches the executor as retry (with Retry-After), give up, or fix credentials."""

from __future__ import annotations

from pathlib import Path
from typing import Iterator

import pytest

from bridge.connectors.errors import AuthError, NotFound, PermanentError, RetriableError
from bridge.connectors.slack import SlackConnector
from bridge.connectors.zendesk import ZendeskConnector
from bridge.sandbox import Sandbox
from tests.connectors.conftest import jira, zendesk


@pytest.fixture(autouse=True)
def no_faults(sandbox: Sandbox) -> Iterator[None]:
    yield
    sandbox.clear_faults()


def slack(sandbox: Sandbox) -> SlackConnector:
    s = sandbox.info()["slack"]
    return SlackConnector(token=s["token"], base_url=s["url"], timeout=5)


def test_a_zendesk_429_is_retriable_after_the_time_zendesk_asks(sandbox: Sandbox) -> None:
    sandbox.faults("zendesk", ratelimit_rate=1.0, retry_after=7)
    with pytest.raises(RetriableError) as raised:
        zendesk(sandbox).changes(cursor=None, start_time=0)
    assert raised.value.status == 429 and raised.value.retry_after == 7


def test_zendesk_5xx_and_dropped_connections_are_retriable(sandbox: Sandbox) -> None:
    sandbox.faults("zendesk", error_rate=1.0, error_status=503)
    with pytest.raises(RetriableError):
        zendesk(sandbox).changes(cursor=None, start_time=0)
    sandbox.faults("zendesk", error_rate=0.0, drop_rate=1.0)
    with pytest.raises(RetriableError):
        zendesk(sandbox).changes(cursor=None, start_time=0)


def test_refused_credentials_are_an_auth_error_and_a_missing_ticket_permanent(sandbox: Sandbox) -> None:
    with pytest.raises(AuthError):
        zendesk(sandbox, token="wrong").changes(cursor=None, start_time=0)
    with pytest.raises(NotFound) as raised:  # Zendesk's own RecordNotFound: the ticket is gone
        zendesk(sandbox).ticket(987654)
    assert raised.value.status == 404 and not isinstance(raised.value, AuthError)


def test_a_404_from_a_wrong_address_is_not_taken_for_a_deleted_ticket(sandbox: Sandbox) -> None:
    z = sandbox.info()["zendesk"]
    wrong = ZendeskConnector(url=z["url"] + "/not-zendesk", email=z["email"], token=z["token"],
                             ca_bundle=Path(sandbox.info()["ca_bundle"]), timeout=5)
    with pytest.raises(PermanentError) as raised:
        wrong.ticket(1)
    assert raised.value.status == 404 and not isinstance(raised.value, NotFound)


def test_jira_429_401_and_the_token_never_in_the_message(sandbox: Sandbox) -> None:
    sandbox.faults("jira", ratelimit_rate=1.0, retry_after=3)
    with pytest.raises(RetriableError) as limited:
        jira(sandbox).issue("SUP-1")
    assert limited.value.retry_after == 3
    sandbox.clear_faults()
    secret = "not-the-real-token-123"
    with pytest.raises(AuthError) as refused:
        jira(sandbox, token=secret).issue("SUP-1")
    assert secret not in str(refused.value)


def test_slack_errors_in_a_200_and_429s_are_told_apart(sandbox: Sandbox) -> None:
    with pytest.raises(PermanentError) as missing:
        slack(sandbox).post(channel="C_NOPE", text="x", action_key="k")
    assert "channel_not_found" in str(missing.value)
    sandbox.faults("slack", ratelimit_rate=1.0, retry_after=2)
    with pytest.raises(RetriableError) as limited:
        slack(sandbox).post(channel=sandbox.info()["slack"]["manager_channel"], text="x", action_key="k")
    assert limited.value.retry_after == 2
