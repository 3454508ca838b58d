"""Run every `bench/bench_*.py` module's `run()` and write docs/BENCHMARKS.md.

Each `run()` returns rows of figures: a list of dicts with the same keys, one table per
module; the module docstring's first line is the table's title.
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import subprocess
import platform
import sys
from collections.abc import Mapping, Sequence
from datetime import datetime, timezone
from pathlib import Path

from bridge.compiled import PURE_ENV, state

ROOT = Path(__file__).resolve().parent.parent


def machine() -> str:
    """CPU model, cores, OS and Python: what the figures depend on."""
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return (
        f"{cpu}, {os.cpu_count()} logical CPUs; {platform.system()} {platform.release()}; "
        f"Python {platform.python_version()} ({platform.python_implementation()})"
    )


def table(rows: Sequence[Mapping[str, object]]) -> str:
    if not rows:
        return "_no figures_\n"
    columns = list(rows[0])
    lines = ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    lines += ["| " + " | ".join(_cell(row.get(c)) for c in columns) + " |" for row in rows]
    return "\n".join(lines) + "\n"


def _cell(value: object) -> str:
    if isinstance(value, float):
        return f"{value:,.3f}" if value < 100 else f"{value:,.0f}"
    if isinstance(value, int) and not isinstance(value, bool):
        return f"{value:,}"
    return str(value)


ROWS_MARK = "BENCH-ROWS:"


# Run twice: on the compiled core, where it is built, and on the Python sources it is compiled from.
BOTH_CORES = ("bench_decide", "bench_rules")


def _run_isolated(name: str, *, pure: bool = False) -> list[dict[str, object]]:
    """One module in a fresh interpreter: what one benchmark leaves in memory (heap
    fragmentation, warm caches, GC generations) must not colour the next one's figures."""
    env = {**os.environ, PURE_ENV: "1"} if pure else None  # else as make bench was called: BRIDGE_PURE_PYTHON=1 holds
    done = subprocess.run(
        [sys.executable, "-m", "bench", "--child", name], cwd=ROOT, env=env, capture_output=True, text=True, check=False
    )
    for line in done.stdout.splitlines():
        if line.startswith(ROWS_MARK):
            rows: list[dict[str, object]] = json.loads(line[len(ROWS_MARK):])
            return rows
    raise SystemExit(f"bench/{name}.py failed (exit {done.returncode}):\n{done.stdout}{done.stderr}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--only", help="run only bench modules whose name contains this")
    parser.add_argument("--output", default=str(ROOT / "docs" / "BENCHMARKS.md"))
    parser.add_argument("--child", help=argparse.SUPPRESS)  # run one module, print its rows as JSON
    args = parser.parse_args(argv)
    sys.path.insert(0, str(ROOT))
    if args.child:
        rows = importlib.import_module(f"bench.{args.child}").run()
        print(ROWS_MARK + json.dumps(rows, default=str), flush=True)
        return 0
    names = sorted(p.stem for p in Path(__file__).parent.glob("bench_*.py"))
    if args.only:
        names = [n for n in names if args.only in n]
    load = " / ".join(f"{v:.2f}" for v in os.getloadavg()) if hasattr(os, "getloadavg") else "n/a"
    sections = []
    for name in names:
        module = importlib.import_module(f"bench.{name}")
        title = (module.__doc__ or name).strip().splitlines()[0]
        print(f"running {name} ...", flush=True)
        rows = _run_isolated(name)
        if name in BOTH_CORES and state() == "compiled":
            rows += _run_isolated(name, pure=True)
        print(table(rows), flush=True)
        sections.append(f"## {title}\n\n`bench/{name}.py`\n\n{table(rows)}")
    now = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    text = (
        "# Benchmarks\n\n"
        "Written by `make bench` (`.venv/bin/python -m bench`); do not edit by hand.\n\n"
        f"- date: {now}\n- machine: {machine()}\n- compiled core (bridge/compiled.py): {state()}\n"
        f"- load average at the start (1 / 5 / 15 min): {load} — other work on a shared machine slows these figures\n"
        "- each benchmark module runs in a fresh interpreter; the rules figures are one process on one core\n\n"
        + "\n".join(sections)
    )
    Path(args.output).write_text(text, encoding="utf-8")
    print(f"wrote {args.output}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
