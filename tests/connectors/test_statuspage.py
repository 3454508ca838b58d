"""The Statuspage connector against the emulator: incidents opened, found again, moved; failures mapped."""

from __future__ import annotations

from typing import Iterator

import pytest

from bridge.connectors.errors import AuthError, NotFound, RetriableError
from bridge.connectors.statuspage import StatuspageConnector
from bridge.sandbox import Sandbox


def statuspage(sandbox: Sandbox, token: str | None = None, page_id: str | None = None) -> StatuspageConnector:
    s = sandbox.info()["statuspage"]
    return StatuspageConnector(url=s["url"], token=token or s["token"], page_id=page_id or s["page_id"], timeout=5)


@pytest.fixture
def page(sandbox: Sandbox) -> Iterator[StatuspageConnector]:
    sandbox.reset("statuspage")
    sandbox.clear_faults("statuspage")
    connector = statuspage(sandbox)
    yield connector
    connector.close()
    sandbox.clear_faults("statuspage")


def test_an_incident_is_opened_found_by_its_action_and_moved_along(sandbox: Sandbox, page: StatuspageConnector) -> None:
    api = sandbox.info()["statuspage"]["components"]["API"]
    incident = page.open_incident(name="Some customers are affected", status="investigating", body="Looking into it.",
                                  components={api: "major_outage"}, notify=False, action_key="status_page:open:SUP-7")
    assert page.find_incident("status_page:open:SUP-7") == incident  # what a retried attempt finds
    assert page.find_incident("status_page:open:SUP-8") is None
    assert page.incident_status(incident) == "investigating"
    page.update_incident(incident, status="resolved", body="Fixed.", components={api: "operational"}, notify=False)
    assert page.incident_status(incident) == "resolved"
    assert page.find_incident("status_page:open:SUP-7") is None  # only unresolved ones are looked at
    stored = sandbox.statuspage.state.incidents[incident]
    assert [u["deliver_notifications"] for u in stored["incident_updates"]] == [False, False]


def test_failures_map_to_what_the_executor_does_with_them(sandbox: Sandbox, page: StatuspageConnector) -> None:
    with pytest.raises(AuthError):
        statuspage(sandbox, token="0" * 32).incident_status("x")
    with pytest.raises(NotFound):
        page.incident_status("zzzzzzzzzzzz")
    sandbox.faults("statuspage", ratelimit_rate=1.0, retry_after=7)
    with pytest.raises(RetriableError) as limited:
        page.incident_status("zzzzzzzzzzzz")
    assert (limited.value.status, limited.value.retry_after) == (420, 7.0)
    sandbox.faults("statuspage", ratelimit_rate=0.0, error_rate=1.0, error_status=503)
    with pytest.raises(RetriableError):
        page.find_incident("k")


def test_an_unreachable_page_is_retried_and_no_token_is_in_the_message(sandbox: Sandbox) -> None:
    token = sandbox.info()["statuspage"]["token"]
    gone = StatuspageConnector(url="http://127.0.0.1:9/v1", token=token, page_id="abc", timeout=1)
    with pytest.raises(RetriableError) as unreachable:
        gone.find_incident("k")
    assert token not in str(unreachable.value)
