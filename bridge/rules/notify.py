"""Quiet hours: whether a notice waits, as of a given moment (pure)."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from bridge.rules.calendar import US, from_us, to_us
from bridge.rules.schema import QuietHours, expand_days

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
    return frozenset(weekday for day in quiet.days for weekday in expand_days(day))


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

    __slots__ = ("_tz", "_start", "_end", "_days", "_boundaries", "_spell", "_latest")

    def __init__(self, quiet: QuietHours) -> None:
        self._tz = ZoneInfo(quiet.timezone)
        self._start, self._end = _span_minutes(quiet.hours)
        self._days = _days(quiet)
        # Midnight changes the weekday, which matters only when some days are not quiet.
        self._boundaries = (self._start, self._end) + (() if len(self._days) == 7 else (0,))
        self._spell = (0, 0, False)  # [from, until) in µs, quiet; replaced whole (threads share it)
        self._latest: tuple[int | None, tuple[int, int] | None] = (None, None)  # latest_spell's last answer

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

    def latest_spell(self, now_us: int) -> tuple[int, int] | None:
        """The latest quiet spell begun by `now_us` as [start, end) in µs, joined with the spells
        before it that end where it starts (quiet every night and all weekend is one spell)."""
        asked, answer = self._latest
        if asked == now_us:  # a sweep asks about one moment for every ticket
            return answer
        answer = self._latest_spell(now_us)
        self._latest = (now_us, answer)
        return answer

    def _latest_spell(self, now_us: int) -> tuple[int, int] | None:
        if not self._days:
            return None
        today = from_us(now_us).astimezone(self._tz).date()
        for back in range(8):
            day = today - timedelta(days=back)
            if day.weekday() in self._days and self._local(day, self._start) <= now_us:
                start, end = self._local(day, self._start), self._spell_end(day)
                for _ in range(7):
                    day -= timedelta(days=1)
                    if day.weekday() not in self._days or self._spell_end(day) != start:
                        break
                    start = self._local(day, self._start)
                return start, end
        return None  # pragma: no cover - some weekday is quiet, so a week back holds a start

    def _spell_end(self, day: date) -> int:
        return self._local(day if self._start < self._end else day + timedelta(days=1), self._end)

    def _local(self, day: date, minute: int) -> int:
        return to_us((datetime.combine(day, time()) + timedelta(minutes=minute)).replace(tzinfo=self._tz))


class NoticeGate:
    """Whether a notice of a kind may go out at one moment (enabled, not held by quiet hours);
    remembers until when quiet hours held one back, so the ticket is judged again then.

    Quiet hours are looked up once, not per notice: a ticket gets two or three notices.

    It also tells old news from new (`notifications.catch_up`): what began longer ago than
    that goes in `caught_up` — for the catch-up summary — instead of a notice of its own.
    """

    __slots__ = (
        "engine", "_muted", "_quiet", "_quiet_except", "_quiet_until", "_now_us", "old_before", "held_until", "caught_up"
    )

    def __init__(self, engine: Engine, now_us: int) -> None:
        self.engine = engine
        self._muted, self._quiet_except = engine.muted, engine.quiet_except
        self._quiet = engine.quiet
        self._quiet_until: int | None = None  # None: quiet hours hold nothing back now
        if engine.quiet is not None:
            is_quiet, until = engine.quiet.at(now_us)
            if is_quiet:
                self._quiet_until = until
        self._now_us = now_us
        # What began before this is old news (one comparison on the hot path); -1: nothing is.
        self.old_before = -1 if engine.catch_up_us is None else now_us - engine.catch_up_us
        self.held_until: int | None = None
        self.caught_up: list[tuple[str, str, str]] = []  # (kind, notice key, what), for the summary

    def __call__(self, kind: str) -> bool:
        if kind in self._muted:
            return False  # switched off: not held, it never goes out
        if self._quiet_until is None or kind in self._quiet_except:
            return True
        self.held_until = self._quiet_until
        return False

    def quiet_until(self, kind: str) -> int | None:
        """When quiet hours stop holding back a notice of `kind`: the end of the quiet spell now
        (None: they do not hold it now, or the kind is switched off). Not `held_until`, the next
        moment the answer may change (midnight, a clock change), which is still quiet at times."""
        if self._quiet_until is None or self._quiet is None or kind in self._muted or kind in self._quiet_except:
            return None
        spell = self._quiet.latest_spell(self._now_us)
        return spell[1] if spell is not None and spell[1] > self._now_us else self._quiet_until

    def catch_up(self, kind: str, key: str, began: int, what: str) -> bool:
        """Whether the notice `key` of `kind`, about something that began at `began` (before
        `old_before`: the caller's one comparison), is old news: then it is kept for the
        summary, and gets no notice of its own.

        Not old news: what quiet hours held back. What began in a quiet spell that ended
        within `catch_up` (or goes on) waited for it to end; it goes out on its own."""
        if kind in self._muted:
            return False  # the caller's gate drops it: switched off is off in summaries too
        if self._quiet is not None and kind not in self._quiet_except:
            spell = self._quiet.latest_spell(self._now_us)
            if spell is not None and began >= spell[0] and spell[1] > self.old_before:
                return False
        self.caught_up.append((kind, key, what))
        return True
