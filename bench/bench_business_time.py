"""Business-time arithmetic: adding and measuring working time on the shipped calendars

Random starts over three years, amounts up to 14 working days; `gmt-office` has England
bank holidays, `pacific-office` US federal holidays and DST. Calendar tables are warm, as
in a running daemon.
"""

from __future__ import annotations

import random
import time
from datetime import datetime, timezone
from pathlib import Path

from bridge.rules import load_rules
from bridge.rules.calendar import US, BusinessCalendar, to_us
from bridge.rules.engine import engine_of

ROOT = Path(__file__).resolve().parent.parent
COUNT = 200_000
FIRST = to_us(datetime(2025, 1, 1, tzinfo=timezone.utc))
LAST = to_us(datetime(2027, 12, 31, tzinfo=timezone.utc))


def _rate(count: int, seconds: float) -> str:
    return f"{count / seconds:,.0f} /s ({seconds / count * 1e6:.2f} µs each)"


def _measure(calendar: BusinessCalendar, seed: int) -> dict[str, object]:
    rng = random.Random(seed)
    starts = [rng.randrange(FIRST, LAST) for _ in range(COUNT)]
    amounts = [rng.randrange(1, 14 * 8 * 3600) * US for _ in range(COUNT)]
    pauses = [
        [(s + h * 3600 * US, s + (h + d) * 3600 * US) for h, d in ((2, 20), (60, 5))]
        for s in starts[: COUNT // 10]
    ]
    calendar.add(FIRST, US)
    calendar.add(LAST, 200 * 8 * 3600 * US)  # warm the whole range once

    began = time.process_time()
    dues = [calendar.add(start, amount) for start, amount in zip(starts, amounts)]
    add_s = time.process_time() - began

    began = time.process_time()
    for start, due in zip(starts, dues):
        calendar.working_between(start, due)
    between_s = time.process_time() - began

    began = time.process_time()
    for start, amount, paused in zip(starts, amounts, pauses):
        calendar.add_paused(start, amount, paused)
    paused_s = time.process_time() - began
    return {
        "calendar": calendar.name,
        "add": _rate(COUNT, add_s),
        "working_between": _rate(COUNT, between_s),
        "add with 2 pauses": _rate(len(pauses), paused_s),
    }


def run() -> list[dict[str, object]]:
    engine = engine_of(load_rules(ROOT / "rules.yaml"))
    return [_measure(engine.calendars[name], seed) for seed, name in enumerate(("gmt-office", "pacific-office"))]
