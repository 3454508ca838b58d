"""Quiet hours: whether a notice waits, as of a given moment (pure)."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from bridge.rules.calendar import US, from_us
from bridge.rules.schema import WEEKDAYS, QuietHours

if TYPE_CHECKING:
    from bridge.rules.engine import Engine

_MINUTE_US = 60 * US
_DAY_MINUTES = 24 * 60


def in_quiet_hours(quiet: QuietHours, now: datetime) -> bool:
    """Whether `now` falls in the quiet hours; a span crossing midnight belongs to its start day."""
    local = now.astimezone(ZoneInfo(quiet.timezone))
    start, end = _span_minutes(quiet.hours)
    return _quiet(start, end, _days(quiet), local.weekday(), local.hour * 60 + local.minute)


def _span_minutes(hours: str) -> tuple[int, int]:
    start_text, end_text = hours.split("-")
    return int(start_text[:2]) * 60 + int(start_text[3:]), int(end_text[:2]) * 60 + int(end_text[3:])


def _days(quiet: QuietHours) -> frozenset[int]:
    return frozenset(WEEKDAYS.index(day) for day in quiet.days if day in WEEKDAYS)


def _quiet(start: int, end: int, days: frozenset[int], weekday: int, minute: int) -> bool:
    if start < end:
        return start <= minute < end and weekday in days
    if minute >= start:
        return weekday in days
    return minute < end and (weekday - 1) % 7 in days


class QuietClock:
    """Quiet hours compiled for the hot path: quiet or not at a moment, and until when that holds.

    The answer depends only on the local weekday and minute, so it holds until the local
    clock next reaches the start, the end or midnight (or the UTC offset changes). The last
    such spell is kept: a sweep asks about one moment for every ticket.
    """

    __slots__ = ("_tz", "_start", "_end", "_days", "_boundaries", "_spell")

    def __init__(self, quiet: QuietHours) -> None:
        self._tz = ZoneInfo(quiet.timezone)
        self._start, self._end = _span_minutes(quiet.hours)
        self._days = _days(quiet)
        # Midnight changes the weekday, which matters only when some days are not quiet.
        self._boundaries = (self._start, self._end) + (() if len(self._days) == 7 else (0,))
        self._spell = (0, 0, False)  # [from, until) in µs, quiet; replaced whole (threads share it)

    def at(self, now_us: int) -> tuple[bool, int]:
        """Whether `now_us` is in the quiet hours, and the first moment that may change the answer."""
        low, high, quiet = self._spell
        if low <= now_us < high:
            return quiet, high
        local = from_us(now_us).astimezone(self._tz)
        minute = local.hour * 60 + local.minute
        quiet = _quiet(self._start, self._end, self._days, local.weekday(), minute)
        low = now_us - local.second * US - local.microsecond
        ahead = min((boundary - minute) % _DAY_MINUTES or _DAY_MINUTES for boundary in self._boundaries)
        high = self._offset_change(low, low + ahead * _MINUTE_US)
        self._spell = (low, high, quiet)
        return quiet, high

    def _offset_change(self, low: int, high: int) -> int:
        """`high`, or the first minute after `low` with another UTC offset (a DST change) if sooner."""
        offset = from_us(low).astimezone(self._tz).utcoffset()
        if from_us(high - 1).astimezone(self._tz).utcoffset() == offset:
            return high
        first, last = low // _MINUTE_US, (high - 1) // _MINUTE_US  # minutes: offset known at first, not at last
        while last - first > 1:
            middle = (first + last) // 2
            if from_us(middle * _MINUTE_US).astimezone(self._tz).utcoffset() == offset:
                first = middle
            else:
                last = middle
        return last * _MINUTE_US


class NoticeGate:
    """Whether a notice of a kind may go out at one moment (enabled, not held by quiet hours);
    remembers until when quiet hours held one back, so the ticket is judged again then.

    Quiet hours are looked up once, not per notice: a ticket gets two or three notices.
    """

    __slots__ = ("_muted", "_quiet_except", "_quiet_until", "held_until")

    def __init__(self, engine: Engine, now_us: int) -> None:
        self._muted, self._quiet_except = engine.muted, engine.quiet_except
        self._quiet_until: int | None = None  # None: quiet hours hold nothing back now
        if engine.quiet is not None:
            is_quiet, until = engine.quiet.at(now_us)
            if is_quiet:
                self._quiet_until = until
        self.held_until: int | None = None

    def __call__(self, kind: str) -> bool:
        if kind in self._muted:
            return False  # switched off: not held, it never goes out
        if self._quiet_until is None or kind in self._quiet_except:
            return True
        self.held_until = self._quiet_until
        return False
