"""The CSV file: names a spreadsheet would run as formulas are written as text."""

from __future__ import annotations

import io

from bridge.report.csv_out import write_csv
from bridge.report.facts import TicketFacts
from bridge.report.monthly import months_to, tally

from .helpers import at


def test_a_name_that_reads_as_a_formula_is_written_as_text() -> None:
    fact = TicketFacts(1, at(2, 9), None, None, None, "P2", "Technical Support", '=HYPERLINK("http://x","y")',
                       "-minus", None, (), {}, {}, ())
    report = tally([fact], months_to(2026, 11, 1), now=at(20, 12), priorities=[("P2", "P2 High")], stages=[])
    out = io.StringIO()
    write_csv(report, out)
    text = out.getvalue()
    assert '\'=HYPERLINK(""http://x"",""y"")' in text and "'-minus" in text
    assert "2026-11,volume,all,created,1" in text and "'1" not in text
