"""Monthly figures from every ticket's facts: volumes, per severity, client and product, SLA
achievement, time in each status and stage, and the backlog at each month's end.

Each figure falls in the month of its own moment: a ticket counts as created in the month it
was created, as resolved in the month it was last solved, and an SLA target in the month its
outcome was decided (met in time, or its due time passed unmet): a month's on-time share does
not change once the month is over. Months are calendar months in UTC.
"""

from __future__ import annotations

import statistics
from bisect import bisect_right
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timezone

from bridge.report.facts import TicketFacts
from bridge.rules.result import TARGETS

HOUR_US = 3600 * 1_000_000


@dataclass(frozen=True, slots=True)
class Month:
    start: datetime
    end: datetime  # the next month's start

    @property
    def label(self) -> str:
        return f"{self.start:%Y-%m}"


def months_to(year: int, month: int, count: int) -> list[Month]:
    """`count` calendar months (UTC) ending with year-month, oldest first."""
    year, month = (year, month + 1) if month < 12 else (year + 1, 1)  # the last month's end first
    starts = []
    for _ in range(count + 1):
        starts.append(datetime(year, month, 1, tzinfo=timezone.utc))
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    starts.reverse()
    return [Month(start, end) for start, end in zip(starts, starts[1:])]


@dataclass(slots=True)
class Counts:
    created: int = 0
    resolved: int = 0


@dataclass(slots=True)
class TargetFigures:
    """One SLA target's outcomes settled in a month."""

    met: int = 0  # on time
    late: int = 0
    missed: int = 0  # due and not met
    taken_us: list[int] = field(default_factory=list)  # working time to meet it, met or late

    @property
    def settled(self) -> int:
        return self.met + self.late + self.missed

    @property
    def on_time_pct(self) -> float | None:
        return 100 * self.met / self.settled if self.settled else None

    @property
    def median_hours(self) -> float | None:
        return statistics.median(self.taken_us) / HOUR_US if self.taken_us else None

    @property
    def mean_hours(self) -> float | None:
        return statistics.fmean(self.taken_us) / HOUR_US if self.taken_us else None


@dataclass(slots=True)
class MonthFigures:
    month: Month
    created: int = 0
    resolved: int = 0
    escalated: int = 0  # linked to a Jira issue
    merged: int = 0  # duplicates merged into another ticket (neither solved nor open after)
    open_at_end: int = 0  # created before the month's end and not solved then (or now, this month)
    timed: int = 0  # resolved tickets the bridge saw in an open status (time in each is known)
    by_priority: dict[str, Counts] = field(default_factory=dict)
    by_client: dict[str, Counts] = field(default_factory=dict)
    by_product: dict[str, Counts] = field(default_factory=dict)
    sla: dict[str, TargetFigures] = field(default_factory=dict)  # per target
    sla_by_priority: dict[tuple[str, str], TargetFigures] = field(default_factory=dict)  # (target, priority)
    in_status_us: dict[str, int] = field(default_factory=dict)  # summed over the tickets resolved in it
    in_stage_us: dict[str, int] = field(default_factory=dict)

    def mean_hours_in(self, spent: dict[str, int], name: str) -> float | None:
        """Mean hours per ticket resolved this month that the bridge saw open (None: none)."""
        return spent.get(name, 0) / self.timed / HOUR_US if self.timed else None


@dataclass(frozen=True, slots=True)
class Report:
    months: list[MonthFigures]
    now: datetime
    tickets: int  # tickets read
    priorities: list[tuple[str, str]]  # (P1, "P1 Highest") in rules order
    statuses: list[str]  # Zendesk statuses in workflow order
    stages: list[str]  # support stages in rules order


STATUSES = ("new", "open", "pending", "hold")  # the open ones: time in solved is after resolution


def tally(
    facts: Iterable[TicketFacts], months: list[Month], *, now: datetime, priorities: list[tuple[str, str]], stages: list[str]
) -> Report:
    figures = [MonthFigures(month) for month in months]
    starts = [month.start for month in months]
    first, last = months[0].start, months[-1].end
    read = 0

    def month_of(moment: datetime | None) -> MonthFigures | None:
        if moment is None or not first <= moment < last:
            return None
        return figures[bisect_right(starts, moment) - 1]

    for fact in facts:
        read += 1
        created = month_of(fact.created)
        if created is not None:
            created.created += 1
            for counts in _groups(created, fact):
                counts.created += 1
        resolved = month_of(fact.resolved)
        if resolved is not None:
            resolved.resolved += 1
            for counts in _groups(resolved, fact):
                counts.resolved += 1
            if fact.in_status:
                resolved.timed += 1
                _add(resolved.in_status_us, fact.in_status)
                _add(resolved.in_stage_us, fact.in_stage)
        escalated = month_of(fact.escalated)
        if escalated is not None:
            escalated.escalated += 1
        merged = month_of(fact.merged)
        if merged is not None:
            merged.merged += 1
        for month in figures:
            if fact.open_at(min(month.month.end, now)):
                month.open_at_end += 1
        for outcome in fact.outcomes:
            settled = month_of(outcome.settled)
            if settled is None:
                continue
            for figure in (
                settled.sla.setdefault(outcome.target, TargetFigures()),
                settled.sla_by_priority.setdefault((outcome.target, fact.priority), TargetFigures()),
            ):
                if outcome.state == "met":
                    figure.met += 1
                elif outcome.state == "late":
                    figure.late += 1
                else:
                    figure.missed += 1
                if outcome.taken_us is not None:
                    figure.taken_us.append(outcome.taken_us)
    return Report(figures, now, read, priorities, list(STATUSES), stages)


def targets_in(report: Report) -> list[str]:
    """The SLA targets any month has figures for, in the rules' order."""
    seen = {target for month in report.months for target in month.sla}
    return [target for target in TARGETS if target in seen]


def _groups(figures: MonthFigures, fact: TicketFacts) -> tuple[Counts, Counts, Counts]:
    return (
        figures.by_priority.setdefault(fact.priority, Counts()),
        figures.by_client.setdefault(fact.organization, Counts()),
        figures.by_product.setdefault(fact.product, Counts()),
    )


def _add(into: dict[str, int], spent: dict[str, int]) -> None:
    for name, micros in spent.items():
        into[name] = into.get(name, 0) + micros
