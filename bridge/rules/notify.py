"""Quiet hours: whether a notice waits, as of a given moment (pure)."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from bridge.rules.schema import WEEKDAYS, QuietHours


def in_quiet_hours(quiet: QuietHours, now: datetime) -> bool:
    """Whether `now` falls in the quiet hours; a span crossing midnight belongs to its start day."""
    local = now.astimezone(ZoneInfo(quiet.timezone))
    start_text, end_text = quiet.hours.split("-")
    start = int(start_text[:2]) * 60 + int(start_text[3:])
    end = int(end_text[:2]) * 60 + int(end_text[3:])
    minute = local.hour * 60 + local.minute
    days = {WEEKDAYS.index(day) for day in quiet.days if day in WEEKDAYS}
    if start < end:
        return start <= minute < end and local.weekday() in days
    if minute >= start:
        return local.weekday() in days
    return minute < end and (local.weekday() - 1) % 7 in days
