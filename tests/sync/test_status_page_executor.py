"""The executor keeping the status page's incident, against the emulator."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest

from bridge.model import Action, ActionKind, Decision
from tests.sync.test_merge import Desk

OPEN = "status_page:open:SUP-7"
BODY = {"body": "words", "components": {}, "notify": False}


@pytest.fixture
def desk(tmp_path: Path) -> Iterator[Desk]:
    running = Desk(tmp_path)
    yield running
    running.sandbox.stop()


def _plan(desk: Desk, *actions: Action) -> None:
    desk.store.commit_decision(None, Decision(actions=list(actions)), ticket_ids=[], now=desk.now)
    desk.run()


def _open(step: str = "investigating") -> Action:
    return Action(ActionKind.STATUS_PAGE, OPEN, issue_key="SUP-7", params={"name": "A problem", "status": step, **BODY})


def _step(step: str, n: int = 0) -> Action:
    return Action(ActionKind.STATUS_PAGE, f"status_page:SUP-7:{step}:{n}", issue_key="SUP-7", params={"status": step, **BODY},
                  after=OPEN)


def _incidents(desk: Desk) -> list[dict]:
    return list(desk.sandbox.statuspage.state.incidents.values())


def test_an_incident_moves_forward_only_and_never_twice_to_one_step(desk: Desk) -> None:
    _plan(desk, _open(), _step("monitoring"))
    [incident] = _incidents(desk)
    assert incident["status"] == "monitoring"
    _plan(desk, _step("identified"), _step("monitoring", 1))  # a person had moved it on; a repeat
    assert [u["status"] for u in incident["incident_updates"]] == ["monitoring", "investigating"]
    assert desk.store.actions.result("status_page:SUP-7:identified:0")["left_out"] == "the incident is monitoring already"
    _plan(desk, _step("resolved"))
    assert incident["status"] == "resolved" and not desk.store.actions.with_status("dead")


def test_an_interrupted_opening_is_found_again_not_opened_twice(desk: Desk) -> None:
    desk.connectors.statuspage.open_incident(name="A problem", status="investigating", body="words", components={},
                                             notify=False, action_key=OPEN)  # the attempt that died before recording
    desk.store.commit_decision(None, Decision(actions=[_open()]), ticket_ids=[], now=desk.now)
    [stored] = desk.store.actions.claim(now=desk.now, limit=1, lease=desk.executor._lease)
    desk.executor._attempt(replace(stored, attempts=1))  # its second attempt
    assert len(_incidents(desk)) == 1 and desk.store.actions.result(OPEN)["found"]


def test_an_incident_deleted_on_the_page_is_left_alone(desk: Desk) -> None:
    _plan(desk, _open())
    desk.sandbox.statuspage.state.incidents.clear()
    _plan(desk, _step("resolved"))
    assert desk.store.actions.result("status_page:SUP-7:resolved:0")["left_out"] == "the incident is gone from the page"
    assert not desk.store.actions.with_status("dead")


def test_a_component_the_page_lacks_costs_the_incident_nothing_but_itself(desk: Desk) -> None:
    api = desk.sandbox.info()["statuspage"]["components"]["API"]
    wrong = _open()
    wrong = Action(wrong.kind, wrong.key, issue_key="SUP-7",
                   params={**wrong.params, "components": {api: "major_outage", "typo12345678": "major_outage"}})
    _plan(desk, wrong)
    [incident] = _incidents(desk)
    assert [c["status"] for c in incident["components"]] == ["major_outage"]
    assert desk.store.actions.result(OPEN)["components_unknown"] == ["typo12345678"]
