"""Benchmarks: a synthetic evidence year (generate.py) and timings."""
