"""The models of rules.yaml: frozen, unknown keys rejected, the source of `bridge schema`.

Shapes only: values that need the whole file to judge (references between sections,
unreachable rules, overlapping hours) are checked in `check.py`, so every problem gets
the file position of the key it is about.
"""

from __future__ import annotations

import re
import typing
from datetime import date, datetime
from fractions import Fraction
from typing import Annotated, Any, Literal, Mapping, TypeVar

from pydantic import Strict as StrictInput
from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PrivateAttr,
    WithJsonSchema,
    model_validator,
)

from bridge.connectors.slack_text import CHANNEL_ID, CHANNEL_ID_HINT, is_channel_id
from bridge.rules.result import StatusMapping

DURATION_RE = re.compile(r"^\s*(?:(\d+(?:\.\d+)?)\s*([dhm])\s*)+$")
_DURATION_PART = re.compile(r"(\d+(?:\.\d+)?)\s*([dhm])")
SPAN_RE = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)\s*-\s*([01]\d|2[0-4]):([0-5]\d)$")
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def expand_days(key: str) -> list[int]:
    """`mon-fri`, `sat,sun`, `fri-mon` (across the week's end) -> weekday numbers, Monday 0."""
    result: list[int] = []
    for part in key.split(","):
        first, _, last = part.strip().lower().partition("-")
        low = WEEKDAYS.index(first)
        high = WEEKDAYS.index(last) if last else low
        result.extend(range(low, high + 1) if low <= high else [*range(low, 7), *range(0, high + 1)])
    return result


_DAYS_RE = re.compile(r"^(mon|tue|wed|thu|fri|sat|sun)(-(mon|tue|wed|thu|fri|sat|sun))?$")


_DAY = "(?:[Mm][Oo][Nn]|[Tt][Uu][Ee]|[Ww][Ee][Dd]|[Tt][Hh][Uu]|[Ff][Rr][Ii]|[Ss][Aa][Tt]|[Ss][Uu][Nn])"
_DAYS_KEY_PATTERN = rf"^\s*{_DAY}(?:-{_DAY})?(?:\s*,\s*{_DAY}(?:-{_DAY})?)*\s*$"  # mon, mon-fri, sat,sun (for editors)


def _one_or_many(value: Any) -> Any:
    """Let admins write `tags: tier4` as well as `tags: [tier4]`."""
    return (value,) if isinstance(value, (str, int)) and not isinstance(value, bool) else value


def _one_or_many_numbers(value: Any) -> Any:
    """`tier: 4` as well as `tier: [3, 4]`; a lone `true` or `4.5` is one wrong item, not a wrong list."""
    return (value,) if isinstance(value, (str, int, float)) else value


def _not_true_or_false(value: Any) -> Any:
    if isinstance(value, bool):
        raise ValueError(f"should be 1, not {str(value).lower()}")
    return value


def _texts(value: Any) -> Any:
    """One or many texts; numbers (custom field values, ids) are taken as their text."""
    value = _one_or_many(value)
    if isinstance(value, (list, tuple)):
        return tuple(_field_id(item) for item in value)
    return value


# No duration reaches beyond this (a day counted as 24 hours): tickets are not that old, and
# times past year 9999 cannot be written.
MAX_DURATION_DAYS = 36_500


def _duration(value: str) -> str:
    text = value.strip().lower()
    if text == "none":
        return text
    shown = value if len(value) <= 24 else value[:20] + "…"
    if not DURATION_RE.match(text):
        raise ValueError(f"{shown!r} is not a duration: write e.g. 30m, 4h, 2d, 1d 4h or none")
    amounts = [amount.partition(".") for amount, _ in _DURATION_PART.findall(text)]
    if any(len(decimals) > 6 for _, _, decimals in amounts):
        raise ValueError(f"{shown!r}: write at most 6 decimals")
    if any(len(whole) > 12 for whole, _, _ in amounts):  # (before any arithmetic on a thousand digits)
        raise ValueError(f"{shown!r} is more than {MAX_DURATION_DAYS:,} days (100 years)")
    return text


def _within_a_century(value: str) -> str:
    if value != "none" and duration_us(value, WALL_DAY_US) > MAX_DURATION_DAYS * WALL_DAY_US:
        shown = value if len(value) <= 24 else value[:20] + "…"
        raise ValueError(f"{shown!r} is more than {MAX_DURATION_DAYS:,} days (100 years)")
    return value


def empty_for(model: type[BaseModel], key: Any) -> Any:
    """What null stands for under `key`: () or {} for an optional list or mapping; else null."""
    for name, field in model.model_fields.items():
        if key in (name, field.alias):
            annotation = field.annotation
            if typing.get_origin(annotation) is Annotated:
                annotation = typing.get_args(annotation)[0]
            origin = typing.get_origin(annotation)
            if field.is_required() or origin not in (tuple, dict, list):
                return None
            return {} if origin is dict else ()
    return None


# Working time beyond this is a typo, not a target, and no calendar table reaches it.
MAX_TARGET_DAYS = 2000


def _target(value: str) -> str:
    """A target or length of working time: more than nothing, and not centuries."""
    if value == "none":
        return value
    shown = value if len(value) <= 24 else value[:20] + "…"
    wall_us = duration_us(value, WALL_DAY_US)  # (a working day counted as 24 hours: an upper bound)
    if wall_us <= 0:
        raise ValueError(f"{shown!r} is no time at all: a target is more than 0 (write none for no target)")
    if wall_us > MAX_TARGET_DAYS * WALL_DAY_US:
        raise ValueError(f"{shown!r} is more than {MAX_TARGET_DAYS} days of working time: write none for no target")
    return value


def _reject_number(value: Any) -> Any:
    # `response: 30` has no unit; refuse rather than guess minutes or hours.
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        raise ValueError(f"{value} has no unit: write e.g. {value}m, {value}h or {value}d")
    return value


def _span(value: Any) -> str:
    return _clock_span(value, wrap=False)


def _wrapping_span(value: Any) -> str:
    return _clock_span(value, wrap=True)


def _clock_span(value: Any, *, wrap: bool) -> str:
    if isinstance(value, int) and not isinstance(value, bool):
        # YAML 1.1 reads an unquoted 8:00 as the base-60 integer 480.
        raise ValueError("write working hours as quoted text, e.g. \"08:00-16:00\"")
    text = str(value).strip()
    match = SPAN_RE.match(text)
    if not match:
        raise ValueError(f"{text!r} is not a span of hours: write e.g. \"08:00-16:00\"")
    start = int(match[1]) * 60 + int(match[2])
    end = int(match[3]) * 60 + int(match[4])
    if end > 24 * 60 or (end <= start and not wrap) or end == start:
        raise ValueError(f"{text!r}: the span must end after it starts, at 24:00 at the latest")
    return f"{match[1]}:{match[2]}-{match[3]}:{match[4]}"


def _days_key(value: str) -> str:
    text = value.strip().lower()
    parts = [part.strip() for part in text.split(",")]
    for part in parts:
        if not _DAYS_RE.match(part):
            raise ValueError(f"{value!r} is not a day or day range: write e.g. mon, mon-fri or sat,sun")
    if len(set(parts)) < len(parts):
        raise ValueError(f"{value!r} names a day twice")
    return text


def _percent(value: Any) -> float:
    try:
        if isinstance(value, str) and value.strip().endswith("%"):
            value = float(value.strip()[:-1]) / 100
        number = float(value)
    except (TypeError, ValueError, OverflowError):
        shown = repr(value) if len(repr(value)) <= 24 else repr(value)[:20] + "…"
        raise ValueError(f"{shown} is not a percentage: write e.g. 75%") from None
    if not 0 < number < 1:
        raise ValueError("a warning threshold is between 0% and 100%, e.g. 75%")
    return number


WALL_DAY_US = 86_400_000_000
_UNIT_US = {"h": 3_600_000_000, "m": 60_000_000}


def duration_us(text: str, day_us: int) -> int:
    """'1.5d 4h' in microseconds, a day being `day_us` (a working day, or 24 hours).

    Exact: decimals are read as fractions, so 2.3 days of 8 hours is 18h24m, not a
    microsecond short of it (which a notice would show as the minute before).
    """
    total = Fraction(0)
    for amount, unit in _DURATION_PART.findall(text):
        total += Fraction(amount) * (day_us if unit == "d" else _UNIT_US[unit])
    return round(total)


def _field_id(value: Any) -> Any:
    # Zendesk custom field ids are numbers; admins write them quoted or not.
    return str(value) if isinstance(value, int) and not isinstance(value, bool) else value


def _one_or_list(item: dict[str, Any]) -> WithJsonSchema:
    # What editors should accept: one value or a list of them (see _one_or_many).
    return WithJsonSchema({"anyOf": [item, {"type": "array", "items": item}]})


def _channel_id(value: str) -> str:
    if not is_channel_id(value):
        raise ValueError(f"{value!r}: {CHANNEL_ID_HINT}")
    return value


def _not_blank(value: str) -> str:
    # An empty name, tag or status is a slip: it matches nothing, or fails only when an API call is made.
    if not value.strip():
        raise ValueError("must not be empty")
    return value


Text = Annotated[str, AfterValidator(_not_blank), Field(json_schema_extra={"pattern": r"\S"})]
FieldId = Annotated[Text, BeforeValidator(_field_id)]
StrList = Annotated[tuple[Text, ...], BeforeValidator(_texts), _one_or_list({"type": ["string", "integer"], "pattern": r"\S"})]
# Zendesk keeps tags in lower case (`VIP` typed is `vip` on the ticket): a rule's tags are read so.
Tags = Annotated[StrList, AfterValidator(lambda tags: tuple(tag.lower() for tag in tags))]
# A tier, a count: YAML's `true` or `'3'` is not one (lax pydantic took true as 1).
Whole = Annotated[int, StrictInput()]


def _no_fraction(value: object) -> object:
    """A tier is `1`, not `1.0` (which the integer parse would take as 1)."""
    if isinstance(value, float):
        raise ValueError(f"should be a whole number: write {int(value)}" if value.is_integer() else "should be a whole number")
    return value


TierNumber = Annotated[int, BeforeValidator(_no_fraction)]  # a key: YAML's `1:`, or `"1":`
IntList = Annotated[tuple[Whole, ...], BeforeValidator(_one_or_many_numbers), _one_or_list({"type": "integer"})]
Duration = Annotated[
    str,
    BeforeValidator(_reject_number),
    AfterValidator(_duration),
    Field(json_schema_extra={"pattern": r"^\s*([Nn][Oo][Nn][Ee]|(\d+(\.\d+)?\s*[dhmDHM]\s*)+)$"}),
]
Target = Annotated[Duration, AfterValidator(_target)]  # SLA targets, a working day, staleness
Age = Annotated[Duration, AfterValidator(_within_a_century)]  # wall-clock time in conditions
Span = Annotated[str, BeforeValidator(_span), Field(json_schema_extra={"pattern": SPAN_RE.pattern})]
WrappingSpan = Annotated[str, BeforeValidator(_wrapping_span), Field(json_schema_extra={"pattern": SPAN_RE.pattern})]
DaysKey = Annotated[str, AfterValidator(_days_key)]
ChannelId = Annotated[str, AfterValidator(_channel_id), Field(json_schema_extra={"pattern": f"^{CHANNEL_ID.pattern}$"})]
Percent = Annotated[
    float,
    BeforeValidator(_percent),
    WithJsonSchema({"anyOf": [
        {"type": "string", "pattern": r"^\s*\d+(\.\d+)?\s*%\s*$"},
        {"type": "number", "exclusiveMinimum": 0, "exclusiveMaximum": 1},
    ]}),
]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    @model_validator(mode="before")
    @classmethod
    def _empty_lists_and_maps(cls, data: Any) -> Any:
        """`routing:` with every rule commented out is YAML null: an empty list, not an error
        (nor the default: `restart_on_reopen:` emptied restarts nothing). In a condition, an
        empty list is then reported by the checks: it would test nothing."""
        if not isinstance(data, dict) or None not in data.values():
            return data
        return {key: empty_for(cls, key) if value is None else value for key, value in data.items()}


class Tier(Strict):
    """One support tier; a ticket carrying one of `tags` or in `group` is at least at this tier."""

    name: Text
    group: Text | None = None
    tags: Tags = ()
    jira_project: Text | None = Field(None, description="Jira project key for the development tier")
    response: Target | None = Field(
        None, description="response target of this tier: working time on `calendar` since the ticket entered it"
    )
    calendar: Text | None = Field(None, description="the calendar of the tier's response target")


class HolidaySource(Strict):
    country: Text | None = Field(None, description="ISO 3166 code known to the `holidays` package, e.g. GB, US")
    subdivision: Text | None = Field(None, description="e.g. ENG for England")
    dates: tuple[date, ...] = ()


class Calendar(Strict):
    """Working hours in a time zone; SLA targets count only this time."""

    timezone: Text
    hours: dict[
        DaysKey,
        Annotated[
            tuple[Span, ...],
            BeforeValidator(_one_or_many),
            _one_or_list({"type": "string", "pattern": SPAN_RE.pattern}),
        ],
    ] = Field(json_schema_extra={"propertyNames": {"pattern": _DAYS_KEY_PATTERN}})
    holidays: HolidaySource = HolidaySource()
    day_length: Target | None = Field(None, description="length of a working day; default: the longest day")


class Priority(Strict):
    label: Text
    description: str = ""
    zendesk: Text
    jira: Text
    words: StrList = ()


class TicketType(Strict):
    zendesk: StrList = Field((), description="Zendesk ticket types (incident, problem, question, task)")
    tags: Tags = ()


class Defaults(Strict):
    tier: Whole = 1
    type: Text
    priority: Text


class Product(Strict):
    """A product `bridge report` counts tickets under: one tagged with any of its tags."""

    tags: Tags = ()


class Fields(Strict):
    """Zendesk custom field ids whose value names a type, a priority/severity word or a product."""

    type: FieldId | None = None
    priority: FieldId | None = None
    product: FieldId | None = Field(None, description="read by `bridge report`: the value names the product")


class Condition(Strict):
    """All keys given must hold; `any`/`all`/`not` combine conditions."""

    tags_any: Tags = ()
    tags_all: Tags = ()
    tags_none: Tags = ()
    type: StrList = ()
    priority: StrList = ()
    tier: IntList = ()
    status: StrList = ()
    zendesk_type: StrList = ()
    organization: StrList = ()
    requester_domain: StrList = ()
    group: StrList = ()
    fields: dict[FieldId, StrList] = Field(default_factory=dict, description="custom field id -> any of values")
    text_contains: StrList = Field((), description="subject or description contains any (case-insensitive)")
    text_regex: Text | None = None
    age_over: Age | None = Field(None, description="wall-clock time since the ticket was created")
    idle_over: Age | None = Field(None, description="wall-clock time since the last update")
    linked_issue_status: StrList = ()
    replied: bool | None = Field(None, description="an agent has replied publicly")
    sla: Literal["warning", "breach"] | None = None
    any: tuple[Condition, ...] = ()
    all: tuple[Condition, ...] = ()
    not_: Condition | None = Field(None, alias="not")


def tests_key(value: Any, key: str) -> bool:
    """Whether some condition in `value` (rules, a section, a condition, a list of them) tests `key`."""
    if isinstance(value, Condition) and getattr(value, key):
        return True
    if isinstance(value, BaseModel):
        return any(tests_key(getattr(value, name), key) for name in type(value).model_fields)
    if isinstance(value, dict):
        return any(tests_key(item, key) for item in value.values())
    if isinstance(value, (list, tuple)):
        return any(tests_key(item, key) for item in value)
    return False


class Outcome(Strict):
    tier: Whole | None = None
    group: Text | None = None
    priority: Text | None = None
    type: Text | None = None
    add_tags: Tags = ()
    escalate: bool = False
    notify: StrList = ()
    reason: Text | None = None


class RoutingRule(Strict):
    name: Text
    when: Condition = Condition()
    then: Outcome = Outcome()
    continue_: bool = Field(False, alias="continue")


class Targets(Strict):
    response: Target | None = None
    review: Target | None = None
    resolution: Target | None = None


class StopWhen(Strict):
    """What stops each clock; it runs again when the condition no longer holds (see restart_on_reopen)."""

    # Solving a ticket stops every clock: it waits for no first answer either.
    response: Condition = Condition(any=(Condition(replied=True), Condition(status=("solved", "closed"))))
    review: Condition = Condition(status=("hold", "solved", "closed"))
    resolution: Condition = Condition(status=("solved", "closed"))


class SlaPolicy(Strict):
    name: Text
    when: Condition = Condition()
    calendar: Text
    targets: Targets
    warn_at: Percent | None = None
    pause_when: Condition | None = None


class Sla(Strict):
    warn_at: Percent = 0.75
    pause_when: Condition = Condition(status=("pending",))
    stop_when: StopWhen = StopWhen()
    restart_on_reopen: StrList = Field(
        ("response", "review", "resolution"),
        description="targets whose clocks start again, with their full amount, when a solved ticket is reopened",
    )
    policies: tuple[SlaPolicy, ...] = ()


class EscalateWhen(Strict):
    tier_reached: Whole | None = 4
    tags_any: Tags = ()
    sla_breach_at_tier: Whole | None = None


class EscalationPolicy(Strict):
    to: Literal["jira"] = "jira"
    when: EscalateWhen = EscalateWhen()
    issue_type: Text = "Bug"
    issue_types: dict[Text, Text] = Field(default_factory=dict, description="ticket type -> Jira issue type")
    labels: StrList = ()
    fields: dict[str, Any] = Field(default_factory=dict, description="extra Jira fields set on creation")
    zendesk_status_after: Text | None = "hold"
    stage_after: Text | None = None


class ResolutionEntry(Strict):
    stage: Text
    zendesk_status: Text | None = None
    public_reply: Text | None = None


class StatusMapEntry(ResolutionEntry):
    resolutions: dict[Text, ResolutionEntry] = Field(
        default_factory=dict,
        description="by the issue's resolution (any case): where the ticket goes instead, e.g. Won't Do",
    )


class Comments(Strict):
    public_prefix: Text | None = Field(
        "[public]", description="a developer comment starting with this goes to the requester; null: none does"
    )


DUPLICATE_PLACEHOLDERS = ("ticket", "original", "issue_key", "requester", "organisation")


def _duplicate_placeholders(text: str) -> str:
    # A misspelt placeholder would reach the customer as written.
    for name in re.findall(r"\{([^{}]*)\}", text):
        if name not in DUPLICATE_PLACEHOLDERS:
            known = ", ".join("{" + known + "}" for known in DUPLICATE_PLACEHOLDERS)
            raise ValueError(f"unknown placeholder {{{name}}}; the placeholders are {known}")
    return text


DuplicateText = Annotated[Text, AfterValidator(_duplicate_placeholders)]

DUPLICATE_REPLY = (
    "Thank you for letting us know. This is the same problem as request #{original}, which our team is "
    "already working on with development ({issue_key}), so we have merged your request into it and copied "
    "you on it: you will receive every update there."
)
DUPLICATE_NOTE = (
    "Request #{ticket} from {requester} ({organisation}) is the same problem, on {issue_key}: merged into "
    "this ticket. Its requester is copied on this ticket now."
)


class Duplicates(Strict):
    """Several people of one organisation report the same problem: the later tickets are merged into the first.

    A ticket tagged with a Jira issue (`jira_<key>`) that an open ticket of the same organisation
    is linked to already is merged into that one in Zendesk instead of joining the issue: it is
    closed with `reply`, and its requester becomes a CC of the original, which gets `note`.
    Placeholders: {ticket}, {original}, {issue_key}, {requester}, {organisation}."""

    merge: bool = Field(False, description="merge a later ticket of one organisation on one Jira issue into the first")
    reply: DuplicateText = Field(DUPLICATE_REPLY, description="the comment closing the merged ticket")
    reply_public: bool = Field(True, description="whether the requester of the merged ticket gets `reply`")
    note: DuplicateText = Field(DUPLICATE_NOTE, description="the internal note on the ticket it is merged into")


class NotifyEvents(Strict):
    escalation: bool = True
    sla_warning: bool = True
    sla_breach: bool = True
    stale: bool = True
    product_team: bool = True
    system_wide: bool = True
    duplicate: bool = False
    catch_up: bool = True
    monthly_report: bool = Field(True, description="once a month ends: how it went (see `bridge report`)")


class QuietHours(Strict):
    """No notices in these hours (may cross midnight, e.g. 20:00-07:00), except the listed kinds."""

    hours: WrappingSpan
    timezone: Text = "UTC"
    days: StrList = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
    except_: StrList = Field(("sla_breach", "system_wide"), alias="except")


class Notifications(Strict):
    channel: ChannelId | None = Field(None, description="Slack channel id (C…); default BRIDGE_SLACK_MANAGER_CHANNEL")
    events: NotifyEvents = NotifyEvents()
    stale_after: Target = "2d"
    stale_calendar: Text | None = None
    system_wide_threshold: Whole = Field(5, ge=2)
    quiet_hours: QuietHours | None = None
    catch_up: Target = Field(
        "1d",
        description=(
            "An SLA breach or a stale ticket older than this (wall-clock time) when the bridge first finds it "
            "(a backfill, an outage, new rules) gets no notice of its own: one catch-up summary lists them. "
            "none: every one gets its own notice."
        ),
    )

    def enabled(self, kind: str) -> bool:
        """Whether notices of this kind are sent at all (unknown kinds are sent)."""
        return bool(getattr(self.events, kind, True))

    def should_send(self, kind: str, *, now: datetime) -> bool:
        """Enabled and not held back by quiet hours at `now` (an aware datetime)."""
        from bridge.rules.notify import in_quiet_hours  # notify.py imports these models

        if not self.enabled(kind):
            return False
        quiet = self.quiet_hours
        return quiet is None or kind in quiet.except_ or not in_quiet_hours(quiet, now)


IncidentStatus = Literal["investigating", "identified", "monitoring", "resolved"]


class IncidentMessages(Strict):
    """What the page says at each step (public: every visitor and subscriber reads it)."""

    investigating: Text = "We are investigating reports of a problem affecting some customers."
    identified: Text = "The cause has been identified and a fix is being worked on."
    monitoring: Text = "A fix has been put in place and we are monitoring the results."
    resolved: Text = "This incident has been resolved."


class StatusPage(Strict):
    """A public incident on a Statuspage page for a possible system-wide issue: opened when that
    many tickets are linked to one Jira issue, moved along with the issue, resolved when it is
    done. Used only where BRIDGE_STATUSPAGE_TOKEN and BRIDGE_STATUSPAGE_PAGE_ID are set."""

    open_at: Whole | None = Field(None, ge=2, description="linked tickets that open an incident (default: notifications.system_wide_threshold)")
    name: Text = Field("Some customers are affected by a problem", max_length=255,
                       description="the incident's public title (the Jira summary is never published)")
    components: StrList = Field((), description="ids of the Statuspage components the incident affects")
    impact: Literal["degraded_performance", "partial_outage", "major_outage"] = Field(
        "partial_outage", description="the affected components' status while the incident is open")
    notify_subscribers: bool = True
    messages: IncidentMessages = IncidentMessages()
    jira_statuses: dict[Text, IncidentStatus] = Field(
        default_factory=dict,
        description="the incident's status by the issue's Jira status; others by category: to do -> investigating, in progress -> identified, done -> resolved",
    )

    def incident_status(self, jira_status: str, category: str) -> str:
        named = _named(self.jira_statuses, jira_status)
        if named is not None:
            return named
        return {"done": "resolved", "indeterminate": "identified"}.get(category, "investigating")


class Rules(Strict):
    """The root of rules.yaml: load it with `load_rules`, use it with `evaluate`."""

    model_config = ConfigDict(extra="forbid", frozen=True, title="rules.yaml")

    version: Annotated[Literal[1], BeforeValidator(_not_true_or_false)] = 1
    defaults: Defaults
    tiers: dict[TierNumber, Tier] = Field(json_schema_extra={"propertyNames": {"pattern": r"^[1-9][0-9]*$"}})
    calendars: dict[Text, Calendar]
    priorities: dict[Text, Priority]
    types: dict[Text, TicketType]
    products: dict[Text, Product] = Field(default_factory=dict, description="for `bridge report`: first match wins")
    fields: Fields = Fields()
    stages: StrList = ()
    sla: Sla = Sla()
    routing: tuple[RoutingRule, ...] = ()
    escalation: EscalationPolicy = EscalationPolicy()
    jira_status_map: dict[Text, StatusMapEntry] = Field(default_factory=dict)
    comments: Comments = Comments()
    duplicates: Duplicates = Duplicates()
    notifications: Notifications = Notifications()
    status_page: StatusPage = StatusPage()

    # The compiled form `evaluate` runs on; built once, by `bridge.rules.compile`.
    _engine: Any = PrivateAttr(None)

    def model_copy(self, *, update: Mapping[str, Any] | None = None, deep: bool = False) -> "Rules":
        """A copy with changes is other rules: it is compiled afresh, not with the original's engine."""
        copy = super().model_copy(update=update, deep=deep)
        copy._engine = None
        return copy

    def groups_moved_to(self) -> list[str]:
        """The Zendesk groups these rules move tickets to (a tier's group, a rule's), once each."""
        named = [tier.group for tier in self.tiers.values()] + [rule.then.group for rule in self.routing]
        return list(dict.fromkeys(name for name in named if name))

    def status_for_jira(self, status_name: str, resolution: str | None = None) -> StatusMapping | None:
        """The ticket lifecycle step for a Jira status, or for its `resolution` where the entry
        names it (names compared case-insensitively): Done as Won't Do is no fix in place."""
        entry = _named(self.jira_status_map, status_name)
        if entry is None:
            return None
        chosen = _named(entry.resolutions, resolution) if resolution else None
        step = chosen or entry
        return StatusMapping(step.stage, step.zendesk_status, step.public_reply)


T = TypeVar("T")


def _named(entries: Mapping[str, T], name: str) -> T | None:
    wanted = name.strip().casefold()
    return next((entry for key, entry in entries.items() if key.strip().casefold() == wanted), None)
