"""Which notices are sent, and quiet hours."""

from __future__ import annotations

import pytest

from bridge.rules import Rules

from .helpers import utc


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
