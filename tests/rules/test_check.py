"""`rules check`: every kind of problem, reported at the position of what is wrong."""

from __future__ import annotations

import pytest

from bridge.rules import RulesError, load_rules

from .helpers import BASE


def position(text: str, marker: str) -> tuple[int, int]:
    """1-based line and column where `marker` (unique in `text`) starts."""
    assert text.count(marker) == 1, marker
    before = text[: text.index(marker)]
    return before.count("\n") + 1, len(before) - (before.rfind("\n") + 1) + 1


def only_problem(write_rules, text: str) -> tuple[int | None, int | None, str]:
    with pytest.raises(RulesError) as caught:
        load_rules(write_rules(text))
    problems = caught.value.problems
    assert len(problems) == 1, [str(p) for p in problems]
    return problems[0].line, problems[0].col, problems[0].message


def replaced(old: str, new: str) -> str:
    assert BASE.count(old) == 1, old
    return BASE.replace(old, new)


# (file text, marker where the problem is reported, expected message)
CASES = [
    # a misspelt placeholder would reach the customer as written
    (BASE + "duplicates: {merge: true, reply: 'Merged into #{orignal}'}\n", "'Merged",
     "duplicates.reply: unknown placeholder {orignal}; the placeholders are {ticket}, {original}, {issue_key}, {requester}, {organisation}"),
    (replaced("timezone: GMT", "timezone: GMT\n    time_zone: x"), "time_zone", "unknown key 'time_zone'; did you mean 'timezone'?"),
    (replaced("timezone: GMT", "timezone: GMT\n    opening: x"), "opening", "unknown key 'opening'; expected one of: timezone, hours, holidays, day_length"),
    (replaced("{name: Support,", "{nam: Support,"), "nam: Support", "unknown key 'nam'; did you mean 'name'?"),
    (BASE + "rooting: []\n", "rooting", "unknown key 'rooting'; did you mean 'routing'?"),
    (BASE + "escalation: {when: {tier_reachd: 4}}\n", "tier_reachd", "unknown key 'tier_reachd'; did you mean 'tier_reached'?"),
    # YAML's true is no tier (it was taken as tier 1: every ticket escalated), nor is '3' or 4.5
    (BASE + "escalation: {when: {tier_reached: true}}\n", "true", "escalation.when.tier_reached: should be a whole number, not true"),
    (BASE + "escalation: {when: {sla_breach_at_tier: '3'}}\n", "'3'", "escalation.when.sla_breach_at_tier: should be a whole number"),
    (BASE + "routing:\n  - {name: a, when: {tier: 4.5}}\n", "4.5", "routing.0.when.tier.0: should be a whole number"),
    (BASE + "routing:\n  - {name: a, then: {tier: yes}}\n", "yes", "routing.0.then.tier: should be a whole number, not true"),
    (replaced("defaults: {", "version: true\ndefaults: {"), "true", "version: should be 1, not true"),
    (replaced("timezone: GMT", "timezone: Europe/Lodnon"), "Europe/Lodnon", "unknown time zone 'Europe/Lodnon'; did you mean 'Europe/London'?"),
    (replaced("hours: {mon-fri: \"08:00-16:00\"}", "hours: {mon-fri: \"08:00-16:00\"}\n    holidays: {country: England}"),
     "England", "unknown holiday country 'England'"),
    (replaced("hours: {mon-fri: \"08:00-16:00\"}", "hours: {mon-fri: \"08:00-16:00\"}\n    holidays: {country: GB, subdivision: EN}"),
     "EN}", "unknown subdivision 'EN'; did you mean 'ENG'?"),
    (replaced("hours: {mon-fri: \"08:00-16:00\"}", "hours: {mon-fri: \"08:00-16:00\", wed: [\"12:00-18:00\"]}"),
     "\"12:00-18:00\"", "wed: hours 12:00-18:00 overlap 08:00-16:00"),
    (replaced("hours: {mon-fri: \"08:00-16:00\"}", "hours: {mon: [\"08:00-12:00\", \"11:00-13:00\"]}"),
     "\"11:00-13:00\"", "mon: hours 11:00-13:00 overlap 08:00-12:00"),
    (replaced("\"08:00-16:00\"", "\"16:00-08:00\""), "\"16:00-08:00\"",
     "calendars.office.hours.mon-fri.0: '16:00-08:00': the span must end after it starts, at 24:00 at the latest"),
    (replaced("\"08:00-16:00\"", "[8:00-16:00]"), "8:00-16:00",
     "calendars.office.hours.mon-fri.0: '8:00-16:00' is not a span of hours: write e.g. \"08:00-16:00\""),
    (replaced("mon-fri:", "mon-fry:"), "mon-fry", "key 'mon-fry' in calendars.office.hours: 'mon-fry' is not a day or day range: write e.g. mon, mon-fri or sat,sun"),
    (replaced("response: 1h", "response: 60"), "60", "sla.policies.0.targets.response: 60 has no unit: write e.g. 60m, 60h or 60d"),
    (replaced("review: 4h", "review: 4 hours"), "4 hours", "sla.policies.0.targets.review: '4 hours' is not a duration: write e.g. 30m, 4h, 2d, 1d 4h or none"),
    (replaced("calendar: office", "calendar: ofice"), "ofice", "unknown calendar 'ofice'; did you mean 'office'?"),
    (replaced("priority: P3}", "priority: P5}"), "P5", "unknown priority 'P5'; known: P1, P2, P3, P4"),
    (replaced("type: Technical Support,", "type: Tech Support,"), "Tech Support", "unknown type 'Tech Support'; did you mean 'Technical Support'?"),
    (replaced("{type: Technical Support,", "{tier: 5, type: Technical Support,"), "5,", "unknown tier 5; known: 1, 2, 3, 4"),
    (replaced("zendesk: urgent", "zendesk: critical"), "critical", "unknown Zendesk priority 'critical'; known: urgent, high, normal, low"),
    (replaced("words: [major]", "words: [Severe]"), "Severe", "'Severe' already means P1"),
    (replaced("zendesk: [question]", "zendesk: [question, incident]"), "incident]", "Zendesk type 'incident' is already mapped to 'Technical Support'"),
    (replaced("zendesk: [task]", "zendesk: [chore]"), "chore", "unknown Zendesk ticket type 'chore'; known: incident, problem, question, task"),
    (BASE + "routing:\n  - {name: a, when: {priority: P9}}\n", "P9", "unknown priority 'P9'; known: P1, P2, P3, P4"),
    (BASE + "routing:\n  - {name: a, then: {tier: 7}}\n", "7}", "unknown tier 7; known: 1, 2, 3, 4"),
    (BASE + "routing:\n  - {name: a, then: {notify: [manger]}}\n", "manger", "unknown notice kind 'manger'"),
    (BASE + "routing:\n  - {name: a, then: {notify: [product_team, escalation]}}\n", "escalation]",
     "the 'escalation' notice is the bridge's own (sent when a ticket escalates): to escalate, `escalate: true`; "
     "to tell the manager, `notify: [product_team]`"),
    (BASE + "routing:\n  - {name: a, when: {text_regex: 'a(b'}}\n", "'a(b'", "not a valid regular expression: missing ), unterminated subpattern at position 1"),
    (BASE + "routing:\n  - {name: a, when: {tags_all: [x], tags_none: [x]}}\n", "{tags_all", "can never match: the same tag is required and excluded"),
    (BASE + "routing:\n  - {name: a, when: {tags_any: [x, y], tags_none: [y, x, z]}}\n", "{tags_any",
     "can never match: every tag of tags_any is excluded by tags_none"),
    (BASE + "routing:\n  - {name: a, when: {tags_any: [x], not: {}}}\n", "not:", "not: {} can never match (an empty condition always holds)"),
    (BASE + "escalation: {labels: [from-zendesk, from zendesk]}\n", "from zendesk", "Jira labels cannot contain spaces: 'from zendesk'"),
    (BASE + "routing:\n  - {name: a, when: {tags_any: [y]}}\n  - {name: a, when: {tags_any: [x]}}\n", "a, when: {tags_any: [x]", "another routing rule is already named 'a'"),
    (BASE + "routing:\n  - {name: catch-all}\n  - {name: never, when: {tags_any: [x]}}\n", "{name: never",
     "unreachable: rule 'catch-all' above always matches first"),
    (BASE + "routing:\n  - {name: vip, when: {tags_any: [vip, gold]}}\n  - {name: narrower, when: {tags_all: [vip, x], priority: P1}}\n",
     "{name: narrower", "unreachable: rule 'vip' above always matches first"),
    (BASE + "routing:\n  - {name: p12, when: {priority: [P1, P2]}}\n  - {name: p1, when: {priority: P1, type: Service Task}}\n",
     "{name: p1,", "unreachable: rule 'p12' above always matches first"),
    (BASE.replace("    - name: all\n", "    - name: catch\n      calendar: office\n      targets: {}\n    - name: all\n"),
     "name: all", "unreachable: SLA policy 'catch' above always matches first"),
    (replaced("    - name: all\n", "    - name: all\n      when: {sla: breach}\n"), "sla: breach",
     "an SLA condition cannot decide the SLA itself (policy, pause or stop)"),
    (BASE + "escalation: {stage_after: Raised}\nstages: [Raised with Development]\n", "Raised}",
     "unknown stage 'Raised'; known: Raised with Development"),
    (BASE + "escalation: {zendesk_status_after: onhold}\n", "onhold", "unknown Zendesk status 'onhold'; did you mean 'hold'?"),
    (BASE + "escalation: {issue_types: {Bugs: Bug}}\n", "Bug}", "unknown type 'Bugs'; known: Technical Support, Support Query, Service Task"),
    (BASE + "jira_status_map: {Done: {stage: Signed off, zendesk_status: solved}}\nstages: [Client Sign Off]\n", "Signed off",
     "unknown stage 'Signed off'; known: Client Sign Off"),
    (BASE + "jira_status_map:\n  Done:\n    stage: Client Sign Off\n    resolutions: {Won't Do: {stage: Sign off, zendesk_status: open}}\n"
     "stages: [Client Sign Off]\n", "Sign off,", "unknown stage 'Sign off'; did you mean 'Client Sign Off'?"),
    (BASE + "jira_status_map:\n  Done:\n    stage: Client Sign Off\n    resolutions: {Won't Do: {stage: Client Sign Off, zendesk_status: opne}}\n",
     "opne", "unknown Zendesk status 'opne'; did you mean 'open'?"),
    (BASE + "notifications: {stale_calendar: offise}\n", "offise", "unknown calendar 'offise'; did you mean 'office'?"),
    (BASE + "notifications: {quiet_hours: {hours: \"20:00-07:00\", except: [sla_breech]}}\n", "sla_breech",
     "unknown notice kind 'sla_breech'; did you mean 'sla_breach'?"),
    (BASE + "notifications: {events: {escalations: true}}\n", "escalations", "unknown key 'escalations'; did you mean 'escalation'?"),
    (BASE + "comments: {}\ncomments: {public_prefix: x}\n", "comments: {public", "duplicate key 'comments'"),
    # values a condition compares with Zendesk's own: a typo would never match (a clock that never pauses)
    (replaced("sla:\n", "sla:\n  pause_when: {status: [pendng]}\n"), "pendng", "unknown Zendesk status 'pendng'; did you mean 'pending'?"),
    (BASE + "routing:\n  - {name: a, when: {zendesk_type: [incidnt]}}\n", "incidnt",
     "unknown Zendesk ticket type 'incidnt'; did you mean 'incident'?"),
    (BASE + "routing:\n  - {name: a, when: {tags_any: []}}\n", "tags_any", "tags_any is empty: it tests nothing"),
    (BASE + "routing:\n  - {name: a, when: {not: {any: []}}}\n", "any: []", "any is empty: it tests nothing"),
    # targets: none, or some working time short of centuries
    (replaced("response: 1h", "response: 0m"), "0m", "sla.policies.0.targets.response: '0m' is no time at all"),
    (replaced("resolution: 2d", "resolution: 10000d"), "10000d", "sla.policies.0.targets.resolution: '10000d' is more than 2000 days"),
    # catching up on nothing would make every breach old news: no notice of its own, ever
    (BASE + "notifications: {catch_up: 0m}\n", "0m", "notifications.catch_up: '0m' is no time at all"),
    # Slack reads a channel's history only by its id: a retried notice could not find itself.
    (BASE + "notifications: {channel: \"#support\"}\n", "\"#support\"",
     "notifications.channel: '#support': a channel id (C…), not a name"),
    (replaced("hours: {mon-fri: \"08:00-16:00\"}", "hours: {sat: \"09:00-10:00\"}").replace("resolution: 2d", "resolution: 1500d"),
     "1500d", "'1500d' is more working time than calendar 'office' has in 25 years"),
    (replaced("{name: Support, group: Support,", "{name: Support, group: Support, calendar: office, response: 100000d,"),
     "100000d", "tiers.2.response: '100000d' is more than 2000 days"),
    # what YAML itself cannot read, duplicates that differ only in case or quoting, bad bytes
    (replaced("hours: {mon-fri: \"08:00-16:00\"}", "hours: {mon-fri: \"08:00-16:00\"}\n    holidays: {dates: [2026-04-31]}"),
     "2026-04-31", "'2026-04-31' is not a valid date (day is out of range for month)"),
    (replaced("4: {name: Development, group: Dev, tags: [tier4], jira_project: DEV}",
              "4: {name: Development, group: Dev, tags: [tier4], jira_project: DEV}\n  '4': {name: Shadow}"),
     "'4'", "duplicate key '4' (the same as 4 on line 6)"),
    (replaced("hours: {mon-fri: \"08:00-16:00\"}", "hours: {mon: \"08:00-16:00\", Mon: \"09:00-10:00\"}"), "Mon",
     "duplicate key 'Mon' (the same as 'mon' on line 10)"),
    (replaced("zendesk: high, jira: High, words: [major]", "zendesk: high, jira: High, words: [major, medium]"), "medium",
     "'medium' is the name or label of P3"),
    (replaced("timezone: GMT", "timezone: BST"), "BST",
     "unknown time zone 'BST'; write an IANA name such as Europe/London or America/Los_Angeles"),
    (replaced("hours: {mon-fri: \"08:00-16:00\"}", "hours: {mon-fri: \"08:00-16:00\"}\n    holidays: {country: gb}"),
     "gb}", "unknown holiday country 'gb'; did you mean 'GB'?"),
    (replaced("group: Desk}", "group: Desk\x07}"), "\x07", "character 0x07 is not allowed in YAML"),
    (replaced("{mon-fri: \"08:00-16:00\"}", "{mon-fri: \"08:00-16:00\", tue-wed: \"09:00-10:00\"}"), "\"09:00-10:00\"",
     "tue, wed: hours 09:00-10:00 overlap 08:00-16:00"),
    (replaced("{name: Support, group: Support,", "{name: Support, group: DESK,"), "DESK,", "group 'DESK' is already tier 1's"),
    (replaced("tags: [tier3]", "tags: [tier3, tier2 ]"), "tier2 ]", "tag 'tier2' already means tier 2"),
    (replaced("Service Task: {zendesk: [task], tags: [service_task]}", "Service Task: {zendesk: [task], tags: [service_task, technical_support]}")
     .replace("Technical Support: {zendesk: [incident, problem]}", "Technical Support: {zendesk: [incident, problem], tags: [technical_support]}"),
     "technical_support]}\nfields", "tag 'technical_support' already means type 'Technical Support'"),
    (BASE + "base: &b {name: Help desk, group: Desk, tags: [tier1]}\n", "base", "unknown key 'base'"),
    (replaced("timezone: GMT", "timezone: localtime"), "localtime", "time zone 'localtime' is whatever the host is set to"),
    (replaced("mon-fri:", "'mon,mon':"), "'mon,mon'", "key 'mon,mon' in calendars.office.hours: 'mon,mon' names a day twice"),
    (BASE + "routing:\n  - {name: a, then: {tier: 2, continue: true}}\n", "continue: true",
     "unknown key 'continue' in then: it belongs to the rule, beside then:"),
    (replaced("  2: {name: Support,", "  2.5: {name: Half}\n  2: {name: Support,"), "2.5",
     "key '2.5' in tiers: should be a whole number"),
    (BASE + "status_page: {impact: outage}\n", "outage",
     "status_page.impact: should be 'degraded_performance', 'partial_outage' or 'major_outage'"),
    (BASE + "status_page: {jira_statuses: {In Review: fixing}}\n", "fixing",
     "status_page.jira_statuses.In Review: should be 'investigating', 'identified', 'monitoring' or 'resolved'"),
    # 2.0 would be read as tier 2: said, not guessed
    (replaced("  2: {name: Support,", "  2.0: {name: Support,"), "2.0", "key '2.0' in tiers: should be a whole number: write 2"),
    (BASE + "---\nrouting: []\n", "---", "YAML syntax error: expected a single document in the stream, but found another document"),
    (BASE + "notifications:\n  ? [a, b]\n  : x\n", "[a, b]", "a key must be plain text, not a list or mapping"),
    # every routing rule commented out (YAML null) hides nothing else
    (BASE + "routing:\nbogus: 1\n", "bogus", "unknown key 'bogus'"),
    # what PyYAML itself trips on, values beyond any sense, patterns Python cannot compile
    (BASE + "version: !!int ''\n", "!!int", "'' is not a valid whole number"),
    (BASE + "notifications: {events: {stale: !!bool maybe}}\n", "!!bool", "'maybe' is not a valid value"),
    (replaced("sla:\n", "sla:\n  warn_at: 1" + "0" * 400 + "\n"), "1000", "sla.warn_at: 10000000000000000000… is not a percentage"),
    (BASE + "routing:\n  - {name: a, when: {age_over: 3000000d}}\n", "3000000d",
     "routing.0.when.age_over: '3000000d' is more than 36,500 days (100 years)"),
    (BASE + "routing:\n  - {name: a, when: {idle_over: 1" + "0" * 5000 + "d}}\n", "1000",
     "routing.0.when.idle_over: '10000000000000000000…' is more than 36,500 days"),
    (BASE + "routing:\n  - {name: a, when: {age_over: 0.0000001h}}\n", "0.0000001h",
     "routing.0.when.age_over: '0.0000001h': write at most 6 decimals"),
    (BASE + "routing:\n  - {name: a, when: {text_regex: 'a{4294967296}'}}\n", "'a{4294967296}'",
     "not a valid regular expression: the repetition number is too large"),
    (BASE + "routing:\n  - {name: a, when: {text_regex: '" + "(" * 1200 + ")" * 1200 + "'}}\n", "'((",
     "not a valid regular expression: nested too deeply"),
    # a pattern that can hold a worker for hours on one ticket's text
    (BASE + "routing:\n  - {name: a, when: {text_regex: '(a+)+$'}}\n", "'(a+)+$'", "repeats a repetition (like (a+)+)"),
    (BASE + "routing:\n  - {name: a, when: {text_regex: '(\\w+\\s?)*:'}}\n", "'(\\w+", "repeats a repetition"),
    # a YAML tag PyYAML would read as an empty collection, silently changing a rule
    (BASE + "routing:\n  - {name: a, when: !!map 'tags_any: [x]'}\n", "!!map", "'tags_any: [x]' is plain text tagged !!map"),
    (BASE + "routing:\n  - {name: a, when: {tags_any: !!set x}}\n", "!!set", "'x' is plain text tagged !!set"),
    (BASE + "notifications:\n  !!set events: {stale: true}\n", "!!set", "'events' is plain text tagged !!set"),
    # characters YAML reads as line breaks and editors do not: every later line number would be off
    (BASE.replace("\n", "\n# pasted\u2028note\n", 1), "\u2028", "character U+2028 (line separator) is a line break to YAML"),
    # keys the rules read alike: reported, and where they are written
    (replaced('hours: {mon-fri: "08:00-16:00"}', 'hours:\n      mon-fri: ["08:00-16:00"]\n      " mon-fri": ["10:00-11:00"]'),
     '" mon-fri"', "duplicate key ' mon-fri' (the same as 'mon-fri' on line 11)"),
    (replaced('hours: {mon-fri: "08:00-16:00"}', 'hours:\n      fri: ["09:00-10:00"]\n      Mon-Fri: ["08:00-16:00"]'),
     '"08:00-16:00"', "fri: hours 08:00-16:00 overlap 09:00-10:00"),
    (replaced("4: {name: Development, group: Dev, tags: [tier4], jira_project: DEV}",
              "'04': {name: Shadow}\n  4: {name: Development, group: Dev, tags: [tier4], jira_project: DEV}"),
     "4: {name: Development", "duplicate key 4 (the same as '04' on line 6)"),
    # the models' Python names are not keys of the file
    (BASE + "routing:\n  - {name: a, continue_: true}\n", "continue_", "unknown key 'continue_'; did you mean 'continue'?"),
    (BASE + "routing:\n  - {name: a, when: {not_: {tags_any: [x]}}}\n", "not_", "unknown key 'not_'; did you mean 'not'?"),
    (BASE + "notifications: {quiet_hours: {hours: \"20:00-07:00\", except_: [stale]}}\n", "except_",
     "unknown key 'except_'; did you mean 'except'?"),
    # an empty name, tag or text matches nothing, or fails only when the bridge calls an API
    (BASE + "comments: {public_prefix: ''}\n", "''", "comments.public_prefix: must not be empty"),
    (BASE + "escalation: {issue_type: '  '}\n", "'  '", "escalation.issue_type: must not be empty"),
    (BASE + "routing:\n  - {name: a, when: {tags_any: [x, '']}}\n", "''", "routing.0.when.tags_any.1: must not be empty"),
    (BASE + "routing:\n  - {name: '', when: {tags_any: [x]}}\n", "''", "routing.0.name: must not be empty"),
    # the bridge's own summaries are about no one ticket
    (BASE + "routing:\n  - {name: a, when: {tags_any: [x]}, then: {notify: [monthly_report]}}\n", "monthly_report]",
     "the 'monthly_report' notice is the bridge's own summary, not about one ticket"),
    # a product's tag that another product has: the report would count its tickets under the first
    (BASE + "products:\n  Shop: {tags: [cards]}\n  Billing: {tags: [invoices, Cards]}\n", "Cards]",
     "tag 'cards' already means product 'Shop'"),
    (replaced("hours: {mon-fri: \"08:00-16:00\"}", "hours: {mon-fri: \"08:00-16:00\"}\n    holidays: {country: NO}"), "NO}",
     "calendars.office.holidays.country: should be text: YAML read False here; quote the value, e.g. 'NO'"),
]


@pytest.mark.parametrize(("text", "marker", "message"), CASES)
def test_problem_is_reported_where_it_is(write_rules, text: str, marker: str, message: str) -> None:
    line, col, found = only_problem(write_rules, text)
    assert found.startswith(message)
    assert (line, col) == position(text, marker)


def test_misspelt_required_key_is_reported_once(write_rules) -> None:
    text = BASE.replace("types:\n", "typos:\n")
    assert only_problem(write_rules, text) == (*position(text, "typos"), "unknown key 'typos'; did you mean 'types'?")


def test_missing_section_is_reported_at_the_top(write_rules) -> None:
    text = BASE.replace("defaults: {type: Technical Support, priority: P3}\n", "")
    assert only_problem(write_rules, text) == (1, 1, "missing key 'defaults'")


def test_empty_file(write_rules) -> None:
    line, col, message = only_problem(write_rules, "")
    assert message == "the rules file is empty (or only comments): it must be a mapping of sections"


def test_list_instead_of_sections(write_rules) -> None:
    line, col, message = only_problem(write_rules, "- tiers\n")
    assert message == "the rules file must be a mapping of sections"


def test_yaml_syntax_error(write_rules) -> None:
    line, col, message = only_problem(write_rules, BASE + "routing: [\n  - name: x\n")
    assert message.startswith("YAML syntax error")
    assert line is not None and line > BASE.count("\n")


def test_shape_and_reference_problems_are_reported_together(write_rules) -> None:
    text = (replaced("{name: Support,", "{nam: Support,")
            + "routing:\n  - {name: a, when: {priority: P7}}\nnotifications: {stale_calendar: offise}\n")
    with pytest.raises(RulesError) as caught:
        load_rules(write_rules(text))
    messages = [p.message for p in caught.value.problems]
    assert messages == [
        "unknown key 'nam'; did you mean 'name'?",
        "unknown priority 'P7'; known: P1, P2, P3, P4",
        "unknown calendar 'offise'; did you mean 'office'?",
    ]


def test_references_into_a_broken_section_are_not_guessed(write_rules) -> None:
    # tiers is broken: a tier reference elsewhere must not be called unknown
    text = replaced("{name: Support,", "{nam: Support,") + "routing:\n  - {name: a, then: {tier: 2}}\n"
    with pytest.raises(RulesError) as caught:
        load_rules(write_rules(text))
    assert [p.message for p in caught.value.problems] == ["unknown key 'nam'; did you mean 'name'?"]


def test_a_tier_key_written_as_text_is_pointed_at_where_it_is(write_rules) -> None:
    text = replaced("  2: {name: Support, group: Support, tags: [tier2]}", "  '2': {name: Support, group: Support, tags: [tier2], calendar: offce}")
    line, col, message = only_problem(write_rules, text)
    assert message == "unknown calendar 'offce'; did you mean 'office'?"
    assert (line, col) == position(text, "offce")


def test_a_file_not_in_utf8_is_pointed_at_the_byte(tmp_path) -> None:
    path = tmp_path / "rules.yaml"
    path.write_bytes(BASE.replace("Help desk", "Caf\xe9 desk").encode("latin-1"))
    with pytest.raises(RulesError) as caught:
        load_rules(path)
    (problem,) = caught.value.problems
    assert (problem.line, problem.col, problem.message) == (
        *position(BASE.replace("Help desk", "Caf\xe9 desk"), "\xe9"), "byte 0xe9 is not UTF-8: save the file as UTF-8")


def test_aliases_that_expand_without_end_are_refused_at_once(write_rules) -> None:
    """A few hundred bytes of nested aliases ("billion laughs") would hold a reload for hours."""
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    lines += [f"a{n}: &a{n} [*a{n - 1}, *a{n - 1}, *a{n - 1}, *a{n - 1}, *a{n - 1}, *a{n - 1}, *a{n - 1}, *a{n - 1}, *a{n - 1}, *a{n - 1}]"
              for n in range(1, 9)]
    line, col, message = only_problem(write_rules, "\n".join(lines) + "\n")
    assert message == "the file expands to more than 200,000 values (YAML aliases inside aliases?)"


@pytest.mark.parametrize("alias", ["tags: &loop [tier1, *loop]", "base: &loop {<<: *loop}"])
def test_an_alias_used_inside_its_own_anchor_is_pointed_at(write_rules, alias: str) -> None:
    """It expands without end: a traceback-free 'nested too deeply' with no place was all it got."""
    text = BASE + f"extra:\n  {alias}\n"
    line, col, message = only_problem(write_rules, text)
    assert message == "this anchor's value uses an alias to itself (&name … *name inside it): it would never end"
    assert (line, col) == position(text, "&loop")


@pytest.mark.parametrize("word", ["true", "yes", "on"])
def test_a_key_yaml_reads_as_a_boolean_is_taken_as_written(write_rules, word: str) -> None:
    """`true:` under tiers was read as tier 1 (True == 1) and `on:` as an unknown key 'True'."""
    text = replaced("  1: {name: Help desk, group: Desk}", f"  {word}: {{name: Help desk, group: Desk}}")
    line, col, message = only_problem(write_rules, text)
    assert (line, col) == (position(text, f"  {word}:")[0], 3)
    assert message == f"key '{word}' in tiers: should be a whole number, unable to parse string as an integer"


def test_keys_written_over_a_merged_mapping_are_not_duplicates(write_rules) -> None:
    """`<<: *t1` then `name: ...`: overriding what was merged is what merge keys are for."""
    text = replaced("  2: {name: Support, group: Support, tags: [tier2]}", "  2: {<<: *t1, name: Support, group: Support, tags: [tier2]}")
    text = text.replace("  1: {name: Help desk, group: Desk}", "  1: &t1 {name: Help desk, group: Desk, calender: office}")
    with pytest.raises(RulesError) as caught:
        load_rules(write_rules(text))
    # the typo is reported once, where it is written, though it is read again where it is merged
    assert [(p.line, p.col, p.message) for p in caught.value.problems] == [
        (*position(text, "calender"), "unknown key 'calender'; did you mean 'calendar'?")
    ]


def test_a_list_section_with_every_item_commented_out_is_empty(write_rules) -> None:
    rules = load_rules(write_rules(BASE + "routing:\n  # - {name: vip, when: {tags_any: [vip]}}\nstages:\n"))
    assert rules.routing == () and rules.stages == ()


def test_an_empty_tier_is_pointed_at(write_rules) -> None:
    text = replaced("  1: {name: Help desk, group: Desk}", "  1:")
    line, col, message = only_problem(write_rules, text)
    assert (line, message) == (position(text, "1:\n")[0], "tiers.1: should be a mapping (key: value ...), not empty")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (BASE.replace("calendars:\n", "calendars:\n  west: {timezone: America/Los_Angles, hours: {mon: \"08:00-12:00\"}}\n  typo: {timezon: GMT, hours: {mon: \"08:00-12:00\"}}\n"),
         ["unknown time zone 'America/Los_Angles'; did you mean 'America/Los_Angeles'?", "unknown key 'timezon'; did you mean 'timezone'?"]),
        (BASE + "routing:\n  - {name: a, when: {priority: P7}}\n  - {name: b, continue: maybe}\n  - {name: c, when: {text_regex: '('}}\n",
         ["unknown priority 'P7'; known: P1, P2, P3, P4", "routing.1.continue: should be a valid boolean",
          "not a valid regular expression"]),
        (replaced("    - name: all\n", "    - name: first\n      calendar: ofice\n      targets: {response: 1h}\n    - name: all\n")
         .replace("response: 1h, review: 4h", "response: 60, review: 4h"),
         ["unknown calendar 'ofice'; did you mean 'office'?", "sla.policies.1.targets.response: 60 has no unit"]),
    ],
)
def test_a_shape_problem_hides_no_other_problem_in_its_section(write_rules, text: str, expected: list[str]) -> None:
    with pytest.raises(RulesError) as caught:
        load_rules(write_rules(text))
    messages = [p.message for p in caught.value.problems]
    assert len(messages) == len(expected), messages
    for message, start in zip(messages, expected):
        assert message.startswith(start), messages


MERGED = """\
  base: &base {timezone: GMT, hours: {mon-fri: "08:00-16:00"}}
  paris: &paris {<<: *base, timezone: Europe/Paris}
  paris-sat: {<<: *paris, hours: {sat: "09:00-12:00"}}
  both: {<<: [*paris, *base]}
"""


def test_merge_keys_follow_yaml(write_rules) -> None:
    """Chained merges, a list of merges (the earlier wins) and keys written over merged ones."""
    rules = load_rules(write_rules(BASE.replace("calendars:\n", "calendars:\n" + MERGED)))
    assert rules.calendars["paris"].timezone == "Europe/Paris"
    assert rules.calendars["paris-sat"].timezone == "Europe/Paris"
    assert set(rules.calendars["paris-sat"].hours) == {"sat"}
    assert rules.calendars["both"].timezone == "Europe/Paris"


def test_a_key_written_twice_beside_a_merge_is_still_a_duplicate(write_rules) -> None:
    text = BASE.replace("calendars:\n", "calendars:\n" + MERGED.replace("timezone: Europe/Paris}", "timezone: Europe/Paris, timezone: UTC}"))
    line, col, message = only_problem(write_rules, text)
    assert message.startswith("duplicate key 'timezone' (first on line")
    assert (line, col) == position(text, "timezone: UTC")


def test_an_emptied_list_is_empty_not_the_default(write_rules) -> None:
    """`restart_on_reopen:` with every item commented out restarts nothing; in a condition an
    emptied list is reported, for it would test nothing (and match every ticket)."""
    rules = load_rules(write_rules(BASE.replace("sla:\n", "sla:\n  restart_on_reopen:\n    # - response\n")))
    assert rules.sla.restart_on_reopen == ()
    text = BASE + "routing:\n  - name: vip\n    when:\n      tags_any:\n        # - vip\n    then: {tier: 4}\n"
    line, col, message = only_problem(write_rules, text)
    assert message == "tags_any is empty: it tests nothing (list what to match, or remove the key)"


def test_a_value_wrong_in_a_merged_block_is_reported_once(write_rules) -> None:
    text = BASE.replace("calendars:\n", "calendars:\n" + MERGED.replace('"08:00-16:00"}}', '"8:00-16:00"}}'))
    with pytest.raises(RulesError) as caught:
        load_rules(write_rules(text))
    assert [(p.line, p.col) for p in caught.value.problems] == [position(text, '"8:00-16:00"')]


def test_spans_alike_name_each_day_once(write_rules) -> None:
    text = replaced('hours: {mon-fri: "08:00-16:00"}', 'hours: {sat: ["08:00-09:00", "08:00-09:00", "08:00-09:00"]}')
    with pytest.raises(RulesError) as caught:
        load_rules(write_rules(text))
    assert {p.message for p in caught.value.problems} == {"sat: hours 08:00-09:00 overlap 08:00-09:00"}


def test_priorities_named_alike_but_for_a_leading_zero_are_two(write_rules) -> None:
    # Only tier keys are numbers: '1' and '01' are other names elsewhere.
    text = replaced("  P1: {", "  '1': {label: One, zendesk: urgent, jira: Highest}\n"
                                "  '01': {label: Zero one, zendesk: urgent, jira: Highest}\n  P1: {")
    with pytest.raises(RulesError) as caught:  # (other problems: three priorities map Zendesk's urgent)
        load_rules(write_rules(text))
    assert not [p for p in caught.value.problems if "duplicate key" in p.message]


def test_every_rule_below_a_catch_all_is_unreachable_whatever_continues_between(write_rules) -> None:
    # x1 would change the ticket and carry on, had it ever run: it cannot hide x2 from the catch-all.
    text = BASE + ("routing:\n  - {name: catch-all}\n  - {name: x1, when: {tags_any: [a]}, then: {tier: 3}, continue: true}\n"
                   "  - {name: x2, when: {tags_any: [b]}}\n")
    with pytest.raises(RulesError) as caught:
        load_rules(write_rules(text))
    assert [(p.line, p.message) for p in caught.value.problems] == [
        (position(text, "{name: x1")[0], "unreachable: rule 'catch-all' above always matches first"),
        (position(text, "{name: x2")[0], "unreachable: rule 'catch-all' above always matches first"),
    ]


@pytest.mark.parametrize("pattern", [r"(\d+\.)+\d+", r"\b(crash|error)\b", r"(?:ERR-\d+,\s*)+", "a+b+"])
def test_a_repeat_that_must_match_something_fixed_each_pass_is_accepted(write_rules, pattern: str) -> None:
    rules = load_rules(write_rules(BASE + f"routing:\n  - {{name: a, when: {{text_regex: '{pattern}'}}}}\n"))
    assert rules.routing[0].when.text_regex == pattern
