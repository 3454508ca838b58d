"""Which notices are sent, and quiet hours."""

from __future__ import annotations

import pytest

from bridge.rules import Rules
from bridge.rules.calendar import to_us
from bridge.rules.notify import QuietClock
from bridge.rules.schema import WEEKDAYS, QuietHours

from .helpers import utc

WEEK = WEEKDAYS


@pytest.mark.parametrize(
    ("kind", "now", "send"),
    [
        ("escalation", utc(2026, 11, 23, 12), True),
        ("escalation", utc(2026, 11, 23, 21), False),  # 21:00 London: quiet
        ("escalation", utc(2026, 11, 24, 6, 59), False),  # still quiet after midnight
        ("escalation", utc(2026, 11, 24, 7, 0), True),
        ("sla_breach", utc(2026, 11, 23, 21), True),  # breaches are never held back
        ("duplicate", utc(2026, 11, 23, 12), False),  # switched off in rules.yaml
        ("stale", utc(2026, 6, 1, 19, 30), False),  # 20:30 BST in summer: quiet
        ("stale", utc(2026, 6, 1, 18, 30), True),  # 19:30 BST
    ],
)
def test_shipped_notifications(shipped: Rules, kind: str, now, send: bool) -> None:
    assert shipped.notifications.should_send(kind, now=now) is send


def test_shipped_notification_settings(shipped: Rules) -> None:
    notes = shipped.notifications
    assert notes.channel is None  # the daemon's BRIDGE_SLACK_MANAGER_CHANNEL
    assert notes.system_wide_threshold == 5
    assert notes.enabled("product_team")


def test_quiet_hours_only_on_listed_days(write_rules) -> None:
    from bridge.rules import load_rules

    from .helpers import BASE

    rules = load_rules(write_rules(BASE + 'notifications: {quiet_hours: {hours: "00:00-24:00", days: [sat, sun]}}\n'))
    assert not rules.notifications.should_send("stale", now=utc(2026, 11, 28, 12))  # Saturday
    assert rules.notifications.should_send("stale", now=utc(2026, 11, 30, 12))  # Monday


@pytest.mark.parametrize("days", ["[sat-sun]", "[sat, sun]", "'sat,sun'", "[Sat-Sun]"])
def test_quiet_days_are_written_as_a_calendar_s_are(write_rules, days: str) -> None:  # type: ignore[no-untyped-def]
    from bridge.rules import load_rules
    from bridge.rules.engine import engine_of

    from .helpers import BASE

    rules = load_rules(write_rules(BASE + f'notifications: {{quiet_hours: {{hours: "00:00-24:00", days: {days}}}}}\n'))
    quiet = engine_of(rules).quiet
    assert quiet is not None
    assert quiet.at(to_us(utc(2026, 11, 28, 12)))[0]  # Saturday
    assert not quiet.at(to_us(utc(2026, 11, 30, 12)))[0]  # Monday
    assert not rules.notifications.should_send("stale", now=utc(2026, 11, 29, 12))  # Sunday


@pytest.mark.parametrize(
    ("hours", "days", "now", "spell"),
    [
        # The night before a working morning.
        ("20:00-07:00", WEEK, utc(2026, 11, 25, 10), (utc(2026, 11, 24, 20), utc(2026, 11, 25, 7))),
        # In the middle of one: the spell goes on.
        ("20:00-07:00", WEEK, utc(2026, 11, 25, 22), (utc(2026, 11, 25, 20), utc(2026, 11, 26, 7))),
        # The clocks go forward that night: 07:00 BST is 06:00 UTC.
        ("20:00-07:00", WEEK, utc(2026, 3, 29, 10), (utc(2026, 3, 28, 20), utc(2026, 3, 29, 6))),
        # Whole days that meet are one spell: Saturday 00:00 to Monday 00:00.
        ("00:00-24:00", ("sat", "sun"), utc(2026, 11, 30, 10), (utc(2026, 11, 28, 0), utc(2026, 11, 30, 0))),
    ],
)
def test_the_latest_quiet_spell(hours: str, days: tuple[str, ...], now, spell) -> None:  # type: ignore[no-untyped-def]
    clock = QuietClock(QuietHours.model_validate({"hours": hours, "timezone": "Europe/London", "days": days}))
    assert clock.latest_spell(to_us(now)) == (to_us(spell[0]), to_us(spell[1]))
