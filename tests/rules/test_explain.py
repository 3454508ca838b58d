"""`bridge rules explain` judges a ticket file as the daemon judges the ticket, says what the
file could not tell, and refuses a file that is not a ticket with a clear message."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from bridge.rules.cli import rules_app

from .helpers import BASE, SHIPPED

runner = CliRunner()
MONDAY = "2026-11-23T09:00:00Z"


def ticket(**changes: Any) -> dict[str, Any]:
    """A Technical Support P2 ticket created Monday 2026-11-23 09:00 UTC, as the API returns it."""
    raw: dict[str, Any] = {
        "id": 4812, "created_at": MONDAY, "updated_at": MONDAY, "type": "incident", "priority": "high",
        "status": "open", "subject": "Export fails", "description": "The export button does nothing.",
        "requester_id": 4200, "organization_id": 77, "group_id": 12, "tags": [],
    }
    raw.update(changes)
    return raw


def run(tmp_path: Path, document: Any, *args: str, rules: Path = SHIPPED) -> tuple[int, str]:
    path = tmp_path / "ticket.json"
    path.write_text(document if isinstance(document, str) else json.dumps(document), encoding="utf-8")
    result = runner.invoke(rules_app, ["explain", "--ticket", str(path), "--rules", str(rules), *args])
    assert "Traceback" not in result.output
    # (the runner keeps an exception rather than printing it: one that is not an exit is a crash)
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    return result.exit_code, result.output


def explained(tmp_path: Path, document: Any, now: str, rules: Path = SHIPPED) -> dict[str, Any]:
    code, output = run(tmp_path, document, "--now", now, "--json", rules=rules)
    assert code == 0, output
    return json.loads(output)


def test_side_loaded_group_and_organisation_count(tmp_path: Path) -> None:
    """The file as ?include=users,organizations,groups returns it: the group puts it at tier 2."""
    document = {
        "ticket": ticket(updated_at="2026-11-23T10:00:00Z"),
        "groups": [{"id": 12, "name": "Tier 2 Support"}],
        "organizations": [{"id": 77, "name": "Initech"}],
        "users": [{"id": 4200, "name": "Ann", "email": "ann@initech.example"}],
    }
    out = explained(tmp_path, document, "2026-11-23T10:05:00Z")
    assert out["tier"] == 2
    assert "Tier 2: group 'Tier 2 Support'." in out["reasons"]
    # first seen at tier 2: counted from that update, 2 working days
    assert out["tier_response_due"] == "2026-11-25T10:00:00Z"
    without = explained(tmp_path, {"ticket": ticket(updated_at="2026-11-23T10:00:00Z")}, "2026-11-23T10:05:00Z")
    assert without["tier"] == 1


def test_comments_in_the_file_meet_the_response_target(tmp_path: Path) -> None:
    document = {
        "ticket": ticket(tags=["tier3"]),
        "comments": [
            {"id": 1, "author_id": 4200, "public": True, "body": "Help", "created_at": MONDAY},
            {"id": 2, "author_id": 9, "public": True, "body": "On it", "created_at": "2026-11-23T09:10:00Z"},
        ],
        "users": [{"id": 4200, "email": "ann@initech.example"}, {"id": 9, "email": "agent@us.example"}],
    }
    document["ticket"]["requester_id"] = 4200
    bare = explained(tmp_path, {"ticket": ticket(tags=["tier3"])}, "2026-11-23T11:00:00Z")
    assert bare["escalate"]["reason"] == "Response SLA breached at tier 3"  # nobody answered, as far as it knows
    assert any("No comments in the file" in line for line in bare["assumed"])
    answered = explained(tmp_path, document, "2026-11-23T11:00:00Z")
    assert answered["escalate"] is None
    assert "response" not in {alert["target"] for alert in answered["sla_alerts"]}
    assert answered["assumed"] == []


def test_comments_and_users_written_inside_the_ticket_are_read_there(tmp_path: Path) -> None:
    comments = [
        {"id": 1, "author_id": 4200, "public": True, "body": "Help", "created_at": MONDAY},
        {"id": 2, "author_id": 9, "public": True, "body": "On it", "created_at": "2026-11-23T09:10:00Z"},
    ]
    users = [{"id": 4200, "email": "ann@initech.example"}, {"id": 9, "email": "agent@us.example"}]
    inside = explained(tmp_path, {"ticket": ticket(tags=["tier3"], comments=comments, users=users)}, "2026-11-23T11:00:00Z")
    assert inside["escalate"] is None and inside["assumed"] == []  # the reply counts: no breach
    code, output = run(tmp_path, {"ticket": ticket(comments=comments, users=users), "users": users}, "--now", MONDAY)
    assert code == 1 and '"users" is both beside "ticket" and inside it: give it once' in output


def test_a_paused_ticket_is_paused_since_its_last_update(tmp_path: Path) -> None:
    """Pending from 11:00 Monday (2 working hours in): due times stand still, as if resumed now."""
    out = explained(tmp_path, {"ticket": ticket(status="pending", updated_at="2026-11-23T11:00:00Z")}, "2026-11-24T12:00:00Z")
    assert out["paused"] is True
    assert out["due"]["review"] == "2026-11-24T14:00:00Z"  # 4 h target: 2 h left from Tuesday 12:00
    assert out["due"]["resolution"] == "2026-11-26T10:00:00Z"  # 2 d = 16 h: 14 h left
    assert any("Paused since its last update (2026-11-23T11:00:00Z)" in line for line in out["assumed"])


def test_a_ticket_tagged_with_an_issue_is_linked_not_escalated(tmp_path: Path) -> None:
    out = explained(tmp_path, {"ticket": ticket(tags=["tier4", "jira_sup-12"])}, "2026-11-23T09:05:00Z")
    assert out["escalate"] is None
    assert out["attach_to"] == "SUP-12"
    assert any("SUP-12" in reason for reason in out["reasons"])
    assert "escalation" not in out["notify"]  # linking is no new escalation: no notice of one
    code, table = run(tmp_path, {"ticket": ticket(tags=["tier4", "jira_sup-12"])}, "--now", "2026-11-23T09:05:00Z")
    assert code == 0 and "linked to SUP-12" in table


def test_the_table_tells_what_the_json_tells_of_an_escalation(tmp_path: Path) -> None:
    out = explained(tmp_path, {"ticket": ticket(tags=["tier4"])}, "2026-11-23T09:05:00Z")["escalate"]
    code, table = run(tmp_path, {"ticket": ticket(tags=["tier4"])}, "--now", "2026-11-23T09:05:00Z")
    assert code == 0
    for fact in (out["issue_type"], out["jira_priority"], *out["labels"], out["zendesk_status_after"], out["stage_after"]):
        assert fact in table, fact
    assert "BRIDGE_JIRA_PROJECT" in table and out["project"] is None


@pytest.mark.parametrize(
    ("document", "message"),
    [
        ([], "expected a JSON object (a Zendesk ticket), got a list"),
        (None, "got null"),
        ({}, "ticket.id must be the ticket's number"),
        ({"ticket": []}, '"ticket" must be an object, got a list'),
        ({"tickets": [ticket()]}, "this is a list of tickets"),
        ({"ticket": {k: v for k, v in ticket().items() if k != "created_at"}}, "ticket.created_at must be an ISO 8601 time"),
        ({"ticket": ticket(created_at="yesterday")}, "ticket.created_at: 'yesterday' is not an ISO 8601 time"),
        ({"ticket": ticket(priority=3)}, "ticket.priority must be text or null, got 3"),
        ({"ticket": ticket(type=["incident"])}, "ticket.type must be text or null"),
        ({"ticket": ticket(tags="tier4")}, "ticket.tags must be a list of tags, got 'tier4'"),
        ({"ticket": ticket(), "groups": {"12": "x"}}, '"groups" must be a list of objects with a numeric "id"'),
        ({"ticket": ticket(), "users": [{"id": [1]}]}, '"users" must be a list of objects with a numeric "id"'),
        ({"ticket": ticket(created_at="")}, "ticket.created_at must be an ISO 8601 time"),
        ({"ticket": ticket(id="²")}, "ticket.id must be the ticket's number, got '²'"),
        ({"ticket": ticket(id="١٢٣")}, "ticket.id must be the ticket's number"),
        ({"ticket": ticket(), "comments": [{"id": 1, "author_id": 4200, "created_at": None}], "users": [{"id": 4200}]},
         "comment 1: created_at must be an ISO 8601 time, got None"),
        ({"ticket": ticket(), "comments": [{"id": 1, "author_id": 4200, "created_at": MONDAY, "public": "false"}],
          "users": [{"id": 4200}]}, "comment 1: public must be true or false, got 'false'"),
        ({"ticket": ticket(), "comments": [{"id": 1, "author_id": 4200, "created_at": "soon"}], "users": [{"id": 4200}]},
         "a comment's created_at is not an ISO 8601 time"),
        # without the authors' records, the requester's own follow-up would pass for an agent's reply
        ({"ticket": ticket(), "comments": [{"id": 1, "author_id": 4200, "created_at": MONDAY}]}, '"users" has no record of [4200]'),
        ({"ticket": ticket(), "users": [{"id": 4200, "email": 7}]}, 'users 4200: "email" must be text, got 7'),
        ({"ticket": ticket(), "groups": [{"id": 12, "name": ["x"]}]}, "groups 12: \"name\" must be text, got ['x']"),
        ({"ticket": ticket(requester_id=[1])}, "not the shape of a Zendesk ticket and its side-loads"),
        ({"ticket": ticket(requester_id=[1]), "comments": [{"id": 1, "author_id": {}, "created_at": MONDAY}]},
         "not the shape of a Zendesk ticket and its side-loads"),
        ("[" * 100_000 + "]" * 100_000, "cannot read a Zendesk ticket"),
        ("{not json", "cannot read a Zendesk ticket"),
    ],
)
def test_a_file_that_is_not_a_ticket_is_refused_clearly(tmp_path: Path, document: Any, message: str) -> None:
    code, output = run(tmp_path, document, "--now", MONDAY)
    assert code == 1
    assert message in output


@pytest.mark.parametrize(
    ("now", "message"),
    [
        ("0001-01-01T00:00:00+01:00", "--now: '0001-01-01T00:00:00+01:00' is out of range"),
        # replies and status in the file are those of later: what the ticket was then is not in it
        ("2026-11-23T08:59:59Z", "--now 2026-11-23T08:59:59Z is before the ticket's last update (2026-11-23T09:00:00Z)"),
    ],
)
def test_a_moment_the_file_cannot_tell_about_is_refused(tmp_path: Path, now: str, message: str) -> None:
    for mode in ((), ("--json",)):
        code, output = run(tmp_path, {"ticket": ticket()}, "--now", now, *mode)
        assert code == 1 and message in output


def test_a_ticket_updated_in_the_future_is_refused_without_blaming_now(tmp_path: Path) -> None:
    code, output = run(tmp_path, {"ticket": ticket(updated_at="2999-01-01T00:00:00Z")})
    assert code == 1 and "now (" in output and "is before the ticket's last update (2999-01-01T00:00:00Z)" in output
    assert "--now 2" not in output


def test_a_file_saved_with_a_byte_order_mark_is_read(tmp_path: Path) -> None:
    assert explained(tmp_path, "\ufeff" + json.dumps({"ticket": ticket()}), MONDAY)["tier"] == 1


def test_now_may_be_written_with_a_space(tmp_path: Path) -> None:
    assert explained(tmp_path, {"ticket": ticket()}, "2026-11-23 09:30:00Z")["due"]["response"] == "2026-11-23T09:30:00Z"


@pytest.mark.parametrize("now", ["2026-11-27T08:00:00", "2026-11-23", "2026-W48-1"])
def test_now_without_an_offset_is_refused(tmp_path: Path, now: str) -> None:
    code, output = run(tmp_path, {"ticket": ticket()}, "--now", now)
    assert code == 1
    assert "needs a date, a time and a UTC offset" in output


def test_times_no_calendar_reaches_are_refused(tmp_path: Path) -> None:
    code, output = run(tmp_path, {"ticket": ticket()}, "--now", "9999-12-31T23:59:59Z")
    assert code == 1
    assert "cannot judge the ticket as of 9999-12-31T23:59:59Z" in output


def test_the_table_shows_square_brackets_as_written(tmp_path: Path, write_rules) -> None:
    rules = write_rules(BASE + """\
routing:
  - name: down
    when: {tags_any: [down]}
    then: {reason: "Reported as [bold]down[/bold] (see [docs]) [/x]"}
""")
    code, output = run(tmp_path, {"ticket": ticket(tags=["down"])}, "--now", MONDAY, rules=rules)
    assert code == 0, output
    assert "Reported as [bold]down[/bold] (see [docs]) [/x]" in output
