"""Checks that need the whole file: references, time zones, holidays, overlapping hours,
unreachable rules. Each problem names the path of the key or value it is about.
"""

from __future__ import annotations

import difflib
import re
import zoneinfo
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import holidays as holidays_lib

from bridge.rules.calendar import US, BusinessCalendar
from bridge.rules.engine import compile_calendar, week_spans, working_us
from bridge.rules.reach import shadowing
from bridge.rules.regex_risk import repeats_a_repeat
from bridge.rules.schema import WEEKDAYS, Condition, NotifyEvents, RoutingRule, Rules, expand_days

Found = tuple[tuple[object, ...], str, bool]  # (path, message, points at the key)
ZENDESK_TYPES = ("incident", "problem", "question", "task")
ZENDESK_PRIORITIES = ("urgent", "high", "normal", "low")
ZENDESK_STATUSES = ("new", "open", "pending", "hold", "solved", "closed")


def check_rules(
    rules: Rules, *, broken: frozenset[str] = frozenset(), itemwise: frozenset[str] = frozenset()
) -> list[Found]:
    """Every problem of a rules file whose sections have the right shape.

    `broken` names sections that failed validation (their problems are already reported):
    references into them go unchecked, so one typo does not hide, or fake, other problems.
    Of those, the `itemwise` ones hold their valid entries: their own checks run on those.
    """
    names = Names.of(rules, broken)
    checks = (
        (_defaults, "defaults"),
        (_tiers, "tiers"),
        (_calendars, "calendars"),
        (_priorities, "priorities"),
        (_types, "types"),
        (_products, "products"),
        (_routing, "routing"),
        (_sla, "sla"),
        (_escalation, "escalation"),
        (_status_map, "jira_status_map"),
        (_notifications, "notifications"),
    )
    runs = [check for check, section in checks if section not in broken or section in itemwise]
    return [found for check in runs for found in check(rules, names)]


@dataclass(frozen=True, slots=True)
class Names:
    """What references may name; None where that section is broken (its references go unchecked)."""

    types: list[str] | None
    priorities: list[str] | None
    tiers: list[int] | None
    calendars: list[str] | None
    stages: list[str] | None
    # Each calendar compiled once per check, for the targets measured on it (None: it does not compile).
    compiled: dict[str, BusinessCalendar | None] = field(default_factory=dict)

    @classmethod
    def of(cls, rules: Rules, broken: frozenset[str]) -> Names:
        def names(section: str) -> list[Any] | None:
            return None if section in broken else list(getattr(rules, section))

        return cls(names("types"), names("priorities"), names("tiers"), names("calendars"), names("stages"))


def _unknown(what: str, name: object, known: Sequence[str], *, cutoff: float = 0.6) -> str:
    """`unknown <what> <name>` and the closest known name (case aside first), or, for a short
    list, every known name: a list of hundreds (time zones, countries) helps nobody."""
    same_but_case = [k for k in known if k.casefold() == str(name).casefold()]
    close = same_but_case or difflib.get_close_matches(str(name), known, n=1, cutoff=cutoff)
    if close:
        hint = f"; did you mean {close[0]!r}?"
    elif len(known) > 20:
        hint = ""
    else:
        hint = f"; known: {', '.join(known) or 'none'}"
    return f"unknown {what} {name!r}{hint}"


def _ref(path: tuple[object, ...], what: str, name: object, known: list[str] | None) -> Iterator[Found]:
    if known is not None and name is not None and name not in known:
        yield path, _unknown(what, name, known), False


def _defaults(rules: Rules, names: Names) -> Iterator[Found]:
    yield from _ref(("defaults", "type"), "type", rules.defaults.type, names.types)
    yield from _ref(("defaults", "priority"), "priority", rules.defaults.priority, names.priorities)
    yield from _ref_tier(("defaults", "tier"), rules.defaults.tier, names)


def _tiers(rules: Rules, names: Names) -> Iterator[Found]:
    group_of: dict[str, int] = {}
    tag_of: dict[str, int] = {}
    for number, tier in rules.tiers.items():
        if tier.group and group_of.setdefault(tier.group.casefold(), number) != number:
            yield ("tiers", number, "group"), f"group {tier.group!r} is already tier {group_of[tier.group.casefold()]}'s", False
        for index, tag in enumerate(tier.tags):
            if tag_of.setdefault(tag, number) != number:
                yield ("tiers", number, "tags", index), f"tag {tag!r} already means tier {tag_of[tag]}", False
        if number < 1:
            yield ("tiers", number), f"tier numbers start at 1, not {number}", True
        yield from _ref(("tiers", number, "calendar"), "calendar", tier.calendar, names.calendars)
        yield from _reach(("tiers", number, "response"), tier.response, tier.calendar, rules, names)
        if tier.response not in (None, "none") and tier.calendar is None:
            message = f"tier {number}'s response target is working time: say on which calendar (calendar: ...)"
            yield ("tiers", number, "response"), message, False


# Working time a target may take: what its calendar's weeks hold in this many years (the
# calendar tables end at 60 years, and grow by doubling). No agreement waits decades.
REACH_YEARS = 25


def _reach(
    path: tuple[object, ...], amount: str | None, calendar_name: str | None, rules: Rules, names: Names
) -> Iterator[Found]:
    # (a broken calendars section is absent here: its own problems are reported)
    calendar = (getattr(rules, "calendars", None) or {}).get(calendar_name or "")
    if amount in (None, "none") or calendar is None or calendar_name is None:
        return
    if calendar_name not in names.compiled:
        try:
            names.compiled[calendar_name] = compile_calendar(calendar_name, calendar)  # the engine's measure of a day
        except (ValueError, NotImplementedError, zoneinfo.ZoneInfoNotFoundError):
            names.compiled[calendar_name] = None  # no working hours, no such time zone or holiday country: reported
    compiled = names.compiled[calendar_name]
    if compiled is None:
        return
    weekly_us = sum(end - start for day in compiled.week for start, end in day) * 60 * US
    if (working_us(amount, compiled) or 0) > REACH_YEARS * 52 * weekly_us:
        yield path, f"{amount!r} is more working time than calendar {calendar_name!r} has in {REACH_YEARS} years", False


def _ref_tier(path: tuple[object, ...], tier: int | None, names: Names) -> Iterator[Found]:
    if names.tiers is not None and tier is not None and tier not in names.tiers:
        yield path, f"unknown tier {tier}; known: {', '.join(map(str, sorted(names.tiers))) or 'none'}", False


def _calendars(rules: Rules, names: Names) -> Iterator[Found]:
    zones = _zones()
    countries = holidays_lib.list_supported_countries()
    for name, cal in rules.calendars.items():
        here = ("calendars", name)
        if cal.timezone not in zones:
            yield (*here, "timezone"), _unknown_zone(cal.timezone, zones), False
        source = cal.holidays
        if source.country is not None and source.country not in countries:
            yield (*here, "holidays", "country"), _unknown("holiday country", source.country, list(countries)), False
        elif source.country and source.subdivision and source.subdivision not in countries[source.country]:
            known = list(countries[source.country])
            yield (*here, "holidays", "subdivision"), _unknown("subdivision", source.subdivision, known), False
        elif source.subdivision and not source.country:
            yield (*here, "holidays", "subdivision"), "a subdivision needs a country", False
        yield from _overlaps(here, cal.hours)
        if not any(week_spans(cal)):
            yield (*here, "hours"), f"calendar {name!r} has no working hours", False


@lru_cache(maxsize=1)  # read from disk (about 13 ms): once a process, not twice a load
def _zones() -> tuple[str, ...]:
    # `localtime` is whatever the host is set to: not a zone a calendar may name.
    return tuple(sorted(zoneinfo.available_timezones() - {"localtime"}))


def _unknown_zone(name: str, zones: tuple[str, ...]) -> str:
    if name == "localtime":
        return "time zone 'localtime' is whatever the host is set to: write an IANA name such as Europe/London"
    # Only near misses are suggested: `BST` is not `MST`, and an abbreviation is no zone.
    message = _unknown("time zone", name, zones, cutoff=0.8)
    if "did you mean" in message:
        return message
    return f"{message}; write an IANA name such as Europe/London or America/Los_Angeles"


def _overlaps(here: tuple[object, ...], hours: dict[str, tuple[str, ...]]) -> Iterator[Found]:
    seen: dict[int, list[tuple[int, int, str]]] = {}
    for key, spans in hours.items():
        for index, span in enumerate(spans):
            start, end = (int(t[:2]) * 60 + int(t[3:]) for t in span.split("-"))
            clashes: dict[str, dict[str, None]] = {}  # the other span -> the days they overlap: said once
            for day in expand_days(key):
                for other_start, other_end, other in seen.get(day, []):
                    if start < other_end and other_start < end:
                        clashes.setdefault(other, {})[WEEKDAYS[day]] = None
                seen.setdefault(day, []).append((start, end, span))
            for other, days in clashes.items():
                yield (*here, "hours", key, index), f"{', '.join(days)}: hours {span} overlap {other}", False


def _priorities(rules: Rules, names: Names) -> Iterator[Found]:
    owner: dict[str, str] = {}
    # A word is looked up among every priority's name and label too: `medium` under P1 would
    # make P3's own label mean P1.
    titles = {word.casefold(): name for name, prio in rules.priorities.items() for word in (name, prio.label)}
    for name, prio in rules.priorities.items():
        for index, word in enumerate(prio.words):
            taken = titles.get(word.casefold(), name)
            if taken != name:
                yield ("priorities", name, "words", index), f"{word!r} is the name or label of {taken}", False
        here = ("priorities", name)
        if prio.zendesk not in ZENDESK_PRIORITIES:
            yield (*here, "zendesk"), _unknown("Zendesk priority", prio.zendesk, list(ZENDESK_PRIORITIES)), False
        for index, word in enumerate((prio.zendesk, *prio.words)):
            taken = owner.setdefault(f"{index > 0}:{word.casefold()}", name)
            if taken != name:
                where = (*here, "words", index - 1) if index else (*here, "zendesk")
                yield where, f"{word!r} already means {taken}", False


def _types(rules: Rules, names: Names) -> Iterator[Found]:
    owner: dict[str, str] = {}
    tag_of: dict[str, str] = {}
    for name, kind in rules.types.items():
        for index, tag in enumerate(kind.tags):
            if tag_of.setdefault(tag, name) != name:
                yield ("types", name, "tags", index), f"tag {tag!r} already means type {tag_of[tag]!r}", False
        for index, ztype in enumerate(kind.zendesk):
            where = ("types", name, "zendesk", index)
            if ztype not in ZENDESK_TYPES:
                yield where, _unknown("Zendesk ticket type", ztype, list(ZENDESK_TYPES)), False
            elif owner.setdefault(ztype, name) != name:
                yield where, f"Zendesk type {ztype!r} is already mapped to {owner[ztype]!r}", False


def _products(rules: Rules, names: Names) -> Iterator[Found]:
    """A tag (or a name) of two products would count a ticket under the first one only."""
    owner: dict[str, str] = {name.casefold(): name for name in rules.products}
    for name, product in rules.products.items():
        for index, tag in enumerate(product.tags):
            if owner.setdefault(tag.casefold(), name) != name:
                yield ("products", name, "tags", index), f"tag {tag!r} already means product {owner[tag.casefold()]!r}", False


def _condition(path: tuple[object, ...], cond: Condition, names: Names, *, sla_ok: bool) -> Iterator[Found]:
    for key, known, what in (("status", ZENDESK_STATUSES, "Zendesk status"), ("zendesk_type", ZENDESK_TYPES, "Zendesk ticket type")):
        for index, value in enumerate(getattr(cond, key)):
            if value.casefold() not in known:  # a typo here never matches: a clock that never pauses
                yield (*path, key, index), _unknown(what, value, list(known)), False
    for key in sorted(cond.model_fields_set):
        value = getattr(cond, key)
        if isinstance(value, (tuple, dict)) and not value:
            message = f"{_yaml_key(key)} is empty: it tests nothing (list what to match, or remove the key)"
            yield (*path, _yaml_key(key)), message, True
    for index, name in enumerate(cond.type):
        yield from _ref((*path, "type", index), "type", name, names.types)
    for index, name in enumerate(cond.priority):
        yield from _ref((*path, "priority", index), "priority", name, names.priorities)
    for index, tier in enumerate(cond.tier):
        yield from _ref_tier((*path, "tier", index), tier, names)
    if cond.text_regex is not None:
        try:
            re.compile(cond.text_regex)
        except (re.error, OverflowError) as error:  # (OverflowError: a repeat count like {4294967296})
            yield (*path, "text_regex"), f"not a valid regular expression: {error}", False
        except RecursionError:
            yield (*path, "text_regex"), "not a valid regular expression: nested too deeply", False
        else:
            if repeats_a_repeat(cond.text_regex):
                message = ("repeats a repetition (like (a+)+): on a ticket's text that almost matches it can run "
                           "for hours; repeat once (a+), or make each pass match something fixed ((a+,)+)")
                yield (*path, "text_regex"), message, False
    if cond.sla is not None and not sla_ok:
        yield (*path, "sla"), "an SLA condition cannot decide the SLA itself (policy, pause or stop)", True
    if set(cond.tags_all) & set(cond.tags_none):
        yield path, "can never match: the same tag is required and excluded", False
    elif cond.tags_any and set(cond.tags_any) <= set(cond.tags_none):
        yield path, "can never match: every tag of tags_any is excluded by tags_none", False
    if cond.not_ is not None and not cond.not_.model_fields_set:
        yield (*path, "not"), "not: {} can never match (an empty condition always holds)", True
    for key in ("any", "all"):
        for index, part in enumerate(getattr(cond, key)):
            yield from _condition((*path, key, index), part, names, sla_ok=sla_ok)
    if cond.not_ is not None:
        yield from _condition((*path, "not"), cond.not_, names, sla_ok=sla_ok)


def _yaml_key(field: str) -> str:
    alias = Condition.model_fields[field].alias
    return alias or field


def _routing(rules: Rules, names: Names) -> Iterator[Found]:
    seen: set[str] = set()
    kinds = list(NotifyEvents.model_fields)
    for index, rule in enumerate(rules.routing):
        if rule is None:
            continue  # its shape is wrong (reported): checked once that is fixed
        here = ("routing", index)
        if rule.name in seen:
            yield (*here, "name"), f"another routing rule is already named {rule.name!r}", False
        seen.add(rule.name)
        yield from _condition((*here, "when"), rule.when, names, sla_ok=True)
        then = rule.then
        yield from _ref_tier((*here, "then", "tier"), then.tier, names)
        yield from _ref((*here, "then", "priority"), "priority", then.priority, names.priorities)
        yield from _ref((*here, "then", "type"), "type", then.type, names.types)
        for position, kind in enumerate(then.notify):
            if kind == "escalation":
                message = ("the 'escalation' notice is the bridge's own (sent when a ticket escalates): "
                           "to escalate, `escalate: true`; to tell the manager, `notify: [product_team]`")
                yield (*here, "then", "notify", position), message, False
            elif kind in ("catch_up", "monthly_report"):
                message = (f"the {kind!r} notice is the bridge's own summary, not about one ticket: "
                           "to tell the manager of a ticket, `notify: [product_team]`")
                yield (*here, "then", "notify", position), message, False
            yield from _ref((*here, "then", "notify", position), "notice kind", kind, kinds)
    if None in rules.routing:
        return  # which rule shadows which is known once every rule reads right
    for later, earlier in shadowing([(r.when, r.continue_, _changes(r)) for r in rules.routing]):
        message = f"unreachable: rule {rules.routing[earlier].name!r} above always matches first"
        yield ("routing", later), message, False


def _changes(rule: RoutingRule) -> bool:
    """Whether the rule can change what later rules see."""
    then = rule.then
    return any(v is not None for v in (then.tier, then.group, then.priority, then.type)) or bool(then.add_tags)


def _sla(rules: Rules, names: Names) -> Iterator[Found]:
    sla = rules.sla
    yield from _condition(("sla", "pause_when"), sla.pause_when, names, sla_ok=False)
    for target in ("response", "review", "resolution"):
        yield from _condition(("sla", "stop_when", target), getattr(sla.stop_when, target), names, sla_ok=False)
    for index, target in enumerate(sla.restart_on_reopen):
        yield from _ref(("sla", "restart_on_reopen", index), "SLA target", target, ["response", "review", "resolution"])
    seen: set[str] = set()
    for index, policy in enumerate(sla.policies):
        if policy is None:
            continue  # its shape is wrong (reported)
        here = ("sla", "policies", index)
        if policy.name in seen:
            yield (*here, "name"), f"another SLA policy is already named {policy.name!r}", False
        seen.add(policy.name)
        yield from _ref((*here, "calendar"), "calendar", policy.calendar, names.calendars)
        for target in ("response", "review", "resolution"):
            amount = getattr(policy.targets, target)
            yield from _reach((*here, "targets", target), amount, policy.calendar, rules, names)
        yield from _condition((*here, "when"), policy.when, names, sla_ok=False)
        if policy.pause_when is not None:
            yield from _condition((*here, "pause_when"), policy.pause_when, names, sla_ok=False)
    if None in sla.policies:
        return
    for later, earlier in shadowing([(p.when, False, False) for p in sla.policies]):
        message = f"unreachable: SLA policy {sla.policies[earlier].name!r} above always matches first"
        yield ("sla", "policies", later), message, False


def _escalation(rules: Rules, names: Names) -> Iterator[Found]:
    policy = rules.escalation
    yield from _ref_tier(("escalation", "when", "tier_reached"), policy.when.tier_reached, names)
    yield from _ref_tier(("escalation", "when", "sla_breach_at_tier"), policy.when.sla_breach_at_tier, names)
    for name in policy.issue_types:
        yield from _ref(("escalation", "issue_types", name), "type", name, names.types)
    if names.stages:
        yield from _ref(("escalation", "stage_after"), "stage", policy.stage_after, names.stages)
    if policy.zendesk_status_after is not None:
        statuses = list(ZENDESK_STATUSES)
        yield from _ref(("escalation", "zendesk_status_after"), "Zendesk status", policy.zendesk_status_after, statuses)
    for index, label in enumerate(policy.labels):
        if any(character.isspace() for character in label):  # Jira refuses the issue: every escalation would fail
            yield ("escalation", "labels", index), f"Jira labels cannot contain spaces: {label!r}", False


def _status_map(rules: Rules, names: Names) -> Iterator[Found]:
    for name, entry in rules.jira_status_map.items():
        here: tuple[object, ...] = ("jira_status_map", name)
        steps = [(here, entry), *(((*here, "resolutions", r), step) for r, step in entry.resolutions.items())]
        for where, step in steps:
            if names.stages:
                yield from _ref((*where, "stage"), "stage", step.stage, names.stages)
            if step.zendesk_status is not None:
                statuses = list(ZENDESK_STATUSES)
                yield from _ref((*where, "zendesk_status"), "Zendesk status", step.zendesk_status, statuses)


def _notifications(rules: Rules, names: Names) -> Iterator[Found]:
    notes = rules.notifications
    yield from _ref(("notifications", "stale_calendar"), "calendar", notes.stale_calendar, names.calendars)
    yield from _reach(("notifications", "stale_after"), notes.stale_after, notes.stale_calendar, rules, names)
    quiet = notes.quiet_hours
    if quiet is not None:
        zones = _zones()
        if quiet.timezone not in zones:
            yield ("notifications", "quiet_hours", "timezone"), _unknown_zone(quiet.timezone, zones), False
        for index, day in enumerate(quiet.days):
            try:
                expand_days(day)
            except ValueError:  # (mon-fri and sat,sun are days too, as in calendars)
                yield from _ref(("notifications", "quiet_hours", "days", index), "day", day, list(WEEKDAYS))
        kinds = list(NotifyEvents.model_fields)
        for index, kind in enumerate(quiet.except_):
            yield from _ref(("notifications", "quiet_hours", "except", index), "notice kind", kind, kinds)
