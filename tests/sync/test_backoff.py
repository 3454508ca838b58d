"""Retry delays: doubling from the first, with jitter, never more than the longest, never sooner
than the service asked."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from bridge.sync.execute import MAX_BACKOFF, backoff


@given(attempt=st.integers(1, 60), base=st.floats(0.01, 60), most=st.floats(1, 3600))
def test_a_delay_doubles_from_the_first_up_to_the_longest(attempt: int, base: float, most: float) -> None:
    delay = backoff(attempt, None, base=base, most=most).total_seconds()
    full = min(base * 2.0 ** (attempt - 1), most)
    assert full / 2 - 1e-6 <= delay <= full + 1e-6  # jitter: between half and all of it (to the microsecond)


def test_the_longest_delay_is_fifteen_minutes_unless_set() -> None:
    assert backoff(40, None, base=2).total_seconds() <= MAX_BACKOFF.total_seconds() == 900


@given(retry_after=st.floats(0, 3600), most=st.floats(1, 60))
def test_a_service_that_asks_for_longer_gets_it_whatever_the_longest(retry_after: float, most: float) -> None:
    assert backoff(30, retry_after, base=2, most=most).total_seconds() >= retry_after - 1e-6  # (to the microsecond)
