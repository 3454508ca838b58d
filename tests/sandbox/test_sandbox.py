"""The Sandbox handle: lifecycle, credentials, persistence, admin API, concurrency."""

from __future__ import annotations

import json
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import requests
from jira import JIRA
from slack_sdk import WebClient
from zenpy.lib.api_objects import Comment, Ticket

from bridge.sandbox import Sandbox
from .clients import make_zenpy


def test_info_reports_bound_ports_and_fresh_credentials(sandbox: Sandbox, info: dict, tmp_path: Path) -> None:
    assert info["zendesk"]["url"].startswith("https://127.0.0.1:") and not info["zendesk"]["url"].endswith(":0")
    assert info["jira"]["project"] == "SUP" and info["slack"]["url"].endswith("/api/")
    assert Path(info["ca_bundle"]).read_text().startswith("-----BEGIN CERTIFICATE-----")
    with Sandbox(zendesk_port=0, jira_port=0, slack_port=0, statuspage_port=0, workdir=tmp_path) as other:
        assert other.info()["zendesk"]["token"] != info["zendesk"]["token"]
        assert other.info()["jira"]["token"] != info["jira"]["token"]


def test_state_survives_save_and_restart(tmp_path: Path) -> None:
    state_file = tmp_path / "state.json"
    with Sandbox(zendesk_port=0, jira_port=0, slack_port=0, statuspage_port=0, workdir=tmp_path, state_file=state_file) as first:
        info = first.info()
        zenpy = make_zenpy(info, disable_cache=True)
        ticket = zenpy.tickets.create(Ticket(subject="kept", comment=Comment(body="x"))).ticket
        jira = JIRA(server=info["jira"]["url"], basic_auth=(info["jira"]["email"], info["jira"]["token"]))
        jira.create_issue(project="SUP", summary="kept", issuetype={"name": "Bug"})
        WebClient(token=info["slack"]["token"], base_url=info["slack"]["url"]).chat_postMessage(
            channel=info["slack"]["manager_channel"], text="kept")
        first.save()
    assert json.loads(state_file.read_text())["version"] == 1
    with Sandbox(zendesk_port=0, jira_port=0, slack_port=0, statuspage_port=0, workdir=tmp_path, state_file=state_file) as second:
        again = second.info()
        assert again["slack"]["manager_channel"] == info["slack"]["manager_channel"]
        assert again["ca_bundle"] == info["ca_bundle"]  # the CA in the workdir is reused
        zenpy = make_zenpy(again, disable_cache=True)
        assert zenpy.tickets(id=ticket.id).subject == "kept"
        assert zenpy.tickets.create(Ticket(subject="next", comment=Comment(body="x"))).ticket.id == ticket.id + 1
        assert list(zenpy.tickets.comments(ticket=ticket.id))[0].body == "x"
        jira = JIRA(server=again["jira"]["url"], basic_auth=(again["jira"]["email"], again["jira"]["token"]))
        assert jira.issue("SUP-1").fields.summary == "kept"
        assert jira.create_issue(project="SUP", summary="next", issuetype={"name": "Bug"}).key == "SUP-2"
        history = WebClient(token=again["slack"]["token"], base_url=again["slack"]["url"]).conversations_history(
            channel=again["slack"]["manager_channel"])
        assert [m["text"] for m in history["messages"]] == ["kept"]


def test_admin_api_over_http(sandbox: Sandbox, info: dict, jira: JIRA) -> None:
    admin = info["jira"]["url"] + "/__sandbox"
    assert requests.put(f"{admin}/faults", json={"error_rate": 1.0, "error_status": 502}).json()["error_status"] == 502
    assert requests.get(info["jira"]["url"] + "/rest/api/2/myself",
                        auth=(info["jira"]["email"], info["jira"]["token"])).status_code == 502
    assert requests.put(f"{admin}/faults", json={"bogus": 1}).status_code == 400
    requests.delete(f"{admin}/faults")
    seeded = requests.post(f"{admin}/seed", json={"issues": [{"summary": "seeded"}]}).json()
    assert seeded["issues"] == ["SUP-1"] and jira.issue("SUP-1").fields.summary == "seeded"
    counters = requests.get(f"{admin}/counters").json()
    assert counters["endpoints"]["GET /rest/api/2/myself"] == 1 and counters["statuses"]["502"] == 1
    assert "SUP-1" in requests.get(f"{admin}/state").json()["issues"]
    requests.post(f"{admin}/reset")
    assert requests.get(f"{admin}/counters").json()["requests"] == 0
    assert requests.get(f"{admin}/state").json()["issues"] == {}
    zendesk_admin = requests.post(info["zendesk"]["url"] + "/__sandbox/seed", verify=info["ca_bundle"],
                                  json={"organizations": [{"name": "Globex", "domain_names": ["globex.example"]}],
                                        "users": [{"name": "Hank", "email": "hank@globex.example"}]}).json()
    assert len(zendesk_admin["organizations"]) == 1 and len(zendesk_admin["users"]) == 1


def test_concurrent_clients_from_many_threads(sandbox: Sandbox, info: dict) -> None:
    def work(n: int) -> tuple[int, str]:
        zenpy = make_zenpy(info, disable_cache=True)
        ticket = zenpy.tickets.create(Ticket(subject=f"t{n}", comment=Comment(body="x"))).ticket
        jira = JIRA(server=info["jira"]["url"], basic_auth=(info["jira"]["email"], info["jira"]["token"]))
        return ticket.id, jira.create_issue(project="SUP", summary=f"i{n}", issuetype={"name": "Bug"}).key
    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(work, range(24)))
    assert len({t for t, _ in results}) == 24 and len({k for _, k in results}) == 24
    assert len(sandbox.zendesk.state.tickets) == 24 and len(sandbox.jira.state.issues) == 24


def test_wrong_credentials_are_refused(info: dict) -> None:
    session = requests.Session()
    session.verify, session.trust_env = info["ca_bundle"], False
    wrong = session.get(f"{info['zendesk']['url']}/api/v2/users/me.json", auth=(f"{info['zendesk']['email']}/token", "nope"))
    assert wrong.status_code == 401 and wrong.headers["WWW-Authenticate"].startswith("Basic")


def test_unknown_endpoints_answer_in_vendor_shape(info: dict) -> None:
    zendesk = requests.get(f"{info['zendesk']['url']}/api/v2/nothing.json", verify=info["ca_bundle"],
                           auth=(f"{info['zendesk']['email']}/token", info["zendesk"]["token"]))
    assert zendesk.status_code == 404 and zendesk.json()["error"] == "InvalidEndpoint"
    jira = requests.get(f"{info['jira']['url']}/rest/api/2/nothing", auth=(info["jira"]["email"], info["jira"]["token"]))
    assert jira.status_code == 404 and jira.json()["errorMessages"]
    slack = requests.post(f"{info['slack']['url']}nothing.here", headers={"Authorization": f"Bearer {info['slack']['token']}"})
    assert slack.json() == {"ok": False, "error": "unknown_method"}


def test_a_port_in_use_fails_start_loudly(sandbox: Sandbox, info: dict) -> None:
    taken = int(info["jira"]["url"].rsplit(":", 1)[1])
    other = Sandbox(zendesk_port=0, jira_port=taken, slack_port=0, statuspage_port=0)
    with pytest.raises(OSError):
        other.start()
    other.stop()


def test_constructor_latency_applies_to_api_calls_only() -> None:
    with Sandbox(zendesk_port=0, jira_port=0, slack_port=0, statuspage_port=0, latency_ms=150) as sb:
        info = sb.info()
        started = time.monotonic()
        requests.get(info["jira"]["url"] + "/__sandbox/counters")
        assert time.monotonic() - started < 0.15
        started = time.monotonic()
        requests.get(info["jira"]["url"] + "/rest/api/2/myself", auth=(info["jira"]["email"], info["jira"]["token"]))
        assert time.monotonic() - started >= 0.15


def test_admin_webhook_registration(sandbox: Sandbox, info: dict) -> None:
    jira_hooks = requests.post(info["jira"]["url"] + "/__sandbox/webhooks", json={"url": "http://127.0.0.1:9/x", "secret": "s"})
    assert jira_hooks.json()["targets"] == [{"url": "http://127.0.0.1:9/x", "pending": 0}]
    slack_hooks = requests.post(info["slack"]["url"].replace("/api/", "/__sandbox/webhooks"), json={"url": "x", "secret": "s"})
    assert slack_hooks.status_code == 400
