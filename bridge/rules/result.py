"""What `evaluate` answers: plain frozen dataclasses the sync core can keep and compare."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, fields
from datetime import datetime
from types import MappingProxyType
from typing import Any

TARGETS = ("response", "review", "resolution")


class DueTimes(Mapping[str, "datetime | None"]):
    """Due time per target ("response", "review", "resolution"); None where there is no target.

    A read-only mapping that turns the engine's microseconds into datetimes on first
    read: the SLA sweep evaluates every open ticket and most callers never look at the
    due times, and the conversion was a fifth of the cost of `evaluate`.
    """

    __slots__ = ("micros", "_times")

    def __init__(self, micros: Sequence[int | None], times: Sequence[datetime | None] | None = None) -> None:
        self.micros = tuple(micros)  # per target, in TARGETS order: microseconds since the epoch, or None
        self._times: list[datetime | None] | None = list(times) if times is not None else None

    def _all(self) -> list[datetime | None]:
        if self._times is None:
            from bridge.rules.calendar import from_us  # result.py stays free of engine imports

            self._times = [None if m is None else from_us(m) for m in self.micros]
        return self._times

    def __getitem__(self, target: str) -> datetime | None:
        try:
            index = TARGETS.index(target)
        except ValueError:
            raise KeyError(target) from None
        return self._all()[index]

    def __iter__(self) -> Iterator[str]:
        return iter(TARGETS)

    def items(self) -> tuple[tuple[str, datetime | None], ...]:  # type: ignore[override]
        """(target, due) pairs, without a lookup per target."""
        return tuple(zip(TARGETS, self._all()))

    def __len__(self) -> int:
        return len(TARGETS)

    def __repr__(self) -> str:
        return repr(dict(self))


@dataclass(frozen=True, slots=True)
class SlaAlert:
    """A running SLA clock past its warning threshold or its target; or a clock stopped by a
    reply after its target ("late": breached, though nothing runs any longer)."""

    target: str  # "response" | "review" | "resolution" | "tier<n>_response"
    level: str  # "warning" | "breach" | "late"
    due_us: int  # the due time, microseconds since the epoch: what notice keys are made of

    @property
    def due(self) -> datetime:
        """The due time as an aware UTC datetime (made on each read: few callers read it)."""
        from bridge.rules.calendar import from_us  # result.py stays free of engine imports

        return from_us(self.due_us)


@dataclass(frozen=True, slots=True)
class Escalation:
    """The decision to raise a ticket with development, and how."""

    to: str
    reason: str
    project: str | None  # None: the daemon's BRIDGE_JIRA_PROJECT
    issue_type: str
    jira_priority: str
    labels: tuple[str, ...]
    zendesk_status_after: str | None
    stage_after: str | None
    fields: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({}))


@dataclass(frozen=True, slots=True)
class StatusMapping:
    """Where a ticket stands when its linked Jira issue reaches a status."""

    stage: str
    zendesk_status: str | None
    public_reply: str | None


@dataclass(frozen=True, slots=True)
class Evaluation:
    """Tier, priority, type, SLA due times, escalation and notices for one ticket at one moment."""

    tier: int
    priority: str
    type: str
    sla_policy: str | None
    due: DueTimes
    escalate: Escalation | None
    rules: tuple[str, ...]
    reasons: tuple[str, ...]
    add_tags: tuple[str, ...]
    set_group: str | None
    notify: tuple[str, ...]
    sla_alerts: tuple[SlaAlert, ...]
    paused: bool
    stale: bool = False  # open, and no update for `notifications.stale_after`
    # The first moment after `now` at which the time-dependent answers (SLA alerts, stale,
    # routing on age or idleness, and what follows from them) may differ; None: never,
    # unless the ticket or what is known of it changes. Due times of a paused clock move on.
    next_change: datetime | None = None


def fast_constructor(cls: type) -> Callable[..., Any]:
    """A positional constructor for a frozen slots dataclass that skips its frozen __init__.

    The generated __init__ of a frozen dataclass sets each field through
    object.__setattr__, which costs ~3 µs for Evaluation; `evaluate` runs tens of
    thousands of times a second, so it fills the slots through their descriptors in
    straight-line code instead (generated, as dataclasses itself generates __init__).
    Only for values already of the declared types: no defaults, no __post_init__.
    """
    names = [f.name for f in fields(cls)]
    namespace: dict[str, Any] = {"new": object.__new__, "cls": cls}
    namespace.update({f"set_{n}": getattr(cls, n).__set__ for n in names})
    body = "".join(f"    set_{n}(obj, {n})\n" for n in names)
    source = f"def construct({', '.join(names)}):\n    obj = new(cls)\n{body}    return obj\n"
    exec(source, namespace)  # noqa: S102 - source built from field names only
    return namespace["construct"]  # type: ignore[no-any-return]
