"""Once a month ends, the manager hears how it went: one notice, once, outside quiet hours."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

import pytest

from bridge.model import ActionKind
from bridge.rules import Rules, load_rules
from bridge.store import Store, open_store
from bridge.sync.monthly_report import CURSOR, monthly_report
from tests.report.helpers import at, history, keep

ROOT = Path(__file__).resolve().parents[2]
MORNING = datetime(2026, 12, 2, 9, 0, tzinfo=timezone.utc)  # a Wednesday, after quiet hours (20:00–07:00 London)


@pytest.fixture
def rules() -> Rules:
    return load_rules(ROOT / "rules.yaml")


@pytest.fixture
def store(tmp_path: Path) -> Store:
    store = open_store(f"sqlite:///{tmp_path / 'bridge.db'}")
    keep(store, *history(1, [(at(28, 9, month=10), "new"), (at(29, 10, month=10), "solved")], replies=(at(28, 9, 10, month=10),)))
    keep(store, *history(2, [(at(3, 9), "new"), (at(3, 10), "solved")], replies=(at(3, 9, 20),), organization="Globex"))
    keep(store, *history(3, [(at(5, 9), "new")], organization="Globex"))
    keep(store, *history(4, [(at(6, 9), "new")], organization="Initech & Co"))
    return store


def notices(store: Store) -> list[str]:
    return [a.action.params["text"] for a in store.actions.with_status("pending") if a.action.kind is ActionKind.NOTIFY]


def test_the_month_before_is_told_once(store: Store, rules: Rules) -> None:
    assert monthly_report(store=store, rules=rules, now=MORNING) == 1
    [text] = notices(store)
    assert text.startswith(":bar_chart: Support in November 2026: 3 tickets created (+200% on the month before), 1 solved")
    assert "2 open at the month's end" in text
    assert "SLA targets met on time: response 33% of 3 (-67 points)" in text  # one answered in time, two never
    assert "Busiest clients: Globex (2), Initech &amp; Co (1)" in text  # (Slack's escaping)
    assert "bridge report --to 2026-11" in text
    assert monthly_report(store=store, rules=rules, now=MORNING.replace(hour=10)) == 0  # told: not again
    assert store.cursor(CURSOR) == "2026-11"


def test_quiet_hours_hold_it_until_they_end(store: Store, rules: Rules) -> None:
    night = datetime(2026, 12, 1, 22, 0, tzinfo=timezone.utc)
    assert monthly_report(store=store, rules=rules, now=night) == 0 and store.cursor(CURSOR) is None
    assert monthly_report(store=store, rules=rules, now=MORNING) == 1


def test_a_month_with_nothing_recorded_or_notices_switched_off_moves_on_without_one(store: Store, rules: Rules, tmp_path: Path) -> None:
    empty = open_store(f"sqlite:///{tmp_path / 'empty.db'}")  # a fresh install
    assert monthly_report(store=empty, rules=rules, now=MORNING) == 0 and empty.cursor(CURSOR) == "2026-11"
    events = rules.notifications.events.model_copy(update={"monthly_report": False})
    off = rules.model_copy(update={"notifications": rules.notifications.model_copy(update={"events": events})})
    assert monthly_report(store=store, rules=off, now=MORNING) == 0
    assert notices(store) == [] and store.cursor(CURSOR) == "2026-11"
