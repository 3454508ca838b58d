"""The report as one self-contained HTML page: tables, trends and SVG charts, no scripts."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from jinja2 import Environment, PackageLoader

from bridge.report import charts
from bridge.report.monthly import Counts, MonthFigures, Report, TargetFigures, targets_in

GroupsOf = Callable[[MonthFigures], dict[str, Counts]]  # a month's figures -> its counts per client (or product …)
SpentOf = Callable[[MonthFigures], dict[str, int]]  # a month's figures -> time per status (or stage)
TOP_GROUPS = 15  # clients and products shown one by one; the rest are summed up as "others"

# Every value is escaped (an organisation named `A <b>&</b> B` shows as written); the charts are Markup.
_env = Environment(loader=PackageLoader("bridge.report", "templates"), autoescape=True, trim_blocks=True, lstrip_blocks=True)


@dataclass(frozen=True, slots=True)
class Row:
    name: str
    cells: list[str]


def to_html(report: Report, *, title: str = "Support performance") -> str:
    months = report.months
    labels = [m.month.label + ("*" if m.month.end > report.now else "") for m in months]
    targets = targets_in(report)
    sla_rows = [
        Row(f"{target}: {measure}", [_sla_cell(m.sla.get(target), measure) for m in months])
        for target in targets
        for measure in ("on time", "settled", "late", "missed", "median hours")
    ]
    return _env.get_template("report.html.j2").render(
        title=title,
        report=report,
        labels=labels,
        partial=any(m.month.end > report.now for m in months),
        trends=_trends([m for m in months if m.month.end <= report.now], targets),
        volume_rows=[
            Row(name, [str(getattr(m, attr)) for m in months])
            for name, attr in (("created", "created"), ("resolved", "resolved"), ("escalated to Jira", "escalated"),
                               ("merged into another (duplicates)", "merged"), ("open at month end", "open_at_end"))
        ],
        volume_chart=charts.bars(labels, [("created", [m.created for m in months]), ("resolved", [m.resolved for m in months])]),
        backlog_chart=charts.lines(labels, [("open at month end", [m.open_at_end for m in months])]),
        sla_chart=charts.lines(
            labels, [(f"{t} on time", [m.sla[t].on_time_pct if t in m.sla else None for m in months]) for t in targets],
            unit="%", top=100,
        ) if targets else None,
        sla_rows=sla_rows,
        severity_rows=_sla_by_severity(report, targets),
        priority_rows=_count_rows(months, lambda m: m.by_priority, [p for p, _ in report.priorities], dict(report.priorities)),
        client_rows=_count_rows(months, lambda m: m.by_client, _top(months, lambda m: m.by_client)),
        product_rows=_count_rows(months, lambda m: m.by_product, _top(months, lambda m: m.by_product)),
        status_rows=_time_rows(months, report.statuses, lambda m: m.in_status_us),
        stage_rows=_time_rows(months, report.stages, lambda m: m.in_stage_us),
        status_chart=charts.bars(
            labels, [(s, [m.mean_hours_in(m.in_status_us, s) for m in months]) for s in report.statuses], unit=" h"
        ),
    )


def _sla_cell(figures: TargetFigures | None, measure: str) -> str:
    if figures is None or not figures.settled:
        return "–"
    if measure == "on time":
        return f"{figures.on_time_pct:.0f}% ({figures.met}/{figures.settled})"
    if measure == "median hours":
        return "–" if figures.median_hours is None else f"{figures.median_hours:.1f}"
    return str(getattr(figures, measure))


def _sla_by_severity(report: Report, targets: list[str]) -> list[Row]:
    rows = []
    for target in targets:
        for priority, label in report.priorities:
            cells = [_sla_cell(m.sla_by_priority.get((target, priority)), "on time") for m in report.months]
            if any(cell != "–" for cell in cells):
                rows.append(Row(f"{target} · {label}", cells))
    return rows


def _top(months: list[MonthFigures], groups_of: GroupsOf) -> list[str]:
    totals: dict[str, int] = {}
    for month in months:
        for name, counts in groups_of(month).items():
            totals[name] = totals.get(name, 0) + counts.created + counts.resolved
    return sorted(totals, key=lambda name: (-totals[name], name))


def _count_rows(months: list[MonthFigures], groups_of: GroupsOf, names: list[str], labels: dict[str, str] | None = None) -> list[Row]:
    shown, rest = names[:TOP_GROUPS], names[TOP_GROUPS:]
    rows = [
        Row((labels or {}).get(name, name), [_pair(groups_of(m).get(name)) for m in months]) for name in shown
    ]
    if rest:
        rows.append(Row(f"{len(rest)} others", [
            _pair(Counts(sum(groups_of(m)[n].created for n in rest if n in groups_of(m)),
                         sum(groups_of(m)[n].resolved for n in rest if n in groups_of(m))))
            for m in months
        ]))
    return rows


def _pair(counts: Counts | None) -> str:
    return "–" if counts is None else f"{counts.created} / {counts.resolved}"


def _time_rows(months: list[MonthFigures], names: list[str], spent_of: SpentOf) -> list[Row]:
    rows = []
    for name in names:
        cells = [m.mean_hours_in(spent_of(m), name) for m in months]
        rows.append(Row(name, ["–" if value is None else f"{value:.1f}" for value in cells]))
    return rows


def _trends(months: list[MonthFigures], targets: list[str]) -> list[str]:
    """The last month over against the one before (both complete: part of a month against a
    whole one would read as a collapse): what moved."""
    if len(months) < 2:
        return []
    last, before = months[-1], months[-2]
    said = [
        f"{name}: {getattr(last, attr)} in {last.month.label}, {_change(getattr(before, attr), getattr(last, attr))} on {before.month.label}"
        for name, attr in (("Created", "created"), ("Resolved", "resolved"), ("Open at month end", "open_at_end"))
    ]
    for target in targets:
        now_pct = last.sla[target].on_time_pct if target in last.sla else None
        was_pct = before.sla[target].on_time_pct if target in before.sla else None
        if now_pct is not None and was_pct is not None:
            said.append(f"{target.capitalize()} on time: {now_pct:.0f}%, {now_pct - was_pct:+.0f} points on {before.month.label}")
    return said


def _change(before: int, now: int) -> str:
    if before == 0:
        return "none" if now == 0 else "up from none"
    return f"{100 * (now - before) / before:+.0f}%"
