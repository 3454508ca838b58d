"""Text forms of moments for idempotency keys and messages: exactly what `datetime` writes, cheaper.

`decide` writes a few such texts for every ticket it judges (notice keys, due times in
notices and issues), and the sweep judges every open ticket. `isoformat` on an aware
datetime costs about three times what a day looked up in a small cache plus the clock
time from two tables costs; moments in UTC (all of the bridge's own) take that way, any
other is written by `isoformat` itself.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from functools import lru_cache

_UTC = timezone.utc
_CLOCK = tuple(f"{hour:02d}:{minute:02d}" for hour in range(24) for minute in range(60))  # by minute of day
_SECONDS_UTC = tuple(f":{second:02d}+00:00" for second in range(60))


@lru_cache(maxsize=2048)  # a few years of days: due times and updates cluster around now
def _day(ordinal: int) -> str:
    return date.fromordinal(ordinal).isoformat()


def iso(moment: datetime) -> str:
    """`moment.isoformat()`, e.g. `2026-05-03T14:22:07+00:00`."""
    if moment.tzinfo is not _UTC or moment.microsecond:
        return moment.isoformat()
    return _day(moment.toordinal()) + "T" + _CLOCK[moment.hour * 60 + moment.minute] + _SECONDS_UTC[moment.second]


_EPOCH_ORDINAL = date(1970, 1, 1).toordinal()
_EPOCH = datetime(1970, 1, 1, tzinfo=_UTC)


def iso_us(micros: int) -> str:
    """`iso` of a moment given in microseconds since the epoch (UTC), without making a datetime."""
    seconds, fraction = divmod(micros, 1_000_000)
    if fraction:  # fractions of a second: the general path
        return (_EPOCH + timedelta(microseconds=micros)).isoformat()
    days, rest = divmod(seconds, 86400)
    return _day(days + _EPOCH_ORDINAL) + "T" + _CLOCK[rest // 60] + _SECONDS_UTC[rest % 60]


def iso_minutes_us(micros: int) -> str:
    """`iso_minutes` of a moment given in microseconds since the epoch (UTC)."""
    days, rest = divmod(micros // 1_000_000, 86400)
    return _day(days + _EPOCH_ORDINAL) + " " + _CLOCK[rest // 60]


def iso_minutes(moment: datetime) -> str:
    """`moment.isoformat(" ", "minutes")[:16]`: its own date and time to the minute, e.g. `2026-05-03 14:22`."""
    return _day(moment.toordinal()) + " " + _CLOCK[moment.hour * 60 + moment.minute]
