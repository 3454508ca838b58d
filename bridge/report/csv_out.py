"""The report as one CSV table in long form (month, section, group, measure, value): every
figure of every month, ready for a spreadsheet's pivot table."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from typing import TextIO

from bridge.report.monthly import Counts, MonthFigures, Report, TargetFigures, targets_in

HEADER = ("month", "section", "group", "measure", "value")


def write_csv(report: Report, out: TextIO) -> None:
    """Open `out` with encoding utf-8-sig: spreadsheets then read names with accents right."""
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(HEADER)
    writer.writerows(tuple(_inert(cell) for cell in row) for row in rows(report))


def _inert(cell: str) -> str:
    """A name a spreadsheet would take for a formula (`=HYPERLINK(…)` as an organisation) is
    written as text."""
    return "'" + cell if cell[:1] in ("=", "+", "-", "@", "\t", "\r") and not _is_number(cell) else cell


def _is_number(cell: str) -> bool:
    try:
        float(cell)
    except ValueError:
        return False
    return True


def rows(report: Report) -> Iterator[tuple[str, str, str, str, str]]:
    labels = dict(report.priorities)
    targets = targets_in(report)
    for figures in report.months:
        month = figures.month.label
        for measure in ("created", "resolved", "escalated", "merged", "open_at_end"):
            yield month, "volume", "all", measure, str(getattr(figures, measure))
        for section, groups in (
            ("severity", {labels.get(p, p): c for p, c in _in_order(figures.by_priority, report)}),
            ("client", dict(sorted(figures.by_client.items()))),
            ("product", dict(sorted(figures.by_product.items()))),
        ):
            for group, counts in groups.items():
                yield from _counts(month, section, group, counts)
        for target in targets:
            yield from _sla(month, "sla", target, figures.sla.get(target, TargetFigures()))
            for priority, label in report.priorities:
                found = figures.sla_by_priority.get((target, priority))
                if found is not None:
                    yield from _sla(month, "sla_severity", f"{target} / {label}", found)
        yield from _time_in(month, "status", report.statuses, figures, figures.in_status_us)
        yield from _time_in(month, "stage", report.stages, figures, figures.in_stage_us)


def _in_order(by_priority: dict[str, Counts], report: Report) -> list[tuple[str, Counts]]:
    order = [p for p, _ in report.priorities]
    return sorted(by_priority.items(), key=lambda item: order.index(item[0]) if item[0] in order else len(order))


def _counts(month: str, section: str, group: str, counts: Counts) -> Iterator[tuple[str, str, str, str, str]]:
    yield month, section, group, "created", str(counts.created)
    yield month, section, group, "resolved", str(counts.resolved)


def _sla(month: str, section: str, group: str, figures: TargetFigures) -> Iterator[tuple[str, str, str, str, str]]:
    for measure in ("settled", "met", "late", "missed"):
        yield month, section, group, measure, str(getattr(figures, measure))
    for measure in ("on_time_pct", "median_hours", "mean_hours"):
        yield month, section, group, measure, _decimal(getattr(figures, measure))


def _time_in(
    month: str, section: str, names: list[str], figures: MonthFigures, spent: dict[str, int]
) -> Iterator[tuple[str, str, str, str, str]]:
    for name in names:
        yield month, section, name, "mean_hours", _decimal(figures.mean_hours_in(spent, name))


def _decimal(value: float | None) -> str:
    return "" if value is None else f"{value:.2f}"
