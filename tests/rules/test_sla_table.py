"""The shipped rules.yaml gives the reference SLA table's due times (DESIGN.md).

Working hours Mon–Fri 08:00–16:00 GMT with England bank holidays; a working day is 8 hours.
"""

from __future__ import annotations

from datetime import datetime

import pytest

from bridge.rules import Rules, evaluate

from .helpers import make_ticket, utc

# (Zendesk type, Zendesk priority) for each row of the table
ROWS = {
    "Technical Support P1": ("incident", "urgent"),
    "Technical Support P2": ("problem", "high"),
    "Technical Support P3": ("incident", "normal"),
    "Technical Support P4": ("incident", "low"),
    "Support Query": ("question", "normal"),
    "Service Task": ("task", "normal"),
}

CASES = [
    # Created inside working hours, Monday 23 Nov 2026 09:00.
    ("Technical Support P1", utc(2026, 11, 23, 9), utc(2026, 11, 23, 9, 30), utc(2026, 11, 23, 10), utc(2026, 11, 23, 13)),
    ("Technical Support P2", utc(2026, 11, 23, 9), utc(2026, 11, 23, 9, 30), utc(2026, 11, 23, 13), utc(2026, 11, 25, 9)),
    ("Technical Support P3", utc(2026, 11, 23, 9), utc(2026, 11, 23, 9, 30), utc(2026, 11, 24, 9), utc(2026, 12, 11, 9)),
    ("Technical Support P4", utc(2026, 11, 23, 9), utc(2026, 11, 23, 9, 30), utc(2026, 11, 24, 9), None),
    ("Support Query", utc(2026, 11, 23, 9), utc(2026, 11, 23, 9, 30), utc(2026, 11, 24, 9), utc(2026, 11, 26, 9)),
    ("Service Task", utc(2026, 11, 23, 9), utc(2026, 11, 23, 9, 30), utc(2026, 11, 26, 9), None),
    # Created outside working hours (Monday 18:00): the clocks start Tuesday 08:00.
    ("Technical Support P1", utc(2026, 11, 23, 18), utc(2026, 11, 24, 8, 30), utc(2026, 11, 24, 9), utc(2026, 11, 24, 12)),
    # A whole working day from opening ends at that day's closing, not at the next opening.
    ("Support Query", utc(2026, 11, 23, 18), utc(2026, 11, 24, 8, 30), utc(2026, 11, 24, 16), utc(2026, 11, 26, 16)),
    # Before opening (Monday 06:30) counts from 08:00 the same day.
    ("Technical Support P2", utc(2026, 11, 23, 6, 30), utc(2026, 11, 23, 8, 30), utc(2026, 11, 23, 12), utc(2026, 11, 24, 16)),
    # Created on Friday afternoon: the rest rolls over the weekend to Monday.
    ("Technical Support P1", utc(2026, 11, 27, 15), utc(2026, 11, 27, 15, 30), utc(2026, 11, 27, 16), utc(2026, 11, 30, 11)),
    ("Technical Support P2", utc(2026, 11, 27, 15), utc(2026, 11, 27, 15, 30), utc(2026, 11, 30, 11), utc(2026, 12, 1, 15)),
    ("Technical Support P1", utc(2026, 11, 27, 15, 45), utc(2026, 11, 30, 8, 15), utc(2026, 11, 30, 8, 45), utc(2026, 11, 30, 11, 45)),
    # Created on Saturday: as if created Monday 08:00.
    ("Service Task", utc(2026, 11, 28, 10), utc(2026, 11, 30, 8, 30), utc(2026, 12, 2, 16), None),
    # Before bank holidays: Christmas (Fri 25), weekend, Boxing Day observed (Mon 28 Dec).
    ("Technical Support P1", utc(2026, 12, 24, 15), utc(2026, 12, 24, 15, 30), utc(2026, 12, 24, 16), utc(2026, 12, 29, 11)),
    ("Support Query", utc(2026, 12, 24, 12), utc(2026, 12, 24, 12, 30), utc(2026, 12, 29, 12), utc(2026, 12, 31, 12)),
    # Thursday before Easter: Good Friday 3 Apr and Easter Monday 6 Apr 2026.
    ("Technical Support P2", utc(2026, 4, 2, 14), utc(2026, 4, 2, 14, 30), utc(2026, 4, 7, 10), utc(2026, 4, 8, 14)),
    # Before the late-summer bank holiday (Mon 31 Aug 2026), created Friday 28 Aug 15:50.
    ("Technical Support P1", utc(2026, 8, 28, 15, 50), utc(2026, 9, 1, 8, 20), utc(2026, 9, 1, 8, 50), utc(2026, 9, 1, 11, 50)),
]


@pytest.mark.parametrize(("row", "created", "response", "review", "resolution"), CASES)
def test_shipped_sla_table(
    shipped: Rules, row: str, created: datetime, response: datetime, review: datetime, resolution: datetime | None
) -> None:
    zendesk_type, zendesk_priority = ROWS[row]
    ticket = make_ticket(type=zendesk_type, priority=zendesk_priority, created_at=created, updated_at=created)
    ev = evaluate(ticket, shipped, now=created)
    assert f"{ev.type} {ev.priority}".startswith(row.split(" P")[0])
    assert dict(ev.due) == {"response": response, "review": review, "resolution": resolution}


def test_every_row_has_its_own_policy(shipped: Rules) -> None:
    names = {evaluate(make_ticket(type=t, priority=p), shipped, now=utc(2026, 11, 23, 9)).sla_policy for t, p in ROWS.values()}
    assert len(names) == len(ROWS)
