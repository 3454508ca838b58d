"""The benchmark report's tables (bench/__main__.py)."""

from __future__ import annotations

import importlib


def test_table_formats_numbers_for_reading() -> None:
    bench_main = importlib.import_module("bench.__main__")
    text = bench_main.table([{"what": "evaluate", "per second": 64999.6, "tickets": 100000, "ok": "yes"}])
    assert text.splitlines() == [
        "| what | per second | tickets | ok |",
        "|---|---|---|---|",
        "| evaluate | 65,000 | 100,000 | yes |",
    ]
    assert bench_main.table([]) == "_no figures_\n"
