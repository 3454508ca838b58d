"""Once a month ends, the manager hears how it went: one notice, once, outside quiet hours."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

import pytest

from bridge.model import ActionKind, Event, EventSource
from bridge.rules import Rules, load_rules
from bridge.store import Store, open_store
from bridge.sync.monthly_report import CURSOR, monthly_report
from tests.report.helpers import at, history, keep

ROOT = Path(__file__).resolve().parents[2]
MORNING = datetime(2026, 12, 2, 9, 0, tzinfo=timezone.utc)  # a Wednesday, after quiet hours (20:00–07:00 London)


@pytest.fixture
def rules() -> Rules:
    return load_rules(ROOT / "rules.yaml")


def watching_since(store: Store, moment: datetime) -> Store:
    """The bridge has been running since `moment`: its first event came then."""
    store.inbox.add([Event(EventSource.ZENDESK, "ticket.changed", "ticket:1:first", "1", moment, {})], now=moment)
    return store


@pytest.fixture
def store(tmp_path: Path) -> Store:
    store = watching_since(open_store(f"sqlite:///{tmp_path / 'bridge.db'}"), at(1, 9, month=9))
    keep(store, *history(1, [(at(28, 9, month=10), "new"), (at(29, 10, month=10), "solved")], replies=(at(28, 9, 10, month=10),)))
    keep(store, *history(2, [(at(3, 9), "new"), (at(3, 10), "solved")], replies=(at(3, 9, 20),), organization="Globex"))
    keep(store, *history(3, [(at(5, 9), "new")], organization="Globex"))
    keep(store, *history(4, [(at(6, 9), "new")], organization="Initech & Co"))
    keep(store, *history(5, [(at(7, 9), "new")], organization=None))  # nobody's client
    return store


def notices(store: Store) -> list[str]:
    return [a.action.params["text"] for a in store.actions.with_status("pending") if a.action.kind is ActionKind.NOTIFY]


def test_the_month_before_is_told_once(store: Store, rules: Rules) -> None:
    assert monthly_report(store=store, rules=rules, now=MORNING) == 1
    [text] = notices(store)
    assert text.startswith(":bar_chart: Support in November 2026: 4 tickets created (+300% on the month before), 1 solved")
    assert "3 open at the month's end" in text
    assert "SLA targets met on time: response 25% of 4 (-75 points)" in text  # one answered in time, three never
    assert "Busiest clients: Globex (2), Initech &amp; Co (1)." in text  # (Slack's escaping; no "(none)")
    assert "bridge report --to 2026-11" in text
    assert monthly_report(store=store, rules=rules, now=MORNING.replace(hour=10)) == 0  # told: not again
    assert store.cursor(CURSOR) == "2026-11"


def test_quiet_hours_hold_it_until_they_end(store: Store, rules: Rules) -> None:
    night = datetime(2026, 12, 1, 22, 0, tzinfo=timezone.utc)
    assert monthly_report(store=store, rules=rules, now=night) == 0 and store.cursor(CURSOR) is None
    assert monthly_report(store=store, rules=rules, now=MORNING) == 1


def test_a_month_the_bridge_did_not_watch_from_its_start_is_passed_over(rules: Rules, tmp_path: Path) -> None:
    # Installed on 10 November, with a backfill of October and November: partial figures, old news.
    late = watching_since(open_store(f"sqlite:///{tmp_path / 'late.db'}"), at(10, 9))
    keep(late, *history(1, [(at(3, 9), "new"), (at(3, 10), "solved")], replies=(at(3, 9, 20),)))
    assert monthly_report(store=late, rules=rules, now=MORNING) == 0 and late.cursor(CURSOR) == "2026-11"
    empty = open_store(f"sqlite:///{tmp_path / 'empty.db'}")  # nothing at all yet
    assert monthly_report(store=empty, rules=rules, now=MORNING) == 0 and empty.cursor(CURSOR) == "2026-11"
    assert notices(late) == notices(empty) == []


def test_notices_switched_off_move_on_without_one(store: Store, rules: Rules) -> None:
    events = rules.notifications.events.model_copy(update={"monthly_report": False})
    off = rules.model_copy(update={"notifications": rules.notifications.model_copy(update={"events": events})})
    assert monthly_report(store=store, rules=off, now=MORNING) == 0
    assert notices(store) == [] and store.cursor(CURSOR) == "2026-11"


def test_a_january_tells_the_december_before() -> None:
    from bridge.sync.monthly_report import _previous  # noqa: PLC0415

    assert _previous(datetime(2027, 1, 1, 9, tzinfo=timezone.utc)) == (2026, 12)
