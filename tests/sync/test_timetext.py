"""`bridge.timetext` writes exactly what `datetime.isoformat` writes."""

from __future__ import annotations

import random
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from bridge.rules.calendar import to_us
from bridge.timetext import iso, iso_minutes, iso_minutes_us, iso_us

ZONES = (timezone.utc, timezone(timedelta(hours=5, minutes=30)), ZoneInfo("Europe/London"), None)


def _moments() -> list[datetime]:
    rng = random.Random(7)
    start = datetime(1999, 12, 31, 23, 59, 59)
    moments = [datetime(1, 1, 1), datetime(9999, 12, 31, 23, 59, 59, 999999), datetime(2026, 3, 29, 1, 30)]
    moments += [start + timedelta(seconds=rng.randrange(0, 40 * 365 * 86400)) for _ in range(400)]
    moments += [moment.replace(microsecond=rng.randrange(1, 1_000_000)) for moment in moments[:50]]
    return [moment.replace(tzinfo=zone) for moment in moments for zone in ZONES]


def test_iso_is_isoformat() -> None:
    moments = _moments()
    assert [iso(m) for m in moments] == [m.isoformat() for m in moments]
    assert [iso_minutes(m) for m in moments] == [m.isoformat(" ", "minutes")[:16] for m in moments]


def test_utc_from_fromtimestamp_and_fromisoformat() -> None:
    for moment in (datetime.fromtimestamp(1798718400, timezone.utc), datetime.fromisoformat("2026-05-03T14:22:07+00:00")):
        assert iso(moment) == moment.isoformat()


def test_iso_us_is_isoformat_of_the_utc_moment() -> None:
    moments = [m for m in _moments() if m.tzinfo is not None and m.year > 1]  # before 1970 too
    utc = [m.astimezone(timezone.utc) for m in moments]
    assert [iso_us(to_us(m)) for m in moments] == [m.isoformat() for m in utc]
    assert [iso_minutes_us(to_us(m)) for m in moments] == [m.isoformat(" ", "minutes")[:16] for m in utc]
