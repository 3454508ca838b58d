"""Rules compiled once into the plain structures `evaluate` runs on (no pydantic on the hot path)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timezone
from types import MappingProxyType
from typing import Any, Mapping
from zoneinfo import ZoneInfo

import holidays as holidays_lib

from bridge.model import Ticket
from bridge.rules.calendar import BusinessCalendar, WeekSpans
from bridge.rules.conditions import Context, Predicate, compile_condition, wall_us
from bridge.rules.notify import QuietClock
from bridge.rules.result import TARGETS, Escalation, Evaluation, SlaAlert, fast_constructor
from bridge.rules.schema import WALL_DAY_US, WEEKDAYS, Calendar, Condition, Rules, duration_us, expand_days, tests_key


@dataclass(frozen=True, slots=True)
class CompiledRule:
    name: str
    match: Predicate
    tier: int | None
    group: str | None
    priority: str | None
    type: str | None
    add_tags: tuple[str, ...]
    escalate: bool
    notify: tuple[str, ...]
    reason: str  # the rule's own sentence, or "Routing rule 'x' matched."
    go_on: bool  # `continue: true`


@dataclass(frozen=True, slots=True)
class CompiledPolicy:
    name: str
    match: Predicate
    calendar: BusinessCalendar
    names: tuple[str, ...]  # the targets: response, review, resolution
    amounts: tuple[int | None, ...]  # working microseconds per target; None: no target
    warn_amounts: tuple[int, ...]  # working time after which each target warns
    warn_at: float
    pause: Predicate
    stops: tuple[Predicate, ...]  # one per target, same order
    reply_stops: tuple[bool, ...]  # per target: its stop condition asks `replied` (only then can it be met late)
    reason: str


@dataclass(frozen=True, slots=True)
class TierClock:
    """The response target of one tier: working time on its calendar since the ticket entered it."""

    target: str  # the alert's target name, e.g. "tier2_response"
    calendar: BusinessCalendar
    amount: int  # working microseconds
    warn_after: int


@dataclass(frozen=True, slots=True)
class TierClocks:
    by_tier: Mapping[int, TierClock]
    pause: Predicate  # sla.pause_when: whether a ticket no SLA policy applies to is paused
    stop: Predicate  # sla.stop_when.response, `replied` counting replies since the tier was entered
    reply_stops: bool  # that condition asks `replied`
    restarts: bool  # "response" in sla.restart_on_reopen: a reopened ticket's clock counts from the reopen


@dataclass(frozen=True, slots=True)
class Engine:
    type_by_zendesk: Mapping[str, tuple[str, str]]  # casefolded Zendesk type -> (type, reason)
    type_by_tag: tuple[tuple[str, frozenset[str]], ...]  # (type, its tags), in the order rules.yaml lists types
    type_tags: frozenset[str]  # every type's tags: one test for the many tickets with none
    type_by_name: Mapping[str, str]  # what a type drop-down may hold, casefolded -> type
    type_field: str | None
    priority_by_zendesk: Mapping[str, tuple[str, str]]  # casefolded -> (priority, reason)
    priority_by_word: Mapping[str, str]  # names, labels and words, casefolded
    priority_rank: Mapping[str, int]  # P1 -> 0: the most severe wins
    priority_field: str | None
    tier_by_tag: tuple[tuple[int, frozenset[str]], ...]  # highest tier first
    tier_tags: frozenset[str]  # every tag of tier_by_tag: most tickets carry none
    tier_by_group: Mapping[str, int]
    pauses_on_issue_status: bool  # some pause condition reads the linked Jira issue's status
    group_of_tier: Mapping[int, str]  # the tiers that name a group
    default_tier: int
    default_type: str
    default_priority: str
    default_type_reason: str
    default_priority_reason: str
    default_tier_reason: str
    rules: tuple[CompiledRule, ...]
    policies: tuple[CompiledPolicy, ...]
    # (type, priority, tier) -> first matching policy, when every policy tests only those.
    policy_index: Mapping[tuple[str, str, int], CompiledPolicy | None] | None
    tier_clocks: TierClocks | None  # None: no tier has a response target
    escalate_tier: int | None
    escalate_tags: frozenset[str]
    escalate_on_breach_tier: int | None
    top_tier: int
    calendars: Mapping[str, BusinessCalendar]
    stale_calendar: BusinessCalendar | None  # None: stale_after is wall-clock time
    stale_after_us: int | None  # None: never stale
    stale_reason: str
    muted: frozenset[str]  # notice kinds switched off in notifications.events
    quiet: QuietClock | None  # notifications.quiet_hours
    quiet_except: frozenset[str]  # kinds that go out in quiet hours too
    catch_up_us: int | None  # notifications.catch_up; None: every alert gets its own notice
    escalation_fields: Mapping[str, Any]  # escalation.fields, read-only: every escalation shares it
    other_stage_tags: Mapping[str, tuple[str, ...]]  # a stage's tag -> every other stage's tag
    new_evaluation: Callable[..., Evaluation]  # positional, in field order (see fast_constructor)
    new_alert: Callable[..., SlaAlert]
    new_escalation: Callable[..., Escalation]

    def group_after_move(self, group: str | None, tier: int) -> str | None:
        """The group a ticket in `group` moves to at `tier`: that tier's, when the tier is above
        the one its group stands for; else None (it stays)."""
        if tier > self.tier_by_group.get((group or "").casefold(), self.default_tier):
            return self.group_of_tier.get(tier)
        return None


def week_spans(calendar: Calendar) -> WeekSpans:
    """Per weekday (Mon=0) the sorted working spans in minutes; keys like `mon-fri` expanded."""
    days: list[list[tuple[int, int]]] = [[] for _ in WEEKDAYS]
    for key, spans in calendar.hours.items():
        for weekday in expand_days(key):
            for span in spans:
                start, end = span.split("-")
                days[weekday].append((_minutes(start), _minutes(end)))
    return tuple(tuple(sorted(day)) for day in days)


def _minutes(text: str) -> int:
    hour, minute = text.split(":")
    return int(hour) * 60 + int(minute)


def holiday_checker(calendar: Calendar) -> Callable[[date], bool]:
    source = calendar.holidays
    explicit = frozenset(source.dates)
    if source.country is None:
        return explicit.__contains__
    # The package computes a year on first use and keeps it; the calendar table asks once per day.
    official = holidays_lib.country_holidays(source.country, subdiv=source.subdivision)
    return lambda day: day in explicit or day in official


def compile_calendar(name: str, calendar: Calendar) -> BusinessCalendar:
    day_length = None
    if calendar.day_length and calendar.day_length != "none":
        day_length = duration_us(calendar.day_length, WALL_DAY_US)
    return BusinessCalendar(
        name=name,
        tz=ZoneInfo(calendar.timezone),
        week=week_spans(calendar),
        is_holiday=holiday_checker(calendar),
        day_length_us=day_length,
    )


def working_us(text: str | None, calendar: BusinessCalendar) -> int | None:
    """A target like '2d' or '4h' in working microseconds; None for no target."""
    if text is None or text == "none":
        return None
    return duration_us(text, calendar.day_length_us)


def tag_form(name: str) -> str:
    """`Technical Support` -> `technical_support`: a name as a Zendesk tag (lower case, words
    joined by `_`), as Zendesk writes a drop-down option's tag."""
    return "_".join("".join(ch if ch.isalnum() else " " for ch in name.lower()).split())


def compile_rules(rules: Rules) -> Engine:
    """Everything resolved and indexed; references are assumed checked (see check.py)."""
    calendars = {name: compile_calendar(name, cal) for name, cal in rules.calendars.items()}
    priority_by_word: dict[str, str] = {}
    for name, prio in rules.priorities.items():
        for word in (name, prio.label, *prio.words):
            priority_by_word.setdefault(word.casefold(), name)
    type_by_name: dict[str, str] = {}
    # A Zendesk drop-down holds its option's tag: `technical_support` for "Technical Support".
    # Names first, then their tag forms, then the types' tags: a type's own name always wins.
    for forms in (lambda n, k: (n,), lambda n, k: (tag_form(n),), lambda n, k: k.tags):
        for name, kind in rules.types.items():
            for value in forms(name, kind):
                type_by_name.setdefault(value.casefold(), name)
    tiers = rules.tiers
    policies = tuple(_compile_policy(rules, p, calendars) for p in rules.sla.policies)
    stale_calendar = calendars.get(rules.notifications.stale_calendar or "")
    quiet = rules.notifications.quiet_hours
    return Engine(
        type_by_zendesk=MappingProxyType({
            z.casefold(): (n, f"Type {n}: Zendesk type {z!r}.") for n, t in rules.types.items() for z in t.zendesk
        }),
        type_by_tag=tuple((name, frozenset(kind.tags)) for name, kind in rules.types.items() if kind.tags),
        type_tags=frozenset(tag for kind in rules.types.values() for tag in kind.tags),
        type_by_name=MappingProxyType(type_by_name),
        type_field=rules.fields.type,
        priority_by_zendesk=MappingProxyType({
            p.zendesk.casefold(): (n, f"Priority {n}: Zendesk priority {p.zendesk!r}.") for n, p in rules.priorities.items()
        }),
        priority_by_word=MappingProxyType(priority_by_word),
        priority_rank=MappingProxyType({name: rank for rank, name in enumerate(sorted(rules.priorities))}),
        priority_field=rules.fields.priority,
        tier_by_tag=tuple((n, frozenset(tiers[n].tags)) for n in sorted(tiers, reverse=True) if tiers[n].tags),
        tier_tags=frozenset(tag for tier in tiers.values() for tag in tier.tags),
        tier_by_group=MappingProxyType({t.group.casefold(): n for n, t in tiers.items() if t.group}),
        group_of_tier=MappingProxyType({n: t.group for n, t in tiers.items() if t.group}),
        pauses_on_issue_status=tests_key((rules.sla.pause_when, [p.pause_when for p in rules.sla.policies]), "linked_issue_status"),
        default_tier=rules.defaults.tier,
        default_type=rules.defaults.type,
        default_priority=rules.defaults.priority,
        default_type_reason=f"Type {rules.defaults.type}: the default.",
        default_priority_reason=f"Priority {rules.defaults.priority}: the default.",
        default_tier_reason=f"Tier {rules.defaults.tier}: the default.",
        rules=tuple(_compile_rule(rule) for rule in rules.routing),
        policies=policies,
        policy_index=_policy_index(rules, policies),
        tier_clocks=_tier_clocks(rules, calendars),
        escalate_tier=rules.escalation.when.tier_reached,
        escalate_tags=frozenset(rules.escalation.when.tags_any),
        escalate_on_breach_tier=rules.escalation.when.sla_breach_at_tier,
        top_tier=max(tiers),
        calendars=MappingProxyType(calendars),
        stale_calendar=stale_calendar,
        stale_after_us=_stale_after(rules.notifications.stale_after, stale_calendar),
        stale_reason=f"No update for {rules.notifications.stale_after}"
        + (f" of working time on {stale_calendar.name!r}" if stale_calendar else "")
        + ": the ticket is stale.",
        muted=frozenset(kind for kind, on in rules.notifications.events.model_dump().items() if not on),
        quiet=QuietClock(quiet) if quiet is not None else None,
        quiet_except=frozenset(quiet.except_) if quiet is not None else frozenset(),
        catch_up_us=_wall_clock_us(rules.notifications.catch_up),
        escalation_fields=MappingProxyType(dict(rules.escalation.fields)),
        other_stage_tags=_other_stage_tags(rules),
        new_evaluation=fast_constructor(Evaluation),
        new_alert=fast_constructor(SlaAlert),
        new_escalation=fast_constructor(Escalation),
    )


def _compile_rule(rule: Any) -> CompiledRule:
    then = rule.then
    return CompiledRule(
        name=rule.name,
        match=compile_condition(rule.when),
        tier=then.tier,
        group=then.group,
        priority=then.priority,
        type=then.type,
        add_tags=then.add_tags,
        escalate=then.escalate,
        notify=then.notify,
        reason=then.reason or f"Routing rule {rule.name!r} matched.",
        go_on=rule.continue_,
    )


def _compile_policy(rules: Rules, policy: Any, calendars: Mapping[str, BusinessCalendar]) -> CompiledPolicy:
    calendar = calendars[policy.calendar]
    amounts = tuple(working_us(getattr(policy.targets, t), calendar) for t in TARGETS)
    warn_at = policy.warn_at if policy.warn_at is not None else rules.sla.warn_at
    stop_when = rules.sla.stop_when
    pause: Condition = policy.pause_when if policy.pause_when is not None else rules.sla.pause_when
    return CompiledPolicy(
        name=policy.name,
        match=compile_condition(policy.when),
        calendar=calendar,
        names=TARGETS,
        amounts=amounts,
        warn_amounts=tuple(0 if a is None else round(a * warn_at) for a in amounts),
        warn_at=warn_at,
        pause=compile_condition(pause),
        stops=tuple(compile_condition(getattr(stop_when, t)) for t in TARGETS),
        reply_stops=tuple(tests_key(getattr(stop_when, t), "replied") for t in TARGETS),
        reason=f"SLA policy {policy.name!r} on calendar {policy.calendar!r}.",
    )


def _tier_clocks(rules: Rules, calendars: Mapping[str, BusinessCalendar]) -> TierClocks | None:
    by_tier: dict[int, TierClock] = {}
    for number, tier in rules.tiers.items():
        if tier.response is None or tier.response == "none" or tier.calendar is None:
            continue
        calendar = calendars[tier.calendar]
        amount = working_us(tier.response, calendar)
        if amount is not None:
            by_tier[number] = TierClock(f"tier{number}_response", calendar, amount, round(amount * rules.sla.warn_at))
    if not by_tier:
        return None
    return TierClocks(
        by_tier=MappingProxyType(by_tier),
        pause=compile_condition(rules.sla.pause_when),
        stop=compile_condition(rules.sla.stop_when.response),
        reply_stops=tests_key(rules.sla.stop_when.response, "replied"),
        restarts="response" in rules.sla.restart_on_reopen,
    )


def _stale_after(text: str, calendar: BusinessCalendar | None) -> int | None:
    if text != "none" and calendar is not None:
        return working_us(text, calendar)
    return _wall_clock_us(text)


def _wall_clock_us(text: str) -> int | None:
    """A duration as wall-clock microseconds (a day is 24 hours); None for `none`."""
    return None if text == "none" else wall_us(text)


_INDEXABLE = frozenset({"type", "priority", "tier"})


def _policy_index(
    rules: Rules, policies: tuple[CompiledPolicy, ...]
) -> Mapping[tuple[str, str, int], CompiledPolicy | None] | None:
    """Precompute policy selection when it depends only on type, priority and tier."""
    for policy in rules.sla.policies:
        if set(policy.when.model_dump(exclude_defaults=True)) - _INDEXABLE:
            return None
    index: dict[tuple[str, str, int], CompiledPolicy | None] = {}
    for kind in rules.types:
        for priority in rules.priorities:
            for tier in rules.tiers:
                probe = Context(_PROBE_TICKET, 0, None)
                probe.type, probe.priority, probe.tier = kind, priority, tier
                index[(kind, priority, tier)] = next((p for p in policies if p.match(probe)), None)
    return MappingProxyType(index)


# A ticket whose classification the index sets directly: the policies it applies to ask nothing else.
_PROBE_TICKET = Ticket(id=0, subject="", description="", status="open", priority=None, type=None, tags=frozenset(),
                       created_at=datetime.fromtimestamp(0, timezone.utc), updated_at=datetime.fromtimestamp(0, timezone.utc))


def _other_stage_tags(rules: Rules) -> Mapping[str, tuple[str, ...]]:
    """For each stage the rules name (its tag, `stage_` + tag form), the tags of all the others."""
    stages = {*rules.stages}
    for entry in rules.jira_status_map.values():
        stages |= {entry.stage, *(step.stage for step in entry.resolutions.values())}
    if rules.escalation.stage_after:
        stages.add(rules.escalation.stage_after)
    tags = {"stage_" + tag_form(stage) for stage in stages}
    return MappingProxyType({tag: tuple(sorted(tags - {tag})) for tag in tags})


def engine_of(rules: Rules) -> Engine:
    """The compiled form, built on first use and kept on the (frozen) rules object."""
    # Read the private slot directly: pydantic's __getattr__ for private attributes is slow,
    # and this runs once per evaluated ticket.
    private = rules.__pydantic_private__
    engine = private.get("_engine") if private else None
    if engine is None:
        engine = compile_rules(rules)
        rules._engine = engine
    return engine
