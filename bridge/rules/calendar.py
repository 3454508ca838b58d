"""Exact business-time arithmetic on one calendar.

Time is integer microseconds since the Unix epoch (UTC), so sums are exact. A calendar
lazily builds a table of days — local midnight in UTC, each day's working spans in UTC,
and the working time before each day — so `working_at` is one bisect and a few
additions, and `add` is one bisect more. DST is handled once, when a day's local
spans are turned into UTC instants; a working hour is an hour that really elapsed.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
_UTC = timezone.utc
_from_timestamp = datetime.fromtimestamp
US = 1_000_000  # microseconds per second
_ONE_US = timedelta(microseconds=1)
_CHUNK_DAYS = 400  # grow the table by about a year at a time
_MAX_DAYS = 366 * 60  # a calendar that never works would otherwise grow forever

WeekSpans = tuple[tuple[tuple[int, int], ...], ...]  # per weekday (Mon=0): (start, end) minutes


def to_us(moment: datetime) -> int:
    """An aware datetime as integer microseconds since the epoch."""
    return (moment - EPOCH) // _ONE_US


def from_us(micros: int) -> datetime:
    """Integer microseconds since the epoch as an aware UTC datetime (exact)."""
    # fromtimestamp on whole seconds is exact and twice as fast as EPOCH + timedelta; due
    # times fall on whole seconds, so the common case makes one datetime, not two.
    if micros % US:
        return _from_timestamp(micros // US, _UTC).replace(microsecond=micros % US)
    return _from_timestamp(micros // US, _UTC)


@dataclass(frozen=True, slots=True)
class _Table:
    first: int  # proleptic ordinal of the first day
    day_start: list[int]  # UTC of each local midnight; one extra entry closes the last day
    cum: list[int]  # working time before each day; one extra entry: the total
    spans: list[tuple[tuple[int, int], ...]]  # each day's working spans in UTC

    def working_at(self, moment: int) -> int:
        """Working time from the table's start up to `moment` (which it covers)."""
        index = bisect_right(self.day_start, moment) - 1
        total = self.cum[index]
        for start, end in self.spans[index]:
            if moment <= start:
                break
            total += (moment if moment < end else end) - start
        return total

    def latest_with(self, amount: int) -> int:
        """The latest moment up to which at most `amount` (>= 0, covered, below the total) of
        working time has elapsed: the moment it is reached, or, if a working span ends there,
        the start of the next one."""
        index = bisect_right(self.cum, amount) - 1
        left = amount - self.cum[index]
        for start, end in self.spans[index]:
            if left < end - start:
                return start + left
            left -= end - start
        raise AssertionError("cumulative table out of step")  # pragma: no cover

    def moment_of(self, amount: int) -> int:
        """The earliest moment at which `amount` (> 0, covered) of working time has elapsed."""
        index = bisect_left(self.cum, amount) - 1
        left = amount - self.cum[index]
        for start, end in self.spans[index]:
            if left <= end - start:
                return start + left
            left -= end - start
        raise AssertionError("cumulative table out of step")  # pragma: no cover


class BusinessCalendar:
    """Working time of one calendar: add it, measure it, with or without pauses."""

    def __init__(
        self,
        *,
        name: str,
        tz: ZoneInfo,
        week: WeekSpans,
        is_holiday: Callable[[date], bool],
        day_length_us: int | None = None,
    ) -> None:
        if not any(week):
            raise ValueError(f"calendar {name!r} has no working hours")
        self.name = name
        self.tz = tz
        self.week = week
        self.is_holiday = is_holiday
        longest = max(sum(end - start for start, end in day) for day in week) * 60
        self.day_length_us = day_length_us or longest * US
        # Working time in a week without holidays: how far the table must reach for an amount.
        self._weekly_us = sum(end - start for day in week for start, end in day) * 60 * US
        self._table: _Table | None = None
        # latest_start's answers about one `end` (a sweep asks about one moment for every
        # ticket): (end, a table covering it, working time in that table up to `end`,
        # {amount: answer}); replaced whole, so threads see one consistent tuple.
        self._latest: tuple[int | None, _Table | None, int, dict[int, int]] = (None, None, 0, {})

    # -- the table ---------------------------------------------------------------------

    def _build(self, first: int, last: int) -> _Table:
        day_start: list[int] = []
        cum: list[int] = [0]
        spans: list[tuple[tuple[int, int], ...]] = []
        for ordinal in range(first, last + 1):
            day = date.fromordinal(ordinal)
            midnight = to_us(datetime(day.year, day.month, day.day, tzinfo=self.tz))
            day_start.append(midnight)
            if ordinal == last:
                break  # the closing midnight only
            local = () if self.is_holiday(day) else self.week[day.weekday()]
            utc = self._utc_spans(day, local)
            spans.append(utc)
            cum.append(cum[-1] + sum(end - start for start, end in utc))
        return _Table(first, day_start, cum, spans)

    def _utc_spans(self, day: date, local: tuple[tuple[int, int], ...]) -> tuple[tuple[int, int], ...]:
        """A day's working spans as UTC instants, disjoint, in order, within the day.

        On the day clocks go forward, local times in the skipped hour are read with the old
        offset, so `01:00-02:30` and `03:00-04:00` would overlap (02:30 is later than 03:00),
        `02:15-02:45` would end before it starts, and where clocks jump at 23:00 a span to
        23:30 would end in the next day: each span starts no sooner than the one before it
        ends, ends by the next midnight, and empty ones go. A working hour stays an hour
        that elapsed.
        """
        utc: list[tuple[int, int]] = []
        low, high = self._local(day, 0), self._local(day, 24 * 60)
        for start, end in local:
            begin = max(self._local(day, start), utc[-1][1] if utc else low)
            finish = min(self._local(day, end), high)
            if begin < finish:
                utc.append((begin, finish))
        return tuple(utc)

    def _local(self, day: date, minutes: int) -> int:
        # 24:00 is the next local midnight, not 00:00 of the same day.
        if minutes == 24 * 60:
            nxt = day + timedelta(days=1)
            return to_us(datetime(nxt.year, nxt.month, nxt.day, tzinfo=self.tz))
        hour, minute = divmod(minutes, 60)
        return to_us(datetime(day.year, day.month, day.day, hour, minute, tzinfo=self.tz))

    def _cover(self, *moments: int, extra_days: int = 0) -> _Table:
        """A table covering every moment (and `extra_days` past the last); built or grown."""
        table = self._table
        low, high = min(moments), max(moments)
        if table is not None and table.day_start[0] <= low and high < table.day_start[-1] and not extra_days:
            return table
        low_day = datetime.fromtimestamp(low / US - 86400 * 2, tz=timezone.utc).date().toordinal()
        high_day = datetime.fromtimestamp(high / US + 86400 * 2, tz=timezone.utc).date().toordinal()
        first, last = low_day - _CHUNK_DAYS // 4, high_day + _CHUNK_DAYS + extra_days
        if table is not None:
            held = table.first + len(table.spans)
            if table.first <= first and last <= held:
                return table
            if max(last, held) - min(first, table.first) <= _MAX_DAYS:
                first, last = min(first, table.first), max(last, held)
            # else: decades from what the table holds (a ticket dated far away): the table is
            # rebuilt around it, so one odd date does not stop every other ticket being judged
        if last - first > _MAX_DAYS:
            raise ValueError(
                f"calendar {self.name!r}: working time is measured over {_MAX_DAYS // 366} years at most "
                f"({from_us(low).date()} to {from_us(high).date()} is further)"
            )
        # Built whole and swapped in one assignment: readers on other threads see old or new.
        self._table = table = self._build(first, last)
        return table

    # -- arithmetic ----------------------------------------------------------------------

    def _table_for(self, moment: int) -> _Table:
        """The table, if it covers `moment` (the common case, kept cheap), else a grown one."""
        table = self._table
        if table is not None and table.day_start[0] <= moment < table.day_start[-1]:
            return table
        return self._cover(moment)

    def working_between(self, start: int, end: int) -> int:
        """Working microseconds in [start, end] (negative if end < start)."""
        table = self._table
        low, high = (start, end) if start <= end else (end, start)
        if table is None or not (table.day_start[0] <= low and high < table.day_start[-1]):
            table = self._cover(start, end)
        return table.working_at(end) - table.working_at(start)

    def latest_start(self, end: int, amount: int) -> int:
        """The latest moment from which `amount` (> 0) of working time has passed by `end`:
        `working_between(m, end) >= amount` exactly when m <= the answer.

        One comparison then tells whether a clock started at m has run `amount`; the answer
        is kept per `end`, so judging many tickets at one moment measures it once.
        """
        memo_end, table, worked, answers = self._latest
        if memo_end == end:
            answer = answers.get(amount)
            if answer is not None:
                return answer
        else:  # another moment: one lookup of it serves every amount asked about it
            table = self._table_for(end)
            worked, answers = table.working_at(end), {}
        back = 0
        while worked < amount:  # not enough working time in the table before `end`
            back += (amount - worked) * 7 // self._weekly_us + _CHUNK_DAYS  # the weeks it takes, and a margin
            if back > _MAX_DAYS:
                raise ValueError(f"calendar {self.name!r}: less working time than that in {_MAX_DAYS // 366} years")
            table = self._cover(end - back * 86400 * US, end)
            worked = table.working_at(end)
        assert table is not None  # (the loop's or the else branch's)
        answers[amount] = answer = table.latest_with(worked - amount)
        self._latest = (end, table, worked, answers)
        return answer

    def add(self, start: int, amount: int) -> int:
        """The moment `amount` microseconds of working time after `start`."""
        if amount <= 0:
            return start
        extra = 0
        while True:
            table = self._cover(start, extra_days=extra) if extra else self._table_for(start)
            target = table.working_at(start) + amount
            if target <= table.cum[-1]:
                return table.moment_of(target)
            extra = max(extra * 2, (target - table.cum[-1]) * 7 // self._weekly_us + _CHUNK_DAYS)
            if extra > _MAX_DAYS:
                raise ValueError(f"calendar {self.name!r}: less working time than that in {_MAX_DAYS // 366} years")

    def add_each(self, start: int, amounts: Sequence[int | None]) -> list[int | None]:
        """`add` for several amounts from one start (None stays None): one lookup of `start`."""
        table = self._table_for(start)
        base = table.working_at(start)
        last = table.cum[-1]
        result: list[int | None] = []
        for amount in amounts:
            if amount is None:
                result.append(None)
            elif amount <= 0:
                result.append(start)
            elif base + amount <= last:
                result.append(table.moment_of(base + amount))
            else:
                result.append(self.add(start, amount))
        return result

    def add_each_paused(
        self, start: int, amounts: Sequence[int | None], pauses: Sequence[tuple[int, int]]
    ) -> list[int | None]:
        """`add_paused` for several amounts: pauses (sorted, disjoint: see `merge_pauses`)
        measured once, in working-time coordinates.

        Each pause that begins (in working time) before the target moves the target later
        by the working time it covers; one table answers every amount.
        """
        # Only pauses ending after `start` are measured; sorted, the last ends latest.
        high = max(start, pauses[-1][1]) if pauses else start
        table = self._table
        if table is None or not (table.day_start[0] <= start and high < table.day_start[-1]):
            table = self._cover(start, high)
        base = table.working_at(start)
        shifts: list[tuple[int, int]] = []
        for pause_start, pause_end in pauses:
            if pause_end <= start:
                continue
            low, high = table.working_at(max(pause_start, start)), table.working_at(pause_end)
            if high > low:
                shifts.append((low, high - low))
        last = table.cum[-1]
        result: list[int | None] = []
        for amount in amounts:
            if amount is None:
                result.append(None)
                continue
            target = base + amount
            for low, length in shifts:
                if low >= target:
                    break
                target += length
            if amount > 0 and target <= last:
                result.append(table.moment_of(target))
            else:  # zero amounts and targets past the table: the general path
                result.append(self.add_paused_walk(start, amount, pauses))
        return result

    def add_paused(self, start: int, amount: int, pauses: Sequence[tuple[int, int]]) -> int:
        """Like `add`, but time inside the pauses (sorted, disjoint) does not count."""
        due = self.add_each_paused(start, (amount,), pauses)[0]
        assert due is not None  # an amount, not None, was asked for
        return due

    def add_paused_walk(self, start: int, amount: int, pauses: Sequence[tuple[int, int]]) -> int:
        """`add_paused` the plain way, from pause to pause: for what one table cannot answer
        (zero amounts, targets past it), and the tests' second opinion."""
        moment, left = start, amount
        for pause_start, pause_end in pauses:
            if pause_end <= moment:
                continue
            candidate = self.add(moment, left)
            if pause_start >= candidate:
                return candidate
            if pause_start > moment:
                left -= self.working_between(moment, pause_start)
            moment = pause_end
        return self.add(moment, left)

    def working_paused(self, start: int, end: int, pauses: Sequence[tuple[int, int]]) -> int:
        """Working time in [start, end] outside the pauses (sorted, disjoint)."""
        total = self.working_between(start, end)
        for pause_start, pause_end in pauses:
            low, high = max(start, pause_start), min(end, pause_end)
            if low < high:
                total -= self.working_between(low, high)
        return total


def merge_pauses(pauses: Iterable[tuple[datetime, datetime | None]], *, now_us: int) -> list[tuple[int, int]]:
    """Pause intervals as sorted, disjoint microsecond pairs; an open pause ends at `now_us`."""
    if isinstance(pauses, tuple) and len(pauses) == 1:  # the common case: one recorded pause
        start, end = to_us(pauses[0][0]), (now_us if pauses[0][1] is None else to_us(pauses[0][1]))
        return [(start, end)] if start < end else []
    pairs = sorted((to_us(start), to_us(end) if end is not None else now_us) for start, end in pauses)
    merged: list[tuple[int, int]] = []
    for start, end in pairs:
        if end <= start:
            continue
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged
