"""Read the store and the rules into a `Report`: the one step of `bridge report` that does I/O."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Engine

from bridge.report.facts import Reader
from bridge.report.monthly import Month, Report, tally
from bridge.rules.schema import Rules
from bridge.store.reporting import recorded_since


def build_report(engine: Engine, rules: Rules, months: list[Month], *, now: datetime) -> Report:
    reader = Reader(rules)
    facts = (
        fact
        for batch in recorded_since(engine, months[0].start)
        for recorded in batch
        if (fact := reader.facts(recorded, now=now)) is not None
    )
    priorities = [(name, f"{name} {priority.label}".strip()) for name, priority in rules.priorities.items()]
    return tally(facts, months, now=now, priorities=priorities, stages=list(rules.stages))
