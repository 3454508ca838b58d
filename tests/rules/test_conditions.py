"""Every condition key, as a routing rule sees it."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest

from bridge.model import Comment
from bridge.rules import evaluate, load_rules

from .helpers import BASE, make_ticket, utc

NOW = utc(2026, 11, 23, 12)
AGENT_REPLY = Comment(id="2", body="On it", public=True, author="agent@us.example", created_at=utc(2026, 11, 23, 9, 5))
FIRST = Comment(id="1", body="Help", public=True, author="ann@client.example", created_at=utc(2026, 11, 23, 9))
OWN_FOLLOWUP = Comment(id="3", body="Any news?", public=True, author="ann@client.example", created_at=utc(2026, 11, 23, 10))
PRIVATE_NOTE = Comment(id="4", body="note", public=False, author="agent@us.example", created_at=utc(2026, 11, 23, 10))

# (condition as YAML flow mapping, ticket changes, linked issue status, should match)
TABLE: list[tuple[str, dict[str, Any], str | None, bool]] = [
    ("{}", {}, None, True),
    ("{tags_any: [vip, gold]}", {"tags": {"gold"}}, None, True),
    ("{tags_any: [vip, gold]}", {"tags": {"silver"}}, None, False),
    ("{tags_all: [vip, gold]}", {"tags": {"vip", "gold", "x"}}, None, True),
    ("{tags_all: [vip, gold]}", {"tags": {"vip"}}, None, False),
    ("{tags_none: [spam]}", {"tags": {"spam"}}, None, False),
    ("{tags_none: [spam]}", {"tags": {"ok"}}, None, True),
    # Zendesk keeps tags in lower case: a rule's `VIP` is the ticket's `vip`
    ("{tags_any: [VIP]}", {"tags": {"vip"}}, None, True),
    ("{tags_all: [Vip, GOLD]}", {"tags": {"vip", "gold"}}, None, True),
    ("{tags_none: [Spam]}", {"tags": {"spam"}}, None, False),
    ("{type: Support Query}", {"type": "question"}, None, True),
    ("{type: Support Query}", {"type": "incident"}, None, False),
    ("{type: Service Task}", {"type": "question", "custom_fields": {"777": "service task"}}, None, True),
    # a drop-down holds its option's tag: the type's name as a tag, or one of the type's tags
    ("{type: Service Task}", {"type": "question", "custom_fields": {"777": "service_task"}}, None, True),
    ("{type: Support Query}", {"type": "incident", "custom_fields": {"777": "support_query"}}, None, True),
    ("{type: Service Task}", {"type": "question", "custom_fields": {"777": "no_such_type"}}, None, False),
    ("{priority: [P1, P2]}", {"priority": "high"}, None, True),
    ("{priority: [P1, P2]}", {"priority": "low", "custom_fields": {"888": "Severe"}}, None, True),
    ("{priority: [P1, P2]}", {"priority": "low"}, None, False),
    ("{tier: 3}", {"tags": {"tier3"}}, None, True),
    ("{tier: 3}", {"group": "Engineers"}, None, True),
    ("{tier: 3}", {}, None, False),
    ("{status: [pending, hold]}", {"status": "hold"}, None, True),
    ("{status: [pending, hold]}", {"status": "open"}, None, False),
    ("{zendesk_type: problem}", {"type": "problem"}, None, True),
    ("{organization: Acme Ltd}", {"organization": "ACME LTD"}, None, True),
    ("{organization: Acme Ltd}", {"organization": "Other"}, None, False),
    ("{requester_domain: client.example}", {}, None, True),
    ("{requester_domain: client.example}", {"requester_email": "bob@else.example"}, None, False),
    ("{requester_domain: '@Client.example'}", {}, None, True),  # as an address ends
    ("{group: Support}", {"group": "support"}, None, True),
    ("{fields: {'555': [gold, platinum]}}", {"custom_fields": {"555": "Gold"}}, None, True),
    ("{fields: {'555': [gold]}}", {"custom_fields": {"555": ["silver", "gold"]}}, None, True),
    ("{fields: {'555': [gold]}}", {"custom_fields": {}}, None, False),
    ("{text_contains: [data loss]}", {"description": "We suffered DATA LOSS today"}, None, True),
    ("{text_contains: [data loss]}", {}, None, False),
    ("{text_contains: [outage, System Down]}", {"subject": "SYSTEM DOWN since 9:00"}, None, True),
    ("{text_contains: [outage, system down]}", {"subject": "System slow", "description": "no outages"}, None, True),
    ("{text_contains: [outage, system down]}", {"subject": "System slow", "description": "down for me"}, None, False),
    ("{text_contains: ['error (500)']}", {"description": "We get error (500) on save"}, None, True),
    ("{text_contains: ['error (500)']}", {"description": "We get error 500 on save"}, None, False),
    ("{text_regex: 'error \\d{3}'}", {"subject": "Error 500 on save"}, None, True),
    ("{text_regex: 'error \\d{3}'}", {"subject": "Error on save"}, None, False),
    ("{age_over: 2h}", {"created_at": utc(2026, 11, 23, 9)}, None, True),
    ("{age_over: 4h}", {"created_at": utc(2026, 11, 23, 9)}, None, False),
    ("{idle_over: 1d}", {"updated_at": utc(2026, 11, 20, 9)}, None, True),
    ("{idle_over: 1d}", {"updated_at": utc(2026, 11, 23, 11)}, None, False),
    ("{linked_issue_status: [Waiting for release]}", {}, "waiting for release", True),
    ("{linked_issue_status: [Waiting for release]}", {}, "In Progress", False),
    ("{linked_issue_status: [Waiting for release]}", {}, None, False),
    ("{replied: true}", {"comments": (FIRST, AGENT_REPLY)}, None, True),
    ("{replied: true}", {"comments": (FIRST, OWN_FOLLOWUP, PRIVATE_NOTE)}, None, False),
    # by the author's role, where their record was read: a colleague of the requester is no agent,
    # nor is a requester whose record has no e-mail; an agent without an e-mail is one
    ("{replied: true}", {"comments": (FIRST, replace(OWN_FOLLOWUP, author="lee@client.example", by_staff=False))}, None, False),
    ("{replied: true}", {"requester_email": None, "comments": (FIRST, replace(OWN_FOLLOWUP, author="Ann", by_staff=False))}, None, False),
    ("{replied: true}", {"comments": (FIRST, replace(AGENT_REPLY, author="Sam Agent", by_staff=True))}, None, True),
    ("{replied: false}", {"comments": (FIRST,)}, None, True),
    # Created 09:00, response target 1h: at 12:00 it is breached.
    ("{sla: breach}", {"created_at": utc(2026, 11, 23, 9)}, None, True),
    ("{sla: breach}", {"created_at": utc(2026, 11, 23, 11, 30)}, None, False),
    ("{sla: warning}", {"created_at": utc(2026, 11, 23, 11, 10)}, None, True),  # 50 of 60 min: past 75%
    ("{sla: warning}", {"created_at": utc(2026, 11, 23, 11, 40)}, None, False),
    ("{any: [{tags_any: [a]}, {tags_any: [b]}]}", {"tags": {"b"}}, None, True),
    ("{any: [{tags_any: [a]}, {tags_any: [b]}]}", {"tags": {"c"}}, None, False),
    ("{all: [{tags_any: [a]}, {tags_any: [b]}]}", {"tags": {"a", "b"}}, None, True),
    ("{all: [{tags_any: [a]}, {tags_any: [b]}]}", {"tags": {"a"}}, None, False),
    ("{not: {tags_any: [a]}}", {"tags": {"a"}}, None, False),
    ("{not: {tags_any: [a]}}", {}, None, True),
    ("{tags_any: [vip], priority: P1}", {"tags": {"vip"}, "priority": "high"}, None, False),
]


@pytest.mark.parametrize(("condition", "changes", "linked", "matches"), TABLE)
def test_condition(write_rules, condition: str, changes: dict[str, Any], linked: str | None, matches: bool) -> None:
    rules = load_rules(write_rules(BASE + f"routing:\n  - name: hit\n    when: {condition}\n"))
    ev = evaluate(make_ticket(**changes), rules, now=NOW, linked_issue_status=linked)
    assert (ev.rules == ("hit",)) is matches


def test_custom_field_ids_and_values_may_be_unquoted_numbers(write_rules) -> None:
    rules = load_rules(write_rules(BASE + "routing:\n  - name: hit\n    when: {fields: {555: [3, 4]}}\n"))
    assert evaluate(make_ticket(custom_fields={"555": 4}), rules, now=NOW).rules == ("hit",)
    assert evaluate(make_ticket(custom_fields={"555": 5}), rules, now=NOW).rules == ()


def test_a_type_drop_down_naming_a_type_wins_over_another_types_tag(write_rules) -> None:
    """`Enhancement` is a type of its own, and also a tag of Support Query: the field names the type."""
    text = BASE.replace("  Support Query: {zendesk: [question]}", "  Support Query: {zendesk: [question], tags: [enhancement]}\n  Enhancement: {}")
    rules = load_rules(write_rules(text))
    assert evaluate(make_ticket(custom_fields={"777": "Enhancement"}), rules, now=NOW).type == "Enhancement"
    assert evaluate(make_ticket(custom_fields={"777": "enhancement"}), rules, now=NOW).type == "Enhancement"


def test_a_rule_with_hundreds_of_options_loads_and_runs(write_rules) -> None:
    # Customers listed one `any:` option each: no stack as deep as the list, to build or to run.
    options = ", ".join(f"{{organization: [Client {n}]}}" for n in range(1000))
    rules = load_rules(write_rules(BASE + f"routing:\n  - {{name: listed, when: {{any: [{options}]}}, then: {{tier: 2}}}}\n"))
    assert evaluate(make_ticket(organization="Client 999"), rules, now=utc(2026, 11, 23, 10)).tier == 2
    assert evaluate(make_ticket(organization="Client 1000"), rules, now=utc(2026, 11, 23, 10)).tier == 1
