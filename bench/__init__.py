"""Benchmarks: `python -m bench` runs every bench_*.py and writes docs/BENCHMARKS.md."""
