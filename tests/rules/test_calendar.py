"""Business-time arithmetic: nights, weekends, holidays, split days, DST, pauses."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bridge.rules.calendar import US, BusinessCalendar, from_us, merge_pauses, to_us
from bridge.rules.engine import compile_calendar
from bridge.rules.schema import Calendar

from .helpers import utc

HOUR = 3600 * US
MINUTE = 60 * US
LA = ZoneInfo("America/Los_Angeles")


def calendar(name: str = "test", **spec: object) -> BusinessCalendar:
    return compile_calendar(name, Calendar.model_validate(spec))


GMT_OFFICE = calendar(timezone="GMT", hours={"mon-fri": "08:00-16:00"}, holidays={"country": "GB", "subdivision": "ENG"})
PACIFIC = calendar(timezone="America/Los_Angeles", hours={"mon-fri": "08:00-17:00"}, holidays={"country": "US"})
SPLIT = calendar(
    timezone="Europe/London",
    hours={"mon-thu": ["09:00-12:30", "13:30-17:30"], "fri": ["09:00-12:00"], "sat": "10:00-11:00"},
    holidays={"dates": [date(2026, 12, 24), date(2027, 1, 4)]},
)
ALWAYS_LA = calendar(timezone="America/Los_Angeles", hours={"mon-sun": "00:00-24:00"})
# Edges inside the hour skipped in spring: read with the old offset, 02:30 comes after 03:00.
SKIPPED_HOUR_LA = calendar(timezone="America/Los_Angeles", hours={"mon-sun": ["01:00-02:30", "02:40-02:50", "03:00-04:00"]})


def add(cal: BusinessCalendar, start: datetime, amount: timedelta) -> datetime:
    return from_us(cal.add(to_us(start), amount // timedelta(microseconds=1)))


@pytest.mark.parametrize(
    ("start", "amount", "due"),
    [
        (utc(2026, 11, 23, 9, 0), timedelta(minutes=30), utc(2026, 11, 23, 9, 30)),  # inside hours
        (utc(2026, 11, 23, 15, 45), timedelta(minutes=30), utc(2026, 11, 24, 8, 15)),  # across the night
        (utc(2026, 11, 27, 15, 45), timedelta(minutes=30), utc(2026, 11, 30, 8, 15)),  # Friday -> Monday
        (utc(2026, 11, 28, 11, 0), timedelta(hours=1), utc(2026, 11, 30, 9, 0)),  # created on Saturday
        (utc(2026, 11, 23, 6, 0), timedelta(hours=1), utc(2026, 11, 23, 9, 0)),  # before opening
        (utc(2026, 11, 23, 15, 0), timedelta(hours=1), utc(2026, 11, 23, 16, 0)),  # ends exactly at closing
        (utc(2026, 11, 23, 15, 0), timedelta(0), utc(2026, 11, 23, 15, 0)),
        # Thu 24 Dec 15:30: Christmas Fri, weekend, Boxing Day observed Mon 28 -> Tue 29.
        (utc(2026, 12, 24, 15, 30), timedelta(hours=1), utc(2026, 12, 29, 8, 30)),
        # Thu before Easter: Good Friday and Easter Monday are bank holidays in England.
        (utc(2026, 4, 2, 14, 0), timedelta(hours=4), utc(2026, 4, 7, 10, 0)),
        (utc(2026, 11, 23, 9, 0), timedelta(hours=80), utc(2026, 12, 7, 9, 0)),  # ten working days
    ],
)
def test_gmt_office(start: datetime, amount: timedelta, due: datetime) -> None:
    assert add(GMT_OFFICE, start, amount) == due


def test_several_spans_per_day_skip_lunch() -> None:
    assert add(SPLIT, datetime(2026, 11, 23, 12, 0, tzinfo=timezone.utc), timedelta(hours=1)) == datetime(
        2026, 11, 23, 14, 0, tzinfo=timezone.utc
    )


def test_explicit_holiday_dates_are_skipped() -> None:
    # Wed 23 Dec 17:00 + 1h: 30 min left on Wednesday, Thu 24 is a listed holiday, then Fri 09:00 + 30 min.
    due = add(SPLIT, datetime(2026, 12, 23, 17, 0, tzinfo=timezone.utc), timedelta(hours=1))
    assert due == datetime(2026, 12, 25, 9, 30, tzinfo=timezone.utc)


def test_pacific_friday_to_monday_across_spring_forward() -> None:
    # Fri 6 Mar 2026 16:00 PST; clocks go forward on Sun 8 Mar; Mon 09:00 is PDT (UTC-7).
    start = datetime(2026, 3, 6, 16, 0, tzinfo=LA)
    due = add(PACIFIC, start, timedelta(hours=2))
    assert due == datetime(2026, 3, 9, 9, 0, tzinfo=LA)
    assert due == utc(2026, 3, 9, 16, 0)


def test_pacific_us_federal_holiday() -> None:
    # Thanksgiving Thu 26 Nov 2026: Wed 16:00 + 2h -> Fri 09:00.
    due = add(PACIFIC, datetime(2026, 11, 25, 16, 0, tzinfo=LA), timedelta(hours=2))
    assert due == datetime(2026, 11, 27, 9, 0, tzinfo=LA)


@pytest.mark.parametrize(
    ("day", "hours_long"),
    [(date(2026, 3, 8), 23), (date(2026, 11, 1), 25), (date(2026, 6, 1), 24)],
)
def test_a_working_hour_is_an_hour_that_elapsed_across_dst(day: date, hours_long: int) -> None:
    start = datetime(day.year, day.month, day.day, tzinfo=LA)
    end = datetime.combine(day + timedelta(days=1), datetime.min.time(), tzinfo=LA)
    assert ALWAYS_LA.working_between(to_us(start), to_us(end)) == hours_long * HOUR


def test_a_span_edge_in_the_repeated_hour_is_its_first_pass() -> None:
    # 2026-11-01: 01:00-02:00 happens twice in Los Angeles (08:00-09:00Z PDT, then 09:00-10:00Z PST).
    night = calendar(timezone="America/Los_Angeles", hours={"sun": "00:00-01:30"})
    midnight = to_us(utc(2026, 11, 1, 7))  # 00:00 PDT
    assert night.working_between(midnight, to_us(utc(2026, 11, 1, 12))) == 90 * MINUTE
    assert night.add(midnight, 90 * MINUTE) == to_us(utc(2026, 11, 1, 8, 30))  # 01:30 PDT, before the repeat


def test_hours_edged_in_the_skipped_hour_never_count_more_than_elapsed() -> None:
    # 2026-03-08: 01:00 PST is 09:00Z, 04:00 PDT is 11:00Z; 02:30 and 02:40-02:50 do not exist.
    day_start, day_end = to_us(utc(2026, 3, 8, 9)), to_us(utc(2026, 3, 8, 11))
    worked = SKIPPED_HOUR_LA.working_between(day_start, day_end)
    assert worked == 110 * MINUTE  # 09:00-10:30Z, 10:40-10:50Z, 10:50-11:00Z: no minute twice
    assert SKIPPED_HOUR_LA.add(day_start, 100 * MINUTE) == to_us(utc(2026, 3, 8, 10, 50))
    end = to_us(utc(2026, 3, 8, 11))
    latest = SKIPPED_HOUR_LA.latest_start(end, 31 * MINUTE)
    assert SKIPPED_HOUR_LA.working_between(latest, end) == 31 * MINUTE
    assert SKIPPED_HOUR_LA.working_between(latest + 1, end) < 31 * MINUTE


def test_a_span_never_runs_into_the_next_day_where_clocks_jump_late_in_the_evening() -> None:
    # America/Nuuk jumps at 23:00 local on 2026-03-28: 23:30 read with the old offset is
    # half an hour into the next day, which would count twice.
    nuuk = calendar(timezone="America/Nuuk", hours={"mon-sun": "22:00-23:30"})
    start = to_us(utc(2026, 3, 29, 0, 30))
    assert nuuk.working_between(start, start + 30 * MINUTE) <= 30 * MINUTE
    end = to_us(utc(2026, 3, 30, 12))
    latest = nuuk.latest_start(end, 90 * MINUTE)
    assert nuuk.working_between(latest, end) == 90 * MINUTE
    assert nuuk.working_between(latest + 1, end) < 90 * MINUTE


def test_pause_extends_due_by_paused_working_time() -> None:
    start = to_us(utc(2026, 11, 23, 9, 0))
    pauses = merge_pauses([(utc(2026, 11, 23, 9, 30), utc(2026, 11, 23, 10, 0))], now_us=to_us(utc(2026, 11, 24)))
    assert from_us(GMT_OFFICE.add_paused(start, HOUR, pauses)) == utc(2026, 11, 23, 10, 30)


def test_pause_outside_working_hours_changes_nothing() -> None:
    start = to_us(utc(2026, 11, 23, 15, 0))
    pauses = merge_pauses([(utc(2026, 11, 23, 17, 0), utc(2026, 11, 24, 7, 0))], now_us=to_us(utc(2026, 11, 25)))
    assert GMT_OFFICE.add_paused(start, 2 * HOUR, pauses) == GMT_OFFICE.add(start, 2 * HOUR)


def test_open_pause_lasts_until_now() -> None:
    pauses = merge_pauses([(utc(2026, 11, 23, 10, 0), None)], now_us=to_us(utc(2026, 11, 23, 11, 0)))
    assert pauses == [(to_us(utc(2026, 11, 23, 10, 0)), to_us(utc(2026, 11, 23, 11, 0)))]


@pytest.mark.parametrize(
    "pause",
    [
        (utc(2026, 11, 23, 10), None),  # open: until now
        (utc(2026, 11, 23, 10), utc(2026, 11, 23, 10, 30)),
        (utc(2026, 11, 23, 10), utc(2026, 11, 23, 10)),  # empty: dropped
        (utc(2026, 11, 23, 12), None),  # opened after now: empty
    ],
)
def test_one_recorded_pause_reads_as_any_list_of_pauses(pause: tuple[datetime, datetime | None]) -> None:
    now = utc(2026, 11, 23, 11)
    assert merge_pauses((pause,), now_us=to_us(now)) == merge_pauses([pause], now_us=to_us(now))  # a store's tuple, the short way


def test_overlapping_pauses_are_merged() -> None:
    merged = merge_pauses(
        [(utc(2026, 1, 1, 10), utc(2026, 1, 1, 12)), (utc(2026, 1, 1, 11), utc(2026, 1, 1, 13)),
         (utc(2026, 1, 1, 14), utc(2026, 1, 1, 14))],
        now_us=to_us(utc(2026, 2, 1)),
    )
    assert merged == [(to_us(utc(2026, 1, 1, 10)), to_us(utc(2026, 1, 1, 13)))]


def test_far_future_and_past_grow_the_table() -> None:
    start = to_us(utc(2031, 6, 2, 9))
    assert GMT_OFFICE.working_between(start, GMT_OFFICE.add(start, 400 * 8 * HOUR)) == 400 * 8 * HOUR
    early = to_us(utc(2001, 6, 4, 9))
    assert GMT_OFFICE.working_between(early, GMT_OFFICE.add(early, HOUR)) == HOUR


def test_a_moment_decades_away_does_not_stop_the_others_being_measured() -> None:
    # A ticket dated 2095 (a bad date in the data) and then today's tickets: each is measured.
    cal = calendar(timezone="GMT", hours={"mon-fri": "08:00-16:00"}, holidays={"country": "GB", "subdivision": "ENG"})
    far = to_us(utc(2095, 1, 3, 9))
    assert cal.working_between(far, cal.add(far, HOUR)) == HOUR
    now = to_us(utc(2026, 11, 23, 9))
    assert cal.add(now, 30 * MINUTE) == GMT_OFFICE.add(now, 30 * MINUTE)
    assert cal.latest_start(now, 8 * HOUR) == GMT_OFFICE.latest_start(now, 8 * HOUR)


def test_a_target_of_decades_on_a_sparse_calendar_is_measured_at_any_later_moment() -> None:
    # An hour a week: 1,250 hours take 24 years (within what `rules check` allows). Judged two
    # months on, the warning's test reaches back 18 years while the table reaches 2050.
    cal = calendar(timezone="GMT", hours={"sat": "09:00-10:00"})
    created = to_us(utc(2026, 11, 23, 9))
    due = cal.add(created, 1250 * HOUR)
    assert from_us(due) == utc(2050, 11, 5, 10)
    later = to_us(utc(2027, 1, 22, 9))
    assert cal.latest_start(later, 1250 * HOUR * 3 // 4) < created  # not yet 75% of it
    assert cal.working_between(created, due) == 1250 * HOUR


def test_moments_more_than_sixty_years_apart_are_refused_clearly() -> None:
    with pytest.raises(ValueError, match=r"measured over 60 years at most \(1960-01-0\d to 2026-11-2\d is further\)"):
        GMT_OFFICE.working_between(to_us(utc(1960, 1, 4, 9)), to_us(utc(2026, 11, 23, 9)))


def test_calendar_without_working_hours_is_refused() -> None:
    with pytest.raises(ValueError, match="no working hours"):
        BusinessCalendar(name="x", tz=LA, week=((),) * 7, is_holiday=lambda day: False)


# -- properties ---------------------------------------------------------------------------

CALENDARS = st.sampled_from([GMT_OFFICE, PACIFIC, SPLIT, ALWAYS_LA, SKIPPED_HOUR_LA])
MOMENTS = st.integers(to_us(utc(2025, 1, 1)), to_us(utc(2028, 12, 31)))
AMOUNTS = st.integers(0, 200 * HOUR)


def reference_working_between(cal: BusinessCalendar, start: int, end: int) -> int:
    """Day by day from the definition, without the cumulative table."""
    total = 0
    day = from_us(start).astimezone(cal.tz).date() - timedelta(days=1)
    while to_us(datetime.combine(day, datetime.min.time(), tzinfo=cal.tz)) < end:
        if not cal.is_holiday(day):
            previous_end = None
            for first, last in cal.week[day.weekday()]:
                begin = to_us(datetime.combine(day, datetime.min.time(), tzinfo=cal.tz) + timedelta(minutes=first))
                if last == 24 * 60:
                    finish = to_us(datetime.combine(day + timedelta(days=1), datetime.min.time(), tzinfo=cal.tz))
                else:
                    finish = to_us(datetime.combine(day, datetime.min.time(), tzinfo=cal.tz) + timedelta(minutes=last))
                if previous_end is not None:  # a span edged in the skipped hour: no instant counts twice
                    begin = max(begin, previous_end)
                finish = min(finish, to_us(datetime.combine(day + timedelta(days=1), datetime.min.time(), tzinfo=cal.tz)))
                if begin < finish:
                    total += max(0, min(end, finish) - max(start, begin))
                    previous_end = finish
        day += timedelta(days=1)
    return total


@settings(max_examples=300, deadline=None)
@given(cal=CALENDARS, start=MOMENTS, amount=AMOUNTS)
def test_due_minus_start_in_working_time_is_the_amount(cal: BusinessCalendar, start: int, amount: int) -> None:
    due = cal.add(start, amount)
    assert cal.working_between(start, due) == amount
    if amount > 0:  # and it is the earliest such moment
        assert cal.working_between(start, due - 1) < amount


@settings(max_examples=300, deadline=None)
@given(cal=CALENDARS, end=MOMENTS, amount=st.integers(1, 200 * HOUR), offset=st.integers(-3 * 86400 * US, 3 * 86400 * US))
def test_latest_start_is_where_the_amount_stops_fitting(cal: BusinessCalendar, end: int, amount: int, offset: int) -> None:
    latest = cal.latest_start(end, amount)
    assert cal.working_between(latest, end) >= amount
    assert cal.working_between(latest + 1, end) < amount  # the latest such moment
    moment = latest + offset  # and any other moment is judged the same way
    assert (cal.working_between(moment, end) >= amount) == (moment <= latest)
    assert cal.latest_start(end, amount) == latest  # asked again: the kept answer


def test_latest_start_reaches_back_beyond_the_table() -> None:
    cal = calendar(timezone="GMT", hours={"mon-fri": "08:00-16:00"})
    end = to_us(utc(2026, 6, 1, 12))
    latest = cal.latest_start(end, 2000 * 8 * HOUR)  # about eight years of working days back
    assert cal.working_between(latest, end) == 2000 * 8 * HOUR


@settings(max_examples=300, deadline=None)
@given(cal=CALENDARS, start=MOMENTS, a=AMOUNTS, b=AMOUNTS)
def test_due_is_monotonic_in_the_amount(cal: BusinessCalendar, start: int, a: int, b: int) -> None:
    low, high = sorted((a, b))
    assert cal.add(start, low) <= cal.add(start, high)


@settings(max_examples=200, deadline=None)
@given(cal=CALENDARS, start=MOMENTS, length=st.integers(0, 30 * 86400 * US))
def test_working_time_matches_the_day_by_day_definition(cal: BusinessCalendar, start: int, length: int) -> None:
    assert cal.working_between(start, start + length) == reference_working_between(cal, start, start + length)


PAUSES = st.lists(
    st.tuples(st.integers(0, 40 * 86400 * US), st.integers(1, 5 * 86400 * US)), max_size=5
)


@settings(max_examples=300, deadline=None)
@given(cal=CALENDARS, start=MOMENTS, amount=AMOUNTS, raw=PAUSES)
def test_paused_time_does_not_count(cal: BusinessCalendar, start: int, amount: int, raw: list[tuple[int, int]]) -> None:
    now = from_us(start + 400 * 86400 * US)
    pauses = merge_pauses([(from_us(start + off), from_us(start + off + size)) for off, size in raw], now_us=to_us(now))
    due = cal.add_paused(start, amount, pauses)
    assert cal.working_paused(start, due, pauses) == amount
    assert due >= cal.add(start, amount)
    if amount > 0:
        assert cal.working_paused(start, due - 1, pauses) < amount


@settings(max_examples=200, deadline=None)
@given(cal=CALENDARS, start=MOMENTS, a=AMOUNTS, b=AMOUNTS, raw=PAUSES)
def test_paused_due_is_monotonic(cal: BusinessCalendar, start: int, a: int, b: int, raw: list[tuple[int, int]]) -> None:
    now = from_us(start + 400 * 86400 * US)
    pauses = merge_pauses([(from_us(start + off), from_us(start + off + size)) for off, size in raw], now_us=to_us(now))
    low, high = sorted((a, b))
    assert cal.add_paused(start, low, pauses) <= cal.add_paused(start, high, pauses)


@settings(max_examples=100, deadline=None)
@given(cal=CALENDARS, start=MOMENTS, amounts=st.lists(st.one_of(st.none(), AMOUNTS), max_size=4))
def test_add_each_agrees_with_add(cal: BusinessCalendar, start: int, amounts: list[int | None]) -> None:
    expected = [None if a is None else cal.add(start, a) for a in amounts]
    assert cal.add_each(start, amounts) == expected


@settings(max_examples=300, deadline=None)
@given(cal=CALENDARS, start=MOMENTS, amounts=st.lists(st.one_of(st.none(), AMOUNTS), max_size=4), raw=PAUSES)
def test_add_each_paused_agrees_with_walking_from_pause_to_pause(
    cal: BusinessCalendar, start: int, amounts: list[int | None], raw: list[tuple[int, int]]
) -> None:
    now = from_us(start + 400 * 86400 * US)
    pauses = merge_pauses([(from_us(start + off - 86400 * US), from_us(start + off + size)) for off, size in raw], now_us=to_us(now))
    expected = [None if a is None else cal.add_paused_walk(start, a, pauses) for a in amounts]
    assert cal.add_each_paused(start, amounts, pauses) == expected
